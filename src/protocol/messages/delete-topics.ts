/**
 * DeleteTopics (API key 20): delete topics by name (v0-5) or by name or topic id (v6+).
 *
 * Versions 0-6; flexible from 4.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'
import { ZERO_UUID } from '../uuid.js'

/*
 * DeleteTopics Request (v0-6)
 *   => [topics](v6+) [topic_names](v0-5) timeout_ms
 *   topics => name(nullable) topic_id
 */
export const deleteTopicsRequest = defineMessage({
  name: 'DeleteTopicsRequest',
  apiKey: 20,
  validVersions: '0-6',
  flexibleVersions: '4+',
  fields: {
    topics: field.array(
      {
        name: field.string({ nullableVersions: '6+', default: null }),
        topicId: field.uuid(),
      },
      { versions: '6+', default: [] },
    ),
    topicNames: field.array(field.string(), { versions: '0-5', default: [] }),
    timeoutMs: field.int32(),
  },
})

export type DeleteTopicsRequest = MessageType<typeof deleteTopicsRequest>
export type DeleteTopicsRequestInput = MessageInput<typeof deleteTopicsRequest>

/*
 * DeleteTopics Response (v0-6)
 *   => throttle_time_ms(v1+) [responses]
 *   responses => name(nullable v6+) topic_id(v6+) error_code error_message(v5+, nullable)
 */
export const deleteTopicsResponse = defineMessage({
  name: 'DeleteTopicsResponse',
  apiKey: 20,
  validVersions: '0-6',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: field.int32({ versions: '1+', default: 0 }),
    responses: field.array({
      name: field.string({ nullableVersions: '6+' }),
      topicId: field.uuid({ versions: '6+', default: ZERO_UUID }),
      errorCode: field.int16(),
      errorMessage: field.string({ versions: '5+', nullableVersions: '5+', default: null }),
    }),
  },
})

export type DeleteTopicsResponse = MessageType<typeof deleteTopicsResponse>
export type DeleteTopicsResponseInput = MessageInput<typeof deleteTopicsResponse>
