/**
 * The lean producer: records are partitioned as the Java producer does (explicit partition, else
 * murmur2 of the key, else sticky batching for keyless records), packed per topic as they
 * arrive, and sent when a partition's batch reaches `batchSize` or `lingerMs` after the first
 * record, whichever comes first. Encoding and compression run in the worker pool (inline for
 * small uncompressed sets, where a pool round trip would cost more than the work). Produce
 * requests are pipelined per broker (maxInFlightRequests); retriable errors refresh metadata and
 * resend the same batch bytes, so an idempotent producer's sequence numbers stay valid.
 *
 * Partitioning happens as records are appended rather than in the pool, because batch.size,
 * linger and sequence numbers are all per partition (Java's RecordAccumulator works the same
 * way); the pool's encode task still partitions record sets handed to it whole (gateway, load
 * generators).
 *
 * `send` resolves once every record of the call is acknowledged (per the acks setting), with
 * the base offset of each run of the call's records per partition. No promise or object per
 * record. Not thread-safe.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { ApiKeys } from '../protocol/api-keys.js'
import { KafkaErrorCodes, kafkaError } from '../protocol/error-codes.js'
import { partitionForKey } from '../protocol/partitioner.js'
import { CompressionCodec, codecForCompressionType, parseCompressionType } from '../storage/codecs.js'
import { type WorkerPool, type WorkerPoolLease, acquireWorkerPool } from '../workers/pool.js'
import { BATCH_ROW, type EncodeBatchesTask, type EncodedBatches, batchAt, encodeBatches, initialOutputBytes } from '../workers/tasks/encode-batches.js'
import { type RecordBytes, RecordSetBuilder, type RecordToPack } from '../workers/tasks/record-set.js'
import { BatchBuffers } from './batch-buffers.js'
import type { BrokerConnection } from './connection.js'
import { type ClientOptions, Cluster, sleep, topicError } from './cluster.js'
import { KafkaError } from './kafka-error.js'

export type ProducerRecord = RecordToPack

/**
 * The record `sendEach` has its callback describe: one object per call, reset to an empty
 * record (null key and value, nothing else) before each record.
 */
export interface RecordSlot {
  key: RecordBytes
  value: RecordBytes
  headers: RecordToPack['headers'] | undefined
  /** Milliseconds since the epoch; undefined: now. */
  timestamp: number | undefined
  /** undefined: by key, or sticky for keyless records. */
  partition: number | undefined
}

export interface RecordMetadata {
  readonly topic: string
  readonly partition: number
  /** Offset of the first record of this run; -1 with acks=0. */
  readonly baseOffset: number
  readonly recordCount: number
}

export interface ProducerOptions {
  /** -1 (all, the default), 1 (leader) or 0 (no response). */
  readonly acks?: -1 | 0 | 1
  /** How long a batch waits for more records; default 5 ms (Java 4.0's linger.ms). */
  readonly lingerMs?: number
  /** A partition's batch is sent once its records reach this many bytes; default 16 384. */
  readonly batchSize?: number
  /** none (default), gzip, snappy, lz4 or zstd. */
  readonly compression?: string
  readonly compressionLevel?: number
  /** Idempotent batches (InitProducerId, sequence numbers): no duplicates on retry. */
  readonly idempotent?: boolean
  /** Resends of a batch after retriable errors; default 5. */
  readonly retries?: number
  readonly retryBackoffMs?: number
  /** The broker's wait for acks=all, sent in the request; default 30 000 ms. */
  readonly timeoutMs?: number
  /** `send` waits while this many bytes are buffered or in flight; default 32 MiB. */
  readonly bufferMemory?: number
  /** Let the broker create missing topics (Metadata allow_auto_topic_creation); default true. */
  readonly allowAutoTopicCreation?: boolean
  /** The pool for encoding and compression; null encodes on the event loop. Default: the process pool. */
  readonly pool?: WorkerPool | null
  /** Uncompressed record sets smaller than this are encoded inline; default 64 KiB. */
  readonly inlineEncodeBytes?: number
}

interface Delivery {
  remaining: number
  readonly results: RecordMetadata[]
  readonly resolve: (results: RecordMetadata[]) => void
  readonly reject: (error: Error) => void
  failed: boolean
}

