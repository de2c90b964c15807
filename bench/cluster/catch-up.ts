/**
 * Follower catch-up: how fast a replica that was away copies what it missed, and what that costs
 * the leaders' produce latency meanwhile.
 *
 * Three brokers (one etcd, as `samsa cluster up`), a topic of PARTITIONS partitions with
 * replication factor 3, placed so that broker 3 follows every partition and leads none. Broker 3
 * is stopped cleanly (SIGTERM; STOP_SIGNAL=SIGKILL for a crash instead); SIZE_MB of 1 KiB records are written with acks=all to the
 * partitions' leaders (brokers 1 and 2, still two in sync); then broker 3 starts again and
 * fetches it all back. Measured:
 *
 * - catch-up MB/s: the bytes written while it was away over the time from its restart (the
 *   spawn, process start included) until the controller has it back in the ISR of every
 *   partition (its data directory's growth is printed every second on the way);
 * - a light acks=1 probe producer (one small record every 20 ms to partition 0, led by broker 1):
 *   its produce latency p50/p99/max while broker 3 catches up, against the same probe idle
 *   before the restart.
 *
 *   npm run bench:catch-up                       # 1 GiB
 *   SIZE_MB=100 PARTITIONS=2 npm run bench:catch-up
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/index.js'
import { encodeRecordBatch } from '../../src/protocol/records.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const SIZE_MB = Number(process.env['SIZE_MB'] ?? 1024)
const PARTITIONS = Number(process.env['PARTITIONS'] ?? 4)
const BASE_PORT = Number(process.env['BASE_PORT'] ?? 19692)
const ETCD_PORT = Number(process.env['ETCD_PORT'] ?? 24290)
const TOPIC = 'catch-up-bench'
const RECORD_BYTES = 1024
/** Records per produce request: 256 KiB batches, well under max.message.bytes (1 MiB). */
const RECORDS_PER_BATCH = 256
const PROBE_INTERVAL_MS = 20
/** Idle probing before the restart, for the baseline. */
const BASELINE_MS = 5000
const FOLLOWER = 3
/** How the follower is stopped: SIGTERM (a clean shutdown) by default. */
const STOP_SIGNAL = (process.env['STOP_SIGNAL'] ?? 'SIGTERM') as NodeJS.Signals

interface Broker {
  readonly nodeId: number
  readonly port: number
  readonly dataDir: string
  process: ChildProcess | null
  /** The tail of what every process of this broker printed, shown if the bench fails. */
  output: string
}

const work = mkdtempSync(join(tmpdir(), 'samsa-bench-catch-up-'))
const etcdUrl = `http://127.0.0.1:${ETCD_PORT}`
const brokers: Broker[] = [1, 2, 3].map((nodeId) => ({ nodeId, port: BASE_PORT + nodeId - 1, dataDir: join(work, `broker-${nodeId}`), process: null, output: '' }))
const brokerOf = (nodeId: number): Broker => brokers[nodeId - 1]!
const say = (line: string): void => void process.stdout.write(`${line}\n`)

function startBroker(broker: Broker): Promise<void> {
  const args = ['start', '--etcd', etcdUrl, '--node-id', String(broker.nodeId), '--port', String(broker.port), '--http-port', '0', '--data-dir', broker.dataDir]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-semi-space-size=2', '--single-threaded-gc', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    broker.process = child
    broker.output += `--- started ${new Date().toISOString()} ---\n`
    let ready = false
    const onExit = (code: number | null): void => reject(new Error(`broker ${broker.nodeId} exited (${code}) before it was ready:\n${broker.output}`))
    const keep = (chunk: Buffer): void => {
      broker.output = (broker.output + chunk.toString()).slice(-8000)
      if (!ready && / ready on /.test(chunk.toString())) {
        ready = true
        child.off('exit', onExit)
        resolve()
      }
    }
    child.stdout!.on('data', keep)
    child.stderr!.on('data', keep)
    child.once('exit', onExit)
  })
}

