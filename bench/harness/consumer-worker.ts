/**
 * Consumer thread of the harness (a worker_threads entry). Runs one or more of the workload's
 * consumers; each reads its share of a subscription's partitions from the offsets the run
 * started at, over its own lean-client `Cluster` connection, with one Fetch per leader in
 * flight at a time, as Kafka's consumers do (fetch.min.bytes 1, fetch.max.wait.ms 500 and
 * Kafka's byte limits unless the workload says otherwise).
 *
 * The partitions of a subscription are shared among its consumers by assignment (range style,
 * as a group's assignor would), not through the group protocol: the harness measures the data
 * path of any Kafka-compatible broker, with or without group coordination, and a rebalance
 * mid-run would only blur the figures.
 *
 * Records are never decoded into objects: record-scan.ts counts them from batch headers and a
 * varint scan, checks offsets follow on, and records end-to-end latency from each record's
 * timestamp. gzip and zstd batches are inflated in a worker pool (they cost milliseconds per
 * MiB); lz4 and snappy inline, where they are faster than a pool round trip (src/workers/pool.ts).
 * On `drain` the consumer reads on until every partition reaches the end offset the main thread
 * names, then reports each partition's account.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { Cluster } from '../../src/client/cluster.js'
import { ErrorCodes, SamsaError } from '../../src/common/errors.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes, kafkaError } from '../../src/protocol/error-codes.js'
import { COMPRESSION_CODEC_MASK, RECORDS_OFFSET, batchAttributes, nextBatch } from '../../src/protocol/record-batch.js'
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../../src/protocol/records.js'
import { CompressionCodec, decompress } from '../../src/storage/codecs.js'
import { crc32c } from '../../src/storage/native.js'
import { WorkerPool } from '../../src/workers/pool.js'
import { isCodecFailure } from '../../src/workers/tasks/decompress.js'
import { LatencyRecorder } from './latency-recorder.js'
import { type Inflate, PartitionTracker, scanPartitionRecords } from './record-scan.js'
import type { ConsumerSpec, ConsumerWorkerData, MainToWorker, WorkerSample, WorkerToMain } from './worker-messages.js'
import { partitionKey } from './worker-messages.js'
import { ThreadHealth } from './thread-health.js'

const data = workerData as ConsumerWorkerData
const port = parentPort!
const post = (message: WorkerToMain): void => port.postMessage(message)

const endToEnd = new LatencyRecorder()
let messages = 0
let errors = 0
let firstError: string | null = null
let pool: WorkerPool | null = null

function failed(message: string): void {
  errors++
  firstError ??= message
}

const inflateInline: Inflate = (codec, section) => decompress(codec as CompressionCodec, section, DEFAULT_MAX_DECOMPRESSED_BYTES)

/** Whether any whole batch of `records` is gzip or zstd (worth a pool round trip). */
function needsPool(records: Buffer): boolean {
  for (let position = 0; position < records.length; ) {
    const next = nextBatch(records, position, records.length, true)
    if (next === -1) return false
    const codec = batchAttributes(records, position) & COMPRESSION_CODEC_MASK
    if (codec === CompressionCodec.Gzip || codec === CompressionCodec.Zstd) return true
    position = next
  }
  return false
}

/** Inflates the gzip and zstd batches of one partition's records in the pool; others inline. */
async function pooledInflater(records: Buffer): Promise<Inflate> {
  const byCodec = new Map<number, { positions: number[]; payloads: Uint8Array[] }>()
  for (let position = 0; position < records.length; ) {
    const next = nextBatch(records, position, records.length, true)
    if (next === -1) break
    const codec = batchAttributes(records, position) & COMPRESSION_CODEC_MASK
    if (codec === CompressionCodec.Gzip || codec === CompressionCodec.Zstd) {
      let group = byCodec.get(codec)
      if (group === undefined) byCodec.set(codec, (group = { positions: [], payloads: [] }))
      group.positions.push(position)
      group.payloads.push(records.subarray(position + RECORDS_OFFSET, next))
    }
    position = next
  }
  const inflated = new Map<number, Buffer>()
  if (byCodec.size > 0) {
    pool ??= new WorkerPool({ minThreads: 1, idleTimeoutMs: 60_000 })
    for (const [codec, group] of byCodec) {
      const outputs = await pool.run('decompressPayloads', { codec: codec as CompressionCodec, maxBytes: DEFAULT_MAX_DECOMPRESSED_BYTES, payloads: group.payloads })
      outputs.forEach((output, i) => {
        if (isCodecFailure(output)) throw new SamsaError(ErrorCodes.PROTOCOL, `a fetched batch does not decompress: ${output.message}`)
        inflated.set(group.positions[i]!, output)
      })
    }
  }
  return (codec, section, position) => inflated.get(position) ?? inflateInline(codec, section, position)
}