/** A run of consecutive records of one delivery in one partition's batch. */
interface Segment {
  readonly delivery: Delivery
  count: number
}

interface TopicAccumulator {
  readonly topic: string
  readonly partitionCount: number
  builder: RecordSetBuilder
  bytes: Float64Array
  counts: Int32Array
  segments: Segment[][]
  sticky: number
  timer: NodeJS.Timeout | NodeJS.Immediate | null
  bufferedBytes: number
}

interface PartitionBatch {
  readonly partition: number
  readonly records: Buffer
  readonly segments: Segment[]
}

const NO_SPLIT = 0x7fff_ffff
/** Idle encode buffers a producer keeps: enough for the requests in flight to a few brokers. */
const BATCH_BUFFERS_KEPT = 16

export class Producer {
  readonly #cluster: Cluster
  readonly #ownsCluster: boolean
  readonly #acks: -1 | 0 | 1
  readonly #lingerMs: number
  readonly #batchSize: number
  readonly #codec: CompressionCodec
  readonly #level: number | undefined
  readonly #idempotent: boolean
  readonly #retries: number
  readonly #retryBackoffMs: number
  readonly #timeoutMs: number
  readonly #bufferMemory: number
  readonly #autoCreate: boolean
  /** The caller's pool (null: inline), or undefined for the shared one, held by #lease. */
  readonly #ownPool: WorkerPool | null | undefined
  /** Held from construction to close, so the shared pool outlives no one and no one outlives it. */
  readonly #lease: WorkerPoolLease | null
  readonly #inlineEncodeBytes: number
  readonly #accumulators = new Map<string, TopicAccumulator>()
  readonly #sequences = new Map<string, Int32Array>()
  readonly #inFlight = new Set<Promise<void>>()
  /** Inline encodes' output buffers, reused (see batch-buffers.ts). */
  readonly #batchBuffers = new BatchBuffers(BATCH_BUFFERS_KEPT)
  #buffered = 0
  #roomWaiters: Array<() => void> = []
  #producerId = -1
  #producerEpoch = -1
  #initializing: Promise<void> | null = null
  /** Resolves when the latest drain's requests are queued on their connections. */
  #handedOff: Promise<void> = Promise.resolve()
  #closed = false

