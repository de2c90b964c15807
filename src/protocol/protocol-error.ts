/**
 * Errors for malformed protocol input: always `SamsaError` with code `SAMSA_PROTOCOL`.
 *
 * Decoders report *where* a problem sits ("FetchRequest v12: topics[0].partitions[3].fetchOffset:
 * ...") without paying for it on the success path: each struct level catches, prepends its field
 * name to a path kept on the error, and rethrows; the message entry point rewrites the message once.
 * try/catch costs nothing in V8 until something throws.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'

const kPath = Symbol('samsa.protocol.path')

interface PathCarrier {
  [kPath]?: string[]
}

/** A new SAMSA_PROTOCOL error with `message` (and the error that led to it, if any). */
export function protocolError(message: string, cause?: unknown): SamsaError {
  return new SamsaError(ErrorCodes.PROTOCOL, message, cause === undefined ? undefined : { cause })
}

/**
 * Records that `error` happened inside `segment` (a field name or `[index]`) and returns it for
 * rethrowing. Errors that are not SAMSA_PROTOCOL pass through untouched.
 */
export function atPath(error: unknown, segment: string): unknown {
  if (!SamsaError.is(error, ErrorCodes.PROTOCOL)) return error
  const carrier = error as SamsaError & PathCarrier
  const path = carrier[kPath]
  if (path === undefined) carrier[kPath] = [segment]
  else path.push(segment)
  return error
}

/**
 * Rewrites the message of a SAMSA_PROTOCOL error as `<what>: <path>: <original message>` once the
 * error reaches a message entry point. Returns the error for rethrowing.
 */
export function withContext(error: unknown, what: string): unknown {
  if (!SamsaError.is(error, ErrorCodes.PROTOCOL)) return error
  const carrier = error as SamsaError & PathCarrier
  const path = carrier[kPath]
  let where = ''
  if (path !== undefined) {
    // Segments were pushed innermost first.
    for (let i = path.length - 1; i >= 0; i--) {
      const segment = path[i]!
      where += segment.startsWith('[') || where === '' ? segment : `.${segment}`
    }
    carrier[kPath] = undefined
  }
  error.message = where === '' ? `${what}: ${error.message}` : `${what}: ${where}: ${error.message}`
  return error
}
