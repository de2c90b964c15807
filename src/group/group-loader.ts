/**
 * Rebuilds the groups of one `__consumer_offsets` partition from its records (Kafka's
 * GroupMetadataManager.doLoadGroupsAndOffsets, the part after reading): every record is applied
 * in log order, the latest value of each key wins and tombstones delete; then each group is
 * built from its last GroupMetadataValue and its offsets.
 *
 * Offsets written by TxnOffsetCommit sit in their producer's transaction until its marker: a
 * COMMIT makes each of them the committed offset unless a commit written later in the log holds
 * the partition already; an ABORT drops them. Those whose marker is not in the log yet stay
 * pending in their group, to be settled by the marker the transaction coordinator still writes.
 *
 * Event loop thread only.
 */
import type { Logger } from '../common/logger.js'
import { type GroupMetadataValue, type OffsetCommitValue, decodeCoordinatorRecord } from './coordinator-records.js'
import type { CommittedOffset } from './coordinator-results.js'
import { Group } from './group.js'
import { MemberMetadata } from './member.js'

/** What loading accumulates per group before the Group objects are built. */
interface LoadedGroup {
  metadata: GroupMetadataValue | null
  metadataBytes: Buffer | null
  readonly offsets: Map<string, Map<number, CommittedOffset>>
}

/** An offset of an open transaction, as read. */
interface LoadedTxnOffset {
  readonly group: string
  readonly topic: string
  readonly partition: number
  /** null: the transaction deleted the offset (a tombstone). */
  readonly committed: CommittedOffset | null
}

export class GroupLoader {
  readonly #logger: Logger
  readonly #loaded = new Map<string, LoadedGroup>()
  /** Offsets of transactions without a marker so far: producer id → "group/topic/partition" → offset. */
  readonly #pendingTxn = new Map<number, Map<string, LoadedTxnOffset>>()
  /** Records that did not decode (a format newer than we know). */
  unreadable = 0

  constructor(logger: Logger) {
    this.#logger = logger
  }

  /**
   * Applies one record (`value` null: a tombstone) found at log `offset` (-1: from a snapshot),
   * written by the transaction of `transactionalProducerId` (-1: by the coordinator itself).
   */
  record(key: Buffer | null, value: Buffer | null, offset: number, transactionalProducerId: number): void {
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
      if (transactionalProducerId >= 0) {
        let pending = this.#pendingTxn.get(transactionalProducerId)
        if (pending === undefined) this.#pendingTxn.set(transactionalProducerId, (pending = new Map()))
        const committed = record.value === null ? null : committedOffset(record.value, offset)
        pending.set(`${group}/${topic}/${partition}`, { group, topic, partition, committed })
        return
      }
      if (record.value === null) {
        const partitions = this.#loaded.get(group)?.offsets.get(topic)
        partitions?.delete(partition)
        if (partitions?.size === 0) this.#loaded.get(group)!.offsets.delete(topic)
        return
      }
      const offsets = this.#entry(group).offsets
      let partitions = offsets.get(topic)
      if (partitions === undefined) offsets.set(topic, (partitions = new Map()))
      partitions.set(partition, committedOffset(record.value, offset))
    } else if (record.type === 'group') {
      const e = this.#entry(record.group)
      e.metadata = record.value
      e.metadataBytes = record.value === null ? null : Buffer.from(value!)
    }
  }

  /** The end of `producerId`'s transaction: its offsets become committed (`commit`) or are dropped. */
  marker(producerId: number, commit: boolean): void {
    const pending = this.#pendingTxn.get(producerId)
    if (pending === undefined) return
    this.#pendingTxn.delete(producerId)
    if (!commit) return
    for (const { group, topic, partition, committed } of pending.values()) {
      const offsets = this.#entry(group).offsets
      let partitions = offsets.get(topic)
      const current = partitions?.get(partition)
      // A plain commit written after the transaction's record wins (Kafka's olderThan).
      if (current !== undefined && committed !== null && (current.recordOffset ?? -1) > (committed.recordOffset ?? -1)) continue
      if (committed === null) {
        partitions?.delete(partition)
        if (partitions?.size === 0) offsets.delete(topic)
        continue
      }
      if (partitions === undefined) offsets.set(topic, (partitions = new Map()))
      partitions.set(partition, committed)
    }
  }

  /** The groups the records describe; those left with neither metadata nor offsets are gone. */
  groups(now: number): Map<string, Group> {
    const groups = new Map<string, Group>()
    const pendingByGroup = new Map<string, Array<LoadedTxnOffset & { producerId: number }>>()
    for (const [producerId, pending] of this.#pendingTxn) {
      for (const p of pending.values()) {
        // Groups that so far only have offsets inside open transactions exist too (Kafka loads them).
        this.#entry(p.group)
        let list = pendingByGroup.get(p.group)
        if (list === undefined) pendingByGroup.set(p.group, (list = []))
        list.push({ producerId, ...p })
      }
    }
    for (const [groupId, e] of this.#loaded) {
      const pendingTxn = pendingByGroup.get(groupId) ?? []
      if (e.metadata === null && e.offsets.size === 0 && pendingTxn.length === 0) continue
      const group = e.metadata === null ? new Group(groupId, 'Empty', now) : restoreGroup(groupId, e.metadata, now)
      group.persistedMetadata = e.metadataBytes
      for (const [topic, partitions] of e.offsets) {
        for (const [partition, committed] of partitions) group.setCommitted(topic, partition, committed)
      }
      for (const p of pendingTxn) {
        // A tombstone inside a transaction is rare (Kafka writes none); it is kept as a removal
        // only in the log, and memory waits for the marker with what it has.
        if (p.committed !== null) group.prepareTxnOffsetCommit(p.producerId, p.topic, p.partition, p.committed)
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

function committedOffset(value: OffsetCommitValue, recordOffset: number): CommittedOffset {
  const committed = {
    offset: Number(value.offset),
    leaderEpoch: value.leaderEpoch,
    metadata: value.metadata,
    commitTimestamp: Number(value.commitTimestamp),
  }
  return recordOffset >= 0 ? { ...committed, recordOffset } : committed
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