async function stopBroker(broker: Broker, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const child = broker.process
  broker.process = null
  if (child === null || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
}

async function open(broker: Broker): Promise<BrokerConnection> {
  return BrokerConnection.open({ host: '127.0.0.1', port: broker.port, requestTimeoutMs: 45_000, connectTimeoutMs: 2000 })
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`catch-up bench: timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** Leader and ISR of every partition, as broker 1 reports them. */
async function partitions(): Promise<Array<{ index: number; leader: number; isr: number[] }>> {
  const connection = await open(brokerOf(1))
  try {
    const metadata = await connection.request(ApiKeys.Metadata, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false }, 9)
    return (metadata.topics[0]?.partitions ?? []).map((p) => ({ index: p.partitionIndex, leader: p.leaderId, isr: p.isrNodes }))
  } finally {
    connection.close()
  }
}

/** Bytes under a directory (the follower's segments and indexes). */
function directoryBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    try {
      total += entry.isDirectory() ? directoryBytes(path) : statSync(path).size
    } catch {
      // A segment deleted or renamed between readdir and stat.
    }
  }
  return total
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN
const latencyLine = (samples: readonly number[]): string => {
  const sorted = [...samples].sort((a, b) => a - b)
  return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(1)} ms (${sorted.length} produces)`
}

/** The light acks=1 producer whose latency stands for what clients of the leader see. */
class Probe {
  samples: number[] = []
  failures = 0
  #running = true
  #loop: Promise<void>

  constructor(connection: BrokerConnection) {
    const records = encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ value: Buffer.from('probe') }] })
    this.#loop = (async () => {
      while (this.#running) {
        const started = performance.now()
        try {
          const response = await connection.request(ApiKeys.Produce, { transactionalId: null, acks: 1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] }, 9)
          if (response.responses[0]?.partitionResponses[0]?.errorCode === 0) this.samples.push(performance.now() - started)
          else this.failures++
        } catch {
          this.failures++
        }
        const waited = performance.now() - started
        if (waited < PROBE_INTERVAL_MS) await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS - waited))
      }
      connection.close()
    })()
  }

  /** Starts a new sample window; returns the previous one. */
  take(): number[] {
    const taken = this.samples
    this.samples = []
    return taken
  }

  async stop(): Promise<void> {
    this.#running = false
    await this.#loop
  }
}

/** Writes `bytes` with acks=all, one request in flight per partition; returns the seconds taken. */
async function write(bytes: number, leaders: ReadonlyMap<number, BrokerConnection>): Promise<number> {
  const value = Buffer.alloc(RECORD_BYTES, 'x')
  // One batch, sent again and again: the leader assigns the offsets, and with no producer id
  // there is no sequence to repeat, so the same bytes make new records every time.
  const batch = encodeRecordBatch({ baseTimestamp: Date.now(), records: Array.from({ length: RECORDS_PER_BATCH }, () => ({ value })) })
  const requests = Math.ceil(bytes / batch.length)
  let sent = 0
  let lastReport = performance.now()
  const started = performance.now()
  await Promise.all(
    [...leaders].map(async ([partition, connection]) => {
      while (sent < requests) {
        sent++
        const response = await connection.request(ApiKeys.Produce, { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records: batch }] }] }, 9)
        const code = response.responses[0]?.partitionResponses[0]?.errorCode
        if (code !== 0) throw new Error(`catch-up bench: produce to partition ${partition} failed with error code ${code}`)
        if (performance.now() - lastReport > 2000) {
          lastReport = performance.now()
          say(`  written ${((sent * batch.length) / 1e6).toFixed(0)} MB`)
        }
      }
    }),
  )
  return (performance.now() - started) / 1000
}

