/**
 * A broker for the scale benches: `samsa start` in its own process on a given data directory,
 * optionally under an open-file limit (through prlimit, which execs node, so the pid is the
 * broker's), with the time from spawn to its ready line and from a signal to its exit.
 * `cli` picks the build to run, so the same bench measures another checkout (before/after).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

export const DEFAULT_CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const READY = /ready on (\S+):(\d+)/

export interface ScaleBrokerOptions {
  readonly dataDir: string
  readonly cli?: string
  readonly settings?: Readonly<Record<string, string | number>>
  /** Soft and hard RLIMIT_NOFILE for the broker. */
  readonly openFileLimit?: number
}

export interface ScaleBroker {
  readonly bootstrap: string
  readonly pid: number
  /** Milliseconds from spawn to the ready line. */
  readonly startMs: number
  output(): string
  /** Sends `signal` and resolves with the milliseconds until the process exited. */
  stop(signal?: NodeJS.Signals): Promise<number>
}

export async function startScaleBroker(options: ScaleBrokerOptions): Promise<ScaleBroker> {
  const args = [options.cli ?? DEFAULT_CLI, 'start', '--port', '0', '--http-port', '0', '--data-dir', options.dataDir, '--log-level', 'info']
  for (const [key, value] of Object.entries(options.settings ?? {})) args.push('--set', `${key}=${value}`)
  const [command, commandArgs] = options.openFileLimit === undefined
    ? [process.execPath, args]
    : ['prlimit', [`--nofile=${options.openFileLimit}:${options.openFileLimit}`, process.execPath, ...args]]
  const started = performance.now()
  const child: ChildProcess = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now())))
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const bootstrap = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = READY.exec(output)
      if (match !== null) resolve(`${match[1]}:${match[2]}`)
    })
    void exited.then(() => reject(new Error(`broker exited before it was ready:\n${output.slice(-4000)}`)))
  })
  const startMs = performance.now() - started
  return {
    bootstrap,
    pid: child.pid!,
    startMs,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      const sent = performance.now()
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return (await exited) - sent
    },
  }
}
