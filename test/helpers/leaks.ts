/**
 * Test helper: what a test file must not leave behind (open PartitionLogs, running broker
 * processes, in-process brokers, worker pools), and the check test/setup/leak-check.ts runs once
 * each file is done. A leak is cleaned up (logs closed, processes killed) and then fails the
 * file: a log left open keeps flushing into a directory that is being removed (issue 17), and a
 * broker left running keeps a port, a data directory and a core busy for the files after it.
 */
import type { ChildProcess } from 'node:child_process'
import { openLogs, unregister } from '../../src/storage/open-logs.js'
import { closeWorkerPool, openWorkerPools } from '../../src/workers/pool.js'

interface Tracked {
  readonly description: string
  /** Releases the resource when the check finds it left behind. */
  readonly release: () => Promise<unknown>
}

const tracked = new Map<object, Tracked>()
const reported: string[] = []

/** Tracks a resource from now until `untrack(resource)`. */
export function track(resource: object, description: string, release: () => Promise<unknown>): void {
  tracked.set(resource, { description, release })
}

export function untrack(resource: object): void {
  tracked.delete(resource)
}

/** Kills a child process (SIGKILL, which works on a SIGSTOPped one too) and waits for its exit. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGKILL')
  await exited
}

/** Tracks a child process until it exits; a leaked one is killed with SIGKILL. */
export function trackProcess(child: ChildProcess, description: string): void {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  void exited.then(() => untrack(child))
  track(child, `${description} (pid ${child.pid})`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
}

/** Records a leak that another helper found and already cleaned up. */
export function reportLeak(description: string): void {
  reported.push(description)
}

/** Everything left behind so far, one description each; empty when the file cleaned up. */
export function leakedResources(): string[] {
  return [
    ...reported,
    ...openLogs().map(({ dir, log }) =>
      log === undefined ? `PartitionLog on ${dir} dropped without close (garbage-collected)` : `PartitionLog still open on ${dir}`,
    ),
    ...[...tracked.values()].map((t) => t.description),
    ...(openWorkerPools() > 0
      ? [`${openWorkerPools()} WorkerPool(s) not closed: their threads still run (the client's shared one: closeWorkerPool)`]
      : []),
  ]
}

/**
 * Cleans up every leak, then throws an error listing them if there were any. Logs are closed
 * (awaited, so nothing writes into their directories any more) and processes killed.
 */
export async function failOnLeaks(): Promise<void> {
  const leaks = leakedResources()
  if (leaks.length === 0) return
  reported.length = 0
  const releases = [...tracked.values()].map((t) => t.release())
  tracked.clear()
  const logs = openLogs()
  for (const { token } of logs) unregister(token)
  // Only the shared pool can be reached from here; a test's own pool it must close itself.
  await Promise.allSettled([...logs.map(({ log }) => log?.close()), ...releases, closeWorkerPool()])
  throw new Error(
    `Left behind by this file (close or stop each in the test or its hooks, awaited):\n${leaks.map((l) => `  - ${l}`).join('\n')}`,
  )
}
