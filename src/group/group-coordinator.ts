/**
 * The group coordinator of this broker: consumer groups and their committed offsets.
 *
 * It coordinates the groups of the `__consumer_offsets` partitions this broker leads, as Kafka's
 * GroupCoordinator does: when it becomes a partition's leader it loads that partition's groups
 * and offsets (onElection; the groups answer COORDINATOR_LOAD_IN_PROGRESS meanwhile), and when
 * it stops leading it drops them from memory (onResignation; requests waiting in JoinGroup or
 * SyncGroup are answered NOT_COORDINATOR and clients look for the new coordinator). Every other
 * group gets NOT_COORDINATOR. It runs the classic protocol through GroupMembership, answers the
 * offset and admin APIs itself (OffsetCommit, TxnOffsetCommit, OffsetFetch, ListGroups,
 * DescribeGroups, DeleteGroups, OffsetDelete), and in the background expires offsets
 * (offsets.retention.minutes) and writes coordinator snapshots of the partitions it leads.
 *
 * The broker gives it what it needs at composition (it does not import src/broker): the
 * partitions of `__consumer_offsets`, which the broker creates if missing, and the replica
 * manager, which reports leadership changes and holds the purgatory where writes wait for the
 * ISR. On a single broker this broker leads every partition from the start, so it loads every
 * group before start() resolves and coordinates them all.
 *
 * Event loop thread only. Writes are acks=all. Commits and group metadata count only once the
 * ISR has them, so OffsetCommit, the leader's SyncGroup and a returning static member's JoinGroup
 * are answered then; deletions (tombstones) are answered once appended, as in Kafka. On a single
 * broker the ISR is this broker and every write settles at once, so there every method answers
 * synchronously except JoinGroup and SyncGroup, which wait for the rest of the group.
 */
import type { Logger } from '../common/logger.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { Partition } from '../replication/partition.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import { OFFSETS_TOPIC } from './coordinator-key.js'
import { groupMetadataRecordKey } from './coordinator-records.js'
import { encodeAssignment } from '../protocol/messages/consumer-protocol.js'
import type {
  CommittedOffset,
  GroupDescription,
  GroupListing,
  HeartbeatParams,
  JoinGroupParams,
  JoinGroupResult,
  LeaveGroupResult,
  LeavingMember,
  OffsetCommitParams,
  OffsetDeleteResult,
  OffsetFetchResult,
  OffsetFetchTopicResult,
  SyncGroupParams,
  SyncGroupResult,
  TxnOffsetCommitParams,
} from './coordinator-results.js'
import { CONSUMER_PROTOCOL_TYPE, Group } from './group.js'
import { GroupMembership, joinError, syncError } from './group-membership.js'
import { GroupStore, type PartitionLoad, type TombstoneWrite, type TopicPartitionOffset } from './group-store.js'
import { type MaybeAsync, andThen } from './maybe-async.js'
import { expiredOffsets } from './offset-expiration.js'
import type { ConsumerGroup } from './consumer-group.js'
import {
  ConsumerGroupCoordinator,
  type ConsumerGroupHeartbeatParams,
  type ConsumerGroupHeartbeatResult,
  type DescribedConsumerGroup,
  type GroupTimeouts,
  type TopicsView,
} from './consumer-group-coordinator.js'
import { type GroupCoordinatorConfig } from './group-coordinator-config.js'
import { type DescribedShareGroup, ShareGroupCoordinator, type ShareGroupHeartbeatParams, type ShareGroupHeartbeatResult } from './share/share-group-coordinator.js'

export interface GroupCoordinatorOptions {
  readonly config: GroupCoordinatorConfig
  readonly logger: Logger
  /**
   * The partitions of __consumer_offsets hosted here, indexed by partition (the broker creates
   * the topic when it is missing); their count decides which partition holds a group.
   */
  readonly offsetsTopicPartitions: () => Promise<readonly (Partition | undefined)[]>
  /** Tells of leadership changes and holds the purgatory where writes wait for the ISR. */
  readonly replicas: Pick<ReplicaManager, 'onLeadershipChange' | 'onTransactionMarker' | 'purgatories'>
  /** Clock, for tests. */
  readonly now?: () => number
  /** The topics, for KIP-848 consumer groups (the coordinator assigns their partitions). */
  readonly topics?: TopicsView
  /** A consumer group's timeouts from its group configs (consumer.*); the broker's without. */
  readonly consumerTimeouts?: (groupId: string) => GroupTimeouts
  /** A share group's timeouts from its group configs (share.*); the broker's without. */
  readonly shareTimeouts?: (groupId: string) => GroupTimeouts
}

/** What OffsetFetch answers for a partition without a committed offset. */
export const NO_OFFSET: CommittedOffset = { offset: -1, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }

/** Kafka's group AclOperations a describe reports when asked: READ, DELETE, DESCRIBE. */
export const GROUP_AUTHORIZED_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8)

/** How often a partition is checked against the snapshot record threshold. */
const SNAPSHOT_CHECK_MS = 1000

export class GroupCoordinator {
  readonly #config: GroupCoordinatorConfig
  readonly #logger: Logger
  readonly #now: () => number
  readonly #store: GroupStore
  readonly #membership: GroupMembership
  readonly #groups: Map<string, Group>
  readonly #timers: NodeJS.Timeout[] = []
  /** Groups with offsets in each producer's open transaction (Kafka's openGroupsForProducer). */
  readonly #openGroupsForProducer = new Map<number, Set<string>>()
  /** Loads under way, by partition. */
  readonly #loads = new Map<number, Promise<PartitionLoad | null>>()
  #stopListening: () => void = () => undefined
  #active = true
  /** KIP-848 consumer groups; null when they are not served. */
  readonly #consumer: ConsumerGroupCoordinator | null
  /** KIP-932 share groups; null when they are not served. */
  readonly #share: ShareGroupCoordinator | null

