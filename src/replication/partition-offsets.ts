/**
 * The offset of a partition for a timestamp, as ListOffsets answers it: -1 latest (the high
 * watermark; the last stable offset for read_committed), -2 earliest (the log start offset), -3
 * the record with the largest timestamp, -4 earliest local and -5 earliest tiered (without tiered
 * storage both are the log start offset). For a real timestamp, the first record whose timestamp
 * is at or after it: the time index finds the batch, then that one batch is decoded (decompressed
 * if need be) to find the record, as Kafka's LogSegment.findOffsetByTimestamp does; none gives
 * offset -1. The largest timestamp (-3) is found the same way, to the record.
 *
 * The Kafka handler (ListOffsets) and the HTTP gateway (consumer positions, the console's offset
 * reset and timestamp search) both ask here, so they always agree.
 */
import { TimestampTypes } from '../protocol/record-batch.js'
import { decodeRecordBatch } from '../protocol/records.js'
import { type CompressionCodec, decompress } from '../storage/codecs.js'
import type { Partition } from './partition.js'

export const LATEST_TIMESTAMP = -1
export const EARLIEST_TIMESTAMP = -2
export const MAX_TIMESTAMP = -3
export const EARLIEST_LOCAL_TIMESTAMP = -4
export const EARLIEST_TIERED_TIMESTAMP = -5

/** An offset and the timestamp of its record (-1 for the special timestamps' answers). */
export interface OffsetAndTimestamp {
  readonly offset: number
  readonly timestamp: number
}

/** `partition`'s offset for `timestamp` (a time in ms, or one of the special values above). */
export function offsetForTimestamp(partition: Partition, timestamp: number, readCommitted: boolean): OffsetAndTimestamp {
  switch (timestamp) {
    case LATEST_TIMESTAMP:
      return { offset: readCommitted ? partition.lastStableOffset : partition.highWatermark, timestamp: -1 }
    case EARLIEST_TIMESTAMP:
    case EARLIEST_LOCAL_TIMESTAMP:
    case EARLIEST_TIERED_TIMESTAMP:
      return { offset: partition.logStartOffset, timestamp: -1 }
    case MAX_TIMESTAMP: {
      const max = partition.log.maxTimestamp()
      if (max === null) return { offset: -1, timestamp: -1 }
      return firstRecordAtOrAfter(partition, max.offset, max.timestamp) ?? { offset: max.offset, timestamp: max.timestamp }
    }
    default: {
      const found = partition.log.offsetForTimestamp(timestamp)
      // Only offsets the consumer may read are answered: below the high watermark, or for
      // read_committed below the last stable offset (Kafka's lastFetchableOffset).
      const fetchable = readCommitted ? partition.lastStableOffset : partition.highWatermark
      if (found === null || found.offset >= fetchable) return { offset: -1, timestamp: -1 }
      const record = firstRecordAtOrAfter(partition, found.offset, timestamp) ?? { offset: found.offset, timestamp: found.timestamp }
      return record.offset >= fetchable ? { offset: -1, timestamp: -1 } : record
    }
  }
}

/**
 * The first record at or after `timestamp` in the batch holding `batchOffset`, or null when the
 * batch cannot be read or decoded (the caller then answers with the batch's own figures).
 * Under LogAppendTime every record carries the batch's max timestamp.
 */
function firstRecordAtOrAfter(partition: Partition, batchOffset: number, timestamp: number): OffsetAndTimestamp | null {
  try {
    const [bytes] = partition.log.read(batchOffset, 1).toBuffers()
    if (bytes === undefined) return null
    const batch = decodeRecordBatch(bytes, { decompress: (codec, data, maxBytes) => decompress(codec as CompressionCodec, data, maxBytes), verifyCrc: false })
    const baseOffset = Number(batch.baseOffset)
    if (batch.timestampType === TimestampTypes.LOG_APPEND_TIME) {
      return Number(batch.maxTimestamp) >= timestamp ? { offset: baseOffset, timestamp: Number(batch.maxTimestamp) } : null
    }
    const baseTimestamp = Number(batch.baseTimestamp)
    for (const record of batch.records) {
      const recordTimestamp = baseTimestamp + record.timestampDelta
      if (recordTimestamp >= timestamp) return { offset: baseOffset + record.offsetDelta, timestamp: recordTimestamp }
    }
    return null
  } catch {
    return null
  }
}
