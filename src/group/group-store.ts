/**
 * Where groups live durably: the partitions of `__consumer_offsets` this broker coordinates
 * (Kafka's GroupMetadataManager, storage half). It loads a partition's groups when this broker
 * becomes its leader and forgets the partition when leadership ends; it writes a group's
 * membership after each rebalance, committed offsets and tombstones, each acks=all; and it writes
 * snapshots of the partitions it coordinates, periodically and at shutdown.
 *
 * The coordinator of a group is the leader of partition `partitionForGroup(groupId)`; on a
 * single broker that is always this broker, so every partition is loaded at start. A partition
 * is either not coordinated here, loading (its groups answer COORDINATOR_LOAD_IN_PROGRESS), or
 * loaded. What is in memory is what the log holds: callers change their state only once a write
 * is replicated (commits, group metadata) or once it is appended (tombstones).
 *
 * Event loop thread only.
 */
import type { Logger } from '../common/logger.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { Partition } from '../replication/partition.js'
import { groupMetadataRecordKey, groupMetadataRecordValue, offsetCommitRecordKey, offsetCommitRecordValue } from './coordinator-records.js'
import type { CommittedOffset } from './coordinator-results.js'
import type { SnapshotRecord } from './coordinator-snapshot.js'
import type { ConsumerGroup } from './consumer-group.js'
import { ConsumerGroupLoader } from './consumer-group-loader.js'
import { partitionForGroup } from './coordinator-key.js'
import type { Group } from './group.js'
import { GroupLoader } from './group-loader.js'
import type { ShareGroup } from './share/share-group-coordinator.js'
import { ShareGroupLoader } from './share/share-group-loader.js'
import { type MaybeAsync, andThen } from './maybe-async.js'
import { type CoordinatorWrite, type CoordinatorWriteOptions, type MemoryUpdate, OffsetsTopicPartition, type TransactionalProducer } from './offsets-partition.js'

export interface TopicPartitionOffset {
  readonly topic: string
  readonly partition: number
  readonly committed: CommittedOffset
}

export interface GroupStoreOptions {
  /** offsets.topic.num.partitions as the topic was created: it decides which partition holds a group. */
  readonly partitionCount: number
  readonly writes: CoordinatorWriteOptions
  readonly logger: Logger
}

export interface PartitionLoad {
  readonly groups: Map<string, Group>
  /** The KIP-848 consumer groups of the partition. */
  readonly consumerGroups: readonly ConsumerGroup[]
  /** The KIP-932 share groups of the partition, with the topics' hash each was assigned with. */
  readonly shareGroups: ReadonlyArray<{ group: ShareGroup; metadataHash: bigint }>
  readonly snapshotRecords: number
  readonly replayedRecords: number
  readonly ms: number
}

/** A write of tombstones: whether it reached the log (memory takes it in then), else why not. */
export interface TombstoneWrite {
  readonly appended: boolean
  /** NONE when appended. */
  readonly errorCode: number
}

/** An append to a partition of __consumer_offsets and its outcome (raw Kafka error codes). */
interface Appended {
  readonly appended: boolean
  readonly baseOffset: number
  readonly outcome: MaybeAsync<number>
}

/** A partition this broker coordinates: loading (`loaded` null) or loaded. */
interface Coordination {
  readonly partition: Partition
  loaded: OffsetsTopicPartition | null
}

export class GroupStore {
  readonly #partitionCount: number
  readonly #writes: CoordinatorWriteOptions
  readonly #logger: Logger
  readonly #coordinated = new Map<number, Coordination>()

  constructor(options: GroupStoreOptions) {
    this.#partitionCount = options.partitionCount
    this.#writes = options.writes
    this.#logger = options.logger
  }

  get partitionCount(): number {
    return this.#partitionCount
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.#partitionCount)
  }

  /** Whether the group's partition is being loaded (Kafka: COORDINATOR_LOAD_IN_PROGRESS). */
  isLoading(groupId: string): boolean {
    const coordination = this.#coordinated.get(this.partitionFor(groupId))
    return coordination !== undefined && coordination.loaded === null
  }

  /** Whether this broker coordinates the group now: it leads the group's partition and loaded it. */
  isLocal(groupId: string): boolean {
    return this.#coordinated.get(this.partitionFor(groupId))?.loaded != null
  }