  /** Uses `cluster` when given (and leaves it open on close), or connects with `options`. */
  constructor(cluster: Cluster | ClientOptions = {}, options: ProducerOptions = {}) {
    this.#ownsCluster = !(cluster instanceof Cluster)
    this.#cluster = cluster instanceof Cluster ? cluster : new Cluster(cluster)
    this.#acks = options.acks ?? -1
    if (![-1, 0, 1].includes(this.#acks)) throw new SamsaError(ErrorCodes.USAGE, `acks must be -1 (all), 0 or 1, not ${String(this.#acks)}.`)
    this.#lingerMs = options.lingerMs ?? 5
    this.#batchSize = Math.max(1, options.batchSize ?? 16_384)
    const type = parseCompressionType(options.compression ?? 'none')
    this.#codec = codecForCompressionType(type) ?? CompressionCodec.None
    this.#level = options.compressionLevel
    this.#idempotent = options.idempotent ?? false
    if (this.#idempotent && this.#acks !== -1) throw new SamsaError(ErrorCodes.USAGE, 'An idempotent producer needs acks=-1 (all), as in Kafka.')
    this.#retries = options.retries ?? 5
    this.#retryBackoffMs = options.retryBackoffMs ?? 100
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#bufferMemory = options.bufferMemory ?? 32 * 1024 * 1024
    this.#autoCreate = options.allowAutoTopicCreation ?? true
    this.#ownPool = options.pool
    this.#lease = options.pool === undefined ? acquireWorkerPool() : null
    this.#inlineEncodeBytes = options.inlineEncodeBytes ?? 64 * 1024
  }

  get cluster(): Cluster {
    return this.#cluster
  }

  /**
   * Queues records for `topic` and resolves when all are acknowledged, with one entry per run of
   * consecutive records per partition. Rejects with SAMSA_KAFKA (topic missing, a non-retriable
   * broker error, retries exhausted) or SAMSA_NETWORK.
   */
  async send(topic: string, records: ProducerRecord | readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    if (this.#closed) throw new SamsaError(ErrorCodes.USAGE, 'The producer is closed.')
    const list: readonly ProducerRecord[] = Array.isArray(records) ? records : [records as ProducerRecord]
    if (list.length === 0) return []
    if (this.#idempotent && this.#producerId < 0) await (this.#initializing ??= this.#initProducerId())
    const accumulator = this.#accumulators.get(topic) ?? (await this.#accumulator(topic))
    // Refuse a bad explicit partition before any record of the call is queued.
    for (const record of list) {
      const partition = record.partition
      if (partition !== undefined && partition !== null && !(Number.isInteger(partition) && partition >= 0 && partition < accumulator.partitionCount)) {
        throw partitionError(topic, partition, accumulator.partitionCount)
      }
    }
    while (this.#buffered >= this.#bufferMemory) await new Promise<void>((resolve) => this.#roomWaiters.push(resolve))
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      const delivery: Delivery = { remaining: list.length, results: [], resolve, reject, failed: false }
      for (const record of list) this.#append(accumulator, record, delivery)
    })
  }

  /**
   * `send` for records that are generated rather than held (load generators, bridges from other
   * systems): no object or promise per record. `describe(i, slot)` is called for i = 0 to
   * count - 1, in order, with the same slot each time, reset before each call; each record's
   * bytes are copied before the next call, so the slot may point at buffers the caller reuses.
   * Resolves as `send` does. A record naming a partition the topic does not have rejects the
   * call with SAMSA_USAGE at once; the records described before it are still sent.
   */
  async sendEach(topic: string, count: number, describe: (index: number, slot: RecordSlot) => void): Promise<RecordMetadata[]> {
    if (this.#closed) throw new SamsaError(ErrorCodes.USAGE, 'The producer is closed.')
    if (!(Number.isInteger(count) && count >= 0)) throw new SamsaError(ErrorCodes.USAGE, `sendEach needs a whole number of records, not ${count}.`)
    if (count === 0) return []
    if (this.#idempotent && this.#producerId < 0) await (this.#initializing ??= this.#initProducerId())
    const accumulator = this.#accumulators.get(topic) ?? (await this.#accumulator(topic))
    while (this.#buffered >= this.#bufferMemory) await new Promise<void>((resolve) => this.#roomWaiters.push(resolve))
    return new Promise<RecordMetadata[]>((resolve, reject) => {
      const delivery: Delivery = { remaining: count, results: [], resolve, reject, failed: false }
      const slot: RecordSlot = { key: null, value: null, headers: undefined, timestamp: undefined, partition: undefined }
      for (let i = 0; i < count; i++) {
        slot.key = null
        slot.value = null
        slot.headers = undefined
        slot.timestamp = undefined
        slot.partition = undefined
        describe(i, slot)
        const partition = slot.partition
        if (partition !== undefined && partition !== null && !(Number.isInteger(partition) && partition >= 0 && partition < accumulator.partitionCount)) {
          fail(delivery, partitionError(topic, partition, accumulator.partitionCount))
          return
        }
        this.#append(accumulator, slot, delivery)
      }
    })
  }

  /** Sends everything buffered now and waits until all of it is acknowledged or failed. */
  async flush(): Promise<void> {
    for (const accumulator of this.#accumulators.values()) this.#drain(accumulator)
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight])
  }

  /** Flushes, then closes the connections (when the producer opened them). */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.flush()
    this.#closed = true
    this.#batchBuffers.clear()
    if (this.#ownsCluster) this.#cluster.close()
    await this.#lease?.release()
  }

  async #initProducerId(): Promise<void> {
    const connection = await this.#cluster.anyConnection()
    const response = await connection.request(ApiKeys.InitProducerId, { transactionalId: null, transactionTimeoutMs: -1 })
    if (response.errorCode !== KafkaErrorCodes.NONE) {
      this.#initializing = null
      const info = kafkaError(response.errorCode)
      throw new KafkaError(response.errorCode, `The broker refused a producer id (InitProducerId): ${info.name}: ${info.message}`)
    }
    this.#producerId = Number(response.producerId)
    this.#producerEpoch = response.producerEpoch
  }

  async #accumulator(topic: string): Promise<TopicAccumulator> {
    const info = await this.#cluster.topicMetadata(topic, this.#autoCreate)
    const existing = this.#accumulators.get(topic)
    if (existing !== undefined) return existing
    const partitionCount = info.partitions.length
    const accumulator: TopicAccumulator = {
      topic,
      partitionCount,
      builder: new RecordSetBuilder(),
      bytes: new Float64Array(partitionCount),
      counts: new Int32Array(partitionCount),
      segments: [],
      sticky: Math.floor(Math.random() * partitionCount),
      timer: null,
      bufferedBytes: 0,
    }
    this.#accumulators.set(topic, accumulator)
    return accumulator
  }

  #append(accumulator: TopicAccumulator, record: ProducerRecord, delivery: Delivery): void {
    const n = accumulator.partitionCount
    let partition: number
    let keyless = false
    if (record.partition !== undefined && record.partition !== null) {
      partition = record.partition
    } else if (record.key !== null && record.key !== undefined) {
      partition = partitionForKey(typeof record.key === 'string' ? Buffer.from(record.key) : record.key, n)
    } else {
      partition = accumulator.sticky
      keyless = true
    }
    const builder = accumulator.builder
    const before = builder.estimatedBatchBytes
    builder.append(record, partition)
    const size = builder.estimatedBatchBytes - before
    accumulator.bytes[partition]! += size
    accumulator.counts[partition]!++
    accumulator.bufferedBytes += size
    this.#buffered += size
    const segments = (accumulator.segments[partition] ??= [])
    const last = segments[segments.length - 1]
    if (last !== undefined && last.delivery === delivery) last.count++
    else segments.push({ delivery, count: 1 })

    if (accumulator.bytes[partition]! >= this.#batchSize) {
      // Java's sticky partitioner moves on when the sticky partition's batch is full.
      if (keyless) accumulator.sticky = (accumulator.sticky + 1) % n
      this.#drain(accumulator)
    } else if (accumulator.timer === null) {
      this.#armLinger(accumulator)
    }
  }

  /**
   * Drains `accumulator` when its linger expires. A method of its own, not an arrow function in
   * #append: a closure over #append's `accumulator` and `this` makes V8 allocate a context for
   * them on every call of #append, timer or not (48 bytes per record, a quarter of what a load
   * generator's producer thread allocated).
   */
  #armLinger(accumulator: TopicAccumulator): void {
    accumulator.timer = this.#lingerMs > 0 ? setTimeout(() => this.#drain(accumulator), this.#lingerMs) : setImmediate(() => this.#drain(accumulator))
  }

  /** Takes everything the accumulator holds and sends it. */
  #drain(accumulator: TopicAccumulator): void {
    if (accumulator.timer !== null) {
      clearTimeout(accumulator.timer as NodeJS.Timeout)
      clearImmediate(accumulator.timer as NodeJS.Immediate)
      accumulator.timer = null
    }
    const builder = accumulator.builder
    if (builder.count === 0) return
    const inline = this.#ownPool === null || (this.#codec === CompressionCodec.None && builder.dataBytes < this.#inlineEncodeBytes)
    // Encoded here and now, the records need no copy of their own; the pool needs one to move.
    const records = inline ? builder.view() : builder.build()
    const segments = accumulator.segments
    const counts = accumulator.counts
    const bytes = accumulator.bufferedBytes
    accumulator.segments = []
    accumulator.bytes.fill(0)
    accumulator.counts = new Int32Array(accumulator.partitionCount)
    accumulator.bufferedBytes = 0

    const task: EncodeBatchesTask = {
      records,
      partitionCount: accumulator.partitionCount,
      compression: this.#codec,
      ...(this.#level !== undefined && { level: this.#level }),
      batchBytes: NO_SPLIT,
      ...(this.#idempotent && {
        producerId: this.#producerId,
        producerEpoch: this.#producerEpoch,
        baseSequences: this.#nextSequences(accumulator, counts),
      }),
    }
    let encoding: EncodedBatches | Promise<EncodedBatches>
    if (inline) {
      try {
        encoding = encodeBatches(task, this.#batchBuffers.take(initialOutputBytes(records, task.partitionCount, task.compression)))
      } catch (error) {
        encoding = Promise.reject(error as Error)
      } finally {
        builder.clear()
      }
    } else {
      encoding = (this.#ownPool ?? this.#lease!.pool).run('encodeRecordBatches', task)
    }
    const work = this.#encodeAndSend(accumulator.topic, encoding, inline, segments).catch((error: unknown) => {
      for (const list of segments) for (const segment of list ?? []) fail(segment.delivery, error as Error)
    })
    const tracked = work.finally(() => {
      this.#inFlight.delete(tracked)
      this.#release(bytes)
    })
    this.#inFlight.add(tracked)
  }

  /** Sequence numbers for this drain's batches, advancing each partition's counter. */
  #nextSequences(accumulator: TopicAccumulator, counts: Int32Array): number[] {
    let next = this.#sequences.get(accumulator.topic)
    if (next === undefined) this.#sequences.set(accumulator.topic, (next = new Int32Array(accumulator.partitionCount)))
    const base: number[] = []
    for (let p = 0; p < counts.length; p++) {
      base[p] = next[p]!
      // Sequences wrap at 2^31 - 1, as in Kafka.
      next[p] = (next[p]! + counts[p]!) & 0x7fff_ffff
    }
    return base
  }

