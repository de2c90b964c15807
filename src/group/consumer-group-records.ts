/**
 * The records of KIP-848 consumer groups in `__consumer_offsets`, in Kafka's formats (the
 * group coordinator's record types 3 to 8), so a log written by Samsa reads in Kafka's tools and
 * a group's state survives a restart or a coordinator move.
 *
 * Each key is an INT16 record type followed by its fields (never flexible); each value is an
 * INT16 version (0) followed by flexible fields. A null value (tombstone) deletes the key.
 *
 *   3 ConsumerGroupMetadataKey                 group            → Epoch
 *   4 ConsumerGroupPartitionMetadataKey        group            → Epoch [Topics]
 *       Topics => TopicId TopicName NumPartitions [PartitionRacks => Partition [Racks]]
 *   5 ConsumerGroupMemberMetadataKey           group member     → InstanceId? RackId? ClientId
 *       ClientHost [SubscribedTopicNames] SubscribedTopicRegex? RebalanceTimeoutMs ServerAssignor?
 *       <ClassicMemberMetadata: tag 0, for a classic member: SessionTimeoutMs [SupportedProtocols => Name Metadata]>
 *   6 ConsumerGroupTargetAssignmentMetadataKey group            → AssignmentEpoch
 *   7 ConsumerGroupTargetAssignmentMemberKey   group member     → [TopicPartitions => TopicId [Partitions]]
 *   8 ConsumerGroupCurrentMemberAssignmentKey  group member     → MemberEpoch PreviousMemberEpoch
 *       State [AssignedPartitions] [PartitionsPendingRevocation]
 */
import { defineMessage, type MessageInput, type MessageSchema, type MessageType } from '../protocol/message.js'
import { Reader } from '../protocol/reader.js'
import { field, type Fields, type StructInput } from '../protocol/schema.js'
import { Writer } from '../protocol/writer.js'

export const RecordType = {
  ConsumerGroupMetadata: 3,
  ConsumerGroupPartitionMetadata: 4,
  ConsumerGroupMemberMetadata: 5,
  ConsumerGroupTargetAssignmentMetadata: 6,
  ConsumerGroupTargetAssignmentMember: 7,
  ConsumerGroupCurrentMemberAssignment: 8,
} as const

/** The keys of the group coordinator's records: a group, or a member of one (share groups' records too). */
export const groupKey = defineMessage({ name: 'ConsumerGroupKey', validVersions: '0', flexibleVersions: 'none', fields: { groupId: field.string() } })
export const memberKey = defineMessage({
  name: 'ConsumerGroupMemberKey',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: { groupId: field.string(), memberId: field.string() },
})

export const consumerGroupMetadataValue = defineMessage({
  name: 'ConsumerGroupMetadataValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: { epoch: field.int32() },
})

export const consumerGroupPartitionMetadataValue = defineMessage({
  name: 'ConsumerGroupPartitionMetadataValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    epoch: field.int32(),
    topics: field.array({
      topicId: field.uuid(),
      topicName: field.string(),
      numPartitions: field.int32(),
      partitionRacks: field.array({ partition: field.int32(), racks: field.array(field.string()) }, { default: [] }),
    }),
  },
})

export const consumerGroupMemberMetadataValue = defineMessage({
  name: 'ConsumerGroupMemberMetadataValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    instanceId: field.string({ nullableVersions: '0+', default: null }),
    rackId: field.string({ nullableVersions: '0+', default: null }),
    clientId: field.string(),
    clientHost: field.string(),
    subscribedTopicNames: field.array(field.string()),
    subscribedTopicRegex: field.string({ nullableVersions: '0+', default: null }),
    rebalanceTimeoutMs: field.int32({ default: -1 }),
    serverAssignor: field.string({ nullableVersions: '0+', default: null }),
    // Written only for a member that speaks the classic protocol (online migration).
    classicMemberMetadata: field.struct(
      { sessionTimeoutMs: field.int32(), supportedProtocols: field.array({ name: field.string(), metadata: field.bytes() }) },
      { nullableVersions: '0+', default: null, taggedVersions: '0+', tag: 0 },
    ),
  },
})

export const consumerGroupTargetAssignmentMetadataValue = defineMessage({
  name: 'ConsumerGroupTargetAssignmentMetadataValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: { assignmentEpoch: field.int32() },
})

export const topicPartitions = field.array({ topicId: field.uuid(), partitions: field.array(field.int32()) })

export const consumerGroupTargetAssignmentMemberValue = defineMessage({
  name: 'ConsumerGroupTargetAssignmentMemberValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: { topicPartitions },
})

export const consumerGroupCurrentMemberAssignmentValue = defineMessage({
  name: 'ConsumerGroupCurrentMemberAssignmentValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    memberEpoch: field.int32(),
    previousMemberEpoch: field.int32(),
    state: field.int8(),
    assignedPartitions: topicPartitions,
    partitionsPendingRevocation: topicPartitions,
  },
})

export type ConsumerGroupPartitionMetadataValue = MessageType<typeof consumerGroupPartitionMetadataValue>
export type ConsumerGroupMemberMetadataValue = MessageType<typeof consumerGroupMemberMetadataValue>
export type ConsumerGroupCurrentMemberAssignmentValue = MessageType<typeof consumerGroupCurrentMemberAssignmentValue>

