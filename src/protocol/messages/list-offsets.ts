/**
 * ListOffsets (API key 2): the offset for a timestamp, or the earliest (-2) / latest (-1) offset
 * of partitions (-3 max timestamp, v7+).
 *
 * Versions 0-9; flexible from 6. v0 answers with a list of offsets (old_style_offsets); v1+ with
 * one timestamp/offset pair. isolation_level (v2+) chooses the high watermark or the last stable
 * offset as "latest".
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * ListOffsets Request (v0-9)
 *   => replica_id isolation_level(v2+) [topics]
 *   topics => name [partitions]
 *   partitions => partition_index current_leader_epoch(v4+) timestamp max_num_offsets(v0)
 */
export const listOffsetsRequest = defineMessage({
  name: 'ListOffsetsRequest',
  apiKey: 2,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: {
    replicaId: field.int32(),
    isolationLevel: field.int8({ versions: '2+', default: 0, strict: true }),
    topics: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
        currentLeaderEpoch: field.int32({ versions: '4+', default: -1 }),
        timestamp: field.int64(),
        maxNumOffsets: field.int32({ versions: '0', default: 1 }),
      }),
    }),
  },
})

export type ListOffsetsRequest = MessageType<typeof listOffsetsRequest>
export type ListOffsetsRequestInput = MessageInput<typeof listOffsetsRequest>

/*
 * ListOffsets Response (v0-9)
 *   => throttle_time_ms(v2+) [topics]
 *   topics => name [partitions]
 *   partitions => partition_index error_code [old_style_offsets](v0) timestamp(v1+) offset(v1+)
 *                 leader_epoch(v4+)
 */
export const listOffsetsResponse = defineMessage({
  name: 'ListOffsetsResponse',
  apiKey: 2,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: {
    throttleTimeMs: field.int32({ versions: '2+', default: 0 }),
    topics: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
        errorCode: field.int16(),
        oldStyleOffsets: field.array(field.int64(), { versions: '0', default: [] }),
        timestamp: field.int64({ versions: '1+', default: -1n }),
        offset: field.int64({ versions: '1+', default: -1n }),
        leaderEpoch: field.int32({ versions: '4+', default: -1 }),
      }),
    }),
  },
})

export type ListOffsetsResponse = MessageType<typeof listOffsetsResponse>
export type ListOffsetsResponseInput = MessageInput<typeof listOffsetsResponse>
