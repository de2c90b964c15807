/**
 * ShareGroupHeartbeat (API key 76): the one membership request of a share group (KIP-932). A
 * member joins (epoch 0), heartbeats with its epoch and leaves (-1); the coordinator answers with
 * the member's epoch and, when it changed, the partitions it may fetch from. Unlike a consumer
 * group, several members may be given the same partition and nothing is revoked first.
 *
 * Version 1 only: v0 was Kafka 4.0's early access and 4.1 removed it; clients of 4.1+ send v1.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * ShareGroupHeartbeat Request (v1)
 *   => group_id member_id member_epoch rack_id(nullable) subscribed_topic_names(nullable)
 */
export const shareGroupHeartbeatRequest = defineMessage({
  name: 'ShareGroupHeartbeatRequest',
  apiKey: 76,
  validVersions: '1',
  flexibleVersions: '0+',
  fields: {
    groupId: field.string(),
    memberId: field.string(),
    memberEpoch: field.int32(),
    rackId: field.string({ nullableVersions: '0+', default: null }),
    subscribedTopicNames: field.array(field.string(), { nullableVersions: '0+', default: null }),
  },
})

export type ShareGroupHeartbeatRequest = MessageType<typeof shareGroupHeartbeatRequest>
export type ShareGroupHeartbeatRequestInput = MessageInput<typeof shareGroupHeartbeatRequest>

/*
 * ShareGroupHeartbeat Response (v1)
 *   => throttle_time_ms error_code error_message(nullable) member_id(nullable) member_epoch
 *      heartbeat_interval_ms assignment(nullable)
 *   assignment => [topic_partitions]
 *   topic_partitions => topic_id [partitions]
 */
export const shareGroupHeartbeatResponse = defineMessage({
  name: 'ShareGroupHeartbeatResponse',
  apiKey: 76,
  validVersions: '1',
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

export type ShareGroupHeartbeatResponse = MessageType<typeof shareGroupHeartbeatResponse>
export type ShareGroupHeartbeatResponseInput = MessageInput<typeof shareGroupHeartbeatResponse>
