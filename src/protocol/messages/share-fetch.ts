/**
 * ShareFetch (API key 78): a share-group member fetches records it then holds under an
 * acquisition lock, and may acknowledge earlier ones in the same request (KIP-932). Requests run
 * in a share session (epoch 0 opens one, -1 closes it, otherwise the next epoch): a request
 * names only the partitions it adds, and ForgottenTopicsData those it drops.
 *
 * The response carries whole record batches, as Fetch does, plus the acquired offset ranges:
 * the client hands the application only the records inside them.
 *
 * Version 1 only (v0 was Kafka 4.0's early access; v2 adds KIP-1206's acquire modes and renew).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

const acknowledgementBatch = {
  firstOffset: field.int64(),
  lastOffset: field.int64(),
  /** One type for the whole range, or one per offset: 0 gap, 1 accept, 2 release, 3 reject. */
  acknowledgeTypes: field.array(field.int8()),
}

/*
 * ShareFetch Request (v1)
 *   => group_id(nullable) member_id(nullable) share_session_epoch max_wait_ms min_bytes
 *      max_bytes max_records batch_size [topics] [forgotten_topics_data]
 *   topics => topic_id [partitions]
 *   partitions => partition_index [acknowledgement_batches]
 *   acknowledgement_batches => first_offset last_offset [acknowledge_types]
 *   forgotten_topics_data => topic_id [partitions]
 */
export const shareFetchRequest = defineMessage({
  name: 'ShareFetchRequest',
  apiKey: 78,
  validVersions: '1',
  flexibleVersions: '0+',
  fields: {
    groupId: field.string({ nullableVersions: '0+', default: null }),
    memberId: field.string({ nullableVersions: '0+', default: null }),
    shareSessionEpoch: field.int32(),
    maxWaitMs: field.int32(),
    minBytes: field.int32(),
    maxBytes: field.int32({ default: 0x7fffffff }),
    maxRecords: field.int32(),
    batchSize: field.int32(),
    topics: field.array({
      topicId: field.uuid(),
      partitions: field.array({
        partitionIndex: field.int32(),
        acknowledgementBatches: field.array(acknowledgementBatch),
      }),
    }),
    forgottenTopicsData: field.array({
      topicId: field.uuid(),
      partitions: field.array(field.int32()),
    }),
  },
})

export type ShareFetchRequest = MessageType<typeof shareFetchRequest>
export type ShareFetchRequestInput = MessageInput<typeof shareFetchRequest>

/*
 * ShareFetch Response (v1)
 *   => throttle_time_ms error_code error_message(nullable) acquisition_lock_timeout_ms
 *      [responses] [node_endpoints]
 *   responses => topic_id [partitions]
 *   partitions => partition_index error_code error_message(nullable) acknowledge_error_code
 *                 acknowledge_error_message(nullable) current_leader records [acquired_records]
 *   current_leader => leader_id leader_epoch
 *   acquired_records => first_offset last_offset delivery_count
 *   node_endpoints => node_id host port rack(nullable)
 */
export const shareFetchResponse = defineMessage({
  name: 'ShareFetchResponse',
  apiKey: 78,
  validVersions: '1',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
    errorMessage: field.string({ nullableVersions: '0+', default: null }),
    acquisitionLockTimeoutMs: field.int32({ default: 0 }),
    responses: field.array({
      topicId: field.uuid(),
      partitions: field.array({
        partitionIndex: field.int32(),
        errorCode: field.int16(),
        errorMessage: field.string({ nullableVersions: '0+', default: null }),
        acknowledgeErrorCode: field.int16({ default: 0 }),
        acknowledgeErrorMessage: field.string({ nullableVersions: '0+', default: null }),
        currentLeader: field.struct({ leaderId: field.int32({ default: -1 }), leaderEpoch: field.int32({ default: -1 }) }),
        records: field.records(),
        acquiredRecords: field.array({
          firstOffset: field.int64(),
          lastOffset: field.int64(),
          deliveryCount: field.int16(),
        }),
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

export type ShareFetchResponse = MessageType<typeof shareFetchResponse>
export type ShareFetchResponseInput = MessageInput<typeof shareFetchResponse>
