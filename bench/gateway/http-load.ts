/**
 * What HTTP traffic costs the broker, and what uWebSockets.js buys over node:http:
 *
 *   npm run build && npm run bench:http -- [--seconds 10] [--rounds 3] [--rate 1000]
 *     [--get-connections 32] [--produce-connections 8] [--rest-records 100] [--load-nice 19]
 *     [--metadata-connections 32] [--topics 20] [--skip-latency] [--skip-metadata]
 *     [--baseline-cli <another build's dist/src/cli/main.js>] [--broker-node-arg <flag>]... [--cpu-prof-dir <dir>]
 *
 * (a) Kafka produce latency with and without HTTP load, on one broker process, in one run. A
 * producer on the Kafka listener sends a Produce request (v9, acks=1, one batch of 10 records of
 * 100 bytes) `--rate` times a second on a fixed schedule, whether or not earlier ones were
 * answered, and each latency counts from the scheduled send, so a stalled broker cannot hide its
 * stall (no coordinated omission). `--rounds` rounds of two phases of `--seconds` each, quiet
 * then under HTTP load, compared by their medians over the rounds (other jobs on a shared machine
 * move a single phase's p99 by tens of milliseconds, so many short rounds read better than a few
 * long ones). The broker runs with the V8 flags `npm start` gives it (runtime-flags.ts). With
 * `--baseline-cli`, a second broker from another build runs beside it and the two take turns
 * round by round, so a change is compared under the same machine load. Beside latency, each
 * loaded phase reports what the broker spends per HTTP request: its main thread's CPU time (from
 * /proc/<pid>/task/<pid>/stat; the Kafka producer's 1,000 requests/s are in it too) and its GC
 * time, which the other jobs on the machine move far less than they move a p99.
 * The HTTP load runs in a worker thread: `--get-connections` keep-alive connections repeat
 * GET /topics and `--produce-connections` repeat a REST produce of `--rest-records` JSON records
 * (acks=all), each as fast as the broker answers (saturating). The load thread runs at niceness
 * `--load-nice` (19 by default; 0 to compete with the broker on equal terms), so on two cores it
 * does not take the broker's CPU time. Target: p99 under load within 20% of quiet.
 *
 * (b) Requests/s of GET /topics from the gateway (uWS) and from a node:http server in the same
 * process answering the same route with the same logic (the gateway's body cached per topic-list
 * change) and the same JSON bytes (checked before timing), by the same client (a worker thread, `--metadata-connections` keep-alive connections),
 * alternating two rounds each.
 */
import { createServer } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import type { BrokerContext } from '../../src/broker/broker-context.js'
import { BROKER_NODE_FLAGS } from '../../src/broker/runtime-flags.js'
import { BrokerConfig } from '../../src/common/config/broker-config.js'
import { TopicListBody } from '../../src/gateway/rest/topic-list-body.js'
import { createLogger } from '../../src/common/logger.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { decodeResponse, encodeRequest } from '../../src/protocol/frames.js'
import { encodeRecordBatch } from '../../src/protocol/records.js'
import { flattenChunks } from '../../src/protocol/writer.js'
import { BrokerServer } from '../../src/server.js'
import { BrokerUnderTest } from '../broker/broker-under-test.js'
import { WireConnection } from '../broker/wire-connection.js'
import { freePort } from './free-port.js'
import type { LoadRequest } from './http-client.js'
import type { LoadGroup, LoadWorkerData, LoadWorkerResult } from './load-worker.js'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    'get-connections': { type: 'string', default: '32' },
    'produce-connections': { type: 'string', default: '8' },
    'rest-records': { type: 'string', default: '100' },
    'metadata-connections': { type: 'string', default: '32' },
    topics: { type: 'string', default: '20' },
    'load-nice': { type: 'string', default: '19' },
    rounds: { type: 'string', default: '5' },
    'baseline-cli': { type: 'string' },
    'skip-latency': { type: 'boolean', default: false },
    'skip-metadata': { type: 'boolean', default: false },
    'broker-node-arg': { type: 'string', multiple: true, default: [] },
    'cpu-prof-dir': { type: 'string' },
  },
})
const seconds = Number(args.seconds)
const rate = Number(args.rate)
const rounds = Number(args.rounds)
const V2_JSON = 'application/vnd.kafka.v2+json'
const JSON_V2 = 'application/vnd.kafka.json.v2+json'

