/**
 * OffsetDelete (API key 47): delete a group's committed offsets for partitions it no longer
 * consumes.
 *
 * Version 0 only; never flexible.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * OffsetDelete Request (v0)
 *   => group_id [topics]
 *   topics => name [partitions]
 *   partitions => partition_index
 */
export const offsetDeleteRequest = defineMessage({
  name: 'OffsetDeleteRequest',
  apiKey: 47,
  validVersions: '0',
  flexibleVersions: 'none',
  fields: {
    groupId: field.string(),
    topics: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
      }),
    }),
  },
})

export type OffsetDeleteRequest = MessageType<typeof offsetDeleteRequest>
export type OffsetDeleteRequestInput = MessageInput<typeof offsetDeleteRequest>

/*
 * OffsetDelete Response (v0)
 *   => error_code throttle_time_ms [topics]
 *   topics => name [partitions]
 *   partitions => partition_index error_code
 */
export const offsetDeleteResponse = defineMessage({
  name: 'OffsetDeleteResponse',
  apiKey: 47,
  validVersions: '0',
  flexibleVersions: 'none',
  fields: {
    errorCode: field.int16(),
    throttleTimeMs: field.int32({ default: 0 }),
    topics: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
        errorCode: field.int16(),
      }),
    }),
  },
})

export type OffsetDeleteResponse = MessageType<typeof offsetDeleteResponse>
export type OffsetDeleteResponseInput = MessageInput<typeof offsetDeleteResponse>
