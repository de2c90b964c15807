/**
 * CreateTopics (API key 19): create topics with a partition count and replication factor (or an
 * explicit replica assignment) and per-topic configs.
 *
 * Versions 0-7; flexible from 5. validate_only (v1+) checks without creating. From v5 the response
 * echoes the resulting partition count, replication factor and configs; from v7 the topic id.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'
import { ZERO_UUID } from '../uuid.js'

/*
 * CreateTopics Request (v0-7)
 *   => [topics] timeout_ms validate_only(v1+)
 *   topics => name num_partitions replication_factor [assignments] [configs]
 *   assignments => partition_index [broker_ids]
 *   configs => name value(nullable)
 */
export const createTopicsRequest = defineMessage({
  name: 'CreateTopicsRequest',
  apiKey: 19,
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: {
    topics: field.array({
      name: field.string(),
      numPartitions: field.int32(),
      replicationFactor: field.int16(),
      assignments: field.array({
        partitionIndex: field.int32(),
        brokerIds: field.array(field.int32()),
      }),
      configs: field.array({
        name: field.string(),
        value: field.string({ nullableVersions: '0+' }),
      }),
    }),
    timeoutMs: field.int32({ default: 60000 }),
    validateOnly: field.bool({ versions: '1+', default: false, strict: true }),
  },
})

export type CreateTopicsRequest = MessageType<typeof createTopicsRequest>
export type CreateTopicsRequestInput = MessageInput<typeof createTopicsRequest>

/*
 * CreateTopics Response (v0-7)
 *   => throttle_time_ms(v2+) [topics]
 *   topics => name topic_id(v7+) error_code error_message(v1+, nullable)
 *             <topic_config_error_code: tag 0, v5+> num_partitions(v5+) replication_factor(v5+)
 *             [configs](v5+, nullable)
 *   configs => name value(nullable) read_only config_source is_sensitive
 */
export const createTopicsResponse = defineMessage({
  name: 'CreateTopicsResponse',
  apiKey: 19,
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: {
    throttleTimeMs: field.int32({ versions: '2+', default: 0 }),
    topics: field.array({
      name: field.string(),
      topicId: field.uuid({ versions: '7+', default: ZERO_UUID }),
      errorCode: field.int16(),
      errorMessage: field.string({ versions: '1+', nullableVersions: '0+', default: null }),
      topicConfigErrorCode: field.int16({ versions: '5+', taggedVersions: '5+', tag: 0, default: 0 }),
      numPartitions: field.int32({ versions: '5+', default: -1 }),
      replicationFactor: field.int16({ versions: '5+', default: -1 }),
      configs: field.array(
        {
          name: field.string(),
          value: field.string({ nullableVersions: '5+' }),
          readOnly: field.bool(),
          configSource: field.int8({ default: -1 }),
          isSensitive: field.bool(),
        },
        { versions: '5+', nullableVersions: '5+', default: [] },
      ),
    }),
  },
})

export type CreateTopicsResponse = MessageType<typeof createTopicsResponse>
export type CreateTopicsResponseInput = MessageInput<typeof createTopicsResponse>