/** A decoded consumer-group record; `value` null for a tombstone. */
export type ConsumerGroupRecord =
  | { readonly type: 3; readonly groupId: string; readonly value: { epoch: number } | null }
  | { readonly type: 4; readonly groupId: string; readonly value: ConsumerGroupPartitionMetadataValue | null }
  | { readonly type: 5; readonly groupId: string; readonly memberId: string; readonly value: ConsumerGroupMemberMetadataValue | null }
  | { readonly type: 6; readonly groupId: string; readonly value: { assignmentEpoch: number } | null }
  | { readonly type: 7; readonly groupId: string; readonly memberId: string; readonly value: { topicPartitions: Array<{ topicId: string; partitions: number[] }> } | null }
  | { readonly type: 8; readonly groupId: string; readonly memberId: string; readonly value: ConsumerGroupCurrentMemberAssignmentValue | null }

/** A record key: the INT16 record type, then the group (and member). */
export function encodeKey(type: number, groupId: string, memberId?: string): Buffer {
  const writer = new Writer(32 + groupId.length + (memberId?.length ?? 0))
  writer.writeInt16(type)
  return memberId === undefined ? groupKey.encode({ groupId }, 0, writer).toBuffer() : memberKey.encode({ groupId, memberId }, 0, writer).toBuffer()
}

/** A record value: the INT16 version (0), then the flexible fields. */
export function encodeValue<F extends Fields>(schema: MessageSchema<F>, value: StructInput<F>): Buffer {
  const writer = new Writer(64)
  writer.writeInt16(0)
  return schema.encode(value, 0, writer).toBuffer()
}

export const consumerGroupKeys = {
  metadata: (groupId: string) => encodeKey(RecordType.ConsumerGroupMetadata, groupId),
  partitionMetadata: (groupId: string) => encodeKey(RecordType.ConsumerGroupPartitionMetadata, groupId),
  member: (groupId: string, memberId: string) => encodeKey(RecordType.ConsumerGroupMemberMetadata, groupId, memberId),
  targetMetadata: (groupId: string) => encodeKey(RecordType.ConsumerGroupTargetAssignmentMetadata, groupId),
  targetMember: (groupId: string, memberId: string) => encodeKey(RecordType.ConsumerGroupTargetAssignmentMember, groupId, memberId),
  currentAssignment: (groupId: string, memberId: string) => encodeKey(RecordType.ConsumerGroupCurrentMemberAssignment, groupId, memberId),
}

export const consumerGroupValues = {
  metadata: (epoch: number) => encodeValue(consumerGroupMetadataValue, { epoch }),
  partitionMetadata: (value: MessageInput<typeof consumerGroupPartitionMetadataValue>) => encodeValue(consumerGroupPartitionMetadataValue, value),
  member: (value: MessageInput<typeof consumerGroupMemberMetadataValue>) => encodeValue(consumerGroupMemberMetadataValue, value),
  targetMetadata: (assignmentEpoch: number) => encodeValue(consumerGroupTargetAssignmentMetadataValue, { assignmentEpoch }),
  targetMember: (topicPartitions: Array<{ topicId: string; partitions: number[] }>) => encodeValue(consumerGroupTargetAssignmentMemberValue, { topicPartitions }),
  currentAssignment: (value: MessageInput<typeof consumerGroupCurrentMemberAssignmentValue>) =>
    encodeValue(consumerGroupCurrentMemberAssignmentValue, value),
}

/**
 * Decodes a consumer-group record, or returns null when the key is of another record type.
 * Throws SAMSA_PROTOCOL when the bytes do not parse (the loader counts and skips those).
 */
export function decodeConsumerGroupRecord(key: Buffer, value: Buffer | null): ConsumerGroupRecord | null {
  if (key.length < 2) return null
  const type = key.readInt16BE(0)
  if (type < 3 || type > 8) return null
  const reader = new Reader(key, 2)
  const withMember = type === 5 || type === 7 || type === 8
  const k = withMember ? memberKey.decode(reader, 0) : { ...groupKey.decode(reader, 0), memberId: '' }
  const decodeValue = <F extends Fields>(schema: MessageSchema<F>) => (value === null ? null : schema.decode(new Reader(value, 2), value.readInt16BE(0)))
  switch (type) {
    case 3:
      return { type, groupId: k.groupId, value: decodeValue(consumerGroupMetadataValue) }
    case 4:
      return { type, groupId: k.groupId, value: decodeValue(consumerGroupPartitionMetadataValue) }
    case 5:
      return { type, groupId: k.groupId, memberId: k.memberId, value: decodeValue(consumerGroupMemberMetadataValue) }
    case 6:
      return { type, groupId: k.groupId, value: decodeValue(consumerGroupTargetAssignmentMetadataValue) }
    case 7:
      return { type, groupId: k.groupId, memberId: k.memberId, value: decodeValue(consumerGroupTargetAssignmentMemberValue) }
    default:
      return { type: 8, groupId: k.groupId, memberId: k.memberId, value: decodeValue(consumerGroupCurrentMemberAssignmentValue) }
  }
}
