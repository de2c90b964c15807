/**
 * DeleteRecords (API key 21): move partitions' log start offsets forward, deleting the records
 * before them (offset -1 means the high watermark).
 *
 * Versions 0-2; flexible from 2.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * DeleteRecords Request (v0-2)
 *   => [topics] timeout_ms
 *   topics => name [partitions]
 *   partitions => partition_index offset
 */
export const deleteRecordsRequest = defineMessage({
  name: 'DeleteRecordsRequest',
  apiKey: 21,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    topics: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
        offset: field.int64(),
      }),
    }),
    timeoutMs: field.int32(),
  },
})

export type DeleteRecordsRequest = MessageType<typeof deleteRecordsRequest>
export type DeleteRecordsRequestInput = MessageInput<typeof deleteRecordsRequest>

/*
 * DeleteRecords Response (v0-2)
 *   => throttle_time_ms [topics]
 *   topics => name [partitions]
 *   partitions => partition_index low_watermark error_code
 */
export const deleteRecordsResponse = defineMessage({
  name: 'DeleteRecordsResponse',
  apiKey: 21,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    topics: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
        lowWatermark: field.int64(),
        errorCode: field.int16(),
      }),
    }),
  },
})

export type DeleteRecordsResponse = MessageType<typeof deleteRecordsResponse>
export type DeleteRecordsResponseInput = MessageInput<typeof deleteRecordsResponse>
