/**
 * Task: rewrite producer batches in another codec, for a topic whose compression.type differs
 * from what the producer sent (Kafka's LogValidator takes the same path instead of its in-place
 * one). One task carries every such batch of a produce request: a pool round trip costs about
 * 25 µs, so one per batch would waste it.
 *
 * Per batch: exactly one RecordBatch v2, CRC valid (CORRUPT_MESSAGE otherwise, before anything
 * is decompressed); records section decompressed within `maxDecompressedBytes` (a zip bomb stops
 * at the limit with INVALID_RECORD, allocating no more than the limit); every record well formed
 * and its offset delta equal to its position (CORRUPT_MESSAGE / INVALID_RECORD); then the
 * section is compressed with the target codec (or left uncompressed) and the batch rebuilt with
 * its header unchanged but for the codec bits and the CRC, so the producer's id, epoch, sequence,
 * timestamps and flags survive. A failure is returned in the batch's place with Kafka's error
 * code, so one bad partition does not fail the others.
 */
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_CODEC_MASK,
  CRC_OFFSET,
  CRC_START_OFFSET,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
  RECORD_BATCH_OVERHEAD,
} from '../../protocol/record-batch.js'
import { decodeRecords } from '../../protocol/records.js'
import { CodecErrorCodes, type CompressionCodec, compress, decompress, isCodecError } from '../../storage/codecs.js'
import { crc32c } from '../../storage/native.js'

export interface RecompressTask {
  /** The codec to store the batches in (0 = uncompressed). */
  readonly codec: CompressionCodec
  /** The codec's Kafka level; omitted means Kafka's default. */
  readonly level?: number
  /** Bound on each batch's decompressed records. */
  readonly maxDecompressedBytes: number
  /** One producer batch each (a partition's records field of a Produce request). */
  readonly batches: Uint8Array[]
}

/** Why a batch was refused: a Kafka error code for the partition's response, and the reason. */
export interface RecompressFailure {
  readonly errorCode: number
  readonly message: string
}

export function isRecompressFailure(value: Buffer | RecompressFailure): value is RecompressFailure {
  return !(value instanceof Uint8Array)
}

/** Per batch, in order: the rewritten batch or why it was refused. */
export function recompress(task: RecompressTask): Array<Buffer | RecompressFailure> {
  return task.batches.map((batch) => {
    const bytes = Buffer.isBuffer(batch) ? batch : Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength)
    try {
      return recompressBatch(bytes, task)
    } catch (error) {
      if (error instanceof BatchRefused) return { errorCode: error.errorCode, message: error.message }
      throw error
    }
  })
}

class BatchRefused extends Error {
  readonly errorCode: number
  constructor(errorCode: number, message: string) {
    super(message)
    this.errorCode = errorCode
  }
}

function recompressBatch(batch: Buffer, task: RecompressTask): Buffer {
  if (batch.length < RECORD_BATCH_OVERHEAD) {
    throw new BatchRefused(KafkaErrorCodes.CORRUPT_MESSAGE, `The record set is ${batch.length} bytes, shorter than a RecordBatch header (${RECORD_BATCH_OVERHEAD}).`)
  }
  const size = LOG_OVERHEAD + batch.readInt32BE(BATCH_LENGTH_OFFSET)
  if (size !== batch.length) {
    throw new BatchRefused(
      size < batch.length ? KafkaErrorCodes.INVALID_RECORD : KafkaErrorCodes.CORRUPT_MESSAGE,
      size < batch.length
        ? 'Produce requests of version 3 and later must carry exactly one record batch per partition.'
        : `The batch declares ${size} bytes but ${batch.length} arrived.`,
    )
  }
  const magic = batch.readInt8(MAGIC_OFFSET)
  if (magic !== CURRENT_MAGIC) throw new BatchRefused(KafkaErrorCodes.INVALID_RECORD, `Record batch magic ${magic} is not supported; only magic 2 is.`)
  const crc = batch.readUInt32BE(CRC_OFFSET)
  const computed = crc32c(batch.subarray(CRC_START_OFFSET))
  if (crc !== computed) {
    throw new BatchRefused(KafkaErrorCodes.CORRUPT_MESSAGE, `Record batch CRC mismatch: the batch says ${crc}, its bytes give ${computed}.`)
  }
  const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET)
  const source = attributes & COMPRESSION_CODEC_MASK
  const count = batch.readInt32BE(RECORDS_COUNT_OFFSET)
  let section = batch.subarray(RECORDS_OFFSET)
  if (source !== 0) section = decompressSection(source, section, task.maxDecompressedBytes)
  validateRecords(section, count)

  const target = task.codec
  const stored = target === 0 ? section : compress(target, section, task.level)
  const output = Buffer.allocUnsafeSlow(RECORDS_OFFSET + stored.length)
  batch.copy(output, 0, 0, RECORDS_OFFSET)
  stored.copy(output, RECORDS_OFFSET)
  output.writeInt32BE(output.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET)
  output.writeInt16BE((attributes & ~COMPRESSION_CODEC_MASK) | target, ATTRIBUTES_OFFSET)
  output.writeUInt32BE(crc32c(output.subarray(CRC_START_OFFSET)), CRC_OFFSET)
  return output
}

function decompressSection(codec: number, section: Buffer, maxBytes: number): Buffer {
  if (codec > 4) throw new BatchRefused(KafkaErrorCodes.CORRUPT_MESSAGE, `Compression codec ${codec} is unknown.`)
  try {
    return decompress(codec as CompressionCodec, section, maxBytes)
  } catch (error) {
    if (isCodecError(error, CodecErrorCodes.TOO_LARGE)) {
      throw new BatchRefused(
        KafkaErrorCodes.INVALID_RECORD,
        `The batch's records decompress to more than ${maxBytes} bytes, the limit for recompressing on this topic (derived from max.message.bytes); send smaller batches.`,
      )
    }
    if (isCodecError(error)) {
      throw new BatchRefused(KafkaErrorCodes.CORRUPT_MESSAGE, `The batch's records cannot be decompressed (codec ${codec}): ${error.message}`)
    }
    throw error
  }
}

function validateRecords(section: Buffer, count: number): void {
  let records
  try {
    records = decodeRecords(section, count)
  } catch (error) {
    throw new BatchRefused(KafkaErrorCodes.CORRUPT_MESSAGE, `The batch's records are malformed: ${(error as Error).message}`)
  }
  for (let i = 0; i < records.length; i++) {
    if (records[i]!.offsetDelta !== i) {
      throw new BatchRefused(KafkaErrorCodes.INVALID_RECORD, `Record ${i} of the batch has offset delta ${records[i]!.offsetDelta}; inner offsets must run 0, 1, 2, ...`)
    }
  }
}
