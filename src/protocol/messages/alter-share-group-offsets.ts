/**
 * AlterShareGroupOffsets (API key 91): sets the start offset of share-partitions of an empty
 * share group (kafka-share-groups --reset-offsets); records in flight there are forgotten.
 *
 * Version 0 (Kafka 4.1).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * AlterShareGroupOffsets Request (v0)
 *   => group_id [topics]
 *   topics => topic_name [partitions]
 *   partitions => partition_index start_offset
 */
export const alterShareGroupOffsetsRequest = defineMessage({
  name: 'AlterShareGroupOffsetsRequest',
  apiKey: 91,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    groupId: field.string(),
    topics: field.array({
      topicName: field.string(),
      partitions: field.array({ partitionIndex: field.int32(), startOffset: field.int64() }),
    }),
  },
})

export type AlterShareGroupOffsetsRequest = MessageType<typeof alterShareGroupOffsetsRequest>

/*
 * AlterShareGroupOffsets Response (v0)
 *   => throttle_time_ms error_code error_message(nullable) [responses]
 *   responses => topic_name topic_id [partitions]
 *   partitions => partition_index error_code error_message(nullable)
 */
export const alterShareGroupOffsetsResponse = defineMessage({
  name: 'AlterShareGroupOffsetsResponse',
  apiKey: 91,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
    errorMessage: field.string({ nullableVersions: '0+', default: null }),
    responses: field.array({
      topicName: field.string(),
      topicId: field.uuid(),
      partitions: field.array({
        partitionIndex: field.int32(),
        errorCode: field.int16(),
        errorMessage: field.string({ nullableVersions: '0+', default: null }),
      }),
    }),
  },
})

export type AlterShareGroupOffsetsResponseInput = MessageInput<typeof alterShareGroupOffsetsResponse>
