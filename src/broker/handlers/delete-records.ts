/**
 * DeleteRecords: move partitions' log start offsets forward (kafka-delete-records.sh,
 * Admin.deleteRecords), so records below the new start can no longer be read and their segments
 * go at the next retention pass.
 *
 * Per partition, as Kafka's ReplicaManager.deleteRecords and Partition.deleteRecordsOnLeader:
 * an unknown topic or partition gets UNKNOWN_TOPIC_OR_PARTITION, an internal topic
 * INVALID_TOPIC_EXCEPTION, a topic whose cleanup.policy lacks `delete` POLICY_VIOLATION. Offset -1
 * means the high watermark; any other offset must lie in [0, high watermark] or the answer is
 * OFFSET_OUT_OF_RANGE. An offset below the current start changes nothing. The answer's
 * low_watermark is the log start offset afterwards. A single broker is the only replica, so the
 * request completes at once (Kafka waits until every follower's start offset has moved too).
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { DeleteRecordsRequest, DeleteRecordsResponseInput } from '../../protocol/messages/delete-records.js'
import { storageErrorCode } from '../../replication/storage-errors.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

type PartitionResponse = DeleteRecordsResponseInput['topics'][number]['partitions'][number]

/** DeleteRecordsRequest.HIGH_WATERMARK: delete everything consumers can currently read. */
export const HIGH_WATERMARK = -1

function answer(partitionIndex: number, errorCode: number, lowWatermark = -1): PartitionResponse {
  return { partitionIndex, errorCode, lowWatermark: BigInt(lowWatermark) }
}

export function deleteRecordsHandler(broker: BrokerContext) {
  const deleteBefore = (topicName: string, partitionIndex: number, requested: bigint): PartitionResponse => {
    const topic = broker.metadata.topic(topicName)
    const partition = broker.replicas.leaderPartition(topicName, partitionIndex)
    if (topic === undefined) return answer(partitionIndex, KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
    if (typeof partition === 'number') return answer(partitionIndex, partition)
    if (topic.internal) return answer(partitionIndex, KafkaErrorCodes.INVALID_TOPIC_EXCEPTION)
    if (!partition.config['cleanup.policy'].includes('delete')) return answer(partitionIndex, KafkaErrorCodes.POLICY_VIOLATION)
    const highWatermark = partition.highWatermark
    const offset = requested === BigInt(HIGH_WATERMARK) ? highWatermark : requested
    if (offset < 0 || offset > highWatermark) return answer(partitionIndex, KafkaErrorCodes.OFFSET_OUT_OF_RANGE)
    try {
      return answer(partitionIndex, KafkaErrorCodes.NONE, partition.log.deleteRecordsBefore(Number(offset)))
    } catch (error) {
      broker.logger.warn('DeleteRecords failed', { topic: topicName, partition: partitionIndex, error })
      return answer(partitionIndex, storageErrorCode(error))
    }
  }

  const errorResponse = (request: DeleteRecordsRequest, errorCode: number): DeleteRecordsResponseInput => ({
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) => answer(p.partitionIndex, errorCode)),
    })),
  })

  return defineHandler({
    apiKey: ApiKeys.DeleteRecords,
    advertised: { min: 0, max: 2 },
    handle(request, context) {
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((topic) => ({
          name: topic.name,
          partitions: !broker.authorizer.authorize(context, AclOperation.DELETE, ResourceType.TOPIC, topic.name)
            ? topic.partitions.map((p) => answer(p.partitionIndex, KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED))
            : topic.partitions.map((p) => deleteBefore(topic.name, p.partitionIndex, p.offset)),
        })),
      }
    },
    errorResponse,
  })
}
