/**
 * TxnOffsetCommit (API key 28): a transactional producer commits a consumer group's positions
 * inside its transaction (the consume-transform-produce loop of exactly-once processing). The
 * offsets become the group's committed offsets only when the transaction commits.
 *
 * Versions 0-4; flexible from 3. v2 adds each partition's committed leader epoch; v3 (KIP-447)
 * adds the consumer's generation, member id and group instance id, so the group coordinator can
 * fence a zombie that lost its partitions in a rebalance.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * TxnOffsetCommit Request (v0-4)
 *   => transactional_id group_id producer_id producer_epoch generation_id(v3+) member_id(v3+)
 *      group_instance_id(v3+, nullable) [topics]
 *   topics => name [partitions]
 *   partitions => partition_index committed_offset committed_leader_epoch(v2+)
 *                 committed_metadata(nullable)
 */
export const txnOffsetCommitRequest = defineMessage({
  name: 'TxnOffsetCommitRequest',
  apiKey: 28,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: {
    transactionalId: field.string(),
    groupId: field.string(),
    producerId: field.int64(),
    producerEpoch: field.int16(),
    generationId: field.int32({ versions: '3+', default: -1 }),
    memberId: field.string({ versions: '3+', default: '' }),
    groupInstanceId: field.string({ versions: '3+', nullableVersions: '3+', default: null }),
    topics: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
        committedOffset: field.int64(),
        committedLeaderEpoch: field.int32({ versions: '2+', default: -1 }),
        committedMetadata: field.string({ nullableVersions: '0+' }),
      }),
    }),
  },
})

export type TxnOffsetCommitRequest = MessageType<typeof txnOffsetCommitRequest>
export type TxnOffsetCommitRequestInput = MessageInput<typeof txnOffsetCommitRequest>

/*
 * TxnOffsetCommit Response (v0-4)
 *   => throttle_time_ms [topics]
 *   topics => name [partitions]
 *   partitions => partition_index error_code
 */
export const txnOffsetCommitResponse = defineMessage({
  name: 'TxnOffsetCommitResponse',
  apiKey: 28,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: {
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

export type TxnOffsetCommitResponse = MessageType<typeof txnOffsetCommitResponse>
export type TxnOffsetCommitResponseInput = MessageInput<typeof txnOffsetCommitResponse>
