/**
 * ShareAcknowledge (API key 79): a share-group member acknowledges records it holds without
 * fetching more (KIP-932), in its share session: ACCEPT (1) consumes them, RELEASE (2) makes them
 * available again, REJECT (3) archives them for good.
 *
 * Version 1 only (v0 was Kafka 4.0's early access; v2 adds KIP-1222's renew).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * ShareAcknowledge Request (v1)
 *   => group_id(nullable) member_id(nullable) share_session_epoch [topics]
 *   topics => topic_id [partitions]
 *   partitions => partition_index [acknowledgement_batches]
 *   acknowledgement_batches => first_offset last_offset [acknowledge_types]
 */
export const shareAcknowledgeRequest = defineMessage({
  name: 'ShareAcknowledgeRequest',
  apiKey: 79,
  validVersions: '1',
  flexibleVersions: '0+',
  fields: {
    groupId: field.string({ nullableVersions: '0+', default: null }),
    memberId: field.string({ nullableVersions: '0+', default: null }),
    shareSessionEpoch: field.int32(),
    topics: field.array({
      topicId: field.uuid(),
      partitions: field.array({
        partitionIndex: field.int32(),
        acknowledgementBatches: field.array({
          firstOffset: field.int64(),
          lastOffset: field.int64(),
          acknowledgeTypes: field.array(field.int8()),
        }),
      }),
    }),
  },
})

export type ShareAcknowledgeRequest = MessageType<typeof shareAcknowledgeRequest>

/*
 * ShareAcknowledge Response (v1)
 *   => throttle_time_ms error_code error_message(nullable) [responses] [node_endpoints]
 *   responses => topic_id [partitions]
 *   partitions => partition_index error_code error_message(nullable) current_leader
 *   node_endpoints => node_id host port rack(nullable)
 */
export const shareAcknowledgeResponse = defineMessage({
  name: 'ShareAcknowledgeResponse',
  apiKey: 79,
  validVersions: '1',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
    errorMessage: field.string({ nullableVersions: '0+', default: null }),
    responses: field.array({
      topicId: field.uuid(),
      partitions: field.array({
        partitionIndex: field.int32(),
        errorCode: field.int16(),
        errorMessage: field.string({ nullableVersions: '0+', default: null }),
        currentLeader: field.struct({ leaderId: field.int32({ default: -1 }), leaderEpoch: field.int32({ default: -1 }) }),
      }),
    }),
    nodeEndpoints: field.array({
      nodeId: field.int32(),
      host: field.string(),
      port: field.int32(),
      rack: field.string({ nullableVersions: '0+', default: null }),
    }),
  },
})

export type ShareAcknowledgeResponse = MessageType<typeof shareAcknowledgeResponse>
export type ShareAcknowledgeResponseInput = MessageInput<typeof shareAcknowledgeResponse>
