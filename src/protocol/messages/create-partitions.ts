/**
 * CreatePartitions (API key 37): grow topics to a new partition count, optionally with the
 * replica assignment of the new partitions.
 *
 * Versions 0-3; flexible from 2.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * CreatePartitions Request (v0-3)
 *   => [topics] timeout_ms validate_only
 *   topics => name count [assignments](nullable)
 *   assignments => [broker_ids]
 */
export const createPartitionsRequest = defineMessage({
  name: 'CreatePartitionsRequest',
  apiKey: 37,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    topics: field.array({
      name: field.string(),
      count: field.int32(),
      assignments: field.array({ brokerIds: field.array(field.int32()) }, { nullableVersions: '0+', default: null }),
    }),
    timeoutMs: field.int32(),
    validateOnly: field.bool({ default: false }),
  },
})

export type CreatePartitionsRequest = MessageType<typeof createPartitionsRequest>
export type CreatePartitionsRequestInput = MessageInput<typeof createPartitionsRequest>

/*
 * CreatePartitions Response (v0-3)
 *   => throttle_time_ms [results]
 *   results => name error_code error_message(nullable)
 */
export const createPartitionsResponse = defineMessage({
  name: 'CreatePartitionsResponse',
  apiKey: 37,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    results: field.array({
      name: field.string(),
      errorCode: field.int16(),
      errorMessage: field.string({ nullableVersions: '0+', default: null }),
    }),
  },
})

export type CreatePartitionsResponse = MessageType<typeof createPartitionsResponse>
export type CreatePartitionsResponseInput = MessageInput<typeof createPartitionsResponse>
