/**
 * Broker throughput: produce, then fetch the same data from the start, against the real broker
 * process, and report records/s, MB/s and the broker's CPU-seconds per GB.
 *
 *   npm run build && npm run bench:broker -- [--records 4000000] [--partitions 8]
 *     [--record-bytes 100] [--batch-bytes 65536] [--connections 4] [--in-flight 8]
 *     [--fetch-connections 4] [--fetch-rounds 1] [--isolation-level 0|1] [--cpu-prof <dir>]
 *     [--skip-fetch] [--keep-data]
 *     [--broker-node-args=--perf-basic-prof] [--broker-cli <other build>/dist/src/cli/main.js]
 *
 * Produce: batches of 100-byte records (about 64 KiB each, uncompressed, no producer id) are
 * encoded once with src/protocol's encodeRecordBatch, wrapped in one pre-encoded Produce request
 * (v9, acks=1) per partition, and those same frames are written again and again, pipelined
 * (`--in-flight` requests outstanding per connection), so the driver costs little more than
 * the write() calls. Every response is decoded and must carry no error.
 *
 * Fetch: `--fetch-connections` connections each read their share of the partitions from offset
 * 0 (Fetch v16 by topic id, 4 MiB per partition, 32 MiB per response) until they reach the high
 * watermark, one request in flight per connection, as a consumer does. Every batch received is
 * checked (framing, CRC-32C, offsets follow on) and the record count must equal what was produced.
 * `--isolation-level 1` fetches read_committed (bounded by the last stable offset, with the
 * aborted-transaction lookup), to compare with read_uncommitted on the same data.
 *
 * The broker's CPU time comes from /proc/<pid>/stat before and after each phase. `--cpu-prof`
 * makes the broker write a V8 CPU profile into that directory at shutdown.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { decodeResponse, encodeRequest } from '../../src/protocol/frames.js'
import { flattenChunks } from '../../src/protocol/writer.js'
import { encodeRecordBatch, type RecordInput } from '../../src/protocol/records.js'
import {
  LOG_OVERHEAD,
  batchBaseOffset,
  batchLastOffsetDelta,
  batchRecordsCount,
  nextBatch,
} from '../../src/protocol/record-batch.js'
import { crc32c } from '../../src/storage/native.js'
import { BrokerUnderTest } from './broker-under-test.js'
import { WireConnection } from './wire-connection.js'

const TOPIC = 'bench'
const PRODUCE_VERSION = 9
const FETCH_VERSION = 16
const METADATA_VERSION = 12

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '4000000' },
    partitions: { type: 'string', default: '8' },
    'record-bytes': { type: 'string', default: '100' },
    'batch-bytes': { type: 'string', default: '65536' },
    connections: { type: 'string', default: '4' },
    'in-flight': { type: 'string', default: '8' },
    'fetch-connections': { type: 'string', default: '4' },
    'cpu-prof': { type: 'string' },
    'keep-data': { type: 'boolean', default: false },
    'skip-fetch': { type: 'boolean', default: false },
    'broker-node-args': { type: 'string', default: '' },
    'broker-cli': { type: 'string' },
    'fetch-rounds': { type: 'string', default: '1' },
    'isolation-level': { type: 'string', default: '0' },
    // A directory with ca.pem and server.keystore.pem: the broker serves one SSL listener and the
    // driver talks TLS to it (bench/security/tls.ts makes the directory and compares).
    'ssl-dir': { type: 'string' },
  },
})
const recordsWanted = Number(args.records)
const partitions = Number(args.partitions)
const recordBytes = Number(args['record-bytes'])
const batchBytes = Number(args['batch-bytes'])
const connections = Number(args.connections)
const inFlight = Number(args['in-flight'])
const fetchConnections = Math.min(Number(args['fetch-connections']), partitions)
const sslDir = args['ssl-dir']
const tls = sslDir === undefined ? null : { ca: readFileSync(join(sslDir, 'ca.pem')), servername: 'localhost' }
const open = (broker: BrokerUnderTest): Promise<WireConnection> => WireConnection.open(broker.host, broker.port, tls)

interface PhaseResult {
  readonly records: number
  readonly bytes: number
  readonly seconds: number
  readonly brokerCpuSeconds: number
  readonly driverCpuSeconds: number
}

function report(name: string, r: PhaseResult): void {
  const gb = r.bytes / 1e9
  console.log(
    `${name.padEnd(8)} ${r.records.toLocaleString('en')} records, ${(r.bytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(2)} s: ` +
      `${Math.round(r.records / r.seconds).toLocaleString('en')} records/s, ${(r.bytes / 1e6 / r.seconds).toFixed(1)} MB/s; ` +
      `broker CPU ${r.brokerCpuSeconds.toFixed(2)} s = ${(r.brokerCpuSeconds / gb).toFixed(2)} CPU-s/GB ` +
      `(${Math.round((100 * r.brokerCpuSeconds) / r.seconds)}% of a core); driver CPU ${r.driverCpuSeconds.toFixed(2)} s`,
  )
}

/** One batch of `count` records of `recordBytes` each, as a producer sends it. */
function buildBatch(count: number, seed: number): Buffer {
  const records: RecordInput[] = []
  for (let i = 0; i < count; i++) {
    const value = Buffer.allocUnsafe(recordBytes)
    for (let j = 0; j < recordBytes; j++) value[j] = (seed * 7 + i * 31 + j) & 0xff
    records.push({ value, offsetDelta: i, timestampDelta: 0 })
  }
  return encodeRecordBatch({ baseTimestamp: Date.now(), records }, { crc32c })
}

