/**
 * ConsumerGroupHeartbeat (API key 68): the one request of the KIP-848 consumer group protocol. A
 * member joins (epoch 0), heartbeats with its epoch, and leaves (-1; -2 for a static member that
 * will come back); the coordinator answers with the member's epoch and, when it changed, the
 * partitions the member may consume now. Every field after the epoch is sent only when it
 * changed since the member's last heartbeat (null otherwise), so a steady heartbeat is small.
 *
 * Versions 0-1; flexible from 0. v1 (Kafka 4.0) adds the regex subscription, and the client
 * generates its member id itself (KIP-1082).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * ConsumerGroupHeartbeat Request (v0-1)
 *   => group_id member_id member_epoch instance_id(nullable) rack_id(nullable)
 *      rebalance_timeout_ms subscribed_topic_names(nullable) subscribed_topic_regex(v1+, nullable)
 *      server_assignor(nullable) [topic_partitions](nullable)
 *   topic_partitions => topic_id [partitions]
 */
export const consumerGroupHeartbeatRequest = defineMessage({
  name: 'ConsumerGroupHeartbeatRequest',
  apiKey: 68,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    groupId: field.string(),
    memberId: field.string(),
    memberEpoch: field.int32(),
    instanceId: field.string({ nullableVersions: '0+', default: null }),
    rackId: field.string({ nullableVersions: '0+', default: null }),
    rebalanceTimeoutMs: field.int32({ default: -1 }),
    subscribedTopicNames: field.array(field.string(), { nullableVersions: '0+', default: null }),
    subscribedTopicRegex: field.string({ versions: '1+', nullableVersions: '1+', default: null, strict: true }),
    serverAssignor: field.string({ nullableVersions: '0+', default: null }),
    topicPartitions: field.array(
      {
        topicId: field.uuid(),
        partitions: field.array(field.int32()),
      },
      { nullableVersions: '0+', default: null },
    ),
  },
})

export type ConsumerGroupHeartbeatRequest = MessageType<typeof consumerGroupHeartbeatRequest>
export type ConsumerGroupHeartbeatRequestInput = MessageInput<typeof consumerGroupHeartbeatRequest>

/*
 * ConsumerGroupHeartbeat Response (v0-1)
 *   => throttle_time_ms error_code error_message(nullable) member_id(nullable) member_epoch
 *      heartbeat_interval_ms assignment(nullable)
 *   assignment => [topic_partitions]
 *   topic_partitions => topic_id [partitions]
 */
export const consumerGroupHeartbeatResponse = defineMessage({
  name: 'ConsumerGroupHeartbeatResponse',
  apiKey: 68,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
    errorMessage: field.string({ nullableVersions: '0+', default: null }),
    memberId: field.string({ nullableVersions: '0+', default: null }),
    memberEpoch: field.int32({ default: 0 }),
    heartbeatIntervalMs: field.int32({ default: 0 }),
    assignment: field.struct(
      {
        topicPartitions: field.array({
          topicId: field.uuid(),
          partitions: field.array(field.int32()),
        }),
      },
      { nullableVersions: '0+', default: null },
    ),
  },
})

export type ConsumerGroupHeartbeatResponse = MessageType<typeof consumerGroupHeartbeatResponse>
export type ConsumerGroupHeartbeatResponseInput = MessageInput<typeof consumerGroupHeartbeatResponse>
