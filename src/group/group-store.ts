/**
 * Where groups live durably: the partitions of `__consumer_offsets` (Kafka's
 * GroupMetadataManager, storage half). It writes a group's membership after each rebalance,
 * committed offsets, and tombstones; loads every group back at start (snapshot, then the log
 * after it); and writes snapshots of each partition periodically and at shutdown.
 *
 * The coordinator of a group is the leader of partition `partitionForGroup(groupId)`; on a
 * single broker that is always this broker, so every partition is loaded. What is in memory
 * after a write is exactly what the log holds: callers change their state only after the
 * write succeeded.
 *
 * Event loop thread only.
 */
import type { Logger } from '../common/logger.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { Partition } from '../replication/partition.js'
import {
  type GroupMetadataValue,
  decodeCoordinatorRecord,
  groupMetadataRecordKey,
  groupMetadataRecordValue,
  offsetCommitRecordKey,
  offsetCommitRecordValue,
} from './coordinator-records.js'
import type { CommittedOffset } from './coordinator-results.js'
import type { SnapshotRecord } from './coordinator-snapshot.js'
import { partitionForGroup } from './coordinator-key.js'
import { Group } from './group.js'
import { MemberMetadata } from './member.js'
import { type CoordinatorWrite, OffsetsTopicPartition } from './offsets-partition.js'

export interface TopicPartitionOffset {
  readonly topic: string
  readonly partition: number
  readonly committed: CommittedOffset
}

export interface LoadSummary {
  readonly groups: Map<string, Group>
  readonly partitions: number
  readonly snapshotRecords: number
  readonly replayedRecords: number
  readonly ms: number
}

/** What loading accumulates per group before the Group objects are built. */
interface LoadedGroup {
  metadata: GroupMetadataValue | null
  metadataBytes: Buffer | null
  readonly offsets: Map<string, Map<number, CommittedOffset>>
}

export class GroupStore {
  readonly #partitions: OffsetsTopicPartition[]
  readonly #logger: Logger

  constructor(partitions: readonly Partition[], logger: Logger) {
    this.#partitions = partitions.map((p) => new OffsetsTopicPartition(p))
    this.#logger = logger
  }

  get partitionCount(): number {
    return this.#partitions.length
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.#partitions.length)
  }