/** The most records per batch that keep a batch within `batchBytes`. */
function recordsPerBatch(): number {
  let count = Math.max(1, Math.floor((batchBytes - 61) / (recordBytes + 8)))
  while (count > 1 && buildBatch(count, 0).length > batchBytes) count--
  return count
}

function frame(apiKey: number, version: number, body: unknown, correlationId = 0): Buffer {
  const out = encodeRequest(apiKey as never, version, correlationId, 'samsa-bench', body as never)
  return flattenChunks(out.chunks, out.byteLength)
}

async function request<T>(connection: WireConnection, apiKey: number, version: number, body: unknown): Promise<T> {
  const response = new Promise<Buffer>((resolve) => connection.onFrame(resolve))
  connection.send(frame(apiKey, version, body))
  return decodeResponse(apiKey as never, version, await response).body as T
}

interface TopicInfo {
  readonly topicId: string
  readonly partitions: number
}

async function createTopic(broker: BrokerUnderTest): Promise<TopicInfo> {
  const connection = await open(broker)
  try {
    const metadata = await request<{ topics: Array<{ errorCode: number; topicId: string; partitions: unknown[] }> }>(
      connection,
      ApiKeys.Metadata,
      METADATA_VERSION,
      { topics: [{ name: TOPIC }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false },
    )
    const topic = metadata.topics[0]!
    if (topic.errorCode !== 0 || topic.partitions.length !== partitions) {
      throw new Error(`topic creation failed: error ${topic.errorCode}, ${topic.partitions.length} partitions`)
    }
    return { topicId: topic.topicId, partitions: topic.partitions.length }
  } finally {
    connection.close()
  }
}

async function produce(broker: BrokerUnderTest, perBatch: number): Promise<PhaseResult & { perPartition: number[] }> {
  const requests: Buffer[] = []
  let batchSize = 0
  for (let p = 0; p < partitions; p++) {
    const batch = buildBatch(perBatch, p)
    batchSize = batch.length
    requests.push(
      frame(ApiKeys.Produce, PRODUCE_VERSION, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 30_000,
        topicData: [{ name: TOPIC, partitionData: [{ index: p, records: batch }] }],
      }),
    )
  }
  const totalRequests = Math.ceil(recordsWanted / perBatch)
  const perPartition = new Array<number>(partitions).fill(0)
  const sockets = await Promise.all(Array.from({ length: connections }, () => open(broker)))

  const cpuBefore = broker.cpuSeconds()
  const driverBefore = process.cpuUsage()
  const started = process.hrtime.bigint()
  let issued = 0
  await Promise.all(
    sockets.map(
      (socket, c) =>
        new Promise<void>((resolve, reject) => {
          let outstanding = 0
          // Each connection writes to its own partitions in turn, as a producer per partition set.
          let next = c
          const sendOne = (): void => {
            if (issued >= totalRequests) return
            issued++
            outstanding++
            const p = next % partitions
            next += connections
            perPartition[p]! += perBatch
            socket.send(requests[p]!)
          }
          socket.onFrame((response) => {
            outstanding--
            const body = decodeResponse(ApiKeys.Produce, PRODUCE_VERSION, response).body
            for (const t of body.responses) {
              for (const r of t.partitionResponses) {
                if (r.errorCode !== 0) reject(new Error(`produce to partition ${r.index} failed with error ${r.errorCode}: ${r.errorMessage}`))
              }
            }
            sendOne()
            if (outstanding === 0) resolve()
          })
          for (let i = 0; i < inFlight; i++) sendOne()
          if (outstanding === 0) resolve()
        }),
    ),
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const driver = process.cpuUsage(driverBefore)
  const brokerCpuSeconds = broker.cpuSeconds() - cpuBefore
  for (const socket of sockets) socket.close()
  return {
    records: issued * perBatch,
    bytes: issued * batchSize,
    seconds,
    brokerCpuSeconds,
    driverCpuSeconds: (driver.user + driver.system) / 1e6,
    perPartition,
  }
}

interface FetchPartition {
  readonly partitionIndex: number
  readonly errorCode: number
  readonly highWatermark: bigint
  readonly records: Buffer | null
}

/** Walks the batches of one partition's records: checks them and returns [records, next offset]. */
function consumeBatches(records: Buffer, fetchOffset: number): [number, number, number] {
  let count = 0
  let bytes = 0
  let next = fetchOffset
  let position = 0
  while (position < records.length) {
    const end = nextBatch(records, position, records.length, true)
    if (end === -1) break // a cut-off last batch: fetched again next time
    const base = batchBaseOffset(records, position)
    if (base !== next) throw new Error(`batch at offset ${base}, expected ${next}`)
    if (crc32c(records.subarray(position + 21, end)) !== records.readUInt32BE(position + 17)) {
      throw new Error(`CRC mismatch in the batch at offset ${base}`)
    }
    count += batchRecordsCount(records, position)
    next = base + batchLastOffsetDelta(records, position) + 1
    bytes += end - position
    position = end
  }
  if (position < LOG_OVERHEAD && records.length > 0 && count === 0) throw new Error('fetch returned no whole batch')
  return [count, next, bytes]
}

async function fetchAll(broker: BrokerUnderTest, topic: TopicInfo, expected: number[]): Promise<PhaseResult> {
  const sockets = await Promise.all(Array.from({ length: fetchConnections }, () => open(broker)))
  const offsets = new Array<number>(partitions).fill(0)
  let records = 0
  let bytes = 0
  const cpuBefore = broker.cpuSeconds()
  const driverBefore = process.cpuUsage()
  const started = process.hrtime.bigint()
  await Promise.all(
    sockets.map(
      (socket, c) =>
        new Promise<void>((resolve, reject) => {
          const mine: number[] = []
          for (let p = c; p < partitions; p += fetchConnections) mine.push(p)
          const pending = (): number[] => mine.filter((p) => offsets[p]! < expected[p]!)
          const sendFetch = (): void => {
            const wanted = pending()
            if (wanted.length === 0) {
              resolve()
              return
            }
            socket.send(
              frame(ApiKeys.Fetch, FETCH_VERSION, {
                replicaId: -1,
                maxWaitMs: 500,
                minBytes: 1,
                maxBytes: 32 << 20,
                isolationLevel: Number(args['isolation-level']),
                sessionId: 0,
                sessionEpoch: -1,
                topics: [
                  {
                    topicId: topic.topicId,
                    partitions: wanted.map((p) => ({
                      partition: p,
                      currentLeaderEpoch: -1,
                      fetchOffset: BigInt(offsets[p]!),
                      lastFetchedEpoch: -1,
                      logStartOffset: -1n,
                      partitionMaxBytes: 4 << 20,
                    })),
                  },
                ],
                forgottenTopicsData: [],
                rackId: '',
              }),
            )
          }
          socket.onFrame((response) => {
            try {
              const body = decodeResponse(ApiKeys.Fetch, FETCH_VERSION, response).body
              if (body.errorCode !== 0) throw new Error(`fetch failed with error ${body.errorCode}`)
              for (const t of body.responses) {
                for (const p of t.partitions as FetchPartition[]) {
                  if (p.errorCode !== 0) throw new Error(`fetch of partition ${p.partitionIndex} failed with error ${p.errorCode}`)
                  if (p.records === null) continue
                  const [count, next, size] = consumeBatches(p.records, offsets[p.partitionIndex]!)
                  records += count
                  bytes += size
                  offsets[p.partitionIndex] = next
                }
              }
              sendFetch()
            } catch (error) {
              reject(error)
            }
          })
          sendFetch()
        }),
    ),
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const driver = process.cpuUsage(driverBefore)
  const brokerCpuSeconds = broker.cpuSeconds() - cpuBefore
  for (const socket of sockets) socket.close()
  const total = expected.reduce((a, b) => a + b, 0)
  if (records !== total) throw new Error(`fetched ${records} records, produced ${total}`)
  return { records, bytes, seconds, brokerCpuSeconds, driverCpuSeconds: (driver.user + driver.system) / 1e6 }
}

async function main(): Promise<void> {
  const perBatch = recordsPerBatch()
  const broker = await BrokerUnderTest.start({
    settings: {
      'num.partitions': partitions,
      ...(sslDir !== undefined && {
        'listeners': 'SSL://127.0.0.1:0',
        'ssl.keystore.location': join(sslDir, 'server.keystore.pem'),
      }),
    },
    ...(args['cpu-prof'] !== undefined && { cpuProfileDir: args['cpu-prof'] }),
    keepDataDir: args['keep-data'],
    nodeArgs: args['broker-node-args'].split(' ').filter((a) => a.length > 0),
    ...(args['broker-cli'] !== undefined && { cli: args['broker-cli'] }),
  })
  try {
    console.log(
      `broker pid ${broker.pid} on ${broker.host}:${broker.port}; ${partitions} partitions, ${recordBytes}-byte records, ` +
        `${perBatch} records (${buildBatch(perBatch, 0).length} bytes) per batch, ${connections} connections × ${inFlight} in flight`,
    )
    const topic = await createTopic(broker)
    const produced = await produce(broker, perBatch)
    report('produce', produced)
    const rounds = args['skip-fetch'] ? 0 : Number(args['fetch-rounds'])
    for (let round = 0; round < rounds; round++) report('fetch', await fetchAll(broker, topic, produced.perPartition))
    console.log(`broker RSS ${broker.rssMiB().toFixed(0)} MiB`)
  } finally {
    await broker.stop()
  }
}

await main()