  /**
   * Sends a drain's batches once they are encoded (`encoding`: inline, or a pool task). An inline
   * encode's buffer (`recyclable`) goes back to #batchBuffers once no request needs it.
   */
  async #encodeAndSend(topic: string, encoding: EncodedBatches | Promise<EncodedBatches>, recyclable: boolean, segments: Segment[][]): Promise<void> {
    // Drains encode in parallel in the pool, but their requests must leave in drain order (or a
    // partition's batches could overtake each other): each waits for the previous hand-off.
    const previous = this.#handedOff
    let handOff!: () => void
    this.#handedOff = new Promise<void>((resolve) => (handOff = resolve))
    try {
      const encoded = encoding instanceof Promise ? await encoding : encoding
      const batches: PartitionBatch[] = []
      for (let i = 0; i < encoded.batches.length / BATCH_ROW; i++) {
        const { partition, batch } = batchAt(encoded, i)
        batches.push({ partition, records: batch, segments: segments[partition] ?? [] })
      }
      await previous
      const answered = await this.#produce(topic, batches, 0, handOff)
      if (answered && recyclable) this.#batchBuffers.give(encoded.data)
    } finally {
      handOff()
    }
  }

  /**
   * Sends batches to their leaders (one request per leader), calls `handedOff` once every
   * request is queued on its connection, then handles the responses and retries what may
   * succeed later. Resolves true when every request of this attempt got a response and nothing
   * was retried: the batches' bytes were then read in full by the broker and are no longer
   * needed (never true with acks=0, whose requests count as sent once handed to the socket).
   */
  async #produce(topic: string, batches: PartitionBatch[], attempt: number, handedOff: () => void = () => {}): Promise<boolean> {
    const retry: PartitionBatch[] = []
    let lastError: Error | null = null
    const requeue = (list: readonly PartitionBatch[], error: unknown): void => {
      if (!SamsaError.is(error, ErrorCodes.NETWORK) && !SamsaError.is(error, ErrorCodes.TIMEOUT) && !SamsaError.is(error, ErrorCodes.KAFKA)) throw error
      retry.push(...list)
      lastError = error as Error
    }
    // Resolve leaders and connections first, so that the requests go out together below.
    const byLeader = new Map<number, PartitionBatch[]>()
    try {
      const info = await this.#cluster.topicMetadata(topic, this.#autoCreate)
      for (const batch of batches) {
        const leader = info.partitions[batch.partition]?.leader ?? -1
        if (leader < 0) {
          requeue([batch], new KafkaError(KafkaErrorCodes.LEADER_NOT_AVAILABLE, `Partition ${topic}-${batch.partition} has no leader (LEADER_NOT_AVAILABLE).`))
          continue
        }
        let list = byLeader.get(leader)
        if (list === undefined) byLeader.set(leader, (list = []))
        list.push(batch)
      }
    } catch (error) {
      requeue(batches, error)
    }
    const connections: Array<[BrokerConnection, PartitionBatch[]]> = []
    for (const [leader, list] of byLeader) {
      try {
        connections.push([await this.#cluster.brokerConnection(leader), list])
      } catch (error) {
        requeue(list, error)
      }
    }
    const requests = connections.map(([connection, list]) => {
      const body = {
        transactionalId: null,
        acks: this.#acks,
        timeoutMs: this.#timeoutMs,
        topicData: [{ name: topic, partitionData: list.map((b) => ({ index: b.partition, records: b.records })) }],
      }
      return { list, sent: this.#acks === 0 ? connection.send(ApiKeys.Produce, body).then(() => null) : connection.request(ApiKeys.Produce, body) }
    })
    handedOff()
    for (const { list, sent } of requests) {
      let response
      try {
        response = await sent
      } catch (error) {
        requeue(list, error)
        continue
      }
      if (response === null) {
        for (const batch of list) complete(topic, batch, -1)
        continue
      }
      const byIndex = new Map(list.map((b) => [b.partition, b]))
      for (const topicResponse of response.responses) {
        for (const p of topicResponse.partitionResponses) {
          const batch = byIndex.get(p.index)
          if (batch === undefined) continue
          byIndex.delete(p.index)
          if (p.errorCode === KafkaErrorCodes.NONE || p.errorCode === KafkaErrorCodes.DUPLICATE_SEQUENCE_NUMBER) {
            complete(topic, batch, Number(p.baseOffset))
            continue
          }
          const info = kafkaError(p.errorCode)
          const error = new KafkaError(p.errorCode, `Producing to ${topic}-${p.index} failed: ${info.name}: ${p.errorMessage ?? info.message}`)
          if (p.errorCode === KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION && !this.#autoCreate) failBatch(batch, topicError(topic, p.errorCode))
          else if (info.retriable) requeue([batch], error)
          else failBatch(batch, error)
        }
      }
      for (const missing of byIndex.values()) failBatch(missing, new SamsaError(ErrorCodes.PROTOCOL, `The broker's Produce response left out ${topic}-${missing.partition}.`))
    }
    if (retry.length === 0) return this.#acks !== 0
    const last = lastError as Error | null
    if (attempt >= this.#retries) {
      const code = last !== null && SamsaError.is(last) ? last.code : ErrorCodes.KAFKA
      for (const batch of retry) failBatch(batch, new SamsaError(code, `${last?.message ?? 'Producing failed'} (gave up after ${attempt + 1} attempts)`))
      return false
    }
    this.#cluster.invalidate(topic)
    await sleep(this.#retryBackoffMs * 2 ** Math.min(attempt, 5))
    await this.#produce(topic, retry, attempt + 1)
    return false
  }

  #release(bytes: number): void {
    this.#buffered -= bytes
    if (this.#buffered < this.#bufferMemory) for (const wake of this.#roomWaiters.splice(0)) wake()
  }
}

function complete(topic: string, batch: PartitionBatch, baseOffset: number): void {
  let offset = baseOffset
  for (const segment of batch.segments) {
    const delivery = segment.delivery
    if (!delivery.failed) {
      delivery.results.push({ topic, partition: batch.partition, baseOffset: offset, recordCount: segment.count })
      delivery.remaining -= segment.count
      if (delivery.remaining === 0) delivery.resolve(delivery.results)
    }
    if (baseOffset >= 0) offset += segment.count
  }
}

function partitionError(topic: string, partition: number, partitionCount: number): SamsaError {
  return new SamsaError(ErrorCodes.USAGE, `Topic '${topic}' has partitions 0-${partitionCount - 1}; partition ${partition} does not exist.`)
}

function failBatch(batch: PartitionBatch, error: Error): void {
  for (const segment of batch.segments) fail(segment.delivery, error)
}

function fail(delivery: Delivery, error: Error): void {
  if (delivery.failed) return
  delivery.failed = true
  delivery.reject(error)
}
