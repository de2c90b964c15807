/**
 * ListOffsets: an offset per partition for a timestamp or one of Kafka's special timestamps:
 * -1 latest (the high watermark; the last stable offset for read_committed), -2 earliest (the log
 * start offset), -3 the record with the largest timestamp (v7+), -4 earliest local and -5
 * earliest tiered (v8+/v9+; without tiered storage both are the log start offset). For a real
 * timestamp, the first record whose timestamp is at or after it: the time index finds the batch,
 * then that one batch is decoded (decompressed if need be) to find the record, as Kafka's
 * LogSegment.findOffsetByTimestamp does; none gives offset -1. The largest timestamp (-3) is
 * found the same way, to the record. v0 answers in its own shape (a list of offsets).
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { ListOffsetsRequest, ListOffsetsResponseInput } from '../../protocol/messages/list-offsets.js'
import { TimestampTypes } from '../../protocol/record-batch.js'
import { decodeRecordBatch } from '../../protocol/records.js'
import type { Partition } from '../../replication/partition.js'
import { type CompressionCodec, decompress } from '../../storage/codecs.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

type PartitionResponse = ListOffsetsResponseInput['topics'][number]['partitions'][number]

export const LATEST_TIMESTAMP = -1
export const EARLIEST_TIMESTAMP = -2
export const MAX_TIMESTAMP = -3
export const EARLIEST_LOCAL_TIMESTAMP = -4
export const EARLIEST_TIERED_TIMESTAMP = -5

/**
 * The first record at or after `timestamp` in the batch holding `batchOffset`, or null when the
 * batch cannot be read or decoded (the caller then answers with the batch's own figures).
 * Under LogAppendTime every record carries the batch's max timestamp.
 */
function firstRecordAtOrAfter(partition: Partition, batchOffset: number, timestamp: number): { offset: number; timestamp: number } | null {
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

export function listOffsetsHandler(broker: BrokerContext) {
  const lookup = (partition: Partition, timestamp: number, readCommitted: boolean): { offset: number; timestamp: number } => {
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
        // Only offsets consumers may read are answered.
        if (found === null || found.offset >= partition.highWatermark) return { offset: -1, timestamp: -1 }
        const record = firstRecordAtOrAfter(partition, found.offset, timestamp) ?? { offset: found.offset, timestamp: found.timestamp }
        return record.offset >= partition.highWatermark ? { offset: -1, timestamp: -1 } : record
      }
    }
  }

  const answer = (partitionIndex: number, errorCode: number, offset = -1, timestamp = -1, leaderEpoch = -1): PartitionResponse => ({
    partitionIndex,
    errorCode,
    oldStyleOffsets: offset >= 0 ? [BigInt(offset)] : [],
    timestamp: BigInt(timestamp),
    offset: BigInt(offset),
    leaderEpoch,
  })

  const errorResponse = (request: ListOffsetsRequest, errorCode: number): ListOffsetsResponseInput => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => answer(p.partitionIndex, errorCode)) })),
  })

  return defineHandler({
    apiKey: ApiKeys.ListOffsets,
    advertised: { min: 0, max: 9 },
    handle(request, context) {
      const readCommitted = request.isolationLevel === 1
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((topic) => ({
          name: topic.name,
          partitions: topic.partitions.map((p) => {
            const partition = broker.replicas.leaderPartition(topic.name, p.partitionIndex)
            if (typeof partition === 'number') return answer(p.partitionIndex, partition)
            if (p.currentLeaderEpoch !== -1 && p.currentLeaderEpoch !== partition.leaderEpoch) {
              return answer(p.partitionIndex, p.currentLeaderEpoch < partition.leaderEpoch ? KafkaErrorCodes.FENCED_LEADER_EPOCH : KafkaErrorCodes.UNKNOWN_LEADER_EPOCH)
            }
            const timestamp = Number(p.timestamp)
            if (timestamp === MAX_TIMESTAMP && context.apiVersion < 7) return answer(p.partitionIndex, KafkaErrorCodes.UNSUPPORTED_VERSION)
            const found = lookup(partition, timestamp, readCommitted)
            return answer(p.partitionIndex, KafkaErrorCodes.NONE, found.offset, found.timestamp, found.offset >= 0 ? partition.leaderEpoch : -1)
          }),
        })),
      }
    },
    errorResponse,
  })
}
