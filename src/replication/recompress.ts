/**
 * Topic-level compression on produce: a topic whose compression.type names a codec stores its
 * batches in that codec whatever the producer sent, as Kafka does ('producer' keeps the
 * producer's codec; 'uncompressed', and 'none' as an alias, store them uncompressed).
 *
 * The produce path stays zero-decode in the common case: `recompressionTarget` reads two header
 * fields and says whether a batch needs rewriting at all. Only batches that do go to the worker
 * pool, all of one request's in one task per codec, and are appended once rewritten; the
 * append answers asynchronously only then. What the rewrite keeps and checks (producer
 * fields, sequences, timestamps; CRC, bounded decompression, record structure) is described in
 * src/workers/tasks/recompress.ts.
 */
import type { TopicConfig } from '../common/config/topic-config.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import {
  CURRENT_MAGIC,
  RECORD_BATCH_OVERHEAD,
  batchCompression,
  batchIsControl,
  batchMagic,
  batchSize,
} from '../protocol/record-batch.js'
import type { AppendOutcome, Partition } from './partition.js'
import { CompressionCodec } from '../storage/codecs.js'
import { type WorkerPool, workerPool } from '../workers/pool.js'
import { isRecompressFailure } from '../workers/tasks/recompress.js'

/** Decompressed bytes allowed per batch, as a multiple of the topic's max.message.bytes. */
export const DECOMPRESSION_RATIO_LIMIT = 32
/** Whatever max.message.bytes says, no batch may decompress to more than this. */
export const MAX_DECOMPRESSED_BATCH_BYTES = 256 * 1024 * 1024

const codecByType: Readonly<Record<string, CompressionCodec>> = {
  uncompressed: CompressionCodec.None,
  none: CompressionCodec.None,
  gzip: CompressionCodec.Gzip,
  snappy: CompressionCodec.Snappy,
  lz4: CompressionCodec.Lz4,
  zstd: CompressionCodec.Zstd,
}

/**
 * The codec a producer's records must be rewritten in before they are appended, or null to
 * append them as they are (the topic keeps the producer's codec, the codecs already agree, or
 * the bytes are not one well-framed data batch, which the append itself then rejects with the
 * right error). Reads header fields only.
 */
export function recompressionTarget(config: TopicConfig, records: Buffer): CompressionCodec | null {
  const target = codecByType[config['compression.type']]
  if (target === undefined) return null
  if (records.length < RECORD_BATCH_OVERHEAD || batchSize(records, 0) !== records.length) return null
  if (batchMagic(records, 0) !== CURRENT_MAGIC || batchIsControl(records, 0)) return null
  return batchCompression(records, 0) === target ? null : target
}

/** The decompression bound for a topic: DECOMPRESSION_RATIO_LIMIT × max.message.bytes, capped. */
export function decompressionLimit(config: TopicConfig): number {
  return Math.min(MAX_DECOMPRESSED_BATCH_BYTES, Math.max(1024 * 1024, config['max.message.bytes'] * DECOMPRESSION_RATIO_LIMIT))
}

/** One partition's batch waiting to be rewritten and appended. */
export interface PendingRecompression {
  readonly partition: Partition
  readonly records: Buffer
  readonly codec: CompressionCodec
  /** Receives the append's outcome (or the refusal) for the partition's response. */
  readonly respond: (outcome: AppendOutcome) => void
}

/**
 * Rewrites the pending batches in the pool and appends each as leader, in the order given.
 * Never rejects for a bad batch: each partition gets its outcome through `respond`. A pool
 * failure (closed at shutdown) answers the affected partitions with a retriable error.
 */
export async function appendRecompressed(
  pending: readonly PendingRecompression[],
  requiredAcks: number,
  nowMs: number,
  pool: WorkerPool = workerPool(),
): Promise<void> {
  const byCodec = new Map<CompressionCodec, PendingRecompression[]>()
  for (const item of pending) {
    let group = byCodec.get(item.codec)
    if (group === undefined) byCodec.set(item.codec, (group = []))
    group.push(item)
  }
  await Promise.all(
    [...byCodec].map(async ([codec, group]) => {
      let results
      try {
        results = await pool.run('recompressBatches', {
          codec,
          // One bound per task: the smallest of the group's topics, so none exceeds its own.
          maxDecompressedBytes: Math.min(...group.map((item) => decompressionLimit(item.partition.config))),
          batches: group.map((item) => item.records),
        })
      } catch (error) {
        for (const item of group) {
          item.respond(refused(item.partition, KafkaErrorCodes.REQUEST_TIMED_OUT, `Recompressing the batch failed: ${(error as Error).message}`))
        }
        return
      }
      for (let i = 0; i < group.length; i++) {
        const item = group[i]!
        const result = results[i]!
        if (isRecompressFailure(result)) item.respond(refused(item.partition, result.errorCode, result.message))
        else item.respond(item.partition.appendRecordsAsLeader(result, requiredAcks, nowMs))
      }
    }),
  )
}

function refused(partition: Partition, errorCode: number, errorMessage: string): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: -1, logAppendTime: -1, logStartOffset: partition.logStartOffset, appendedBytes: 0, requiredOffset: -1 }
}
