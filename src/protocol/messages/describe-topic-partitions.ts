/**
 * DescribeTopicPartitions (API key 75, KIP-966): topics and their partitions, page by page, for
 * admin clients (kafka-topics --describe from Kafka 3.9 on). The request names topics (or none,
 * for every topic), caps the partitions per response and may carry a cursor; the response ends
 * with the cursor of the next page, or null when there is none. Partitions carry eligible leader
 * replicas (ELR), which brokers without KIP-966's election leave null.
 *
 * Version 0 only; flexible.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'
import { ZERO_UUID } from '../uuid.js'
import { AUTHORIZED_OPERATIONS_OMITTED } from './metadata.js'

/** Kafka's default response_partition_limit. */
export const DEFAULT_RESPONSE_PARTITION_LIMIT = 2000

/*
 * DescribeTopicPartitions Request (v0)
 *   => [topics] response_partition_limit cursor(nullable)
 *   topics => name
 *   cursor => topic_name partition_index
 */
export const describeTopicPartitionsRequest = defineMessage({
  name: 'DescribeTopicPartitionsRequest',
  apiKey: 75,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    topics: field.array({ name: field.string() }),
    responsePartitionLimit: field.int32({ default: DEFAULT_RESPONSE_PARTITION_LIMIT }),
    cursor: field.struct(
      { topicName: field.string(), partitionIndex: field.int32() },
      { nullableVersions: '0+', default: null },
    ),
  },
})

export type DescribeTopicPartitionsRequest = MessageType<typeof describeTopicPartitionsRequest>
export type DescribeTopicPartitionsRequestInput = MessageInput<typeof describeTopicPartitionsRequest>

/*
 * DescribeTopicPartitions Response (v0)
 *   => throttle_time_ms [topics] next_cursor(nullable)
 *   topics => error_code name(nullable) topic_id is_internal [partitions]
 *             topic_authorized_operations
 *   partitions => error_code partition_index leader_id leader_epoch [replica_nodes] [isr_nodes]
 *                 [eligible_leader_replicas](nullable) [last_known_elr](nullable)
 *                 [offline_replicas]
 *   next_cursor => topic_name partition_index
 */
export const describeTopicPartitionsResponse = defineMessage({
  name: 'DescribeTopicPartitionsResponse',
  apiKey: 75,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    topics: field.array({
      errorCode: field.int16(),
      name: field.string({ nullableVersions: '0+' }),
      topicId: field.uuid({ default: ZERO_UUID }),
      isInternal: field.bool({ default: false }),
      partitions: field.array({
        errorCode: field.int16(),
        partitionIndex: field.int32(),
        leaderId: field.int32(),
        leaderEpoch: field.int32({ default: -1 }),
        replicaNodes: field.array(field.int32()),
        isrNodes: field.array(field.int32()),
        eligibleLeaderReplicas: field.array(field.int32(), { nullableVersions: '0+', default: null }),
        lastKnownElr: field.array(field.int32(), { nullableVersions: '0+', default: null }),
        offlineReplicas: field.array(field.int32(), { default: [] }),
      }),
      topicAuthorizedOperations: field.int32({ default: AUTHORIZED_OPERATIONS_OMITTED }),
    }),
    nextCursor: field.struct(
      { topicName: field.string(), partitionIndex: field.int32() },
      { nullableVersions: '0+', default: null },
    ),
  },
})

export type DescribeTopicPartitionsResponse = MessageType<typeof describeTopicPartitionsResponse>
export type DescribeTopicPartitionsResponseInput = MessageInput<typeof describeTopicPartitionsResponse>
