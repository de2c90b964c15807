/**
 * A partition this broker leads: its log, its idempotent-producer state, its leader epoch and
 * high watermark, and the rules of appending as leader and reading for a consumer.
 *
 * A single broker is the whole ISR of its partitions, so the high watermark follows the log end
 * offset at once; the field is kept separate because replication will move it on follower
 * acknowledgements instead. The last stable offset equals the high watermark while Samsa has
 * no transactions.
 *
 * Not thread-safe: owned by the ReplicaManager and used on the event loop thread only.
 */
import type { TopicConfig } from '../common/config/topic-config.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import {
  CURRENT_MAGIC,
  RECORD_BATCH_OVERHEAD,
  batchBaseSequence,
  batchBaseTimestamp,
  batchCrcIsValid,
  batchLastOffsetDelta,
  batchMagic,
  batchMaxTimestamp,
  batchProducerEpoch,
  batchProducerId,
  batchSize,
} from '../protocol/record-batch.js'
import type { PartitionLog, ReadPlan } from '../storage/index.js'
import { crc32c } from '../storage/native.js'
import { ProducerStateManager } from '../storage/producer-state.js'

export interface AppendOutcome {
  readonly errorCode: number
  readonly errorMessage: string | null
  /** Offset of the first record written (or of the original write, for a duplicate). -1 on error. */
  readonly baseOffset: number
  /** -1 unless the topic uses LogAppendTime. */
  readonly logAppendTime: number
  readonly logStartOffset: number
  /** Bytes the append added to the log (0 for a duplicate or an error). */
  readonly appendedBytes: number
}

export interface ReadOutcome {
  readonly errorCode: number
  readonly highWatermark: number
  readonly lastStableOffset: number
  readonly logStartOffset: number
  /** Whole batches starting at the one that holds the fetch offset, or null. */
  readonly records: ReadPlan | null
}

/** Called after every successful append, with the bytes added (wakes parked fetches). */
export type AppendListener = (partition: Partition, appendedBytes: number) => void

export class Partition {
  readonly topic: string
  readonly index: number
  readonly topicId: string
  readonly log: PartitionLog
  readonly producers: ProducerStateManager
  leaderEpoch: number
  #config: TopicConfig
  #highWatermark: number
  #onAppend: AppendListener | null = null

  constructor(topic: string, index: number, topicId: string, log: PartitionLog, config: TopicConfig, producers: ProducerStateManager, leaderEpoch = 0) {
    this.topic = topic
    this.index = index
    this.topicId = topicId
    this.log = log
    this.#config = config
    this.producers = producers
    this.leaderEpoch = leaderEpoch
    this.#highWatermark = log.logEndOffset
  }

  get config(): TopicConfig {
    return this.#config
  }

  set config(config: TopicConfig) {
    this.#config = config
  }

  get highWatermark(): number {
    return this.#highWatermark
  }

  get lastStableOffset(): number {
    return this.#highWatermark
  }

  get logStartOffset(): number {
    return this.log.logStartOffset
  }

  get logEndOffset(): number {
    return this.log.logEndOffset
  }

  /** Registers the single listener told about appends (the delayed-fetch purgatory). */
  onAppend(listener: AppendListener | null): void {
    this.#onAppend = listener
  }