class ConsumerLoop {
  readonly #cluster: Cluster
  readonly trackers: PartitionTracker[]
  readonly #byKey = new Map<string, PartitionTracker>()
  #endOffsets: Readonly<Record<string, number>> | null = null
  #stopped = false

  constructor(spec: ConsumerSpec) {
    this.#cluster = new Cluster({ bootstrapServers: data.bootstrap, clientId: `samsa-bench-consumer-${spec.id}` })
    this.trackers = spec.partitions.map((p) => new PartitionTracker(spec.subscription, p.topic, p.partition, p.startOffset))
    for (const t of this.trackers) this.#byKey.set(partitionKey(t.topic, t.partition), t)
  }

  async connect(): Promise<void> {
    for (const topic of new Set(this.trackers.map((t) => t.topic))) {
      const info = await this.#cluster.topicMetadata(topic)
      for (const leader of new Set(info.partitions.map((p) => p.leader))) if (leader >= 0) await this.#cluster.brokerConnection(leader)
    }
  }

  /** True once every partition reached the end offset `drain` named. */
  get caughtUp(): boolean {
    const ends = this.#endOffsets
    return ends !== null && this.trackers.every((t) => t.nextOffset >= (ends[partitionKey(t.topic, t.partition)] ?? 0))
  }

  drainTo(endOffsets: Readonly<Record<string, number>>): void {
    this.#endOffsets = endOffsets
  }

  stop(): void {
    this.#stopped = true
  }

