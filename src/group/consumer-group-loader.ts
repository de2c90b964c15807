/**
 * Rebuilds the KIP-848 consumer groups of one `__consumer_offsets` partition from its records
 * (record types 3 to 8, consumer-group-records.ts), beside GroupLoader which rebuilds the
 * classic groups and offsets from the same records. The latest value of each key wins and
 * tombstones delete; then each group is built with its epochs, members, targets and current
 * assignments, so members resume at the epochs they had and nobody rebalances.
 *
 * Event loop thread only.
 */
import type { Logger } from '../common/logger.js'
import { fromTopicPartitions } from './assignment.js'
import { CoordinatorRecordLoader } from './coordinator-record-loader.js'
import { ConsumerGroup, ConsumerGroupMember, MemberState, type MemberStateValue } from './consumer-group.js'
import {
  type ConsumerGroupCurrentMemberAssignmentValue,
  type ConsumerGroupMemberMetadataValue,
  type ConsumerGroupPartitionMetadataValue,
  decodeConsumerGroupRecord,
} from './consumer-group-records.js'

interface LoadedConsumerGroup {
  epoch: number | null
  assignmentEpoch: number
  partitionMetadata: ConsumerGroupPartitionMetadataValue | null
  readonly members: Map<string, ConsumerGroupMemberMetadataValue>
  readonly targets: Map<string, Array<{ topicId: string; partitions: number[] }>>
  readonly current: Map<string, ConsumerGroupCurrentMemberAssignmentValue>
}

export class ConsumerGroupLoader extends CoordinatorRecordLoader {
  readonly #loaded = new Map<string, LoadedConsumerGroup>()

  constructor(logger: Logger) {
    super(logger, 'consumer group')
  }

  /** Applies one record; records of other types are ignored. */
  apply(key: Buffer | null, value: Buffer | null): void {
    const record = this.decode(key, value, decodeConsumerGroupRecord)
    if (record === null) return
    const g = this.#entry(record.groupId)
    switch (record.type) {
      case 3:
        g.epoch = record.value?.epoch ?? null
        if (record.value === null) this.#loaded.delete(record.groupId)
        break
      case 4:
        g.partitionMetadata = record.value
        break
      case 5:
        if (record.value === null) g.members.delete(record.memberId)
        else g.members.set(record.memberId, record.value)
        break
      case 6:
        g.assignmentEpoch = record.value?.assignmentEpoch ?? 0
        break
      case 7:
        if (record.value === null) g.targets.delete(record.memberId)
        else g.targets.set(record.memberId, record.value.topicPartitions)
        break
      case 8:
        if (record.value === null) g.current.delete(record.memberId)
        else g.current.set(record.memberId, record.value)
        break
    }
  }

  /** The groups the records describe (those with a group epoch record). */
  groups(): ConsumerGroup[] {
    const groups: ConsumerGroup[] = []
    for (const [groupId, g] of this.#loaded) {
      if (g.epoch === null) continue
      const group = new ConsumerGroup(groupId)
      group.groupEpoch = g.epoch
      group.assignmentEpoch = g.assignmentEpoch
      for (const t of g.partitionMetadata?.topics ?? []) group.subscriptionMetadata.set(t.topicName, { topicId: t.topicId, partitions: t.numPartitions })
      for (const [memberId, target] of g.targets) group.targetAssignment.set(memberId, fromTopicPartitions(target))
      for (const [memberId, m] of g.members) {
        const member = new ConsumerGroupMember(memberId)
        member.instanceId = m.instanceId
        member.rackId = m.rackId
        member.clientId = m.clientId
        member.clientHost = m.clientHost
        member.subscribedTopicNames = m.subscribedTopicNames
        member.subscribedTopicRegex = m.subscribedTopicRegex
        member.serverAssignor = m.serverAssignor
        member.rebalanceTimeoutMs = m.rebalanceTimeoutMs
        if (m.classicMemberMetadata !== null) {
          // Copies: decoded bytes are views into the record being replayed.
          member.classic = {
            sessionTimeoutMs: m.classicMemberMetadata.sessionTimeoutMs,
            supportedProtocols: m.classicMemberMetadata.supportedProtocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
          }
        }
        const current = g.current.get(memberId)
        if (current !== undefined) {
          member.memberEpoch = current.memberEpoch
          member.previousMemberEpoch = current.previousMemberEpoch
          member.state = knownState(current.state)
          member.assigned = fromTopicPartitions(current.assignedPartitions)
          member.pendingRevocation = fromTopicPartitions(current.partitionsPendingRevocation)
        }
        group.updateMember(member)
      }
      groups.push(group)
    }
    return groups
  }

  #entry(groupId: string): LoadedConsumerGroup {
    let g = this.#loaded.get(groupId)
    if (g === undefined) {
      g = { epoch: null, assignmentEpoch: 0, partitionMetadata: null, members: new Map(), targets: new Map(), current: new Map() }
      this.#loaded.set(groupId, g)
    }
    return g
  }
}

function knownState(state: number): MemberStateValue {
  return state === MemberState.STABLE || state === MemberState.UNREVOKED_PARTITIONS || state === MemberState.UNRELEASED_PARTITIONS ? state : MemberState.UNKNOWN
}
