/**
 * Rebuilds the share groups of one `__consumer_offsets` partition from its records (record types
 * 10 to 15, share-group-records.ts), beside the loaders of classic and consumer groups that read
 * the same records. The latest value of each key wins and tombstones delete; a group exists
 * while its ShareGroupMetadata record does, so an empty share group comes back too. Members come
 * back at the epochs they were last told, with their target assignments, so those still running
 * keep heartbeating and nobody is reassigned.
 *
 * Event loop thread only.
 */
import type { Logger } from '../../common/logger.js'
import { CoordinatorRecordLoader } from '../coordinator-record-loader.js'
import { ShareGroup } from './share-group-coordinator.js'
import { type ShareGroupCurrentMemberAssignment, type ShareGroupMemberMetadata, type ShareGroupStatePartitionMetadata, type TopicPartitions, decodeShareGroupRecord } from './share-group-records.js'
import { ShareStatePartitions } from './share-state-partitions.js'

interface LoadedShareGroup {
  metadata: { epoch: number; metadataHash: bigint } | null
  assignmentEpoch: number
  readonly members: Map<string, ShareGroupMemberMetadata>
  readonly targets: Map<string, TopicPartitions>
  readonly current: Map<string, ShareGroupCurrentMemberAssignment>
  statePartitions: ShareGroupStatePartitionMetadata | null
}

export class ShareGroupLoader extends CoordinatorRecordLoader {
  readonly #loaded = new Map<string, LoadedShareGroup>()

  constructor(logger: Logger) {
    super(logger, 'share group')
  }

  /** Applies one record; records of other types are ignored. */
  apply(key: Buffer | null, value: Buffer | null): void {
    const record = this.decode(key, value, decodeShareGroupRecord)
    if (record === null) return
    const g = this.#entry(record.groupId)
    switch (record.type) {
      case 10:
        if (record.value === null) g.members.delete(record.memberId)
        else g.members.set(record.memberId, record.value)
        break
      case 11:
        // The group's tombstone comes last in a deletion: whatever was left of it goes.
        if (record.value === null) this.#loaded.delete(record.groupId)
        else g.metadata = record.value
        break
      case 12:
        g.assignmentEpoch = record.value?.assignmentEpoch ?? 0
        break
      case 13:
        if (record.value === null) g.targets.delete(record.memberId)
        else g.targets.set(record.memberId, record.value.topicPartitions)
        break
      case 14:
        if (record.value === null) g.current.delete(record.memberId)
        else g.current.set(record.memberId, record.value)
        break
      case 15:
        g.statePartitions = record.value
        break
    }
  }

  /** The groups the records describe, each with the topics' hash it was last assigned with. */
  groups(): Array<{ group: ShareGroup; metadataHash: bigint }> {
    const groups: Array<{ group: ShareGroup; metadataHash: bigint }> = []
    for (const [groupId, g] of this.#loaded) {
      if (g.metadata === null) continue
      const group = new ShareGroup(groupId)
      group.groupEpoch = g.metadata.epoch
      group.assignmentEpoch = g.assignmentEpoch
      if (g.statePartitions !== null) group.statePartitions = ShareStatePartitions.from(g.statePartitions)
      for (const [memberId, m] of g.members) {
        const current = g.current.get(memberId)
        group.members.set(memberId, {
          memberId,
          memberEpoch: current?.memberEpoch ?? 0,
          previousMemberEpoch: current?.previousMemberEpoch ?? 0,
          rackId: m.rackId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: [...m.subscribedTopicNames],
          assignment: new Map((g.targets.get(memberId) ?? []).map((t) => [t.topicId, [...t.partitions]])),
          sessionTimer: null,
        })
      }
      groups.push({ group, metadataHash: g.metadata.metadataHash })
    }
    return groups
  }

  #entry(groupId: string): LoadedShareGroup {
    let g = this.#loaded.get(groupId)
    if (g === undefined) {
      g = { metadata: null, assignmentEpoch: 0, members: new Map(), targets: new Map(), current: new Map(), statePartitions: null }
      this.#loaded.set(groupId, g)
    }
    return g
  }
}
