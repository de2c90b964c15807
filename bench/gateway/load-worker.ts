/**
 * A worker thread that runs HTTP load (http-client.ts) on its own event loop, so the load
 * generator neither delays the Kafka producer whose latency the bench measures nor is delayed by
 * it. Started with `workerData` naming the server and the connection groups; `count` in a
 * message answers with the counts per group so far, `stop` ends the load and answers with the
 * counts per group and the seconds measured.
 *
 * With `nice`, the thread lowers its own scheduling priority (Linux applies setpriority to a
 * thread id), so on a machine with fewer free cores than busy threads the broker gets the CPU
 * first and the load saturates the broker rather than starving it of CPU time; the bench then
 * measures what serving HTTP costs the broker, not how the kernel shares two cores.
 */
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { type LoadCounts, LoadConnection, type LoadRequest, encodeRequest } from './http-client.js'

export interface LoadGroup {
  readonly name: string
  readonly connections: number
  readonly requests: readonly LoadRequest[]
}

export interface LoadWorkerData {
  readonly host: string
  readonly port: number
  readonly groups: readonly LoadGroup[]
  /** A niceness for this thread (0-19), or undefined to keep the process's. */
  readonly nice?: number
}

export interface LoadWorkerResult {
  readonly seconds: number
  readonly groups: ReadonlyArray<{ readonly name: string } & LoadCounts>
}

const data = workerData as LoadWorkerData
if (data.nice !== undefined) {
  // /proc/thread-self is /proc/<pid>/task/<tid>.
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), data.nice)
}
const hostHeader = `${data.host}:${data.port}`
const counts = data.groups.map((group) => ({ name: group.name, ok: 0, failed: 0, firstFailure: null as string | null }))
const connections: LoadConnection[] = []
for (let g = 0; g < data.groups.length; g++) {
  const group = data.groups[g]!
  // Requests arrive through structured clone: body Buffers come back as Uint8Arrays.
  const frames = group.requests.map((r) => encodeRequest(hostHeader, { ...r, ...(r.body !== undefined && { body: Buffer.from(r.body) }) }))
  for (let c = 0; c < group.connections; c++) connections.push(await LoadConnection.open(data.host, data.port, frames, counts[g]!))
}
const started = performance.now()
for (const connection of connections) connection.start()
parentPort!.postMessage({ started: true })

parentPort!.on('message', async (message: 'count' | 'stop') => {
  const seconds = (performance.now() - started) / 1000
  const snapshot = counts.map((c) => ({ ...c }))
  if (message === 'count') {
    parentPort!.postMessage({ seconds, groups: snapshot } satisfies LoadWorkerResult)
    return
  }
  await Promise.all(connections.map((c) => c.stop()))
  for (const connection of connections) connection.close()
  parentPort!.postMessage({ seconds, groups: snapshot } satisfies LoadWorkerResult)
})
