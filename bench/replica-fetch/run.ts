/**
 * bench:replica-fetch — what an idle follower of 1,000 partitions sends and receives per replica
 * fetch with and without an incremental fetch session (KIP-227), in the same run.
 *
 * Two brokers (one etcd) and two topics of PARTITIONS partitions, replication factor 2: broker 1
 * leads `replica-fetch-full` with max.incremental.fetch.session.cache.slots=0, so its follower
 * (broker 2) can get no session and sends full fetches; broker 2 leads `replica-fetch-session`
 * with the default slots, so its follower (broker 1) fetches through a session. Each broker
 * advertises a port where a counting TCP proxy forwards to its listener, so the followers'
 * fetchers connect through the proxies and every Fetch frame between the brokers is measured
 * (bytes with the 4-byte size prefix, requests paired with responses by correlation id).
 *
 * Nothing is produced: once both followers are in every ISR, every fetch is idle and waits
 * replica.fetch.wait.max.ms (500 ms) at the leader. The figures are the mean bytes per fetch
 * over a window of WINDOW_S seconds after that.
 *
 *   npm run build:ts && npm run bench:replica-fetch            # PARTITIONS=1000 WINDOW_S=10
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { type Server, type Socket, connect, createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/index.js'
import { FrameDecoder } from '../../src/protocol/frame-decoder.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const PARTITIONS = Number(process.env['PARTITIONS'] ?? 1000)
const WINDOW_S = Number(process.env['WINDOW_S'] ?? 10)
const BASE_PORT = Number(process.env['BASE_PORT'] ?? 19792)
const ETCD_PORT = Number(process.env['ETCD_PORT'] ?? 24390)
const FULL_TOPIC = 'replica-fetch-full'
const SESSION_TOPIC = 'replica-fetch-session'
const REPLICA_FETCHER_CLIENT = 'samsa-replica-fetcher-'

const say = (line: string): void => void process.stdout.write(`${line}\n`)
const work = mkdtempSync(join(tmpdir(), 'samsa-bench-replica-fetch-'))
const etcdUrl = `http://127.0.0.1:${ETCD_PORT}`

/** Replica Fetch frames through one proxy: counts and bytes of requests and their responses. */
class FetchMeter {
  requests = 0
  requestBytes = 0
  responses = 0
  responseBytes = 0
  snapshot(): FetchMeter {
    return Object.assign(new FetchMeter(), this)
  }
}

/**
 * A TCP proxy in front of one broker's listener that meters the Fetch requests of replica
 * fetchers (client id samsa-replica-fetcher-N) and the responses to them.
 */
class MeteringProxy {
  readonly meter = new FetchMeter()
  readonly #server: Server
  readonly #sockets = new Set<Socket>()

  constructor(readonly port: number, targetPort: number) {
    this.#server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: targetPort, noDelay: true })
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket)
        socket.on('close', () => this.#sockets.delete(socket))
        socket.on('error', () => undefined)
      }
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
      /** Correlation ids of metered requests awaiting their response. */
      const pending = new Set<number>()
      const requests = new FrameDecoder({ kind: 'request', maxFrameBytes: 1 << 30, limitName: 'the proxy\'s request limit' })
      const responses = new FrameDecoder({ kind: 'response', maxFrameBytes: 1 << 30, limitName: 'the proxy\'s response limit' })
      client.on('data', (chunk: Buffer) => {
        upstream.write(chunk)
        requests.push(chunk, (frame) => {
          // Request header: api_key int16, api_version int16, correlation_id int32, client_id string.
          if (frame.readInt16BE(0) !== ApiKeys.Fetch) return
          const clientIdLength = frame.readInt16BE(8)
          if (!frame.toString('latin1', 10, 10 + clientIdLength).startsWith(REPLICA_FETCHER_CLIENT)) return
          pending.add(frame.readInt32BE(4))
          this.meter.requests++
          this.meter.requestBytes += frame.length + 4
        })
      })
      upstream.on('data', (chunk: Buffer) => {
        client.write(chunk)
        responses.push(chunk, (frame) => {
          if (!pending.delete(frame.readInt32BE(0))) return
          this.meter.responses++
          this.meter.responseBytes += frame.length + 4
        })
      })
    })
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(this.port, '127.0.0.1', resolve))
  }

  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}

interface Broker {
  readonly nodeId: number
  readonly port: number
  readonly proxy: MeteringProxy
  readonly settings: readonly string[]
  process: ChildProcess | null
  output: string
}

const brokers: Broker[] = [1, 2].map((nodeId) => {
  const port = BASE_PORT + nodeId - 1
  return {
    nodeId,
    port,
    proxy: new MeteringProxy(BASE_PORT + 10 + nodeId - 1, port),
    // Broker 1 serves no fetch sessions: its follower fetches in full.
    settings: nodeId === 1 ? ['max.incremental.fetch.session.cache.slots=0'] : [],
    process: null,
    output: '',
  }
})

function startBroker(broker: Broker): Promise<void> {
  const args = ['start', '--etcd', etcdUrl, '--node-id', String(broker.nodeId), '--port', String(broker.port), '--http-port', '0', '--data-dir', join(work, `broker-${broker.nodeId}`),
    '--set', `advertised.listeners=PLAINTEXT://127.0.0.1:${broker.proxy.port}`, ...broker.settings.flatMap((s) => ['--set', s])]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    broker.process = child
    const onExit = (code: number | null): void => reject(new Error(`broker ${broker.nodeId} exited (${code}) before it was ready:\n${broker.output}`))
    const keep = (chunk: Buffer): void => {
      broker.output = (broker.output + chunk.toString()).slice(-8000)
      if (/ ready on /.test(chunk.toString())) {
        child.off('exit', onExit)
        resolve()
      }
    }
    child.stdout!.on('data', keep)
    child.stderr!.on('data', keep)
    child.once('exit', onExit)
  })
}

