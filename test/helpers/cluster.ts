/**
 * A real Samsa cluster for integration tests: a real etcd (test/helpers/etcd.ts, one member or
 * three) and N broker processes (test/helpers/broker-process.ts) with node ids 1..N, each started
 * with `--etcd` on a free port with its own data directory.
 *
 *   const cluster = await startCluster({ brokers: 3 })
 *   new Kafka({ brokers: cluster.bootstrap.split(',') })
 *   await cluster.kill(2)                       // SIGKILL broker 2
 *   await cluster.waitUntil(async () => (await cluster.metadata()).brokers.length === 2, 'broker 2 to leave')
 *   await cluster.restart(2)                    // same node id, port and data directory
 *   await cluster.close()                       // also done after the file, even when a test failed
 *
 * - Ready means every broker printed its ready line (it does once it has registered in etcd and
 *   serves) and, unless `waitForMetadata: false`, every broker's Metadata lists all N brokers
 *   and a controller. Every wait polls a condition against a generous deadline; no fixed sleeps.
 * - Cleanup: close() stops the brokers (SIGTERM, SIGKILL after a grace period), then etcd, and
 *   removes every directory. The registry below closes whatever a test file left open in
 *   afterAll, and the broker and etcd helpers kill their processes on process exit.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { type BrokerInfo, Cluster } from '../../src/client/cluster.js'
import { type BrokerOptions, type BrokerProcess, startBroker } from './broker-process.js'
import { type EtcdCluster, startEtcd } from './etcd.js'

type Settings = Readonly<Record<string, string | number | boolean>>

export interface ClusterOptions {
  /** Broker processes, node ids 1..brokers; 3 by default. */
  readonly brokers?: number
  /** etcd members; 1 by default, 3 for tests that lose an etcd member. */
  readonly etcdMembers?: 1 | 3
  /** `--set` for every broker, over the cluster defaults below. */
  readonly settings?: Settings
  /** `--set` for one broker, by node id (e.g. { 2: { 'broker.rack': 'b' } }). */
  readonly brokerSettings?: Readonly<Record<number, Settings>>
  /** `--http-port` for some brokers, by node id: their HTTP gateways serve there (off elsewhere). */
  readonly httpPorts?: Readonly<Record<number, number>>
  readonly env?: Readonly<Record<string, string>>
  /** Per broker, from spawn to ready line; 60 s by default (brokers start side by side on 2 cores). */
  readonly readyTimeoutMs?: number
  /** Wait until every broker's Metadata lists all brokers and a controller; true by default. */
  readonly waitForMetadata?: boolean
}

/** What a broker's Metadata says about the cluster. */
export interface ClusterView {
  readonly controllerId: number
  readonly brokers: readonly BrokerInfo[]
}

export interface TestCluster {
  readonly etcd: EtcdCluster
  /** The current process of each broker, by node id order (index nodeId - 1); restart() replaces one. */
  readonly brokers: readonly BrokerProcess[]
  /** `host:port,host:port,...` of every broker; ports stay the same across restarts. */
  readonly bootstrap: string
  /** The current process of broker `nodeId`. */
  broker(nodeId: number): BrokerProcess
  /** Stops broker `nodeId` if it is running (SIGTERM) and starts it again on its port and data directory. */
  restart(nodeId: number, options?: Omit<BrokerOptions, 'dataDir' | 'port' | 'nodeId' | 'etcd'>): Promise<BrokerProcess>
  /** SIGKILL broker `nodeId` and wait for it to exit. */
  kill(nodeId: number): Promise<void>
  /** Send `signal` (SIGTERM by default) and wait for the exit; resolves with the exit code. */
  stop(nodeId: number, signal?: NodeJS.Signals): Promise<number | null>
  /** SIGSTOP: the broker keeps its sockets and its etcd lease until the lease expires, and answers nothing. */
  pause(nodeId: number): void
  /** SIGCONT after pause(). */
  resume(nodeId: number): void
  /** Metadata as broker `nodeId` (the first running broker by default) reports it. */
  metadata(nodeId?: number): Promise<ClusterView>
  /** Polls `condition` every 100 ms until it holds; the error names `what` and shows the brokers' output. */
  waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs?: number): Promise<void>
  /** The tail of every broker's output, for assertion messages. */
  output(): string
  /** Stops every broker and etcd and removes the data directories. Safe to call twice. */
  close(): Promise<void>
}

/**
 * Settings that make a cluster's tests quicker without changing what they test: a broker that
 * stops renewing its lease is noticed after 6 s instead of 9 s.
 */
const clusterDefaults: Settings = {
  'broker.session.timeout.ms': 6000,
  'broker.heartbeat.interval.ms': 1000,
}

/** A SIGTERMed broker gets this long for its clean shutdown before close() kills it. */
const STOP_GRACE_MS = 15_000

/** The helper's process registry: clusters not closed yet. */
const open = new Set<TestCluster>()
const dataRoots = new Set<string>()

afterAll(async () => {
  await Promise.all([...open].map((cluster) => cluster.close()))
})