  /** Loads every partition's groups and offsets. */
  async load(now: number): Promise<LoadSummary> {
    const started = performance.now()
    const loaded = new Map<string, LoadedGroup>()
    const entry = (groupId: string): LoadedGroup => {
      let e = loaded.get(groupId)
      if (e === undefined) {
        e = { metadata: null, metadataBytes: null, offsets: new Map() }
        loaded.set(groupId, e)
      }
      return e
    }
    let unreadable = 0
    const apply = (key: Buffer | null, value: Buffer | null): void => {
      let record
      try {
        record = decodeCoordinatorRecord(key, value)
      } catch (error) {
        // A record we cannot read (a format newer than we know) must not keep the broker from
        // starting; it is counted and reported, and the rest of the state loads.
        if (unreadable++ === 0) this.#logger.warn('skipping an unreadable __consumer_offsets record', { error })
        return
      }
      if (record.type === 'offset') {
        const { group, topic, partition } = record.key
        if (record.value === null) {
          const partitions = loaded.get(group)?.offsets.get(topic)
          partitions?.delete(partition)
          if (partitions?.size === 0) loaded.get(group)!.offsets.delete(topic)
          return
        }
        const offsets = entry(group).offsets
        let partitions = offsets.get(topic)
        if (partitions === undefined) offsets.set(topic, (partitions = new Map()))
        partitions.set(partition, {
          offset: Number(record.value.offset),
          leaderEpoch: record.value.leaderEpoch,
          metadata: record.value.metadata,
          commitTimestamp: Number(record.value.commitTimestamp),
        })
      } else if (record.type === 'group') {
        const e = entry(record.group)
        e.metadata = record.value
        e.metadataBytes = record.value === null ? null : Buffer.from(value!)
      }
    }
    let snapshotRecords = 0
    let replayedRecords = 0
    for (const partition of this.#partitions) {
      const report = await partition.load(apply)
      if (report.snapshotRejected !== null) {
        this.#logger.warn('not using a coordinator snapshot', { partition: partition.index, reason: report.snapshotRejected })
      }
      snapshotRecords += report.snapshotRecords
      replayedRecords += report.replayedRecords
    }
    if (unreadable > 0) this.#logger.warn('skipped unreadable __consumer_offsets records', { count: unreadable })
    const groups = new Map<string, Group>()
    for (const [groupId, e] of loaded) {
      if (e.metadata === null && e.offsets.size === 0) continue
      const group = e.metadata === null ? new Group(groupId, 'Empty', now) : restoreGroup(groupId, e.metadata, now)
      group.persistedMetadata = e.metadataBytes
      for (const [topic, partitions] of e.offsets) {
        for (const [partition, committed] of partitions) group.setCommitted(topic, partition, committed)
      }
      groups.set(groupId, group)
    }
    return { groups, partitions: this.#partitions.length, snapshotRecords, replayedRecords, ms: performance.now() - started }
  }

  /**
   * Writes the group's membership with `assignment` (member id → bytes). Returns a Kafka error
   * code (NONE on success). On success the group remembers what was written (for snapshots).
   */
  storeGroup(group: Group, assignment: ReadonlyMap<string, Buffer>, now: number): number {
    const value = groupMetadataRecordValue({
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestamp: BigInt(group.currentStateTimestamp),
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: m.metadata(group.protocolName),
        assignment: assignment.get(m.memberId) ?? Buffer.alloc(0),
      })),
    })
    const failure = this.#partition(group.groupId).append([{ key: groupMetadataRecordKey(group.groupId), value }], now)
    if (failure === null) {
      group.persistedMetadata = value
      return KafkaErrorCodes.NONE
    }
    this.#logger.warn('could not store group metadata', { group: group.groupId, error: failure.errorMessage })
    return groupWriteError(failure.errorCode)
  }

  /** Writes committed offsets as one batch. Returns a Kafka error code for all of them. */
  storeOffsets(groupId: string, offsets: readonly TopicPartitionOffset[], now: number): number {
    const writes: CoordinatorWrite[] = offsets.map(({ topic, partition, committed }) => ({
      key: offsetCommitRecordKey(groupId, topic, partition),
      value: offsetCommitRecordValue(committed.offset, committed.leaderEpoch, committed.metadata, committed.commitTimestamp),
    }))
    const failure = this.#partition(groupId).append(writes, now)
    if (failure === null) return KafkaErrorCodes.NONE
    this.#logger.warn('could not store offsets', { group: groupId, error: failure.errorMessage })
    return offsetWriteError(failure.errorCode)
  }

  /**
   * Writes tombstones for `offsets` of the group and, when `groupToo`, for its metadata. Returns
   * a Kafka error code.
   */
  storeTombstones(groupId: string, offsets: ReadonlyArray<{ topic: string; partition: number }>, groupToo: boolean, now: number): number {
    const writes: CoordinatorWrite[] = offsets.map(({ topic, partition }) => ({ key: offsetCommitRecordKey(groupId, topic, partition), value: null }))
    if (groupToo) writes.push({ key: groupMetadataRecordKey(groupId), value: null })
    const failure = this.#partition(groupId).append(writes, now)
    if (failure === null) return KafkaErrorCodes.NONE
    this.#logger.warn('could not write tombstones', { group: groupId, error: failure.errorMessage })
    return groupWriteError(failure.errorCode)
  }

  /**
   * Writes snapshots of the partitions that changed, from the live groups. `force` snapshots
   * every changed partition (shutdown); otherwise only those with at least `minRecords` records
   * appended since their last snapshot.
   */
  async snapshot(groups: ReadonlyMap<string, Group>, now: number, minRecords: number): Promise<void> {
    const due = this.#partitions.filter((p) => p.recordsSinceSnapshot > 0 && p.recordsSinceSnapshot >= minRecords)
    if (due.length === 0) return
    const byPartition = new Map<number, Group[]>()
    for (const group of groups.values()) {
      const index = this.partitionFor(group.groupId)
      let list = byPartition.get(index)
      if (list === undefined) byPartition.set(index, (list = []))
      list.push(group)
    }
    await Promise.all(
      due.map((p) =>
        p.snapshot(() => liveRecords(byPartition.get(p.index) ?? []), now).catch((error: unknown) => {
          this.#logger.warn('could not write a coordinator snapshot', { partition: p.index, error })
        }),
      ),
    )
  }

  #partition(groupId: string): OffsetsTopicPartition {
    return this.#partitions[this.partitionFor(groupId)]!
  }
}

/** The records a compaction would keep for these groups: their metadata and offsets. */
function liveRecords(groups: readonly Group[]): SnapshotRecord[] {
  const records: SnapshotRecord[] = []
  for (const group of groups) {
    if (group.persistedMetadata !== null) records.push({ key: groupMetadataRecordKey(group.groupId), value: group.persistedMetadata })
    for (const [topic, partitions] of group.offsets) {
      for (const [partition, c] of partitions) {
        records.push({
          key: offsetCommitRecordKey(group.groupId, topic, partition),
          value: offsetCommitRecordValue(c.offset, c.leaderEpoch, c.metadata, c.commitTimestamp),
        })
      }
    }
  }
  return records
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

/** Kafka's mapping of an append failure to what a group metadata write reports. */
function groupWriteError(errorCode: number): number {
  switch (errorCode) {
    case KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION:
    case KafkaErrorCodes.NOT_ENOUGH_REPLICAS:
    case KafkaErrorCodes.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case KafkaErrorCodes.REQUEST_TIMED_OUT:
      return KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE
    case KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER:
    case KafkaErrorCodes.KAFKA_STORAGE_ERROR:
      return KafkaErrorCodes.NOT_COORDINATOR
    default:
      return KafkaErrorCodes.UNKNOWN_SERVER_ERROR
  }
}

/** The same for offset commits, where a batch too large means too many or too long offsets. */
function offsetWriteError(errorCode: number): number {
  switch (errorCode) {
    case KafkaErrorCodes.MESSAGE_TOO_LARGE:
    case KafkaErrorCodes.RECORD_LIST_TOO_LARGE:
    case KafkaErrorCodes.INVALID_FETCH_SIZE:
      return KafkaErrorCodes.INVALID_COMMIT_OFFSET_SIZE
    default:
      return groupWriteError(errorCode)
  }
}
