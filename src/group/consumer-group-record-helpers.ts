/**
 * The records that state a consumer group's parts (Kafka's GroupCoordinatorRecordHelpers, the
 * consumer-group half): a member's metadata and current assignment as one heartbeat changes
 * them, and every live record of a group for a snapshot, a migration or a deletion's tombstones.
 */
import { toTopicPartitions } from './assignment.js'
import type { ConsumerGroup, ConsumerGroupMember } from './consumer-group.js'
import { consumerGroupKeys, consumerGroupValues } from './consumer-group-records.js'
import type { SnapshotRecord } from './coordinator-snapshot.js'
import type { CoordinatorWrite } from './offsets-partition.js'

export function memberMetadataRecord(group: ConsumerGroup, member: ConsumerGroupMember): CoordinatorWrite {
  return {
    key: consumerGroupKeys.member(group.groupId, member.memberId),
    value: consumerGroupValues.member({
      instanceId: member.instanceId,
      rackId: member.rackId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      subscribedTopicNames: [...member.subscribedTopicNames],
      subscribedTopicRegex: member.subscribedTopicRegex,
      rebalanceTimeoutMs: member.rebalanceTimeoutMs,
      serverAssignor: member.serverAssignor,
      classicMemberMetadata: member.classic === null ? null : { sessionTimeoutMs: member.classic.sessionTimeoutMs, supportedProtocols: [...member.classic.supportedProtocols] },
    }),
  }
}

export function currentAssignmentRecord(group: ConsumerGroup, member: ConsumerGroupMember): CoordinatorWrite {
  return {
    key: consumerGroupKeys.currentAssignment(group.groupId, member.memberId),
    value: consumerGroupValues.currentAssignment({
      memberEpoch: member.memberEpoch,
      previousMemberEpoch: member.previousMemberEpoch,
      state: member.state,
      assignedPartitions: toTopicPartitions(member.assigned),
      partitionsPendingRevocation: toTopicPartitions(member.pendingRevocation),
    }),
  }
}

/** Tombstones for a member's three records: it left the group for good. */
export function memberTombstones(group: ConsumerGroup, member: ConsumerGroupMember): CoordinatorWrite[] {
  return [
    { key: consumerGroupKeys.currentAssignment(group.groupId, member.memberId), value: null },
    { key: consumerGroupKeys.targetMember(group.groupId, member.memberId), value: null },
    { key: consumerGroupKeys.member(group.groupId, member.memberId), value: null },
  ]
}

/** The records that describe the group now (snapshots, and tombstones for a deletion). */
export function consumerGroupLiveRecords(group: ConsumerGroup): SnapshotRecord[] {
  const records: SnapshotRecord[] = []
  const push = (w: CoordinatorWrite) => records.push({ key: w.key, value: w.value! })
  push({ key: consumerGroupKeys.metadata(group.groupId), value: consumerGroupValues.metadata(group.groupEpoch) })
  push({
    key: consumerGroupKeys.partitionMetadata(group.groupId),
    value: consumerGroupValues.partitionMetadata({
      epoch: group.groupEpoch,
      topics: [...group.subscriptionMetadata].map(([topicName, t]) => ({ topicId: t.topicId, topicName, numPartitions: t.partitions, partitionRacks: [] })),
    }),
  })
  for (const member of group.members.values()) {
    push(memberMetadataRecord(group, member))
    push({
      key: consumerGroupKeys.targetMember(group.groupId, member.memberId),
      value: consumerGroupValues.targetMember(toTopicPartitions(group.targetAssignment.get(member.memberId) ?? new Map())),
    })
    push(currentAssignmentRecord(group, member))
  }
  push({ key: consumerGroupKeys.targetMetadata(group.groupId), value: consumerGroupValues.targetMetadata(group.assignmentEpoch) })
  return records
}