function frame(apiKey: number, version: number, body: unknown): Buffer {
  const out = encodeRequest(apiKey as never, version, 0, 'samsa-bench-http', body as never)
  return flattenChunks(out.chunks, out.byteLength)
}

async function createTopics(host: string, port: number, names: readonly string[], partitions: number): Promise<void> {
  const connection = await WireConnection.open(host, port)
  try {
    const created = await new Promise<Buffer>((resolve) => {
      connection.onFrame(resolve)
      connection.send(frame(ApiKeys.CreateTopics, 5, {
        topics: names.map((name) => ({ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] })),
        timeoutMs: 30_000,
        validateOnly: false,
      }))
    })
    const body = decodeResponse(ApiKeys.CreateTopics, 5, created).body as { topics: Array<{ name: string; errorCode: number; errorMessage: string | null }> }
    for (const topic of body.topics) if (topic.errorCode !== 0) throw new Error(`creating ${topic.name} failed: ${topic.errorCode} ${topic.errorMessage}`)
  } finally {
    connection.close()
  }
}

/** Starts HTTP load in a worker thread; resolves once every connection has sent its first request. */
async function startLoad(host: string, port: number, groups: readonly LoadGroup[]): Promise<{ counts(): Promise<number>; stop(): Promise<LoadWorkerResult> }> {
  const worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: { host, port, groups, nice: Number(args['load-nice']) } satisfies LoadWorkerData })
  const failed = new Promise<never>((_, reject) => worker.once('error', reject))
  await Promise.race([new Promise((resolve) => worker.once('message', resolve)), failed])
  return {
    /** Responses so far, all groups. */
    async counts() {
      const reply = new Promise<LoadWorkerResult>((resolve) => worker.once('message', resolve))
      worker.postMessage('count')
      const result = await Promise.race([reply, failed])
      return result.groups.reduce((sum, g) => sum + g.ok + g.failed, 0)
    },
    async stop() {
      const result = new Promise<LoadWorkerResult>((resolve) => worker.once('message', resolve))
      worker.postMessage('stop')
      const counts = await Promise.race([result, failed])
      await worker.terminate()
      return counts
    },
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

interface LatencySummary {
  readonly requests: number
  readonly p50: number
  readonly p99: number
  readonly p999: number
  readonly max: number
}

/**
 * Sends `request` `rate` times a second for `durationS` seconds on one connection and returns
 * the latencies from each scheduled send to its response, in milliseconds.
 */
async function paceProduces(connection: WireConnection, request: Buffer, durationS: number): Promise<LatencySummary> {
  const total = Math.round(rate * durationS)
  const scheduled = new Float64Array(total)
  const latencies = new Float64Array(total)
  let sent = 0
  let answered = 0
  const start = performance.now()
  const intervalMs = 1000 / rate
  await new Promise<void>((resolve, reject) => {
    connection.onFrame((response) => {
      const now = performance.now()
      const body = decodeResponse(ApiKeys.Produce, 9, response).body
      const error = body.responses[0]!.partitionResponses[0]!.errorCode
      if (error !== 0) reject(new Error(`produce failed with error ${error}`))
      latencies[answered] = now - scheduled[answered]!
      if (++answered === total) resolve()
    })
    const tick = (): void => {
      const now = performance.now()
      // Every request whose time has come goes now, at its scheduled time, late or not.
      while (sent < total && start + sent * intervalMs <= now) {
        scheduled[sent] = start + sent * intervalMs
        connection.send(request)
        sent++
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()))
    }
    tick()
  })
  latencies.sort()
  return { requests: total, p50: percentile(latencies, 50), p99: percentile(latencies, 99), p999: percentile(latencies, 99.9), max: latencies[total - 1]! }
}

/** What the broker's own /metrics says about its event loop since the previous scrape, and its GC so far. */
interface BrokerLoop {
  readonly lagP99Ms: number
  readonly lagMaxMs: number
  readonly gcSeconds: number
}

async function brokerLoop(httpPort: number): Promise<BrokerLoop> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()
  const value = (series: string): number => {
    let sum = 0
    for (const line of text.split('\n')) if (line.startsWith(series)) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
    return sum
  }
  return { lagP99Ms: value('nodejs_eventloop_lag_p99_seconds ') * 1000, lagMaxMs: value('nodejs_eventloop_lag_max_seconds ') * 1000, gcSeconds: value('nodejs_gc_duration_seconds_sum') }
}