  /**
   * Fetches from every partition leader at once and independently, as Kafka's consumers do: a
   * fetch parked at one leader (no new data there yet) never holds back the partitions of
   * another. A partition is in at most one fetch at a time.
   */
  async run(): Promise<void> {
    const inFlight = new Map<number, Promise<void>>()
    const busy = new Set<PartitionTracker>()
    while (!this.#stopped && !this.caughtUp) {
      try {
        const byLeader = new Map<number, PartitionTracker[]>()
        for (const tracker of this.trackers) {
          if (busy.has(tracker)) continue
          const info = await this.#cluster.topicMetadata(tracker.topic)
          const leader = info.partitions[tracker.partition]?.leader ?? -1
          if (leader < 0 || inFlight.has(leader)) continue
          let list = byLeader.get(leader)
          if (list === undefined) byLeader.set(leader, (list = []))
          list.push(tracker)
        }
        if (byLeader.size === 0 && inFlight.size === 0) throw new Error('no partition has a leader')
        for (const [leader, list] of byLeader) {
          for (const tracker of list) busy.add(tracker)
          inFlight.set(leader, this.#fetch(leader, list).finally(() => {
            inFlight.delete(leader)
            for (const tracker of list) busy.delete(tracker)
          }))
        }
        await Promise.race(inFlight.values())
      } catch (error) {
        failed((error as Error).message)
        await sleep(100)
      }
    }
    await Promise.allSettled(inFlight.values())
  }

  async #fetch(leader: number, trackers: PartitionTracker[]): Promise<void> {
    let response
    try {
      const connection = await this.#cluster.brokerConnection(leader)
      const byTopic = new Map<string, PartitionTracker[]>()
      for (const t of trackers) {
        let list = byTopic.get(t.topic)
        if (list === undefined) byTopic.set(t.topic, (list = []))
        list.push(t)
      }
      response = await connection.request(
        ApiKeys.Fetch,
        {
          replicaId: -1,
          maxWaitMs: data.maxWaitMs,
          minBytes: 1,
          maxBytes: data.maxBytes,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [...byTopic].map(([topic, list]) => ({
            topic,
            partitions: list.map((t) => ({ partition: t.partition, fetchOffset: BigInt(t.nextOffset), partitionMaxBytes: data.partitionMaxBytes })),
          })),
          forgottenTopicsData: [],
          rackId: '',
        },
        undefined,
        30_000 + data.maxWaitMs,
      )
    } catch (error) {
      failed(`fetch: ${(error as Error).message}`)
      for (const t of trackers) this.#cluster.invalidate(t.topic)
      await sleep(100)
      return
    }
    const receivedAt = Date.now()
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        const tracker = this.#byKey.get(partitionKey(topic.topic, p.partitionIndex))
        if (tracker === undefined) continue
        if (p.errorCode !== KafkaErrorCodes.NONE) {
          const info = kafkaError(p.errorCode)
          failed(`fetching ${topic.topic}-${p.partitionIndex}: ${info.name}`)
          if (info.retriable) this.#cluster.invalidate(topic.topic)
          else this.stop()
          continue
        }
        const records = p.records
        if (records === null || records.length === 0) continue
        // Most fetches carry no gzip or zstd batch: no promise, no map for them.
        const inflate = needsPool(records) ? await pooledInflater(records) : inflateInline
        try {
          messages += scanPartitionRecords(records, tracker, endToEnd, receivedAt, crc32c, inflate)
        } catch (error) {
          failed(`${topic.topic}-${p.partitionIndex}: ${(error as Error).message}`)
          this.stop()
        }
      }
    }
  }

  close(): void {
    this.#cluster.close()
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

const health = new ThreadHealth()
health.start()
let loopTime = performance.eventLoopUtilization()

/** Event-loop utilization since the previous sample. */
function busySinceLastSample(): number {
  const now = performance.eventLoopUtilization()
  const busy = performance.eventLoopUtilization(now, loopTime).utilization
  loopTime = now
  return busy
}

function takeSample(): WorkerSample {
  const sample: WorkerSample = {
    messages,
    bytes: messages * data.messageSize,
    errors,
    latencyMaxMicros: endToEnd.max,
    latency: endToEnd.takeCounts(),
    sendDelayMaxMicros: 0,
    sendDelay: null,
    firstError,
    busy: busySinceLastSample(),
    health: health.take(),
  }
  messages = 0
  errors = 0
  firstError = null
  return sample
}

const loops = data.consumers.map((spec) => new ConsumerLoop(spec))
let running: Promise<void> | null = null

async function drain(endOffsets: Readonly<Record<string, number>>, timeoutMs: number): Promise<void> {
  for (const loop of loops) loop.drainTo(endOffsets)
  const timer = setTimeout(() => {
    for (const loop of loops) loop.stop()
  }, timeoutMs)
  await running
  clearTimeout(timer)
  const drained = loops.every((loop) => loop.caughtUp)
  for (const loop of loops) loop.close()
  await pool?.close()
  post({ type: 'finished', sample: takeSample(), consumed: loops.flatMap((loop) => loop.trackers.map((t) => t.toJSON())), drained })
  health.stop()
  port.close()
}

port.on('message', (message: MainToWorker) => {
  switch (message.type) {
    case 'collect':
      post({ type: 'sample', seq: message.seq, sample: takeSample() })
      break
    case 'drain':
      drain(message.endOffsets, message.timeoutMs).catch((error: unknown) => post({ type: 'error', message: `draining: ${(error as Error).message}` }))
      break
    case 'start':
    case 'stop':
      break
  }
})

try {
  await Promise.all(loops.map((loop) => loop.connect()))
  running = Promise.all(loops.map((loop) => loop.run())).then(() => undefined)
  post({ type: 'ready' })
} catch (error) {
  post({ type: 'error', message: `consumer thread could not connect: ${(error as Error).message}` })
}