async function stopBroker(broker: Broker): Promise<void> {
  const child = broker.process
  broker.process = null
  if (child === null || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`replica-fetch bench: timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function withConnection<T>(use: (connection: BrokerConnection) => Promise<T>): Promise<T> {
  const connection = await BrokerConnection.open({ host: '127.0.0.1', port: brokers[0]!.port, requestTimeoutMs: 60_000, connectTimeoutMs: 2000 })
  try {
    return await use(connection)
  } finally {
    connection.close()
  }
}

/** Whether every partition of `topic` has `leader` and both brokers in its ISR. */
async function settled(topic: string, leader: number): Promise<true | undefined> {
  return withConnection(async (connection) => {
    const metadata = await connection.request(ApiKeys.Metadata, { topics: [{ name: topic }], allowAutoTopicCreation: false }, 9)
    const partitions = metadata.topics[0]?.partitions ?? []
    return (partitions.length === PARTITIONS && partitions.every((p) => p.leaderId === leader && p.isrNodes.length === 2)) || undefined
  })
}

function perFetch(before: FetchMeter, after: FetchMeter): { fetches: number; requestBytes: number; responseBytes: number } {
  const fetches = after.responses - before.responses
  return {
    fetches,
    requestBytes: Math.round((after.requestBytes - before.requestBytes) / Math.max(1, after.requests - before.requests)),
    responseBytes: Math.round((after.responseBytes - before.responseBytes) / Math.max(1, fetches)),
  }
}

async function main(): Promise<void> {
  const etcd = spawn('etcd', ['--name', 'bench', '--data-dir', join(work, 'etcd'), '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
    '--listen-peer-urls', `http://127.0.0.1:${ETCD_PORT + 1}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${ETCD_PORT + 1}`,
    '--initial-cluster', `bench=http://127.0.0.1:${ETCD_PORT + 1}`], { stdio: 'ignore' })
  try {
    await Promise.all(brokers.map((b) => b.proxy.listen()))
    await until('etcd', async () => (await fetch(`${etcdUrl}/health`).then((r) => r.ok, () => false)) || undefined)
    await Promise.all(brokers.map(startBroker))
    await until('Metadata to list both brokers', () => withConnection(async (c) => {
      const metadata = await c.request(ApiKeys.Metadata, { topics: [], allowAutoTopicCreation: false }, 9)
      return (metadata.brokers.length === 2 && metadata.controllerId >= 0) || undefined
    }))
    for (const [topic, replicas] of [[FULL_TOPIC, [1, 2]], [SESSION_TOPIC, [2, 1]]] as const) {
      const assignments = Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, brokerIds: [...replicas] }))
      const created = await until(`CreateTopics ${topic}`, () => withConnection(async (c) => {
        const response = await c.request(ApiKeys.CreateTopics, { topics: [{ name: topic, numPartitions: -1, replicationFactor: -1, assignments, configs: [] }], timeoutMs: 60_000, validateOnly: false }, 5)
        return response.topics[0]
      }))
      if (created.errorCode !== 0) throw new Error(`replica-fetch bench: CreateTopics ${topic} failed: ${JSON.stringify(created)}`)
    }
    await until('both followers in every ISR', async () => ((await settled(FULL_TOPIC, 1)) && (await settled(SESSION_TOPIC, 2))) || undefined)
    // A few idle fetches more, so that every high watermark the ISR changes moved has been sent.
    const warm = brokers.map((b) => b.proxy.meter.responses + 4)
    await until('idle fetches', async () => brokers.every((b, i) => b.proxy.meter.responses >= warm[i]!) || undefined)

    const before = brokers.map((b) => b.proxy.meter.snapshot())
    await new Promise((resolve) => setTimeout(resolve, WINDOW_S * 1000))
    const [full, session] = brokers.map((b, i) => perFetch(before[i]!, b.proxy.meter.snapshot()))
    if (full!.fetches === 0 || session!.fetches === 0) throw new Error(`replica-fetch bench: a follower made no fetch in the window (full ${full!.fetches}, session ${session!.fetches})`)
    const load = loadavg().map((l) => l.toFixed(2)).join(' ')
    say(`bench:replica-fetch: an idle follower of ${PARTITIONS} partitions (one leader), Fetch v12, replica.fetch.wait.max.ms 500, ${WINDOW_S} s window; load average ${load}`)
    console.table([
      { mode: 'full fetches (leader has no session slots)', ...full },
      { mode: 'incremental fetches (session)', ...session },
    ])
    say(`incremental/full: request ${((session!.requestBytes / full!.requestBytes) * 100).toFixed(2)}%, response ${((session!.responseBytes / full!.responseBytes) * 100).toFixed(2)}%`)
  } catch (error) {
    for (const broker of brokers) process.stderr.write(`--- broker ${broker.nodeId} (last output) ---\n${broker.output}\n`)
    throw error
  } finally {
    await Promise.all(brokers.map(stopBroker))
    await Promise.all(brokers.map((b) => b.proxy.close()))
    etcd.kill('SIGTERM')
    await new Promise((resolve) => (etcd.exitCode !== null ? resolve(undefined) : etcd.once('exit', resolve)))
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
