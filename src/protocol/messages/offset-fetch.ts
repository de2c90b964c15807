/**
 * OffsetFetch (API key 9): a group's committed positions.
 *
 * Versions 0-9; flexible from 6. Up to v7 one group per request (a null topic list, v2+, asks for
 * all its partitions); from v8 a batch of groups, answered group by group. require_stable (v7+)
 * asks for UNSTABLE_OFFSET_COMMIT while transactional commits are pending.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * OffsetFetch Request (v0-9)
 *   => group_id(v0-7) [topics](v0-7, nullable v2+) [groups](v8+) require_stable(v7+)
 *   topics => name [partition_indexes]
 *   groups => group_id member_id(v9+, nullable) member_epoch(v9+) [topics](nullable)
 */
export const offsetFetchRequest = defineMessage({
  name: 'OffsetFetchRequest',
  apiKey: 9,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: {
    groupId: field.string({ versions: '0-7', default: '' }),
    topics: field.array(
      {
        name: field.string(),
        partitionIndexes: field.array(field.int32()),
      },
      { versions: '0-7', nullableVersions: '2-7', default: [] },
    ),
    groups: field.array(
      {
        groupId: field.string(),
        memberId: field.string({ versions: '9+', nullableVersions: '9+', default: null }),
        memberEpoch: field.int32({ versions: '9+', default: -1 }),
        topics: field.array(
          {
            name: field.string(),
            partitionIndexes: field.array(field.int32()),
          },
          { nullableVersions: '8+' },
        ),
      },
      { versions: '8+', default: [] },
    ),
    requireStable: field.bool({ versions: '7+', default: false, strict: true }),
  },
})

export type OffsetFetchRequest = MessageType<typeof offsetFetchRequest>
export type OffsetFetchRequestInput = MessageInput<typeof offsetFetchRequest>

/*
 * OffsetFetch Response (v0-9)
 *   => throttle_time_ms(v3+) [topics](v0-7) error_code(v2-7) [groups](v8+)
 *   topics => name [partitions]
 *   partitions => partition_index committed_offset committed_leader_epoch(v5-7)
 *                 metadata(nullable) error_code
 *   groups => group_id [topics] error_code
 *   groups.topics => name [partitions]
 *   groups.topics.partitions => partition_index committed_offset committed_leader_epoch
 *                               metadata(nullable) error_code
 */
export const offsetFetchResponse = defineMessage({
  name: 'OffsetFetchResponse',
  apiKey: 9,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: {
    throttleTimeMs: field.int32({ versions: '3+', default: 0 }),
    topics: field.array(
      {
        name: field.string(),
        partitions: field.array({
          partitionIndex: field.int32(),
          committedOffset: field.int64(),
          committedLeaderEpoch: field.int32({ versions: '5+', default: -1 }),
          metadata: field.string({ nullableVersions: '0+' }),
          errorCode: field.int16(),
        }),
      },
      { versions: '0-7', default: [] },
    ),
    errorCode: field.int16({ versions: '2-7', default: 0 }),
    groups: field.array(
      {
        groupId: field.string(),
        topics: field.array({
          name: field.string(),
          partitions: field.array({
            partitionIndex: field.int32(),
            committedOffset: field.int64(),
            committedLeaderEpoch: field.int32({ default: -1 }),
            metadata: field.string({ nullableVersions: '8+' }),
            errorCode: field.int16(),
          }),
        }),
        errorCode: field.int16({ default: 0 }),
      },
      { versions: '8+', default: [] },
    ),
  },
})

export type OffsetFetchResponse = MessageType<typeof offsetFetchResponse>
export type OffsetFetchResponseInput = MessageInput<typeof offsetFetchResponse>