async function main(): Promise<void> {
  const etcd = spawn('etcd', ['--name', 'bench', '--data-dir', join(work, 'etcd'), '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
    '--listen-peer-urls', `http://127.0.0.1:${ETCD_PORT + 1}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${ETCD_PORT + 1}`,
    '--initial-cluster', `bench=http://127.0.0.1:${ETCD_PORT + 1}`], { stdio: 'ignore' })
  const connections: BrokerConnection[] = []
  let probe: Probe | undefined
  try {
    await until('etcd', async () => (await fetch(`${etcdUrl}/health`).then((r) => r.ok, () => false)) || undefined)
    await Promise.all(brokers.map(startBroker))
    // Ready means registered; the controller may not have seen every registration yet, and
    // refuses a manual assignment naming a broker it has not.
    await until('Metadata to list all three brokers', async () => {
      const connection = await open(brokerOf(1))
      try {
        const metadata = await connection.request(ApiKeys.Metadata, { topics: [], allowAutoTopicCreation: false }, 9)
        return metadata.brokers.length === 3 && metadata.controllerId >= 0 || undefined
      } finally {
        connection.close()
      }
    })
    // Leaders alternate between brokers 1 and 2; broker 3 is the last replica of every partition.
    const assignments = Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, brokerIds: p % 2 === 0 ? [1, 2, 3] : [2, 1, 3] }))
    const created = await until('CreateTopics to succeed', async () => {
      const connection = await open(brokerOf(1))
      try {
        const response = await connection.request(ApiKeys.CreateTopics, {
          topics: [{ name: TOPIC, numPartitions: -1, replicationFactor: -1, assignments, configs: [{ name: 'min.insync.replicas', value: '2' }] }],
          timeoutMs: 30_000,
          validateOnly: false,
        }, 5)
        return response.topics[0]
      } finally {
        connection.close()
      }
    })
    if (created.errorCode !== 0) throw new Error(`catch-up bench: CreateTopics failed: ${JSON.stringify(created)}`)
    await until('every partition to have its leader and a full ISR', async () => {
      const state = await partitions()
      return state.length === PARTITIONS && state.every((p) => p.leader === (p.index % 2 === 0 ? 1 : 2) && p.isr.length === 3) || undefined
    })

    say(`broker ${FOLLOWER} stopped (${STOP_SIGNAL}); writing ${SIZE_MB} MB of ${RECORD_BYTES}-byte records with acks=all to ${PARTITIONS} partitions`)
    await stopBroker(brokerOf(FOLLOWER), STOP_SIGNAL)
    await until(`broker ${FOLLOWER} to leave every ISR`, async () => (await partitions()).every((p) => !p.isr.includes(FOLLOWER)) || undefined, 60_000)
    const leaders = new Map<number, BrokerConnection>()
    for (let p = 0; p < PARTITIONS; p++) {
      const connection = await open(brokerOf(p % 2 === 0 ? 1 : 2))
      connections.push(connection)
      leaders.set(p, connection)
    }
    // One small acks=all write per partition first, with a short timeout, so that a leader that
    // cannot commit says so at once rather than after a long run.
    for (const [partition, connection] of leaders) {
      const records = encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ value: Buffer.from('first') }] })
      const response = await connection.request(ApiKeys.Produce, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] }, 9)
      const code = response.responses[0]?.partitionResponses[0]?.errorCode
      if (code !== 0) {
        throw new Error(`catch-up bench: the first acks=all write to partition ${partition} failed with error code ${code} after broker ${FOLLOWER} was stopped; ` +
          'if the leader logged no error and the controller "refused an ISR change ... INELIGIBLE_REPLICA", the leader is stuck on a refused ISR proposal (STOP_SIGNAL=SIGKILL avoids that race)')
      }
    }
    const bytes = SIZE_MB * 1e6
    const writeSeconds = await write(bytes, leaders)
    say(`written ${SIZE_MB} MB in ${writeSeconds.toFixed(1)} s (${(SIZE_MB / writeSeconds).toFixed(0)} MB/s, acks=all, two replicas in sync)`)

    probe = new Probe(await open(brokerOf(1)))
    // The idle baseline: the same probe with nothing else going on.
    await until('the idle baseline', async () => probe!.samples.length >= BASELINE_MS / PROBE_INTERVAL_MS || undefined, 60_000, 50)
    const idle = probe.take()

    const baseBytes = directoryBytes(brokerOf(FOLLOWER).dataDir)
    const spawned = performance.now()
    await startBroker(brokerOf(FOLLOWER))
    const ready = performance.now()
    let lastPrint = ready
    await until(`broker ${FOLLOWER} to rejoin every ISR`, async () => {
      const state = await partitions()
      if (performance.now() - lastPrint >= 1000) {
        lastPrint = performance.now()
        const copied = directoryBytes(brokerOf(FOLLOWER).dataDir) - baseBytes
        const back = state.filter((p) => p.isr.includes(FOLLOWER)).length
        say(`  +${((lastPrint - spawned) / 1000).toFixed(0)} s: broker ${FOLLOWER} holds ${(copied / 1e6).toFixed(0)} MB more, in the ISR of ${back} of ${PARTITIONS} partitions`)
      }
      return state.every((p) => p.isr.includes(FOLLOWER)) || undefined
    }, 30 * 60_000)
    const rejoined = performance.now()
    const during = probe.take()
    await probe.stop()
    const probeFailures = probe.failures
    probe = undefined

    // From the spawn, not the ready line: a broker starts its replica fetchers as soon as it
    // learns its partitions, before it prints that it is ready.
    const catchUpSeconds = (rejoined - spawned) / 1000
    say('')
    say(`bench:catch-up — ${PARTITIONS} partitions, RF=3, ${SIZE_MB} MB written while broker ${FOLLOWER} was down (${STOP_SIGNAL})`)
    say(`  restart to ready line:              ${((ready - spawned) / 1000).toFixed(2)} s`)
    say(`  restart to back in every ISR:       ${catchUpSeconds.toFixed(2)} s → ${(bytes / 1e6 / catchUpSeconds).toFixed(0)} MB/s caught up (process start included)`)
    say(`  leader probe (acks=1), idle:        ${latencyLine(idle)}`)
    say(`  leader probe during the catch-up:   ${latencyLine(during)}`)
    if (probeFailures > 0) say(`  probe produces that failed:         ${probeFailures}`)
    say('')
  } catch (error) {
    for (const broker of brokers) process.stderr.write(`--- broker ${broker.nodeId} (last output) ---\n${broker.output}\n`)
    throw error
  } finally {
    await probe?.stop()
    for (const connection of connections) connection.close()
    await Promise.all(brokers.map((b) => stopBroker(b)))
    etcd.kill('SIGTERM')
    await new Promise((resolve) => (etcd.exitCode !== null ? resolve(undefined) : etcd.once('exit', resolve)))
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
