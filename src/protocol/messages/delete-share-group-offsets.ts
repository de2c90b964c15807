/**
 * DeleteShareGroupOffsets (API key 92): forgets the share-partition state of whole topics for an
 * empty share group (kafka-share-groups --delete-offsets); the group starts on them afresh.
 *
 * Version 0 (Kafka 4.1).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * DeleteShareGroupOffsets Request (v0) => group_id [topics]
 *   topics => topic_name
 */
export const deleteShareGroupOffsetsRequest = defineMessage({
  name: 'DeleteShareGroupOffsetsRequest',
  apiKey: 92,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    groupId: field.string(),
    topics: field.array({ topicName: field.string() }),
  },
})

export type DeleteShareGroupOffsetsRequest = MessageType<typeof deleteShareGroupOffsetsRequest>

/*
 * DeleteShareGroupOffsets Response (v0)
 *   => throttle_time_ms error_code error_message(nullable) [responses]
 *   responses => topic_name topic_id error_code error_message(nullable)
 */
export const deleteShareGroupOffsetsResponse = defineMessage({
  name: 'DeleteShareGroupOffsetsResponse',
  apiKey: 92,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
    errorMessage: field.string({ nullableVersions: '0+', default: null }),
    responses: field.array({
      topicName: field.string(),
      topicId: field.uuid(),
      errorCode: field.int16(),
      errorMessage: field.string({ nullableVersions: '0+', default: null }),
    }),
  },
})

export type DeleteShareGroupOffsetsResponseInput = MessageInput<typeof deleteShareGroupOffsetsResponse>