  private constructor(options: GroupCoordinatorOptions, store: GroupStore) {
    this.#config = options.config
    this.#logger = options.logger
    this.#now = options.now ?? Date.now
    this.#store = store
    this.#groups = new Map()
    this.#consumer =
      options.config.consumer === undefined || options.topics === undefined
        ? null
        : new ConsumerGroupCoordinator({
          config: options.config.consumer,
          topics: options.topics,
          logger: this.#logger,
          timeouts: options.consumerTimeouts,
          write: (groupId, records) => this.#store.storeRecords(groupId, records, this.#now()),
        })
    this.#share =
      options.config.share === undefined || options.topics === undefined
        ? null
        : new ShareGroupCoordinator({
          config: options.config.share,
          topics: options.topics,
          logger: this.#logger.child('share'),
          timeouts: options.shareTimeouts,
          write: (groupId, records) => this.#store.storeRecords(groupId, records, this.#now()),
        })
    this.#membership = new GroupMembership(store, { initialRebalanceDelayMs: this.#config.initialRebalanceDelayMs }, this.#logger, this.#now, (g) =>
      this.#removeIfUnused(g),
    )
  }

  /**
   * Loads the groups of every __consumer_offsets partition this broker leads now, follows
   * leadership changes from then on, and starts the background work.
   */
  static async start(options: GroupCoordinatorOptions): Promise<GroupCoordinator> {
    const partitions = await options.offsetsTopicPartitions()
    const store = new GroupStore({
      partitionCount: partitions.length,
      writes: { produces: options.replicas.purgatories.produces, timeoutMs: options.config.offsetCommitTimeoutMs },
      logger: options.logger,
    })
    const coordinator = new GroupCoordinator(options, store)
    // Listening before the first loads, so that no leadership change between the two is missed.
    const stopLeadership = options.replicas.onLeadershipChange((partition, leading) => coordinator.#onLeadershipChange(partition, leading))
    // A transaction's marker in a __consumer_offsets partition this broker leads settles its
    // offsets there (Kafka's onTransactionCompleted). It is told at the append: the coordinator
    // retries a marker that does not replicate, on whichever broker leads next. A follower has
    // no groups in memory: its load will read the marker from the log.
    const stopMarkers = options.replicas.onTransactionMarker((partition, marker) => {
      if (partition.topic === OFFSETS_TOPIC && partition.isLeader) coordinator.onTransactionCompleted(partition.index, marker.producerId, marker.commit)
    })
    coordinator.#stopListening = () => {
      stopLeadership()
      stopMarkers()
    }
    const started = performance.now()
    const loads = await Promise.all(partitions.filter((p): p is Partition => p !== undefined && p.isLeader).map((p) => coordinator.#onElection(p)))
    const loaded = loads.filter((l) => l !== null)
    options.logger.info('loaded groups and offsets', {
      groups: loaded.reduce((n, l) => n + l.groups.size, 0),
      partitions: loaded.length,
      snapshotRecords: loaded.reduce((n, l) => n + l.snapshotRecords, 0),
      replayedRecords: loaded.reduce((n, l) => n + l.replayedRecords, 0),
      ms: Math.round(performance.now() - started),
    })
    coordinator.#startBackgroundWork()
    return coordinator
  }

  /** Resolves once every load under way has finished (tests; an operator's readiness check). */
  async awaitLoads(): Promise<void> {
    while (this.#loads.size > 0) await Promise.all(this.#loads.values())
  }

  #onLeadershipChange(partition: Partition, leading: boolean): void {
    if (partition.topic !== OFFSETS_TOPIC || !this.#active) return
    if (!leading) return this.#onResignation(partition.index)
    void this.#onElection(partition).then((loaded) => {
      if (loaded === null) return
      this.#logger.info('became coordinator of a __consumer_offsets partition', {
        partition: partition.index,
        leaderEpoch: partition.leaderEpoch,
        groups: loaded.groups.size,
        snapshotRecords: loaded.snapshotRecords,
        replayedRecords: loaded.replayedRecords,
        ms: Math.round(loaded.ms),
      })
    })
  }

  /**
   * Kafka's onElection: load the partition's groups. A broker elected again without having
   * followed in between (a new leader epoch only) keeps what it has: nobody else wrote the log.
   * Resolves null when there was nothing (new) to load or the leadership ended first.
   */
  #onElection(partition: Partition): Promise<PartitionLoad | null> {
    const index = partition.index
    if (this.#store.coordinates(partition)) return this.#loads.get(index) ?? Promise.resolve(null)
    const load = this.#store.load(partition, this.#now).then(
      (loaded) => {
        if (loaded === null || !this.#active) return null
        for (const group of loaded.groups.values()) {
          this.#groups.set(group.groupId, group)
          this.#membership.scheduleLoadedMembers(group)
          for (const producerId of group.producersWithPendingTxnOffsets) this.#trackTxnProducer(producerId, group.groupId)
        }
        this.#consumer?.adopt(loaded.consumerGroups)
        this.#share?.adopt(loaded.shareGroups)
        return loaded
      },
      (error: unknown) => {
        this.#logger.error('could not load the groups of a __consumer_offsets partition; its groups get NOT_COORDINATOR', { partition: index, error })
        return null
      },
    )
    const tracked = load.finally(() => {
      if (this.#loads.get(index) === tracked) this.#loads.delete(index)
    })
    this.#loads.set(index, tracked)
    return tracked
  }

  /**
   * Kafka's onResignation: another broker leads the partition now. Its groups leave memory;
   * members waiting in JoinGroup or SyncGroup are told NOT_COORDINATOR, and so is everything
   * asked about these groups from now on. Writes still waiting for the ISR settle as
   * NOT_LEADER_OR_FOLLOWER and answer NOT_COORDINATOR.
   */
  #onResignation(index: number): void {
    if (!this.#store.unload(index)) return
    const now = this.#now()
    let unloaded = 0
    for (const group of [...this.#groups.values()]) {
      if (this.#store.partitionFor(group.groupId) !== index) continue
      this.#membership.shutdown(group, KafkaErrorCodes.NOT_COORDINATOR)
      group.transitionTo('Dead', now)
      this.#groups.delete(group.groupId)
      unloaded++
    }
    for (const groupId of [...(this.#consumer?.groups.keys() ?? [])]) {
      if (this.#store.partitionFor(groupId) !== index) continue
      this.#consumer!.forget(groupId)
      unloaded++
    }
    for (const groupId of [...(this.#share?.groups.keys() ?? [])]) {
      if (this.#store.partitionFor(groupId) !== index) continue
      this.#share!.forget(groupId)
      unloaded++
    }
    this.#logger.info('no longer coordinator of a __consumer_offsets partition; unloaded its groups', { partition: index, groups: unloaded })
  }

  /** The __consumer_offsets partition that holds the group. */
  partitionFor(groupId: string): number {
    return this.#store.partitionFor(groupId)
  }

  get offsetsTopicPartitionCount(): number {
    return this.#store.partitionCount
  }

  joinGroup(params: JoinGroupParams): Promise<JoinGroupResult> | JoinGroupResult {
    const error = this.#validateGroup(params.groupId, false)
    if (error !== KafkaErrorCodes.NONE) return joinError(params.memberId, error)
    const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.#config
    if (params.sessionTimeoutMs < min || params.sessionTimeoutMs > max) return joinError(params.memberId, KafkaErrorCodes.INVALID_SESSION_TIMEOUT)
    const consumerGroup = this.#consumer?.groups.get(params.groupId)
    if (consumerGroup !== undefined) {
      // Samsa's consumer groups have no classic members: an empty one becomes a classic group
      // (as Kafka converts it), a live one refuses the classic protocol.
      if (consumerGroup.members.size > 0) return joinError(params.memberId, KafkaErrorCodes.INCONSISTENT_GROUP_PROTOCOL)
      const converted = this.#dropConsumerGroup(consumerGroup)
      if (converted !== KafkaErrorCodes.NONE) return joinError(params.memberId, converted)
    }
    let group = this.#groups.get(params.groupId)
    if (group === undefined) {
      if (params.memberId !== '') return joinError(params.memberId, KafkaErrorCodes.UNKNOWN_MEMBER_ID)
      group = new Group(params.groupId, 'Empty', this.#now())
      this.#groups.set(params.groupId, group)
    }
    const joining = params.memberId !== '' && (group.has(params.memberId) || group.isPendingMember(params.memberId))
    if (!joining && params.groupInstanceId === null && group.members.size + group.pendingMembers.size >= this.#config.maxGroupSize) {
      this.#removeIfUnused(group)
      return joinError(params.memberId, KafkaErrorCodes.GROUP_MAX_SIZE_REACHED)
    }
    return this.#membership.joinGroup(group, {
      ...params,
      // JoinGroup v0 has no rebalance timeout: the session timeout serves as both.
      rebalanceTimeoutMs: params.rebalanceTimeoutMs >= 0 ? params.rebalanceTimeoutMs : params.sessionTimeoutMs,
    })
  }

  syncGroup(params: SyncGroupParams): Promise<SyncGroupResult> | SyncGroupResult {
    const error = this.#validateGroup(params.groupId, false)
    if (error !== KafkaErrorCodes.NONE) return syncError(error)
    const group = this.#groups.get(params.groupId)
    if (group === undefined) return syncError(KafkaErrorCodes.UNKNOWN_MEMBER_ID)
    return this.#membership.syncGroup(group, params)
  }

  heartbeat(params: HeartbeatParams): number {
    const error = this.#validateGroup(params.groupId, false)
    if (error !== KafkaErrorCodes.NONE) return error
    const group = this.#groups.get(params.groupId)
    if (group === undefined) return KafkaErrorCodes.UNKNOWN_MEMBER_ID
    return this.#membership.heartbeat(group, params)
  }

  leaveGroup(groupId: string, members: readonly LeavingMember[]): LeaveGroupResult {
    const error = this.#validateGroup(groupId, false)
    if (error !== KafkaErrorCodes.NONE) return { errorCode: error, members: [] }
    const group = this.#groups.get(groupId)
    if (group === undefined) return { errorCode: KafkaErrorCodes.NONE, members: members.map((m) => ({ ...m, errorCode: KafkaErrorCodes.UNKNOWN_MEMBER_ID })) }
    return this.#membership.leaveGroup(group, members)
  }

  /**
   * Commits offsets; returns one error code per entry of `params.offsets`, in order. Commits
   * with generation -1 come from outside group management and are accepted only while the
   * group has no members (as Kafka does: an admin cannot move an active group's offsets).
   */
  commitOffsets(params: OffsetCommitParams): MaybeAsync<number[]> {
    const all = (errorCode: number): number[] => params.offsets.map(() => errorCode)
    const error = this.#validateGroup(params.groupId, true)
    if (error !== KafkaErrorCodes.NONE) return all(error)
    const consumerGroup = this.#consumer?.groups.get(params.groupId)
    if (consumerGroup !== undefined) {
      const refused = this.#consumer!.validateOffsetCommit(consumerGroup, params.memberId, params.generationId, params.apiVersion ?? -1)
      if (refused !== KafkaErrorCodes.NONE) return all(refused)
      // A consumer group keeps its offsets in a classic Group without members beside it.
      let holder = this.#groups.get(params.groupId)
      if (holder === undefined) this.#groups.set(params.groupId, (holder = new Group(params.groupId, 'Empty', this.#now())))
      return this.#storeOffsets(holder, params)
    }
    let group = this.#groups.get(params.groupId)
    if (group === undefined) {
      // A group that only stores offsets; anything else is a member of a generation we lost.
      if (params.generationId >= 0) return all(params.missingGroupError ?? KafkaErrorCodes.ILLEGAL_GENERATION)
      group = new Group(params.groupId, 'Empty', this.#now())
      this.#groups.set(params.groupId, group)
    }
    const outcome = this.#commit(group, params)
    this.#removeIfUnused(group)
    return typeof outcome === 'number' ? all(outcome) : outcome
  }

  #commit(group: Group, params: OffsetCommitParams): number | MaybeAsync<number[]> {
    if (group.is('Dead')) return KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE
    if (group.isStaticMemberFenced(params.groupInstanceId, params.memberId)) return KafkaErrorCodes.FENCED_INSTANCE_ID
    if (params.generationId < 0 && group.is('Empty')) return this.#storeOffsets(group, params)
    if (!group.has(params.memberId)) return KafkaErrorCodes.UNKNOWN_MEMBER_ID
    if (params.generationId !== group.generationId) return KafkaErrorCodes.ILLEGAL_GENERATION
    switch (group.state) {
      case 'Stable':
      case 'PreparingRebalance':
        // A commit proves the member alive; during a rebalance it is still accepted, and the
        // member learns of the rebalance from its next heartbeat.
        this.#membership.touch(group, params.memberId)
        return this.#storeOffsets(group, params)
      case 'CompletingRebalance':
        return KafkaErrorCodes.REBALANCE_IN_PROGRESS
      default:
        return KafkaErrorCodes.UNKNOWN_MEMBER_ID
    }
  }

  /**
   * Splits commits into those to write and those refused at once (metadata longer than
   * offset.metadata.max.bytes): `errors` holds the refusals at their entry's index, and
   * `validIndexes` where each of `valid` came from.
   */
  #checkOffsetMetadata(offsets: OffsetCommitParams['offsets'], now: number): { errors: number[]; valid: TopicPartitionOffset[]; validIndexes: number[] } {
    const errors: number[] = []
    const valid: TopicPartitionOffset[] = []
    const validIndexes: number[] = []
    offsets.forEach((entry, i) => {
      const metadata = entry.metadata ?? ''
      if (metadata.length > this.#config.maxMetadataBytes) {
        errors[i] = KafkaErrorCodes.OFFSET_METADATA_TOO_LARGE
        return
      }
      validIndexes.push(i)
      valid.push({ topic: entry.topic, partition: entry.partition, committed: { offset: entry.offset, leaderEpoch: entry.leaderEpoch, metadata, commitTimestamp: now } })
    })
    return { errors, valid, validIndexes }
  }

  /**
   * Writes the commits; the group takes them in once they are replicated (unless it died or was
   * unloaded meanwhile), and the answer waits for that.
   */
  #storeOffsets(group: Group, params: OffsetCommitParams): MaybeAsync<number[]> {
    const now = this.#now()
    const { errors, valid, validIndexes } = this.#checkOffsetMetadata(params.offsets, now)
    if (valid.length === 0) return errors
    const pending = valid.map(({ topic, partition, committed }) => group.prepareOffsetCommit(topic, partition, committed))
    const written = this.#store.storeOffsets(group.groupId, valid, now)
    if (written.baseOffset >= 0) pending.forEach((commit, i) => (commit.committed = { ...commit.committed, recordOffset: written.baseOffset + i }))
    return andThen(written.outcome, (error) => {
      const replicated = error === KafkaErrorCodes.NONE && !group.is('Dead')
      for (const commit of pending) group.completeOffsetCommit(commit, replicated)
      for (const i of validIndexes) errors[i] = error
      this.#removeIfUnused(group)
      return errors
    })
  }

  /**
   * Commits offsets inside a producer's transaction (TxnOffsetCommit); returns one error code per
   * entry of `params.offsets`, in order, once the write is replicated. The offsets are written
   * now, as a batch of that transaction, and become the group's committed offsets only when the
   * transaction's COMMIT marker reaches the group's __consumer_offsets partition
   * (onTransactionCompleted); an ABORT drops them. Kafka's rules: any group id but "", a group
   * that does not exist yet is created, and a request that names a member (v3+, KIP-447) must
   * come from a current member of the current generation, whatever the group's state; older
   * versions name none and are not checked.
   */
  commitTransactionalOffsets(params: TxnOffsetCommitParams): MaybeAsync<number[]> {
    const all = (errorCode: number): number[] => params.offsets.map(() => errorCode)
    const error = this.#validateGroup(params.groupId, false)
    if (error !== KafkaErrorCodes.NONE) return all(error)
    let group = this.#groups.get(params.groupId)
    if (group === undefined) {
      group = new Group(params.groupId, 'Empty', this.#now())
      this.#groups.set(params.groupId, group)
    }
    const refused = this.#validateTxnCommit(group, params)
    if (refused !== KafkaErrorCodes.NONE) {
      this.#removeIfUnused(group)
      return all(refused)
    }
    const now = this.#now()
    const { errors, valid, validIndexes } = this.#checkOffsetMetadata(params.offsets, now)
    if (valid.length === 0) return errors
    const target = group
    const pending = valid.map(({ topic, partition, committed }) => target.prepareTxnOffsetCommit(params.producerId, topic, partition, committed))
    this.#trackTxnProducer(params.producerId, target.groupId)
    const written = this.#store.storeOffsets(target.groupId, valid, now, { producerId: params.producerId, producerEpoch: params.producerEpoch })
    if (written.baseOffset >= 0) pending.forEach((commit, i) => (commit.committed = { ...commit.committed, recordOffset: written.baseOffset + i }))
    return andThen(written.outcome, (errorCode) => {
      if (errorCode !== KafkaErrorCodes.NONE || target.is('Dead')) for (const commit of pending) target.failTxnOffsetCommit(commit)
      for (const i of validIndexes) errors[i] = errorCode
      this.#removeIfUnused(target)
      return errors
    })
  }

  /** Kafka's validateOffsetCommit for a transactional commit. */
  #validateTxnCommit(group: Group, params: TxnOffsetCommitParams): number {
    if (group.is('Dead')) return KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE
    // Before v3 a transactional commit carries no member: nothing to check.
    if (params.generationId < 0 && params.memberId === '' && params.groupInstanceId === null) return KafkaErrorCodes.NONE
    if (group.isStaticMemberFenced(params.groupInstanceId, params.memberId)) return KafkaErrorCodes.FENCED_INSTANCE_ID
    if (!group.has(params.memberId)) return KafkaErrorCodes.UNKNOWN_MEMBER_ID
    if (params.generationId !== group.generationId) return KafkaErrorCodes.ILLEGAL_GENERATION
    return KafkaErrorCodes.NONE
  }

  #trackTxnProducer(producerId: number, groupId: string): void {
    let groups = this.#openGroupsForProducer.get(producerId)
    if (groups === undefined) this.#openGroupsForProducer.set(producerId, (groups = new Set()))
    groups.add(groupId)
  }

  /**
   * A transaction of `producerId` ended in partition `offsetsPartition` of __consumer_offsets:
   * its marker is in the log there. The offsets it committed for the groups of that partition
   * become their committed offsets (`commit`) or are dropped (Kafka's handleTxnCompletion).
   * Partitions not coordinated here have nothing in memory: their load reads the marker.
   */
  onTransactionCompleted(offsetsPartition: number, producerId: number, commit: boolean): void {
    const groupIds = this.#openGroupsForProducer.get(producerId)
    if (groupIds === undefined) return
    for (const groupId of [...groupIds]) {
      if (this.#store.partitionFor(groupId) !== offsetsPartition) continue
      groupIds.delete(groupId)
      const group = this.#groups.get(groupId)
      if (group === undefined || group.is('Dead')) continue
      const applied = group.completeTxnOffsetCommits(producerId, commit)
      if (applied > 0) this.#logger.debug('transactional offsets committed', { group: groupId, producerId, offsets: applied })
      this.#removeIfUnused(group)
    }
    if (groupIds.size === 0) this.#openGroupsForProducer.delete(producerId)
  }

  /**
   * The committed offsets of `groupId` for `topics` (null: every partition with a commit).
   * Partitions without a commit get offset -1. With `requireStable` (OffsetFetch v7+, sent by
   * read_committed consumers), a partition whose commit is still on its way (replicating, or
   * inside an open transaction) answers UNSTABLE_OFFSET_COMMIT, which the client retries.
   */
  fetchOffsets(groupId: string, topics: ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null, requireStable = false): OffsetFetchResult {
    const error = this.#validateGroup(groupId, true)
    if (error !== KafkaErrorCodes.NONE) {
      return {
        errorCode: error,
        topics: (topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committed: NO_OFFSET, errorCode: error })) })),
      }
    }
    const group = this.#groups.get(groupId)
    const result: OffsetFetchTopicResult[] = []
    if (topics === null) {
      for (const [name, partitions] of group?.offsets ?? []) {
        result.push({
          name,
          partitions: [...partitions].sort((a, b) => a[0] - b[0]).map(([partitionIndex, committed]) => ({ partitionIndex, committed, errorCode: KafkaErrorCodes.NONE })),
        })
      }
    } else {
      for (const topic of topics) {
        result.push({
          name: topic.name,
          partitions: topic.partitionIndexes.map((p) =>
            requireStable && group?.hasUnstableOffset(topic.name, p) === true
              ? { partitionIndex: p, committed: NO_OFFSET, errorCode: KafkaErrorCodes.UNSTABLE_OFFSET_COMMIT }
              : { partitionIndex: p, committed: group?.committed(topic.name, p) ?? NO_OFFSET, errorCode: KafkaErrorCodes.NONE },
          ),
        })
      }
    }
    return { errorCode: KafkaErrorCodes.NONE, topics: result }
  }

  /** Groups, optionally only those in `states` and of `types` (case-insensitive; "classic"). */
  listGroups(states: readonly string[], types: readonly string[]): { errorCode: number; groups: GroupListing[] } {
    if (!this.#active) return { errorCode: KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE, groups: [] }
    // Only the groups coordinated here, as Kafka lists them (admin clients ask every broker); a
    // partition still loading makes the list incomplete, which the error code says.
    const wantedStates = new Set(states.map((s) => s.toLowerCase()))
    const wantedTypes = new Set(types.map((t) => t.toLowerCase()))
    const groups: GroupListing[] = []
    for (const group of this.#consumer?.groups.values() ?? []) {
      if (wantedStates.size > 0 && !wantedStates.has(group.state.toLowerCase())) continue
      if (wantedTypes.size > 0 && !wantedTypes.has('consumer')) continue
      groups.push({ groupId: group.groupId, protocolType: CONSUMER_PROTOCOL_TYPE, state: group.state, type: 'consumer' })
    }
    for (const group of this.#share?.groups.values() ?? []) {
      if (wantedStates.size > 0 && !wantedStates.has(group.state.toLowerCase())) continue
      if (wantedTypes.size > 0 && !wantedTypes.has('share')) continue
      groups.push({ groupId: group.groupId, protocolType: 'share', state: group.state, type: 'share' })
    }
    for (const group of this.#groups.values()) {
      if (this.#consumer?.groups.has(group.groupId) === true) continue
      if (wantedStates.size > 0 && !wantedStates.has(group.state.toLowerCase())) continue
      if (wantedTypes.size > 0 && !wantedTypes.has('classic')) continue
      groups.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', state: group.state, type: 'classic' })
    }
    return { errorCode: this.#store.isLoadingAny ? KafkaErrorCodes.COORDINATOR_LOAD_IN_PROGRESS : KafkaErrorCodes.NONE, groups }
  }

  /** A group's state and members; a group that does not exist is reported Dead, as Kafka does. */
  describeGroup(groupId: string): GroupDescription {
    const error = this.#validateGroup(groupId, true)
    const dead = { groupId, state: 'Dead', protocolType: '', protocolData: '', members: [] }
    if (error !== KafkaErrorCodes.NONE) return { ...dead, errorCode: error, state: '' }
    // For the broker's own readers (console, metrics): a consumer group in the classic shape, its
    // members' partitions as consumer-protocol assignments. The DescribeGroups handler answers
    // Kafka's way instead (isConsumerGroup).
    const consumerGroup = this.#consumer?.describe(groupId)
    if (consumerGroup != null) {
      return {
        errorCode: KafkaErrorCodes.NONE,
        groupId,
        state: consumerGroup.groupState,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolData: consumerGroup.assignorName,
        members: consumerGroup.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.instanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          metadata: Buffer.alloc(0),
          assignment: encodeAssignment({ assignedPartitions: m.assignment.topicPartitions.map((t) => ({ topic: t.topicName, partitions: t.partitions })) }),
        })),
      }
    }
    if (this.#share?.groups.has(groupId) === true) return { ...dead, errorCode: KafkaErrorCodes.NONE }
    const group = this.#groups.get(groupId)
    if (group === undefined) return { ...dead, errorCode: KafkaErrorCodes.NONE }
    // Member metadata and assignments mean something only once the group is Stable.
    const stable = group.is('Stable')
    return {
      errorCode: KafkaErrorCodes.NONE,
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadata(group.protocolName) : Buffer.alloc(0),
        assignment: stable ? m.assignment : Buffer.alloc(0),
      })),
    }
  }

  /**
   * Deletes groups that have no members, with all their offsets. A group is gone as soon as its
   * tombstones are in the log (Kafka answers without waiting for the ISR here).
   */
  deleteGroups(groupIds: readonly string[]): Array<{ groupId: string; errorCode: number }> {
    return groupIds.map((groupId) => ({ groupId, errorCode: this.#deleteGroup(groupId) }))
  }

  #deleteGroup(groupId: string): number {
    const error = this.#validateGroup(groupId, true)
    if (error !== KafkaErrorCodes.NONE) return error
    if (this.#share?.groups.has(groupId) === true) {
      // Answered once the tombstones are appended, as a classic group's deletion is. The
      // share-partition state goes through the listeners (SharePartitionManager.groupDeleted).
      const deleted = this.#share.delete(groupId, (tombstones) => {
        const written = this.#store.storeRecords(groupId, tombstones, this.#now(), 'at-append')
        return typeof written === 'number' ? written : KafkaErrorCodes.NONE
      })
      if (deleted !== KafkaErrorCodes.NONE) return deleted
      this.#logger.info('deleted share group', { group: groupId })
      for (const listener of this.#shareGroupDeleted) listener(groupId)
      return deleted
    }
    const consumerGroup = this.#consumer?.groups.get(groupId)
    if (consumerGroup !== undefined) {
      if (consumerGroup.members.size > 0) return KafkaErrorCodes.NON_EMPTY_GROUP
      const dropped = this.#dropConsumerGroup(consumerGroup)
      if (dropped !== KafkaErrorCodes.NONE) return dropped
      if (!this.#groups.has(groupId)) return KafkaErrorCodes.NONE
    }
    const group = this.#groups.get(groupId)
    if (group === undefined || group.is('Dead')) return KafkaErrorCodes.GROUP_ID_NOT_FOUND
    if (!group.is('Empty')) return KafkaErrorCodes.NON_EMPTY_GROUP
    const offsets = [...allOffsets(group)]
    const written = this.#store.storeTombstones(groupId, offsets, true, this.#now())
    if (!written.appended) return written.errorCode
    this.#markDead(group)
    this.#logger.info('deleted group', { group: groupId, offsets: offsets.length })
    return written.errorCode
  }

  /**
   * Deletes committed offsets of a group. Allowed for any partition of an Empty group, and for
   * topics a live consumer group does not subscribe to (GROUP_SUBSCRIBED_TO_TOPIC otherwise).
   */
  deleteOffsets(groupId: string, topics: ReadonlyArray<{ name: string; partitions: readonly number[] }>): OffsetDeleteResult {
    const failed = (errorCode: number): OffsetDeleteResult => ({ errorCode, topics: [] })
    const error = this.#validateGroup(groupId, false)
    if (error !== KafkaErrorCodes.NONE) return failed(error)
    const group = this.#groups.get(groupId)
    if (group === undefined || group.is('Dead')) return failed(KafkaErrorCodes.GROUP_ID_NOT_FOUND)
    const live = !group.is('Empty')
    if (live && group.protocolType !== CONSUMER_PROTOCOL_TYPE) return failed(KafkaErrorCodes.NON_EMPTY_GROUP)
    const consumerGroup = this.#consumer?.groups.get(groupId)
    const eligible: Array<{ topic: string; partition: number }> = []
    const result = topics.map((t) => {
      const subscribed = (live && group.isSubscribedToTopic(t.name)) || (consumerGroup !== undefined && consumerGroup.members.size > 0 && consumerGroup.subscriptionMetadata.has(t.name))
      return {
        name: t.name,
        partitions: t.partitions.map((partitionIndex) => {
          if (subscribed) return { partitionIndex, errorCode: KafkaErrorCodes.GROUP_SUBSCRIBED_TO_TOPIC }
          if (group.committed(t.name, partitionIndex) !== undefined) eligible.push({ topic: t.name, partition: partitionIndex })
          return { partitionIndex, errorCode: KafkaErrorCodes.NONE }
        }),
      }
    })
    const written = this.#removeOffsets(group, eligible)
    if (!written.appended) return failed(written.errorCode)
    return { errorCode: KafkaErrorCodes.NONE, topics: result }
  }

  readonly #shareGroupDeleted: Array<(groupId: string) => void> = []

  /** Whether KIP-932 share groups are served (group.share.enable). */
  get servesShareGroups(): boolean {
    return this.#share !== null
  }

  /** Told when a share-group member leaves or expires (its records go back to the others). */
  onShareMemberRemoved(listener: (groupId: string, memberId: string) => void): void {
    this.#share?.onMemberRemoved(listener)
  }

  /** Told when an empty share group is deleted (its share-partition state goes too). */
  onShareGroupDeleted(listener: (groupId: string) => void): void {
    this.#shareGroupDeleted.push(listener)
  }

  /** Whether `groupId` is a share group coordinated here. */
  isShareGroup(groupId: string): boolean {
    return this.#share?.groups.has(groupId) === true
  }

  /**
   * ShareGroupHeartbeat (KIP-932). A classic or consumer group of the same id answers
   * GROUP_ID_NOT_FOUND, as Kafka does: a group id has one type.
   */
  shareGroupHeartbeat(params: ShareGroupHeartbeatParams): MaybeAsync<ShareGroupHeartbeatResult> {
    const failed = (errorCode: number, errorMessage: string | null): ShareGroupHeartbeatResult => ({
      errorCode,
      errorMessage,
      memberId: null,
      memberEpoch: -1,
      heartbeatIntervalMs: 0,
      assignment: null,
    })
    if (this.#share === null) return failed(KafkaErrorCodes.UNSUPPORTED_VERSION, 'Share groups are not enabled on this broker (group.share.enable).')
    const error = this.#validateGroup(params.groupId, false)
    if (error !== KafkaErrorCodes.NONE) return failed(error, null)
    if (this.#consumer?.groups.has(params.groupId) === true || this.#groups.has(params.groupId)) {
      return failed(KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Group ${params.groupId} is not a share group.`)
    }
    return this.#share.heartbeat(params)
  }

  /** ShareGroupDescribe: the group, or an error code (GROUP_ID_NOT_FOUND, NOT_COORDINATOR, ...). */
  shareGroupDescribe(groupId: string): DescribedShareGroup | { errorCode: number; errorMessage: string | null } {
    const error = this.#validateGroup(groupId, false)
    if (error !== KafkaErrorCodes.NONE) return { errorCode: error, errorMessage: null }
    const described = this.#share?.describe(groupId) ?? null
    if (described === null) {
      const kind = this.#consumer?.groups.has(groupId) === true || this.#groups.has(groupId) ? 'is not a share group' : 'not found'
      return { errorCode: KafkaErrorCodes.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} ${kind}.` }
    }
    return described
  }

  /** Whether `groupId` is a KIP-848 consumer group coordinated here. */
  isConsumerGroup(groupId: string): boolean {
    return this.#consumer?.groups.has(groupId) === true
  }

  /** Whether KIP-848 consumer groups are served (group.coordinator.rebalance.protocols has "consumer"). */
  get servesConsumerGroups(): boolean {
    return this.#consumer !== null
  }

  /**
   * ConsumerGroupHeartbeat (KIP-848). A classic group of the same id answers GROUP_ID_NOT_FOUND
   * unless it is empty, in which case it becomes a consumer group and keeps its offsets.
   */
  consumerGroupHeartbeat(params: ConsumerGroupHeartbeatParams): MaybeAsync<ConsumerGroupHeartbeatResult> {
    const failed = (errorCode: number, errorMessage: string | null): ConsumerGroupHeartbeatResult => ({
      errorCode,
      errorMessage,
      memberId: null,
      memberEpoch: -1,
      heartbeatIntervalMs: 0,
      assignment: null,
    })
    const consumer = this.#consumer
    if (consumer === null) return failed(KafkaErrorCodes.UNSUPPORTED_VERSION, 'The consumer group protocol is not enabled on this broker (group.coordinator.rebalance.protocols).')
    const invalid = ConsumerGroupCoordinator.validate(params, consumer.config.assignors)
    if (invalid !== null) return failed(invalid.errorCode, invalid.message)
    const error = this.#validateGroup(params.groupId, false)
    if (error !== KafkaErrorCodes.NONE) return failed(error, null)
    if (this.#share?.groups.has(params.groupId) === true) return failed(KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Group ${params.groupId} is not a consumer group.`)
    const classic = this.#groups.get(params.groupId)
    if (classic !== undefined && !consumer.groups.has(params.groupId)) {
      if (!classic.is('Empty') || classic.pendingMembers.size > 0) return failed(KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Group ${params.groupId} is not a consumer group.`)
      if (params.memberEpoch !== 0) return failed(KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Consumer group ${params.groupId} not found.`)
      if (classic.persistedMetadata !== null) {
        // The empty classic group becomes a consumer group: its metadata goes, its offsets stay.
        const written = this.#store.storeRecords(params.groupId, [{ key: groupMetadataRecordKey(params.groupId), value: null }], this.#now(), 'at-append')
        if (typeof written === 'number' && written !== KafkaErrorCodes.NONE) return failed(written, null)
        classic.persistedMetadata = null
        classic.protocolType = null
        this.#logger.info('converted an empty classic group to a consumer group', { group: params.groupId })
      }
    }
    return consumer.heartbeat(params, this.#now())
  }

  /** ConsumerGroupDescribe: a classic group (or none) answers GROUP_ID_NOT_FOUND, as Kafka does. */
  consumerGroupDescribe(groupIds: readonly string[]): DescribedConsumerGroup[] {
    const failed = (groupId: string, errorCode: number, errorMessage: string | null): DescribedConsumerGroup => ({
      errorCode,
      errorMessage,
      groupId,
      groupState: '',
      groupEpoch: 0,
      assignmentEpoch: 0,
      assignorName: '',
      members: [],
    })
    return groupIds.map((groupId) => {
      const error = this.#validateGroup(groupId, false)
      if (error !== KafkaErrorCodes.NONE) return failed(groupId, error, null)
      const described = this.#consumer?.describe(groupId) ?? null
      if (described !== null) return described
      if (this.#groups.has(groupId)) return failed(groupId, KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`)
      return failed(groupId, KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`)
    })
  }

  /** Removes an empty consumer group's records (deletion, or conversion to a classic group). */
  #dropConsumerGroup(group: ConsumerGroup): number {
    const written = this.#store.storeRecords(group.groupId, this.#consumer!.tombstones(group), this.#now(), 'at-append')
    if (typeof written === 'number' && written !== KafkaErrorCodes.NONE) return written
    this.#consumer!.forget(group.groupId)
    this.#logger.info('removed empty consumer group', { group: group.groupId })
    return KafkaErrorCodes.NONE
  }

  /** The records of the consumer and share groups of one partition, for its snapshot. */
  readonly #consumerGroupRecords = (partition: number) => {
    const records = []
    for (const group of this.#consumer?.groups.values() ?? []) {
      if (this.#store.partitionFor(group.groupId) === partition) records.push(...this.#consumer!.liveRecords(group))
    }
    for (const group of this.#share?.groups.values() ?? []) {
      if (this.#store.partitionFor(group.groupId) === partition) records.push(...this.#share!.liveRecords(group))
    }
    return records
  }

  /**
   * Stops the coordinator: timers stop, waiting JoinGroup/SyncGroup requests are answered
   * NOT_COORDINATOR (clients look for the coordinator again), and every partition that changed
   * writes a snapshot so the next start replays nothing.
   */
  async shutdown(): Promise<void> {
    if (!this.#active) return
    this.#active = false
    this.#stopListening()
    for (const timer of this.#timers) clearInterval(timer)
    for (const group of this.#groups.values()) this.#membership.shutdown(group, KafkaErrorCodes.NOT_COORDINATOR)
    this.#consumer?.shutdown()
    this.#share?.shutdown()
    await this.#store.snapshot(this.#groups, this.#now(), 1, this.#consumerGroupRecords)
  }

  /** Writes snapshots of every partition that changed (the benchmark and tests use it). */
  snapshotNow(): Promise<void> {
    return this.#store.snapshot(this.#groups, this.#now(), 1, this.#consumerGroupRecords)
  }

  /**
   * One pass of offset expiration (runs every offsets.retention.check.interval.ms) over the
   * groups coordinated here. Returns how many offsets it removed.
   */
  expireOffsets(): number {
    const now = this.#now()
    let removed = 0
    for (const group of [...this.#groups.values()]) {
      // A consumer group's offsets expire once it has no members, like a classic group's.
      const consumerGroup = this.#consumer?.groups.get(group.groupId)
      if (consumerGroup !== undefined && consumerGroup.members.size > 0) continue
      const expired = expiredOffsets(group, now, this.#config.offsetsRetentionMs)
      if (expired.length > 0 && this.#removeOffsets(group, expired).appended) {
        removed += expired.length
        this.#logger.info('expired committed offsets', { group: group.groupId, offsets: expired.length })
      }
      // An Empty group with nothing committed has nothing left to keep (Kafka's cleanup).
      if (group.is('Empty') && !group.hasOffsets && group.isEmpty && group.pendingMembers.size === 0 && consumerGroup === undefined) {
        if (this.#store.storeTombstones(group.groupId, [], true, now).appended) this.#markDead(group)
      }
    }
    return removed
  }

  /**
   * Tombstones offsets, and memory forgets them once the tombstones are in the log; an Empty group
   * left with nothing committed (or on its way) dies with them.
   */
  #removeOffsets(group: Group, offsets: ReadonlyArray<{ topic: string; partition: number }>): TombstoneWrite {
    if (offsets.length === 0) return { appended: true, errorCode: KafkaErrorCodes.NONE }
    const remaining = [...allOffsets(group)].length - offsets.length
    const dies = group.is('Empty') && remaining === 0
    const written = this.#store.storeTombstones(group.groupId, offsets, dies, this.#now())
    if (!written.appended) return written
    for (const { topic, partition } of offsets) group.removeCommitted(topic, partition)
    if (dies) this.#markDead(group)
    return written
  }

  #markDead(group: Group): void {
    this.#membership.shutdown(group, KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE)
    group.transitionTo('Dead', this.#now())
    this.#groups.delete(group.groupId)
  }

  /** Forgets a group that holds nothing: no members, none on the way, nothing in the log. */
  #removeIfUnused(group: Group): void {
    // A write that settles late may hold a group that died or was unloaded meanwhile.
    if (this.#groups.get(group.groupId) !== group) return
    if (group.is('Empty') && group.isEmpty && group.pendingMembers.size === 0 && !group.hasOffsets && group.persistedMetadata === null) {
      this.#groups.delete(group.groupId)
    }
  }

  /**
   * Kafka's group id rules: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and OffsetDelete need a
   * non-empty id; the offset APIs, DescribeGroups and DeleteGroups accept "" for old clients.
   */
  #validateGroup(groupId: string | null, allowEmpty: boolean): number {
    if (groupId === null || (!allowEmpty && groupId === '')) return KafkaErrorCodes.INVALID_GROUP_ID
    if (!this.#active) return KafkaErrorCodes.NOT_COORDINATOR
    if (this.#store.isLoading(groupId)) return KafkaErrorCodes.COORDINATOR_LOAD_IN_PROGRESS
    if (!this.#store.isLocal(groupId)) return KafkaErrorCodes.NOT_COORDINATOR
    return KafkaErrorCodes.NONE
  }

  #startBackgroundWork(): void {
    const every = (ms: number, work: () => unknown): void => {
      const timer = setInterval(() => {
        try {
          const result = work()
          if (result instanceof Promise) result.catch((error: unknown) => this.#logger.warn('background group work failed', { error }))
        } catch (error) {
          this.#logger.warn('background group work failed', { error })
        }
      }, ms)
      timer.unref()
      this.#timers.push(timer)
    }
    every(this.#config.offsetsRetentionCheckIntervalMs, () => this.expireOffsets())
    every(this.#config.snapshotIntervalMs, () => this.#store.snapshot(this.#groups, this.#now(), 1, this.#consumerGroupRecords))
    every(SNAPSHOT_CHECK_MS, () => this.#store.snapshot(this.#groups, this.#now(), this.#config.snapshotRecords, this.#consumerGroupRecords))
  }
}

/**
 * The partitions the group has offsets for in the log: committed, or with a commit still
 * replicating (a deletion must tombstone those too, or the log would keep what memory dropped).
 */
function* allOffsets(group: Group): Iterable<{ topic: string; partition: number }> {
  for (const [topic, partitions] of group.offsets) for (const partition of partitions.keys()) yield { topic, partition }
  const seen = new Set<string>()
  for (const pending of [...group.pendingCommitPartitions(), ...group.pendingTxnCommitPartitions()]) {
    const key = `${pending.topic}/${pending.partition}`
    if (group.committed(pending.topic, pending.partition) !== undefined || seen.has(key)) continue
    seen.add(key)
    yield pending
  }
}
