/**
 * Failover time: on a three-broker cluster (`samsa cluster up`), a partition with replication
 * factor 3 and min.insync.replicas 2; `kills` times over, the broker leading it gets kill -9 and
 * the time until the first acks=all produce succeeds at the new leader is measured; the broker is
 * then started again and the next round waits until it is back in the ISR. Prints every time and
 * their p50 and max. The time is bounded below by broker.session.timeout.ms (default 9 s): that
 * is how long etcd takes to declare the leader dead.
 *
 *   npm run bench:failover                     # 20 kills
 *   KILLS=5 SESSION_MS=3000 npm run bench:failover
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/index.js'
import { encodeRecordBatch } from '../../src/protocol/records.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const KILLS = Number(process.env['KILLS'] ?? 20)
const SESSION_MS = Number(process.env['SESSION_MS'] ?? 9000)
const BASE_PORT = Number(process.env['BASE_PORT'] ?? 19392)
const ETCD_PORT = Number(process.env['ETCD_PORT'] ?? 23990)
const TOPIC = 'failover-bench'

interface Broker {
  readonly nodeId: number
  readonly port: number
  readonly dataDir: string
  process: ChildProcess | null
}

const work = mkdtempSync(join(tmpdir(), 'samsa-bench-failover-'))
const etcdUrl = `http://127.0.0.1:${ETCD_PORT}`
const settings = ['--set', `broker.session.timeout.ms=${SESSION_MS}`]

function run(args: readonly string[], ready: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-semi-space-size=2', '--single-threaded-gc', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (ready.test(output)) resolve(child)
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000) })
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before it was ready:\n${output}`)))
  })
}

function startBroker(broker: Broker): Promise<void> {
  return run(['start', '--etcd', etcdUrl, '--node-id', String(broker.nodeId), '--port', String(broker.port), '--http-port', '0', '--data-dir', broker.dataDir, ...settings], /ready on/).then((child) => {
    broker.process = child
  })
}

async function request<T>(broker: Broker, call: (c: BrokerConnection) => Promise<T>): Promise<T | undefined> {
  const connection = await BrokerConnection.open({ host: '127.0.0.1', port: broker.port, requestTimeoutMs: 3000, connectTimeoutMs: 1000 }).catch(() => undefined)
  if (connection === undefined) return undefined
  try {
    return await call(connection)
  } catch {
    return undefined
  } finally {
    connection.close()
  }
}

async function partitionState(brokers: readonly Broker[]): Promise<{ leader: number; isr: number[] } | undefined> {
  for (const broker of brokers) {
    if (broker.process === null) continue
    const metadata = await request(broker, (c) => c.request(ApiKeys.Metadata, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false }, 9))
    const partition = metadata?.topics[0]?.partitions.find((p) => p.partitionIndex === 0)
    if (partition !== undefined) return { leader: partition.leaderId, isr: partition.isrNodes }
  }
  return undefined
}

async function produceAcksAll(broker: Broker): Promise<boolean> {
  const records = encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ value: Buffer.from('failover') }] })
  const response = await request(broker, (c) =>
    c.request(ApiKeys.Produce, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] }, 9))
  return response?.responses[0]?.partitionResponses[0]?.errorCode === 0
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`failover bench: timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

async function main(): Promise<void> {
  const etcd = spawn('etcd', ['--name', 'bench', '--data-dir', join(work, 'etcd'), '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
    '--listen-peer-urls', `http://127.0.0.1:${ETCD_PORT + 1}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${ETCD_PORT + 1}`,
    '--initial-cluster', `bench=http://127.0.0.1:${ETCD_PORT + 1}`], { stdio: 'ignore' })
  const brokers: Broker[] = [1, 2, 3].map((nodeId) => ({ nodeId, port: BASE_PORT + nodeId - 1, dataDir: join(work, `broker-${nodeId}`), process: null }))
  try {
    await until('etcd', async () => (await fetch(`${etcdUrl}/health`).then((r) => r.ok, () => false)) || undefined)
    await Promise.all(brokers.map(startBroker))
    const created = await request(brokers[0]!, (c) => c.request(ApiKeys.CreateTopics, {
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 3, assignments: [], configs: [{ name: 'min.insync.replicas', value: '2' }] }],
      timeoutMs: 30_000,
      validateOnly: false,
    }, 5))
    if (created?.topics[0]?.errorCode !== 0) throw new Error(`failover bench: CreateTopics failed: ${JSON.stringify(created?.topics[0])}`)
    const times: number[] = []
    for (let round = 1; round <= KILLS; round++) {
      await until('a leader and a full ISR', async () => {
        const state = await partitionState(brokers)
        return state !== undefined && state.leader >= 0 && state.isr.length === 3 ? state : undefined
      })
      const before = await partitionState(brokers)
      const victim = brokers.find((b) => b.nodeId === before!.leader)!
      if (!(await produceAcksAll(victim))) throw new Error('failover bench: the leader did not take a write before the kill')
      const killedAt = performance.now()
      victim.process!.kill('SIGKILL')
      victim.process = null
      await until('an acks=all write at a new leader', async () => {
        const state = await partitionState(brokers)
        if (state === undefined || state.leader < 0 || state.leader === victim.nodeId) return undefined
        return (await produceAcksAll(brokers.find((b) => b.nodeId === state.leader)!)) || undefined
      })
      const ms = performance.now() - killedAt
      times.push(ms)
      process.stdout.write(`kill ${round}: broker ${victim.nodeId} → first acks=all write at the new leader after ${ms.toFixed(0)} ms\n`)
      await startBroker(victim)
    }
    const sorted = [...times].sort((a, b) => a - b)
    process.stdout.write(`\nfailover over ${times.length} kills (broker.session.timeout.ms ${SESSION_MS}): p50 ${percentile(sorted, 50).toFixed(0)} ms, max ${sorted[sorted.length - 1]!.toFixed(0)} ms\n`)
  } finally {
    for (const broker of brokers) broker.process?.kill('SIGTERM')
    await Promise.all(brokers.map((b) => (b.process === null || b.process.exitCode !== null ? undefined : new Promise((resolve) => b.process!.once('exit', resolve)))))
    etcd.kill('SIGTERM')
    await new Promise((resolve) => (etcd.exitCode !== null ? resolve(undefined) : etcd.once('exit', resolve)))
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