/** monitorEventLoopDelay's samples include its 10 ms sampling interval (prom-client reports them so). */
const LAG_RESOLUTION_MS = 10

function formatLoop(before: BrokerLoop, after: BrokerLoop): string {
  const beyond = (ms: number): string => Math.max(0, ms - LAG_RESOLUTION_MS).toFixed(1)
  return `broker event-loop delay p99 ${beyond(after.lagP99Ms)} ms, max ${beyond(after.lagMaxMs)} ms; GC ${((after.gcSeconds - before.gcSeconds) * 1000).toFixed(0)} ms`
}

function formatLatency(name: string, s: LatencySummary): string {
  return `${name.padEnd(22)} ${String(s.requests).padStart(7)} produces  p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  p99.9 ${s.p999.toFixed(2)} ms  max ${s.max.toFixed(2)} ms`
}

function formatLoad(result: LoadWorkerResult): string {
  return result.groups
    .map((g) => `${g.name}: ${Math.round(g.ok / result.seconds).toLocaleString('en-US')} req/s${g.failed > 0 ? ` (${g.failed} failed, e.g. ${g.firstFailure})` : ''}`)
    .join('; ')
}

/** One broker whose Kafka latency is measured: this build's, or another's (--baseline-cli). */
interface Subject {
  readonly name: string
  readonly broker: BrokerUnderTest
  readonly httpPort: number
  readonly connection: WireConnection
  readonly quiet: LatencySummary[]
  readonly loaded: LatencySummary[]
  readonly gcQuietMs: number[]
  readonly gcLoadedMs: number[]
  /** Broker main-thread CPU time and GC time per HTTP request served, under load. */
  readonly loopMicrosPerRequest: number[]
  readonly gcMicrosPerRequest: number[]
}