  /**
   * Appends a producer's records (one RecordBatch v2, as Kafka requires from Produce v3 on).
   * Checks, in Kafka's order: acks=all against min.insync.replicas, the batch structure, the
   * producer's epoch and sequence (a retried batch gets its original offsets back without a
   * second write), record timestamps against the topic's bounds; then the storage engine checks
   * magic, CRC and size and writes. Any failure is returned as an error code and message, with
   * nothing written.
   */
  appendRecordsAsLeader(records: Buffer, requiredAcks: number, nowMs: number): AppendOutcome {
    if (requiredAcks === -1 && this.#config['min.insync.replicas'] > 1) {
      return this.#error(
        KafkaErrorCodes.NOT_ENOUGH_REPLICAS,
        `The in-sync replicas of ${this.topic}-${this.index} are 1, below min.insync.replicas=${this.#config['min.insync.replicas']}.`,
      )
    }
    if (records.length === 0) {
      return this.#error(KafkaErrorCodes.INVALID_RECORD, 'Produce requests of version 3 and later must carry one record batch per partition; this one has none.')
    }
    if (records.length < RECORD_BATCH_OVERHEAD) {
      return this.#error(KafkaErrorCodes.CORRUPT_MESSAGE, `The record set is ${records.length} bytes, shorter than a RecordBatch header (${RECORD_BATCH_OVERHEAD}).`)
    }
    const size = batchSize(records, 0)
    if (size > records.length || size < RECORD_BATCH_OVERHEAD) {
      return this.#error(KafkaErrorCodes.CORRUPT_MESSAGE, `The record batch declares ${size} bytes but the partition data holds ${records.length}.`)
    }
    if (size < records.length) {
      return this.#error(KafkaErrorCodes.INVALID_RECORD, 'Produce requests of version 3 and later must carry exactly one record batch per partition.')
    }
    // The producer fields below are only where this reads them in magic 2.
    if (batchMagic(records, 0) !== CURRENT_MAGIC) {
      return this.#error(KafkaErrorCodes.INVALID_RECORD, `Produce requests of version 3 and later carry record batches of magic 2, not ${batchMagic(records, 0)}.`)
    }

    const producer = {
      producerId: batchProducerId(records, 0),
      producerEpoch: batchProducerEpoch(records, 0),
      baseSequence: batchBaseSequence(records, 0),
      lastOffsetDelta: batchLastOffsetDelta(records, 0),
    }
    const check = this.producers.check(producer)
    // Kafka validates the batch (CRC included) before it looks at producer state; the storage
    // engine does that for batches it writes, so only answers that skip it check the CRC here.
    if (check.kind !== 'append' && !batchCrcIsValid(records, 0, crc32c)) {
      return this.#error(KafkaErrorCodes.CORRUPT_MESSAGE, 'The record batch failed its CRC-32C check.')
    }
    if (check.kind === 'duplicate') {
      return {
        errorCode: KafkaErrorCodes.NONE,
        errorMessage: null,
        baseOffset: check.batch.firstOffset,
        logAppendTime: -1,
        logStartOffset: this.logStartOffset,
        appendedBytes: 0,
      }
    }
    if (check.kind === 'error') return this.#error(KafkaErrorCodes[check.error], check.message)

    const timestampProblem = this.#timestampProblem(records, nowMs)
    if (timestampProblem !== undefined) return this.#error(KafkaErrorCodes.INVALID_TIMESTAMP, timestampProblem)

