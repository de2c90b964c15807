/**
 * OffsetForLeaderEpoch (API key 23): the end offset of a leader epoch, so a follower or consumer
 * can find where its log diverges from the leader's and truncate there.
 *
 * Versions 0-4; flexible from 4. replica_id (v3+) is -1 for consumers, -2 when absent (old
 * versions, treated like a follower).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * OffsetForLeaderEpoch Request (v0-4)
 *   => replica_id(v3+) [topics]
 *   topics => topic [partitions]
 *   partitions => partition current_leader_epoch(v2+) leader_epoch
 */
export const offsetForLeaderEpochRequest = defineMessage({
  name: 'OffsetForLeaderEpochRequest',
  apiKey: 23,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    replicaId: field.int32({ versions: '3+', default: -2 }),
    topics: field.array({
      topic: field.string(),
      partitions: field.array({
        partition: field.int32(),
        currentLeaderEpoch: field.int32({ versions: '2+', default: -1 }),
        leaderEpoch: field.int32(),
      }),
    }),
  },
})

export type OffsetForLeaderEpochRequest = MessageType<typeof offsetForLeaderEpochRequest>
export type OffsetForLeaderEpochRequestInput = MessageInput<typeof offsetForLeaderEpochRequest>

/*
 * OffsetForLeaderEpoch Response (v0-4)
 *   => throttle_time_ms(v2+) [topics]
 *   topics => topic [partitions]
 *   partitions => error_code partition leader_epoch(v1+) end_offset
 */
export const offsetForLeaderEpochResponse = defineMessage({
  name: 'OffsetForLeaderEpochResponse',
  apiKey: 23,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: field.int32({ versions: '2+', default: 0 }),
    topics: field.array({
      topic: field.string(),
      partitions: field.array({
        errorCode: field.int16(),
        partition: field.int32(),
        leaderEpoch: field.int32({ versions: '1+', default: -1 }),
        endOffset: field.int64({ default: -1n }),
      }),
    }),
  },
})

export type OffsetForLeaderEpochResponse = MessageType<typeof offsetForLeaderEpochResponse>
export type OffsetForLeaderEpochResponseInput = MessageInput<typeof offsetForLeaderEpochResponse>
