/**
 * The broker under benchmark: the real `samsa start` in its own process (as users run it), on a
 * free port with its own data directory, so its event loop is not shared with the load
 * generator. Build first (`npm run build`): this runs dist/src/cli/main.js.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const READY = /ready on (\S+):(\d+)/

export interface BenchBroker {
  readonly bootstrap: string
  readonly child: ChildProcess
  /** Milliseconds from spawn to the ready line. */
  readonly startMs: number
  output(): string
  stop(signal?: NodeJS.Signals): Promise<void>
}

export async function startBroker(dataDir: string, settings: Record<string, string | number>, port = 0): Promise<BenchBroker> {
  const args = [CLI, 'start', '--port', String(port), '--http-port', '0', '--data-dir', dataDir, '--log-level', 'info']
  for (const [key, value] of Object.entries(settings)) args.push('--set', `${key}=${value}`)
  const started = performance.now()
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = READY.exec(output)
      if (match !== null) resolve(`${match[1]}:${match[2]}`)
    })
    void exited.then(() => reject(new Error(`broker exited before it was ready:\n${output}`)))
  })
  const startMs = performance.now() - started
  return {
    bootstrap: address,
    child,
    startMs,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
}

/** The broker's own account of loading groups: records from snapshots, replayed, and ms. */
export function loadReport(output: string): { snapshotRecords: number; replayedRecords: number; ms: number } | null {
  const match = /loaded groups and offsets .*snapshotRecords=(\d+) replayedRecords=(\d+) ms=(\d+)/.exec(output)
  return match === null ? null : { snapshotRecords: Number(match[1]), replayedRecords: Number(match[2]), ms: Number(match[3]) }
}
