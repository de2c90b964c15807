/**
 * The records of KIP-932 share groups in `__consumer_offsets`, in Kafka 4.2's formats (the group
 * coordinator's record types 10 to 14), so a share group's epoch, members and assignments survive
 * a restart or a coordinator move, and a log written by Samsa reads in Kafka's tools. Keys and
 * values are framed as the consumer groups' are (consumer-group-records.ts): an INT16 record
 * type then the key's fields; an INT16 version (0) then flexible fields; a null value deletes.
 *
 *   10 ShareGroupMemberMetadataKey                group member → RackId? ClientId ClientHost
 *        [SubscribedTopicNames]
 *   11 ShareGroupMetadataKey                      group        → Epoch MetadataHash
 *   12 ShareGroupTargetAssignmentMetadataKey      group        → AssignmentEpoch
 *   13 ShareGroupTargetAssignmentMemberKey        group member → [TopicPartitions => TopicId [Partitions]]
 *   14 ShareGroupCurrentMemberAssignmentKey       group member → MemberEpoch PreviousMemberEpoch
 *        State [AssignedPartitions]
 *   15 ShareGroupStatePartitionMetadataKey        group        → [InitializingTopics] [InitializedTopics]
 *        [DeletingTopics]
 *
 * Kafka 4.1 and 4.2 still write the member records (members, not only the group epoch, survive a
 * failover, so a member keeps heartbeating with its epoch); they dropped type 9
 * (ShareGroupPartitionMetadata) for the MetadataHash of the subscribed topics, which Samsa writes
 * too. Type 15 (Kafka 4.1+) is the group's list of the share-partitions whose state it started
 * in the share coordinator (share-state-partitions.ts), so the group's deletion and the admin's
 * offset requests reach every one of them, wherever it is led.
 */
import { defineMessage, type MessageSchema } from '../../protocol/message.js'
import { Reader } from '../../protocol/reader.js'
import { field, type Fields } from '../../protocol/schema.js'
import { encodeKey, encodeValue, groupKey, memberKey, topicPartitions } from '../consumer-group-records.js'

export const ShareRecordType = {
  ShareGroupMemberMetadata: 10,
  ShareGroupMetadata: 11,
  ShareGroupTargetAssignmentMetadata: 12,
  ShareGroupTargetAssignmentMember: 13,
  ShareGroupCurrentMemberAssignment: 14,
  ShareGroupStatePartitionMetadata: 15,
} as const

const shareGroupMemberMetadataValue = defineMessage({
  name: 'ShareGroupMemberMetadataValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    rackId: field.string({ nullableVersions: '0+', default: null }),
    clientId: field.string(),
    clientHost: field.string(),
    subscribedTopicNames: field.array(field.string()),
  },
})

const shareGroupMetadataValue = defineMessage({
  name: 'ShareGroupMetadataValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: { epoch: field.int32(), metadataHash: field.int64({ default: 0n }) },
})

const shareGroupTargetAssignmentMetadataValue = defineMessage({
  name: 'ShareGroupTargetAssignmentMetadataValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: { assignmentEpoch: field.int32() },
})

const shareGroupTargetAssignmentMemberValue = defineMessage({
  name: 'ShareGroupTargetAssignmentMemberValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: { topicPartitions },
})

const shareGroupCurrentMemberAssignmentValue = defineMessage({
  name: 'ShareGroupCurrentMemberAssignmentValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: { memberEpoch: field.int32(), previousMemberEpoch: field.int32(), state: field.int8(), assignedPartitions: topicPartitions },
})

const topicPartitionsInfo = field.array({ topicId: field.uuid(), topicName: field.string(), partitions: field.array(field.int32()) })

const shareGroupStatePartitionMetadataValue = defineMessage({
  name: 'ShareGroupStatePartitionMetadataValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    initializingTopics: topicPartitionsInfo,
    initializedTopics: topicPartitionsInfo,
    deletingTopics: field.array({ topicId: field.uuid(), topicName: field.string() }),
  },
})

/** Topics with the partitions of each, named as well as numbered (a deleted topic keeps its name here). */
export type TopicPartitionsInfo = Array<{ topicId: string; topicName: string; partitions: number[] }>

export interface ShareGroupStatePartitionMetadata {
  readonly initializingTopics: TopicPartitionsInfo
  readonly initializedTopics: TopicPartitionsInfo
  readonly deletingTopics: Array<{ topicId: string; topicName: string }>
}

export type TopicPartitions = Array<{ topicId: string; partitions: number[] }>

