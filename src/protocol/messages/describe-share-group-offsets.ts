/**
 * DescribeShareGroupOffsets (API key 90): each share-partition's start offset (the SPSO: every
 * record below it is done with), for admin clients (kafka-share-groups --describe).
 *
 * Version 0 (Kafka 4.1; later versions add the lag).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * DescribeShareGroupOffsets Request (v0)
 *   => [groups]
 *   groups => group_id [topics](nullable: all of the group's)
 *   topics => topic_name [partitions]
 */
export const describeShareGroupOffsetsRequest = defineMessage({
  name: 'DescribeShareGroupOffsetsRequest',
  apiKey: 90,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    groups: field.array({
      groupId: field.string(),
      topics: field.array({ topicName: field.string(), partitions: field.array(field.int32()) }, { nullableVersions: '0+', default: null }),
    }),
  },
})

export type DescribeShareGroupOffsetsRequest = MessageType<typeof describeShareGroupOffsetsRequest>

/*
 * DescribeShareGroupOffsets Response (v0)
 *   => throttle_time_ms [groups]
 *   groups => group_id [topics] error_code error_message(nullable)
 *   topics => topic_name topic_id [partitions]
 *   partitions => partition_index start_offset leader_epoch error_code error_message(nullable)
 */
export const describeShareGroupOffsetsResponse = defineMessage({
  name: 'DescribeShareGroupOffsetsResponse',
  apiKey: 90,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    groups: field.array({
      groupId: field.string(),
      topics: field.array({
        topicName: field.string(),
        topicId: field.uuid(),
        partitions: field.array({
          partitionIndex: field.int32(),
          startOffset: field.int64(),
          leaderEpoch: field.int32(),
          errorCode: field.int16(),
          errorMessage: field.string({ nullableVersions: '0+', default: null }),
        }),
      }),
      errorCode: field.int16(),
      errorMessage: field.string({ nullableVersions: '0+', default: null }),
    }),
  },
})

export type DescribeShareGroupOffsetsResponse = MessageType<typeof describeShareGroupOffsetsResponse>
export type DescribeShareGroupOffsetsResponseInput = MessageInput<typeof describeShareGroupOffsetsResponse>
