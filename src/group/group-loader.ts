/**
 * Rebuilds the groups of one `__consumer_offsets` partition from its records (Kafka's
 * GroupMetadataManager.doLoadGroupsAndOffsets, the part after reading): every record is applied
 * in log order, the latest value of each key wins and tombstones delete; then each group is
 * built from its last GroupMetadataValue and its offsets.
 *
 * Event loop thread only.
 */
import type { Logger } from '../common/logger.js'
import { type GroupMetadataValue, decodeCoordinatorRecord } from './coordinator-records.js'
import type { CommittedOffset } from './coordinator-results.js'
import { Group } from './group.js'
import { MemberMetadata } from './member.js'

/** What loading accumulates per group before the Group objects are built. */
interface LoadedGroup {
  metadata: GroupMetadataValue | null
  metadataBytes: Buffer | null
  readonly offsets: Map<string, Map<number, CommittedOffset>>
}

export class GroupLoader {
  readonly #logger: Logger
  readonly #loaded = new Map<string, LoadedGroup>()
  /** Records that did not decode (a format newer than we know). */
  unreadable = 0

  constructor(logger: Logger) {
    this.#logger = logger
  }

  /** Applies one record (`value` null: a tombstone). */
  apply(key: Buffer | null, value: Buffer | null): void {
    let record
    try {
      record = decodeCoordinatorRecord(key, value)
    } catch (error) {
      // A record we cannot read must not keep the partition from loading; it is counted and
      // reported, and the rest of the state loads.
      if (this.unreadable++ === 0) this.#logger.warn('skipping an unreadable __consumer_offsets record', { error })
      return
    }
    if (record.type === 'offset') {
      const { group, topic, partition } = record.key
      if (record.value === null) {
        const partitions = this.#loaded.get(group)?.offsets.get(topic)
        partitions?.delete(partition)
        if (partitions?.size === 0) this.#loaded.get(group)!.offsets.delete(topic)
        return
      }
      const offsets = this.#entry(group).offsets
      let partitions = offsets.get(topic)
      if (partitions === undefined) offsets.set(topic, (partitions = new Map()))
      partitions.set(partition, {
        offset: Number(record.value.offset),
        leaderEpoch: record.value.leaderEpoch,
        metadata: record.value.metadata,
        commitTimestamp: Number(record.value.commitTimestamp),
      })
    } else if (record.type === 'group') {
      const e = this.#entry(record.group)
      e.metadata = record.value
      e.metadataBytes = record.value === null ? null : Buffer.from(value!)
    }
  }

  /** The groups the records describe; those left with neither metadata nor offsets are gone. */
  groups(now: number): Map<string, Group> {
    const groups = new Map<string, Group>()
    for (const [groupId, e] of this.#loaded) {
      if (e.metadata === null && e.offsets.size === 0) continue
      const group = e.metadata === null ? new Group(groupId, 'Empty', now) : restoreGroup(groupId, e.metadata, now)
      group.persistedMetadata = e.metadataBytes
      for (const [topic, partitions] of e.offsets) {
        for (const [partition, committed] of partitions) group.setCommitted(topic, partition, committed)
      }
      groups.set(groupId, group)
    }
    return groups
  }

  #entry(groupId: string): LoadedGroup {
    let e = this.#loaded.get(groupId)
    if (e === undefined) {
      e = { metadata: null, metadataBytes: null, offsets: new Map() }
      this.#loaded.set(groupId, e)
    }
    return e
  }
}

/**
 * A group as its last GroupMetadataValue describes it: Stable with those members (they must
 * heartbeat within their session timeout or be removed), or Empty.
 */
function restoreGroup(groupId: string, value: GroupMetadataValue, now: number): Group {
  const stateTimestamp = Number(value.currentStateTimestamp)
  const group = new Group(groupId, value.members.length === 0 ? 'Empty' : 'Stable', stateTimestamp >= 0 ? stateTimestamp : now)
  group.protocolType = value.protocolType === '' ? null : value.protocolType
  group.generationId = value.generation
  group.protocolName = value.protocol
  for (const m of value.members) {
    const member = new MemberMetadata({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeout >= 0 ? m.rebalanceTimeout : m.sessionTimeout,
      sessionTimeoutMs: m.sessionTimeout,
      protocolType: value.protocolType,
      protocols: [{ name: value.protocol ?? '', metadata: Buffer.from(m.subscription) }],
    })
    member.assignment = Buffer.from(m.assignment)
    group.add(member)
  }
  group.leaderId = value.leader !== null && group.has(value.leader) ? value.leader : group.leaderId
  group.subscribedTopics = group.computeSubscribedTopics()
  return group
}