async function startSubject(name: string, cli: string | undefined): Promise<Subject> {
  const httpPort = await freePort()
  const broker = await BrokerUnderTest.start({
    settings: { 'num.partitions': 4 },
    httpPort,
    // As `npm start` runs it (src/broker/runtime-flags.ts): the GC settings shape the pauses measured here.
    nodeArgs: [...BROKER_NODE_FLAGS, ...args['broker-node-arg']],
    ...(args['cpu-prof-dir'] !== undefined && { cpuProfileDir: args['cpu-prof-dir'] }),
    ...(cli !== undefined && { cli }),
  })
  try {
    await createTopics(broker.host, broker.port, ['latency'], 1)
    await createTopics(broker.host, broker.port, ['rest-load'], 4)
    const connection = await WireConnection.open(broker.host, broker.port)
    return { name, broker, httpPort, connection, quiet: [], loaded: [], gcQuietMs: [], gcLoadedMs: [], loopMicrosPerRequest: [], gcMicrosPerRequest: [] }
  } catch (error) {
    await broker.stop()
    throw error
  }
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!

/** One round on one broker: `seconds` quiet, then `seconds` under HTTP load. */
async function measureRound(subject: Subject, round: number, produce: Buffer, groups: readonly LoadGroup[]): Promise<void> {
  const { broker, httpPort, connection } = subject
  const label = (phase: string): string => `${subject.name === '' ? '' : `${subject.name} `}round ${round} ${phase}`
  // Each scrape of the broker's /metrics starts a new event-loop delay window.
  let loop = await brokerLoop(httpPort)
  subject.quiet.push(await paceProduces(connection, produce, seconds))
  let after = await brokerLoop(httpPort)
  subject.gcQuietMs.push((after.gcSeconds - loop.gcSeconds) * 1000)
  console.log(`${formatLatency(label('quiet'), subject.quiet.at(-1)!)}; ${formatLoop(loop, after)}`)
  const load = await startLoad('127.0.0.1', httpPort, groups)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const cpuBefore = broker.cpuSeconds()
  const loopCpuBefore = broker.eventLoopCpuSeconds()
  loop = await brokerLoop(httpPort)
  const counted = await load.counts()
  subject.loaded.push(await paceProduces(connection, produce, seconds))
  after = await brokerLoop(httpPort)
  const served = (await load.counts()) - counted
  const gcMs = (after.gcSeconds - loop.gcSeconds) * 1000
  subject.gcLoadedMs.push(gcMs)
  const brokerCpu = (broker.cpuSeconds() - cpuBefore) / seconds
  const loopCpu = broker.eventLoopCpuSeconds() - loopCpuBefore
  subject.loopMicrosPerRequest.push((loopCpu * 1e6) / served)
  subject.gcMicrosPerRequest.push((gcMs * 1000) / served)
  const counts = await load.stop()
  console.log(`${formatLatency(label('HTTP load'), subject.loaded.at(-1)!)}; ${formatLoop(loop, after)}`)
  console.log(
    `${''.padEnd(22)} ${formatLoad(counts)}; broker CPU ${(brokerCpu * 100).toFixed(0)}% of a core, its event loop ${((loopCpu / seconds) * 100).toFixed(0)}%: ` +
      `${subject.loopMicrosPerRequest.at(-1)!.toFixed(1)} µs of event loop and ${subject.gcMicrosPerRequest.at(-1)!.toFixed(1)} µs of GC per HTTP request`,
  )
}

function summarize(subject: Subject): string {
  const quietP99 = median(subject.quiet.map((s) => s.p99))
  const loadedP99 = median(subject.loaded.map((s) => s.p99))
  return (
    `${subject.name === '' ? '' : `${subject.name}: `}median over ${subject.quiet.length} rounds: p50 ${median(subject.quiet.map((s) => s.p50)).toFixed(2)} → ${median(subject.loaded.map((s) => s.p50)).toFixed(2)} ms, ` +
    `p99 ${quietP99.toFixed(2)} → ${loadedP99.toFixed(2)} ms: ${((loadedP99 / quietP99 - 1) * 100).toFixed(0)}% (target: under +20%); ` +
    `GC per ${seconds} s ${median(subject.gcQuietMs).toFixed(0)} → ${median(subject.gcLoadedMs).toFixed(0)} ms; ` +
    `per HTTP request ${median(subject.loopMicrosPerRequest).toFixed(1)} µs of event loop, ${median(subject.gcMicrosPerRequest).toFixed(1)} µs of GC`
  )
}

async function latencyUnderLoad(): Promise<void> {
  const produce = frame(ApiKeys.Produce, 9, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 30_000,
    topicData: [{
      name: 'latency',
      partitionData: [{ index: 0, records: encodeRecordBatch({ baseTimestamp: Date.now(), records: Array.from({ length: 10 }, () => ({ value: Buffer.alloc(100, 'v') })) }) }],
    }],
  })
  const restRecords = Array.from({ length: Number(args['rest-records']) }, (_, i) => ({ key: `key-${i}`, value: { id: i, name: `record ${i}`, tags: ['a', 'b'] } }))
  const groups = ([
    { name: 'GET /topics', connections: Number(args['get-connections']), requests: [{ method: 'GET', path: '/topics', headers: { accept: V2_JSON } }] },
    {
      name: `POST /topics/rest-load (${restRecords.length} records)`,
      connections: Number(args['produce-connections']),
      requests: [{ method: 'POST', path: '/topics/rest-load', headers: { 'content-type': JSON_V2, accept: V2_JSON }, body: Buffer.from(JSON.stringify({ records: restRecords })) }],
    },
  ] satisfies LoadGroup[]).filter((g) => g.connections > 0)

  const baselineCli = args['baseline-cli']
  const subjects: Subject[] = []
  try {
    // With a baseline, both brokers run side by side and take turns, round by round, so both
    // builds meet the same machine (other jobs on a shared VM move single phases by tens of ms).
    subjects.push(await startSubject(baselineCli === undefined ? '' : 'this build', undefined))
    if (baselineCli !== undefined) subjects.push(await startSubject('baseline', baselineCli))
    console.log(
      `(a) Kafka produce latency, ${rate} produces/s (acks=1, 10 × 100 B), broker ${subjects.map((s) => `${s.name} pid ${s.broker.pid}`).join(', ')}, ${rounds} rounds of ${seconds} s quiet + ${seconds} s loaded, ` +
        `load thread nice ${args['load-nice']}, load average ${loadavg()[0]!.toFixed(1)} at the start`,
    )
    for (const subject of subjects) await paceProduces(subject.connection, produce, Math.min(2, seconds)) // warm-up
    for (let round = 1; round <= rounds; round++) {
      // Alternate which build goes first, so neither always follows the other's load.
      const order = round % 2 === 1 ? subjects : [...subjects].reverse()
      for (const subject of order) await measureRound(subject, round, produce, groups)
    }
    for (const subject of subjects) console.log(summarize(subject))
    console.log(`load average ${loadavg()[0]!.toFixed(1)} at the end`)
  } finally {
    for (const subject of subjects) {
      subject.connection.close()
      await subject.broker.stop()
    }
  }
}