    let appended
    try {
      appended = this.log.appendAsLeader(records, this.leaderEpoch)
    } catch (error) {
      return this.#storageError(error)
    }
    this.producers.update(producer, appended.baseOffset, batchMaxTimestamp(records, 0))
    this.#highWatermark = this.log.logEndOffset
    this.#onAppend?.(this, records.length)
    return {
      errorCode: KafkaErrorCodes.NONE,
      errorMessage: null,
      baseOffset: appended.baseOffset,
      logAppendTime: appended.logAppendTime,
      logStartOffset: this.logStartOffset,
      appendedBytes: records.length,
    }
  }

  /**
   * Reads for a consumer: whole batches from the one that holds `fetchOffset`, never past the
   * high watermark (or the last stable offset for read_committed), at least one batch when
   * `minOneBatch` (KIP-74: the first batch may exceed maxBytes).
   */
  read(fetchOffset: number, maxBytes: number, readCommitted: boolean, minOneBatch = true): ReadOutcome {
    const upperBound = readCommitted ? this.lastStableOffset : this.#highWatermark
    const base = {
      highWatermark: this.#highWatermark,
      lastStableOffset: this.lastStableOffset,
      logStartOffset: this.logStartOffset,
    }
    if (fetchOffset < this.logStartOffset || fetchOffset > this.logEndOffset) {
      return { ...base, errorCode: KafkaErrorCodes.OFFSET_OUT_OF_RANGE, records: null }
    }
    if (fetchOffset >= upperBound || maxBytes <= 0) return { ...base, errorCode: KafkaErrorCodes.NONE, records: null }
    try {
      const plan = this.log.read(fetchOffset, maxBytes, upperBound)
      // The log always plans the first batch; past the first partition of a fetch it only fits or not.
      const fits = plan.byteLength > 0 && (minOneBatch || plan.byteLength <= maxBytes)
      return { ...base, errorCode: KafkaErrorCodes.NONE, records: fits ? plan : null }
    } catch (error) {
      return { ...base, errorCode: storageErrorCode(error), records: null }
    }
  }

  /** Bytes available to a consumer at `fetchOffset` without reading them (for delayed fetches). */
  hasDataBeyond(fetchOffset: number, readCommitted: boolean): boolean {
    return fetchOffset < (readCommitted ? this.lastStableOffset : this.#highWatermark)
  }

  #timestampProblem(records: Buffer, nowMs: number): string | undefined {
    const before = this.#config['message.timestamp.before.max.ms']
    const after = this.#config['message.timestamp.after.max.ms']
    if (this.#config['message.timestamp.type'] === 'LogAppendTime') return undefined
    // The batch header holds the first record's timestamp and the largest; checking both keeps
    // the produce path free of record decoding.
    const first = batchBaseTimestamp(records, 0)
    const max = batchMaxTimestamp(records, 0)
    if (first >= 0 && nowMs - first > before) {
      return `A record timestamp (${first}) is more than message.timestamp.before.max.ms (${before}) in the past.`
    }
    if (max >= 0 && max - nowMs > after) {
      return `A record timestamp (${max}) is more than message.timestamp.after.max.ms (${after}) in the future.`
    }
    return undefined
  }

  #error(errorCode: number, errorMessage: string): AppendOutcome {
    return { errorCode, errorMessage, baseOffset: -1, logAppendTime: -1, logStartOffset: this.logStartOffset, appendedBytes: 0 }
  }

  #storageError(error: unknown): AppendOutcome {
    return this.#error(storageErrorCode(error), (error as Error)?.message ?? String(error))
  }
}

/**
 * Kafka's error code for a storage-engine failure. The engine's SEGLOG_* codes name the check
 * that failed; Kafka reports a bad CRC or a length that runs past the data as CORRUPT_MESSAGE,
 * other structural violations (magic, baseOffset, lastOffsetDelta, control batches) as
 * INVALID_RECORD, and disk trouble as KAFKA_STORAGE_ERROR.
 */
export function storageErrorCode(error: unknown): number {
  const code = (error as { code?: string } | null)?.code
  const message = (error as Error | null)?.message ?? ''
  switch (code) {
    case 'SEGLOG_CORRUPT_MESSAGE':
      return KafkaErrorCodes.CORRUPT_MESSAGE
    case 'SEGLOG_MESSAGE_TOO_LARGE':
      return message.includes('segment.bytes') ? KafkaErrorCodes.RECORD_LIST_TOO_LARGE : KafkaErrorCodes.MESSAGE_TOO_LARGE
    case 'SEGLOG_INVALID_MAGIC':
      return KafkaErrorCodes.INVALID_RECORD
    case 'SEGLOG_INVALID_BATCH':
      return /past the end|below the minimum|fewer than|empty/.test(message) ? KafkaErrorCodes.CORRUPT_MESSAGE : KafkaErrorCodes.INVALID_RECORD
    case 'SEGLOG_OFFSET_OUT_OF_RANGE':
      return KafkaErrorCodes.OFFSET_OUT_OF_RANGE
    case 'SEGLOG_IO':
    case 'SEGLOG_CLOSED':
      return KafkaErrorCodes.KAFKA_STORAGE_ERROR
    default:
      return KafkaErrorCodes.UNKNOWN_SERVER_ERROR
  }
}
