/**
 * How `samsa` commands fail: a usage error (exit 2) says what was wrong with the command line
 * and what to type instead; any other SamsaError (exit 1) prints its message; anything else is
 * a bug and prints its stack.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { ErrorCodes, SamsaError } from '../common/errors.js'

export function usageError(message: string): SamsaError {
  return new SamsaError(ErrorCodes.USAGE, message)
}

/** node:util's parseArgs, with a bad command line reported as a usage error (exit 2). */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config)
  } catch (error) {
    throw usageError((error as Error).message)
  }
}

export function reportAndExit(error: unknown, command: string): never {
  if (SamsaError.is(error, ErrorCodes.USAGE)) {
    process.stderr.write(`samsa ${command}: ${error.message}\nRun 'samsa ${command} --help' for usage.\n`)
    process.exit(2)
  }
  if (SamsaError.is(error)) {
    process.stderr.write(`samsa ${command}: ${error.message}\n`)
    process.exit(1)
  }
  process.stderr.write(`samsa ${command}: unexpected error\n${(error as Error)?.stack ?? String(error)}\n`)
  process.exit(1)
}
