/**
 * ListOffsets: an offset per partition for a timestamp or one of Kafka's special timestamps:
 * -1 latest (the high watermark; the last stable offset for read_committed), -2 earliest (the log
 * start offset), -3 the record with the largest timestamp (v7+), -4 earliest local and -5
 * earliest tiered (v8+/v9+; without tiered storage both are the log start offset). For a real
 * timestamp, the first offset whose record timestamp is at or after it, from the time index;
 * none gives offset -1. v0 answers in its own shape (a list of offsets).
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { ListOffsetsRequest, ListOffsetsResponseInput } from '../../protocol/messages/list-offsets.js'
import type { Partition } from '../../replication/partition.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

type PartitionResponse = ListOffsetsResponseInput['topics'][number]['partitions'][number]

export const LATEST_TIMESTAMP = -1
export const EARLIEST_TIMESTAMP = -2
export const MAX_TIMESTAMP = -3
export const EARLIEST_LOCAL_TIMESTAMP = -4
export const EARLIEST_TIERED_TIMESTAMP = -5

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
        return max === null ? { offset: -1, timestamp: -1 } : { offset: max.offset, timestamp: max.timestamp }
      }
      default: {
        const found = partition.log.offsetForTimestamp(timestamp)
        // Only offsets consumers may read are answered.
        if (found === null || found.offset >= partition.highWatermark) return { offset: -1, timestamp: -1 }
        return { offset: found.offset, timestamp: found.timestamp }
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
            const partition = broker.replicas.partition(topic.name, p.partitionIndex)
            if (partition === undefined) return answer(p.partitionIndex, KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
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