  /** Whether any partition is being loaded. */
  get isLoadingAny(): boolean {
    for (const coordination of this.#coordinated.values()) if (coordination.loaded === null) return true
    return false
  }

  /** Whether `partition` (this very leadership's partition) is loaded or being loaded. */
  coordinates(partition: Partition): boolean {
    return this.#coordinated.get(partition.index)?.partition === partition
  }

  /**
   * Loads a partition this broker now leads (Kafka's loadGroupsAndOffsets): its groups answer
   * COORDINATOR_LOAD_IN_PROGRESS until the returned promise settles. Resolves null when the
   * partition was unloaded, or its leadership ended, before the load finished: the groups read
   * belong to a leadership that is over. Rejects when the log cannot be read; the partition is
   * then not coordinated here.
   */
  async load(partition: Partition, now: () => number): Promise<PartitionLoad | null> {
    const started = performance.now()
    const coordination: Coordination = { partition, loaded: null }
    this.#coordinated.set(partition.index, coordination)
    const current = (): boolean => this.#coordinated.get(partition.index) === coordination && partition.isLeader
    const offsetsPartition = new OffsetsTopicPartition(partition, this.#writes)
    const loader = new GroupLoader(this.#logger)
    const consumerLoader = new ConsumerGroupLoader(this.#logger)
    const shareLoader = new ShareGroupLoader(this.#logger)
    let report
    try {
      report = await offsetsPartition.load({
        record: (key, value, offset, producerId) => {
          loader.record(key, value, offset, producerId)
          // KIP-848 group records are the coordinator's own writes, never part of a transaction.
          if (producerId === -1) {
            consumerLoader.apply(key, value)
            shareLoader.apply(key, value)
          }
        },
        marker: (producerId, commit) => loader.marker(producerId, commit),
      })
    } catch (error) {
      if (this.#coordinated.get(partition.index) === coordination) this.#coordinated.delete(partition.index)
      throw error
    }
    if (!current()) return null
    coordination.loaded = offsetsPartition
    if (report.snapshotRejected !== null) {
      this.#logger.warn('not using a coordinator snapshot', { partition: partition.index, reason: report.snapshotRejected })
    }
    if (loader.unreadable > 0) this.#logger.warn('skipped unreadable __consumer_offsets records', { partition: partition.index, count: loader.unreadable })
    return { groups: loader.groups(now()), consumerGroups: consumerLoader.groups(), shareGroups: shareLoader.groups(), snapshotRecords: report.snapshotRecords, replayedRecords: report.replayedRecords, ms: performance.now() - started }
  }

  /**
   * Forgets a partition whose leadership ended (Kafka's removeGroupsForPartition, storage half):
   * a load under way is abandoned. Returns whether the partition was coordinated here.
   */
  unload(index: number): boolean {
    return this.#coordinated.delete(index)
  }

  /**
   * Writes the group's membership with `assignment` (member id → bytes). Returns a Kafka error
   * code (NONE on success), once the write is replicated. On success the group remembers what
   * was written (for snapshots).
   */
  storeGroup(group: Group, assignment: ReadonlyMap<string, Buffer>, now: number): MaybeAsync<number> {
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
    const written = this.#append(group.groupId, [{ key: groupMetadataRecordKey(group.groupId), value }], now, 'once-replicated', 'group metadata')
    return andThen(written.outcome, (errorCode) => {
      if (errorCode !== KafkaErrorCodes.NONE) return groupWriteError(errorCode)
      group.persistedMetadata = value
      return KafkaErrorCodes.NONE
    })
  }

  /**
   * Writes committed offsets as one batch: the coordinator's own, or (`transaction`) a batch of
   * that producer's transaction (TxnOffsetCommit). `baseOffset` is where the first record went
   * (-1 when the append failed; the others follow in order); `outcome` the Kafka error code for
   * all of them, once replicated.
   */
  storeOffsets(
    groupId: string,
    offsets: readonly TopicPartitionOffset[],
    now: number,
    transaction: TransactionalProducer | null = null,
  ): { readonly baseOffset: number; readonly outcome: MaybeAsync<number> } {
    const writes: CoordinatorWrite[] = offsets.map(({ topic, partition, committed }) => ({
      key: offsetCommitRecordKey(groupId, topic, partition),
      value: offsetCommitRecordValue(committed.offset, committed.leaderEpoch, committed.metadata, committed.commitTimestamp),
    }))
    const written = this.#append(groupId, writes, now, 'once-replicated', transaction === null ? 'offsets' : 'transactional offsets', transaction)
    return { baseOffset: written.baseOffset, outcome: andThen(written.outcome, offsetWriteError) }
  }

  /**
   * Writes tombstones for `offsets` of the group and, when `groupToo`, for its metadata. The
   * caller changes its memory as soon as they are appended and answers without waiting for the
   * ISR, as Kafka's cleanupGroupMetadata does: a tombstone lost in a failover brings the offsets
   * back, and expiry or a repeated deletion writes it again. A failed replication is logged.
   */
  storeTombstones(groupId: string, offsets: ReadonlyArray<{ topic: string; partition: number }>, groupToo: boolean, now: number): TombstoneWrite {
    const writes: CoordinatorWrite[] = offsets.map(({ topic, partition }) => ({ key: offsetCommitRecordKey(groupId, topic, partition), value: null }))
    if (groupToo) writes.push({ key: groupMetadataRecordKey(groupId), value: null })
    const written = this.#append(groupId, writes, now, 'at-append', 'tombstones')
    if (written.appended) return { appended: true, errorCode: KafkaErrorCodes.NONE }
    return { appended: false, errorCode: coordinatorWriteError(written.outcome as number) }
  }

  /**
   * Writes KIP-848 consumer group or KIP-932 share group records (tombstones among them) as one batch. `memory` says
   * when the caller's state counts (see MemoryUpdate). Returns a Kafka error code once replicated
   * (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, REQUEST_TIMED_OUT on failure).
   */
  storeRecords(groupId: string, writes: readonly CoordinatorWrite[], now: number, memory: MemoryUpdate = 'once-replicated'): MaybeAsync<number> {
    return andThen(this.#append(groupId, writes, now, memory, 'group state').outcome, coordinatorWriteError)
  }

  /**
   * Writes snapshots of the loaded partitions that changed, from the live groups: those with at
   * least `minRecords` records appended since their last snapshot (1 at shutdown).
   */
  async snapshot(
    groups: ReadonlyMap<string, Group>,
    now: number,
    minRecords: number,
    consumerGroupRecords: (partition: number) => SnapshotRecord[] = () => [],
  ): Promise<void> {
    const due: OffsetsTopicPartition[] = []
    for (const { loaded } of this.#coordinated.values()) {
      if (loaded !== null && loaded.recordsSinceSnapshot > 0 && loaded.recordsSinceSnapshot >= minRecords) due.push(loaded)
    }
    if (due.length === 0) return
    const byPartition = new Map<number, Group[]>()
    for (const group of groups.values()) {
      const index = this.partitionFor(group.groupId)
      let list = byPartition.get(index)
      if (list === undefined) byPartition.set(index, (list = []))
      list.push(group)
    }
    await Promise.all(
      // A snapshot holds committed state only: offsets inside open transactions would be lost
      // with the log prefix it replaces, so a partition that has some waits for a quieter moment.
      due.filter((p) => !(byPartition.get(p.index) ?? []).some((g) => g.hasPendingTxnOffsets)).map((p) =>
        p.snapshot(() => [...liveRecords(byPartition.get(p.index) ?? []), ...consumerGroupRecords(p.index)], now).catch((error: unknown) => {
          this.#logger.warn('could not write a coordinator snapshot', { partition: p.index, error })
        }),
      ),
    )
  }

  /** Appends to the group's partition; the raw append or replication error code, logged when not NONE. */
  #append(groupId: string, writes: readonly CoordinatorWrite[], now: number, memory: MemoryUpdate, what: string, transaction: TransactionalProducer | null = null): Appended {
    const partition = this.#coordinated.get(this.partitionFor(groupId))?.loaded
    if (partition == null) {
      // The partition was unloaded while the caller held the group: another broker leads it now.
      return { appended: false, baseOffset: -1, outcome: KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER }
    }
    const result = partition.append(writes, now, memory, transaction)
    const outcome = andThen(result.outcome, (errorCode) => {
      if (errorCode !== KafkaErrorCodes.NONE) {
        this.#logger.warn(`could not store ${what}`, { group: groupId, partition: partition.index, errorCode, error: result.errorMessage })
      }
      return errorCode
    })
    return { appended: result.appended, baseOffset: result.baseOffset, outcome }
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
 * Kafka's mapping of an append or replication failure to what a coordinator write reports:
 * clients look for the coordinator again (NOT_COORDINATOR) when this broker no longer leads the
 * partition, and retry later (COORDINATOR_NOT_AVAILABLE) when the ISR is too small.
 */
function coordinatorWriteError(errorCode: number): number {
  switch (errorCode) {
    case KafkaErrorCodes.NONE:
      return KafkaErrorCodes.NONE
    case KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION:
    case KafkaErrorCodes.NOT_ENOUGH_REPLICAS:
    case KafkaErrorCodes.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE
    case KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER:
    case KafkaErrorCodes.KAFKA_STORAGE_ERROR:
      return KafkaErrorCodes.NOT_COORDINATOR
    case KafkaErrorCodes.REQUEST_TIMED_OUT:
      return KafkaErrorCodes.REQUEST_TIMED_OUT
    default:
      return KafkaErrorCodes.UNKNOWN_SERVER_ERROR
  }
}

/** For group metadata Kafka reports a timed-out write as REBALANCE_IN_PROGRESS: the members rejoin. */
function groupWriteError(errorCode: number): number {
  return errorCode === KafkaErrorCodes.REQUEST_TIMED_OUT ? KafkaErrorCodes.REBALANCE_IN_PROGRESS : coordinatorWriteError(errorCode)
}

/** For offset commits a batch too large means too many or too long offsets. */
function offsetWriteError(errorCode: number): number {
  switch (errorCode) {
    case KafkaErrorCodes.MESSAGE_TOO_LARGE:
    case KafkaErrorCodes.RECORD_LIST_TOO_LARGE:
    case KafkaErrorCodes.INVALID_FETCH_SIZE:
      return KafkaErrorCodes.INVALID_COMMIT_OFFSET_SIZE
    // A transactional write of a fenced producer: the client must learn it was fenced.
    case KafkaErrorCodes.INVALID_PRODUCER_EPOCH:
    case KafkaErrorCodes.PRODUCER_FENCED:
      return errorCode
    default:
      return coordinatorWriteError(errorCode)
  }
}