export interface ShareGroupMemberMetadata {
  readonly rackId: string | null
  readonly clientId: string
  readonly clientHost: string
  readonly subscribedTopicNames: string[]
}

export interface ShareGroupCurrentMemberAssignment {
  readonly memberEpoch: number
  readonly previousMemberEpoch: number
  readonly state: number
  readonly assignedPartitions: TopicPartitions
}

/** A decoded share-group record; `value` null for a tombstone. */
export type ShareGroupRecord =
  | { readonly type: 10; readonly groupId: string; readonly memberId: string; readonly value: ShareGroupMemberMetadata | null }
  | { readonly type: 11; readonly groupId: string; readonly value: { epoch: number; metadataHash: bigint } | null }
  | { readonly type: 12; readonly groupId: string; readonly value: { assignmentEpoch: number } | null }
  | { readonly type: 13; readonly groupId: string; readonly memberId: string; readonly value: { topicPartitions: TopicPartitions } | null }
  | { readonly type: 14; readonly groupId: string; readonly memberId: string; readonly value: ShareGroupCurrentMemberAssignment | null }
  | { readonly type: 15; readonly groupId: string; readonly value: ShareGroupStatePartitionMetadata | null }

export const shareGroupKeys = {
  member: (groupId: string, memberId: string) => encodeKey(ShareRecordType.ShareGroupMemberMetadata, groupId, memberId),
  metadata: (groupId: string) => encodeKey(ShareRecordType.ShareGroupMetadata, groupId),
  targetMetadata: (groupId: string) => encodeKey(ShareRecordType.ShareGroupTargetAssignmentMetadata, groupId),
  targetMember: (groupId: string, memberId: string) => encodeKey(ShareRecordType.ShareGroupTargetAssignmentMember, groupId, memberId),
  currentAssignment: (groupId: string, memberId: string) => encodeKey(ShareRecordType.ShareGroupCurrentMemberAssignment, groupId, memberId),
  statePartitions: (groupId: string) => encodeKey(ShareRecordType.ShareGroupStatePartitionMetadata, groupId),
}

export const shareGroupValues = {
  member: (value: ShareGroupMemberMetadata) => encodeValue(shareGroupMemberMetadataValue, value),
  metadata: (epoch: number, metadataHash: bigint) => encodeValue(shareGroupMetadataValue, { epoch, metadataHash }),
  targetMetadata: (assignmentEpoch: number) => encodeValue(shareGroupTargetAssignmentMetadataValue, { assignmentEpoch }),
  targetMember: (topicPartitions: TopicPartitions) => encodeValue(shareGroupTargetAssignmentMemberValue, { topicPartitions }),
  currentAssignment: (value: ShareGroupCurrentMemberAssignment) => encodeValue(shareGroupCurrentMemberAssignmentValue, value),
  statePartitions: (value: ShareGroupStatePartitionMetadata) => encodeValue(shareGroupStatePartitionMetadataValue, value),
}

/**
 * Decodes a share-group record, or returns null when the key is of another record type.
 * Throws SAMSA_PROTOCOL when the bytes do not parse (the loader counts and skips those).
 */
export function decodeShareGroupRecord(key: Buffer, value: Buffer | null): ShareGroupRecord | null {
  if (key.length < 2) return null
  const type = key.readInt16BE(0)
  if (type < 10 || type > 15) return null
  const reader = new Reader(key, 2)
  const withMember = type === 10 || type === 13 || type === 14
  const k = withMember ? memberKey.decode(reader, 0) : { ...groupKey.decode(reader, 0), memberId: '' }
  const decodeValue = <F extends Fields>(schema: MessageSchema<F>) => (value === null ? null : schema.decode(new Reader(value, 2), value.readInt16BE(0)))
  switch (type) {
    case 10:
      return { type, groupId: k.groupId, memberId: k.memberId, value: decodeValue(shareGroupMemberMetadataValue) }
    case 11:
      return { type, groupId: k.groupId, value: decodeValue(shareGroupMetadataValue) }
    case 12:
      return { type, groupId: k.groupId, value: decodeValue(shareGroupTargetAssignmentMetadataValue) }
    case 13:
      return { type, groupId: k.groupId, memberId: k.memberId, value: decodeValue(shareGroupTargetAssignmentMemberValue) }
    case 15:
      return { type, groupId: k.groupId, value: decodeValue(shareGroupStatePartitionMetadataValue) }
    default:
      return { type: 14, groupId: k.groupId, memberId: k.memberId, value: decodeValue(shareGroupCurrentMemberAssignmentValue) }
  }
}
