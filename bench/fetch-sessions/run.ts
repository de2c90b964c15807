/**
 * bench:fetch-sessions — what an idle consumer of 1,000 partitions costs with and without an
 * incremental fetch session (KIP-227), in the same run on the same broker:
 * - bytes per idle Fetch request and response on the wire (frames with their size prefix);
 * - the broker's CPU per idle Fetch (user + system time of the broker process over the run,
 *   from /proc/<pid>/stat, divided by the fetches answered) and fetches answered per second.
 *
 * The consumer is caught up on every partition and asks with max_wait_ms 0, so each request is
 * answered at once with nothing new: the cost measured is all bookkeeping. Requests go one at a
 * time on one connection, as a consumer sends them.
 *
 *   npm run build:ts && npm run bench:fetch-sessions -- [--partitions 1000] [--seconds 10]
 */
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { ApiKeys, type RequestInputOf, decodeResponse, encodeRequest, flattenChunks } from '../../src/protocol/index.js'
import { WireConnection } from '../broker/wire-connection.js'
import { BrokerTarget } from '../scale/broker-target.js'

const { values } = parseArgs({
  options: {
    partitions: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    version: { type: 'string', default: '12' },
  },
})
const PARTITIONS = Number(values.partitions)
const SECONDS = Number(values.seconds)
const VERSION = Number(values.version)
const TOPIC = 'fetch-sessions-bench'
const CLOCK_TICKS_PER_SECOND = 100

type FetchBody = RequestInputOf<typeof ApiKeys.Fetch>

/** CPU seconds (user + system) the process has used. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND
}

class Connection {
  readonly #wire: WireConnection
  #waiting: ((frame: Buffer) => void) | null = null
  #correlationId = 0

  constructor(wire: WireConnection) {
    this.#wire = wire
    wire.onFrame((frame) => this.#waiting?.(frame))
  }

  /** Sends one request; resolves with its frame size, the response frame size and the response. */
  async exchange<K extends typeof ApiKeys.Fetch | typeof ApiKeys.CreateTopics | typeof ApiKeys.Metadata>(apiKey: K, body: RequestInputOf<K>, version: number) {
    const out = encodeRequest(apiKey, version, ++this.#correlationId, 'bench-fetch-sessions', body)
    const frame = flattenChunks(out.chunks, out.byteLength)
    const answer = await new Promise<Buffer>((resolve) => {
      this.#waiting = resolve
      this.#wire.send(frame)
    })
    return { requestBytes: frame.length, responseBytes: answer.length + 4, response: decodeResponse(apiKey, version, answer).body }
  }

  close(): void {
    this.#wire.close()
  }
}

function fetchBody(sessionId: number, sessionEpoch: number, offsets: readonly bigint[] | null, topicId: string): FetchBody {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 50 << 20,
    isolationLevel: 0,
    sessionId,
    sessionEpoch,
    topics: offsets === null ? [] : [{
      topic: TOPIC,
      topicId,
      partitions: offsets.map((fetchOffset, partition) => ({ partition, currentLeaderEpoch: 0, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 })),
    }],
    forgottenTopicsData: [],
    rackId: '',
  }
}

interface Figures {
  readonly mode: string
  readonly requestBytes: number
  readonly responseBytes: number
  readonly fetches: number
  readonly fetchesPerSecond: number
  readonly brokerCpuMicrosPerFetch: number
}

async function measure(mode: string, connection: Connection, pid: number, next: () => FetchBody, check: (partitionsReturned: number) => void): Promise<Figures> {
  let requestBytes = 0
  let responseBytes = 0
  let fetches = 0
  const cpuBefore = cpuSeconds(pid)
  const started = performance.now()
  const deadline = started + SECONDS * 1000
  while (performance.now() < deadline) {
    const exchange = await connection.exchange(ApiKeys.Fetch, next(), VERSION)
    if (exchange.response.errorCode !== 0) throw new Error(`${mode}: fetch error ${exchange.response.errorCode}`)
    check(exchange.response.responses.reduce((n, t) => n + t.partitions.length, 0))
    requestBytes = exchange.requestBytes
    responseBytes = exchange.responseBytes
    fetches++
  }
  const elapsed = (performance.now() - started) / 1000
  const cpu = cpuSeconds(pid) - cpuBefore
  return { mode, requestBytes, responseBytes, fetches, fetchesPerSecond: Math.round(fetches / elapsed), brokerCpuMicrosPerFetch: Math.round((cpu / fetches) * 1e6) }
}

async function main(): Promise<void> {
  const broker = BrokerTarget.create('samsa', 0, { 'num.partitions': PARTITIONS })
  await broker.start()
  let connection: Connection | undefined
  try {
    connection = new Connection(await WireConnection.open(broker.host, broker.port))
    const created = await connection.exchange(ApiKeys.CreateTopics, { topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 300_000, validateOnly: false }, 7)
    if (created.response.topics[0]!.errorCode !== 0) throw new Error(`CreateTopics: error ${created.response.topics[0]!.errorCode}`)
    const metadata = await connection.exchange(ApiKeys.Metadata, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TOPIC }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, 12)
    const topicId = metadata.response.topics[0]!.topicId
    const ends = new Array<bigint>(PARTITIONS).fill(0n)

    const sessionless = await measure('full fetches (no session)', connection, broker.pid, () => fetchBody(0, -1, ends, topicId), (n) => {
      if (n !== PARTITIONS) throw new Error(`a full fetch answered ${n} partitions`)
    })
    const full = await connection.exchange(ApiKeys.Fetch, fetchBody(0, 0, ends, topicId), VERSION)
    const sessionId = full.response.sessionId
    if (sessionId === 0) throw new Error('the broker created no fetch session')
    let epoch = 0
    const incremental = await measure('incremental fetches (session)', connection, broker.pid, () => fetchBody(sessionId, ++epoch, null, topicId), (n) => {
      if (n !== 0) throw new Error(`an idle incremental fetch answered ${n} partitions`)
    })
    const load = loadavg().map((l) => l.toFixed(2)).join(' ')
    console.log(`bench:fetch-sessions: ${PARTITIONS} caught-up partitions, Fetch v${VERSION}, max_wait_ms 0, ${SECONDS} s per mode, one connection; load average ${load}`)
    console.table([sessionless, incremental])
    console.log(
      `incremental/full: request ${(incremental.requestBytes / sessionless.requestBytes * 100).toFixed(2)}%, response ${(incremental.responseBytes / sessionless.responseBytes * 100).toFixed(2)}%, broker CPU per fetch ${(incremental.brokerCpuMicrosPerFetch / sessionless.brokerCpuMicrosPerFetch * 100).toFixed(1)}%`,
    )
  } finally {
    connection?.close()
    await broker.dispose()
  }
}

await main()
