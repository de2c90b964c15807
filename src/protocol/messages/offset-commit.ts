/**
 * OffsetCommit (API key 8): store a group's consumed positions (offset, leader epoch, metadata).
 *
 * Versions 0-9; flexible from 8. v1 carries a per-partition commit timestamp, v2-4 a
 * group-wide retention time; both later left to the broker's offsets.retention.minutes.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * OffsetCommit Request (v0-9)
 *   => group_id generation_id_or_member_epoch(v1+) member_id(v1+)
 *      group_instance_id(v7+, nullable) retention_time_ms(v2-4) [topics]
 *   topics => name [partitions]
 *   partitions => partition_index committed_offset committed_leader_epoch(v6+)
 *                 commit_timestamp(v1) committed_metadata(nullable)
 */
export const offsetCommitRequest = defineMessage({
  name: 'OffsetCommitRequest',
  apiKey: 8,
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: {
    groupId: field.string(),
    generationIdOrMemberEpoch: field.int32({ versions: '1+', default: -1 }),
    memberId: field.string({ versions: '1+', default: '' }),
    groupInstanceId: field.string({ versions: '7+', nullableVersions: '7+', default: null, strict: true }),
    retentionTimeMs: field.int64({ versions: '2-4', default: -1n }),
    topics: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
        committedOffset: field.int64(),
        committedLeaderEpoch: field.int32({ versions: '6+', default: -1 }),
        commitTimestamp: field.int64({ versions: '1', default: -1n }),
        committedMetadata: field.string({ nullableVersions: '0+' }),
      }),
    }),
  },
})

export type OffsetCommitRequest = MessageType<typeof offsetCommitRequest>
export type OffsetCommitRequestInput = MessageInput<typeof offsetCommitRequest>

/*
 * OffsetCommit Response (v0-9)
 *   => throttle_time_ms(v3+) [topics]
 *   topics => name [partitions]
 *   partitions => partition_index error_code
 */
export const offsetCommitResponse = defineMessage({
  name: 'OffsetCommitResponse',
  apiKey: 8,
  validVersions: '0-9',
  flexibleVersions: '8+',
  fields: {
    throttleTimeMs: field.int32({ versions: '3+', default: 0 }),
    topics: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
        errorCode: field.int16(),
      }),
    }),
  },
})

export type OffsetCommitResponse = MessageType<typeof offsetCommitResponse>
export type OffsetCommitResponseInput = MessageInput<typeof offsetCommitResponse>