/** What the gateway's GET /topics must answer (src/gateway/rest/topics.ts): user topics' names, sorted. */
function topicNamesJson(broker: BrokerContext): string {
  const names: string[] = []
  for (const topic of broker.metadata.topics()) if (!topic.internal) names.push(topic.name)
  return JSON.stringify(names.sort())
}

async function metadataGet(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-http-'))
  const httpPort = await freePort()
  const config = BrokerConfig.load({ port: '0', dataDir, set: [`http.port=${httpPort}`, 'http.host=127.0.0.1'], env: {} })
  const broker = await BrokerServer.start(config, createLogger('bench', 'silent'))
  // The gateway's own cached body (rest/topic-list-body.ts), so both servers do the same work.
  const topicList = new TopicListBody(broker.context.metadata)
  const nodeServer = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/topics') {
      const body = topicList.current().bytes
      response.writeHead(200, { 'content-type': V2_JSON, 'content-length': body.length })
      response.end(body)
      return
    }
    response.writeHead(404, { 'content-length': 0 })
    response.end()
  })
  try {
    const listener = broker.advertisedListeners[0]!
    await createTopics(listener.host, listener.port, Array.from({ length: Number(args.topics) }, (_, i) => `metadata-topic-${String(i).padStart(3, '0')}`), 1)
    const nodePort = await new Promise<number>((resolve) => nodeServer.listen(0, '127.0.0.1', () => resolve((nodeServer.address() as { port: number }).port)))
    const uwsBody = await (await fetch(`http://127.0.0.1:${httpPort}/topics`, { headers: { accept: V2_JSON } })).text()
    const nodeBody = await (await fetch(`http://127.0.0.1:${nodePort}/topics`)).text()
    if (uwsBody !== nodeBody || uwsBody !== topicNamesJson(broker.context)) throw new Error(`the two servers answer differently:\n${uwsBody}\n${nodeBody}`)
    console.log(`(b) GET /topics (${uwsBody.length} B of JSON, ${Number(args.topics)} topics), ${args['metadata-connections']} keep-alive connections, no pipelining, ${seconds} s per round`)
    const group = (name: string): LoadGroup[] => [
      { name, connections: Number(args['metadata-connections']), requests: [{ method: 'GET', path: '/topics', headers: { accept: V2_JSON } } satisfies LoadRequest] },
    ]
    const results = new Map<string, number[]>([['uWebSockets.js gateway', []], ['node:http', []]])
    for (let round = 0; round < 2; round++) {
      for (const [name, port] of [['uWebSockets.js gateway', httpPort], ['node:http', nodePort]] as const) {
        const load = await startLoad('127.0.0.1', port, group(name))
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
        const result = await load.stop()
        const g = result.groups[0]!
        if (g.failed > 0) throw new Error(`${name}: ${g.failed} requests failed, e.g. ${g.firstFailure}`)
        results.get(name)!.push(g.ok / result.seconds)
        console.log(`  round ${round + 1} ${name.padEnd(24)} ${Math.round(g.ok / result.seconds).toLocaleString('en-US').padStart(8)} req/s`)
      }
    }
    const best = (name: string): number => Math.max(...results.get(name)!)
    console.log(`best of two: uWS ${Math.round(best('uWebSockets.js gateway')).toLocaleString('en-US')} req/s, node:http ${Math.round(best('node:http')).toLocaleString('en-US')} req/s, ratio ${(best('uWebSockets.js gateway') / best('node:http')).toFixed(2)}×`)
  } finally {
    nodeServer.close()
    nodeServer.closeAllConnections()
    await broker.shutdown()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (!args['skip-latency']) await latencyUnderLoad()
if (!args['skip-metadata']) await metadataGet()