process.once('exit', () => {
  // The broker and etcd helpers SIGKILL their processes on exit; this removes the directories.
  for (const dir of dataRoots) rmSync(dir, { recursive: true, force: true })
})

export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const count = options.brokers ?? 3
  const dataRoot = mkdtempSync(join(tmpdir(), 'samsa-cluster-'))
  dataRoots.add(dataRoot)
  let etcd: EtcdCluster | undefined
  const brokers: BrokerProcess[] = []
  const optionsOf = (nodeId: number): BrokerOptions => ({
    nodeId,
    etcd: etcd!.endpoints,
    dataDir: join(dataRoot, `broker-${nodeId}`),
    settings: { ...clusterDefaults, ...options.settings, ...options.brokerSettings?.[nodeId] },
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    ...(options.httpPorts?.[nodeId] !== undefined && { httpPort: options.httpPorts[nodeId] }),
    ...(options.env !== undefined && { env: options.env }),
  })

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all(brokers.map((broker) => stopWithGrace(broker)))
      await etcd?.close()
      rmSync(dataRoot, { recursive: true, force: true })
      dataRoots.delete(dataRoot)
      open.delete(cluster)
    })()
    return closing
  }

  const output = (): string => brokers.map((b) => `--- broker ${b.nodeId} ---\n${b.output().slice(-4000)}`).join('\n')

  const waitUntil = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs
    let last: unknown
    for (;;) {
      try {
        if (await condition()) return
      } catch (error) {
        // A broker that is restarting refuses connections for a moment: poll again.
        last = error
      }
      if (Date.now() > deadline) {
        const because = last === undefined ? '' : ` (last error: ${(last as Error).message})`
        throw new Error(`waited ${timeoutMs} ms for ${what}${because}\n${output()}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  const current = (nodeId: number): BrokerProcess => {
    const broker = brokers[nodeId - 1]
    if (broker === undefined) throw new Error(`this cluster has brokers 1-${brokers.length}, not ${nodeId}`)
    return broker
  }

  const cluster: TestCluster = {
    get etcd() {
      return etcd!
    },
    get brokers() {
      return brokers
    },
    get bootstrap() {
      return brokers.map((b) => b.bootstrap).join(',')
    },
    broker: current,
    async restart(nodeId, more = {}) {
      const previous = current(nodeId)
      await stopWithGrace(previous)
      const base = optionsOf(nodeId)
      const next = await startBroker({ ...base, ...more, settings: { ...base.settings, ...more.settings }, port: previous.port })
      brokers[nodeId - 1] = next
      return next
    },
    kill: (nodeId) => current(nodeId).kill(),
    stop(nodeId, signal = 'SIGTERM') {
      if (signal === 'SIGSTOP' || signal === 'SIGCONT' || signal === 'SIGTSTP') {
        throw new Error(`stop() waits for the broker to exit, which ${signal} does not do; use pause() and resume()`)
      }
      return current(nodeId).stop(signal)
    },
    pause: (nodeId) => void current(nodeId).child.kill('SIGSTOP'),
    resume: (nodeId) => void current(nodeId).child.kill('SIGCONT'),
    async metadata(nodeId) {
      const broker = nodeId === undefined ? brokers.find(isRunning) : current(nodeId)
      if (broker === undefined) throw new Error('no broker of this cluster is running')
      const client = new Cluster({ bootstrapServers: broker.bootstrap, clientId: 'cluster-helper', requestTimeoutMs: 5000 })
      try {
        await client.refreshMetadata([])
        return { controllerId: client.controllerId, brokers: client.brokers() }
      } finally {
        client.close()
      }
    },
    waitUntil,
    output,
    close,
  }
  open.add(cluster)

  try {
    etcd = await startEtcd({ members: options.etcdMembers ?? 1 })
    for (let nodeId = 1; nodeId <= count; nodeId++) mkdirSync(join(dataRoot, `broker-${nodeId}`))
    // Side by side: each start waits on etcd, not on the CPU, for much of its time.
    const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startBroker(optionsOf(i + 1))))
    for (const result of started) if (result.status === 'fulfilled') brokers.push(result.value)
    const failed = started.find((result) => result.status === 'rejected')
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
    brokers.sort((a, b) => a.nodeId - b.nodeId)
    if (options.waitForMetadata ?? true) {
      for (const broker of brokers) {
        await waitUntil(
          async () => {
            const view = await cluster.metadata(broker.nodeId)
            return view.brokers.length === count && view.controllerId >= 0
          },
          `broker ${broker.nodeId}'s Metadata to list all ${count} brokers and a controller`,
        )
      }
    }
  } catch (error) {
    await close()
    throw error
  }
  return cluster
}

function isRunning(broker: BrokerProcess): boolean {
  return broker.child.exitCode === null && broker.child.signalCode === null
}

async function stopWithGrace(broker: BrokerProcess): Promise<void> {
  if (!isRunning(broker)) return
  // A paused broker would never see SIGTERM.
  broker.child.kill('SIGCONT')
  const timer = setTimeout(() => void broker.kill(), STOP_GRACE_MS)
  await broker.stop()
  clearTimeout(timer)
}
