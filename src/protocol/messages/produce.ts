/**
 * Produce (API key 0): append record batches to partitions.
 *
 * Versions 0-11; flexible from 9. Versions 3+ carry RecordBatch v2 (magic 2) only. The records of
 * each partition stay opaque bytes here: a view into the request frame, validated and appended by
 * the broker without decoding individual records.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * Produce Request (v0-11)
 *   => transactional_id(v3+, nullable) acks timeout_ms [topic_data]
 *   topic_data => name [partition_data]
 *   partition_data => index records(nullable)
 */
export const produceRequest = defineMessage({
  name: 'ProduceRequest',
  apiKey: 0,
  validVersions: '0-11',
  flexibleVersions: '9+',
  fields: {
    transactionalId: field.string({ versions: '3+', nullableVersions: '3+', default: null, strict: true }),
    acks: field.int16(),
    timeoutMs: field.int32(),
    topicData: field.array({
      name: field.string(),
      partitionData: field.array({
        index: field.int32(),
        records: field.records({ nullableVersions: '0+' }),
      }),
    }),
  },
})

export type ProduceRequest = MessageType<typeof produceRequest>
export type ProduceRequestInput = MessageInput<typeof produceRequest>

/*
 * Produce Response (v0-11)
 *   => [responses] throttle_time_ms(v1+) <node_endpoints: tag 0, v10+>
 *   responses => name [partition_responses]
 *   partition_responses => index error_code base_offset log_append_time_ms(v2+)
 *                          log_start_offset(v5+) [record_errors](v8+) error_message(v8+, nullable)
 *                          <current_leader: tag 0, v10+>
 *   record_errors => batch_index batch_index_error_message(nullable)
 *   current_leader => leader_id leader_epoch
 *   node_endpoints => node_id host port rack(nullable)
 */
export const produceResponse = defineMessage({
  name: 'ProduceResponse',
  apiKey: 0,
  validVersions: '0-11',
  flexibleVersions: '9+',
  fields: {
    responses: field.array({
      name: field.string(),
      partitionResponses: field.array({
        index: field.int32(),
        errorCode: field.int16(),
        baseOffset: field.int64(),
        logAppendTimeMs: field.int64({ versions: '2+', default: -1n }),
        logStartOffset: field.int64({ versions: '5+', default: -1n }),
        recordErrors: field.array(
          {
            batchIndex: field.int32(),
            batchIndexErrorMessage: field.string({ nullableVersions: '8+', default: null }),
          },
          { versions: '8+', default: [] },
        ),
        errorMessage: field.string({ versions: '8+', nullableVersions: '8+', default: null }),
        currentLeader: field.struct(
          {
            leaderId: field.int32({ default: -1 }),
            leaderEpoch: field.int32({ default: -1 }),
          },
          { versions: '10+', taggedVersions: '10+', tag: 0 },
        ),
      }),
    }),
    throttleTimeMs: field.int32({ versions: '1+', default: 0 }),
    nodeEndpoints: field.array(
      {
        nodeId: field.int32(),
        host: field.string(),
        port: field.int32(),
        rack: field.string({ nullableVersions: '10+', default: null }),
      },
      { versions: '10+', taggedVersions: '10+', tag: 0 },
    ),
  },
})

export type ProduceResponse = MessageType<typeof produceResponse>
export type ProduceResponseInput = MessageInput<typeof produceResponse>
