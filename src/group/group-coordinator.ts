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
 * Transactional offsets (txn-offset-commits.ts), KIP-848 consumer groups (consumer-groups.ts)
 * and KIP-932 share groups (share/share-groups.ts) are parts of their own that it delegates to,
 * each given the same CoordinatorContext.
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
import { notClassicGroup } from './coordinator-results.js'
import type { CoordinatorContext } from './coordinator-context.js'
import { CONSUMER_PROTOCOL_TYPE, Group } from './group.js'
import { GroupMembership, joinError, syncError } from './group-membership.js'
import { GroupMigration } from './group-migration.js'
import { GroupStore, type PartitionLoad, type TombstoneWrite } from './group-store.js'
import { type MaybeAsync, andThen } from './maybe-async.js'
import { expiredOffsets } from './offset-expiration.js'
import type { ConsumerGroupHeartbeatParams, ConsumerGroupHeartbeatResult, DescribedConsumerGroup, GroupTimeouts, TopicsView } from './consumer-group-coordinator.js'
import { ConsumerGroups, failedHeartbeat as failedConsumerHeartbeat } from './consumer-groups.js'
import { type GroupCoordinatorConfig } from './group-coordinator-config.js'
import { checkOffsetMetadata } from './offset-metadata-check.js'
import type { DescribedShareGroup, ShareGroupHeartbeatParams, ShareGroupHeartbeatResult } from './share/share-group-coordinator.js'
import { ShareGroups, failedHeartbeat as failedShareHeartbeat } from './share/share-groups.js'
import { TxnOffsetCommits } from './txn-offset-commits.js'

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
  readonly #txnOffsets: TxnOffsetCommits
  /** Loads under way, by partition. */
  readonly #loads = new Map<number, Promise<PartitionLoad | null>>()
  #stopListening: () => void = () => undefined
  #active = true
  /** KIP-848 consumer groups; null when they are not served. */
  readonly #consumer: ConsumerGroups | null
  /** KIP-932 share groups; null when they are not served. */
  readonly #share: ShareGroups | null

  private constructor(options: GroupCoordinatorOptions, store: GroupStore) {
    this.#config = options.config
    this.#logger = options.logger
    this.#now = options.now ?? Date.now
    this.#store = store
    this.#groups = new Map()
    const context: CoordinatorContext = {
      groups: this.#groups,
      store,
      logger: this.#logger,
      now: this.#now,
      validateGroup: (groupId, allowEmpty) => this.#validateGroup(groupId, allowEmpty),
      removeIfUnused: (group) => this.#removeIfUnused(group),
    }
    // A consumer group's member is checked by the consumer group (its member epoch), not by the
    // memberless classic group that holds the group's offsets.
    this.#txnOffsets = new TxnOffsetCommits(context, this.#config.maxMetadataBytes, (params) => {
      const consumerGroup = this.#consumer?.groups.get(params.groupId)
      if (consumerGroup === undefined) return undefined
      return this.#consumer!.coordinator.validateOffsetCommit(consumerGroup, params.memberId, params.generationId, -1, { transactional: true, groupInstanceId: params.groupInstanceId })
    })
    const topics = options.topics
    const consumerConfig = options.config.consumer
    const migration =
      consumerConfig === undefined || topics === undefined
        ? null
        : new GroupMigration(context, { policy: consumerConfig.migrationPolicy, consumerMaxSize: consumerConfig.maxSize, classicMaxSize: this.#config.maxGroupSize }, topics)
    this.#consumer =
      consumerConfig === undefined || topics === undefined || migration === null
        ? null
        : new ConsumerGroups(context, consumerConfig, topics, migration, (id) => this.isShareGroup(id), options.consumerTimeouts)
    this.#share =
      options.config.share === undefined || topics === undefined
        ? null
        : new ShareGroups(context, options.config.share, topics, this.#logger, (id) => this.isConsumerGroup(id), options.shareTimeouts)
    this.#membership = new GroupMembership(store, { initialRebalanceDelayMs: this.#config.initialRebalanceDelayMs }, this.#logger, this.#now, (g) =>
      this.#removeIfUnused(g),
    )
    if (this.#consumer !== null) migration?.connect(this.#consumer.coordinator, this.#membership)
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
          for (const producerId of group.producersWithPendingTxnOffsets) this.#txnOffsets.track(producerId, group.groupId)
        }
        this.#consumer?.coordinator.adopt(loaded.consumerGroups)
        this.#share?.coordinator.adopt(loaded.shareGroups)
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
      this.#consumer!.coordinator.forget(groupId)
      unloaded++
    }
    for (const groupId of [...(this.#share?.coordinator.groups.keys() ?? [])]) {
      if (this.#store.partitionFor(groupId) !== index) continue
      this.#share!.coordinator.forget(groupId)
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
    // A live consumer group serves a classic member too (KIP-848 online migration).
    const live = this.#consumer?.live(params.groupId)
    if (live !== undefined) return this.#consumer!.classicMembers.join(live, params, this.#now())
    const converted = this.#consumer?.beforeClassicJoin(params.groupId) ?? KafkaErrorCodes.NONE
    if (converted !== KafkaErrorCodes.NONE) return joinError(params.memberId, converted)
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
    const live = this.#consumer?.live(params.groupId)
    if (live !== undefined) return this.#consumer!.classicMembers.sync(live, params)
    const group = this.#groups.get(params.groupId)
    if (group === undefined) return syncError(KafkaErrorCodes.UNKNOWN_MEMBER_ID)
    return this.#membership.syncGroup(group, params)
  }

  heartbeat(params: HeartbeatParams): number {
    const error = this.#validateGroup(params.groupId, false)
    if (error !== KafkaErrorCodes.NONE) return error
    const live = this.#consumer?.live(params.groupId)
    if (live !== undefined) return this.#consumer!.classicMembers.heartbeat(live, params)
    const group = this.#groups.get(params.groupId)
    if (group === undefined) return KafkaErrorCodes.UNKNOWN_MEMBER_ID
    return this.#membership.heartbeat(group, params)
  }

  leaveGroup(groupId: string, members: readonly LeavingMember[]): LeaveGroupResult {
    const error = this.#validateGroup(groupId, false)
    if (error !== KafkaErrorCodes.NONE) return { errorCode: error, members: [] }
    const live = this.#consumer?.live(groupId)
    if (live !== undefined) return this.#consumer!.classicMembers.leave(live, members)
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
      const refused = this.#consumer!.coordinator.validateOffsetCommit(consumerGroup, params.memberId, params.generationId, params.apiVersion ?? -1)
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
   * Writes the commits; the group takes them in once they are replicated (unless it died or was
   * unloaded meanwhile), and the answer waits for that.
   */
  #storeOffsets(group: Group, params: OffsetCommitParams): MaybeAsync<number[]> {
    const now = this.#now()
    const { errors, valid, validIndexes } = checkOffsetMetadata(params.offsets, now, this.#config.maxMetadataBytes)
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
   * Commits offsets inside a producer's transaction (TxnOffsetCommit); they count once the
   * transaction's COMMIT marker is in the log (txn-offset-commits.ts).
   */
  commitTransactionalOffsets(params: TxnOffsetCommitParams): MaybeAsync<number[]> {
    return this.#txnOffsets.commit(params)
  }

  /** A transaction of `producerId` ended in partition `offsetsPartition` of __consumer_offsets (its marker is there). */
  onTransactionCompleted(offsetsPartition: number, producerId: number, commit: boolean): void {
    this.#txnOffsets.onTransactionCompleted(offsetsPartition, producerId, commit)
  }

  /**
   * The committed offsets of `groupId` for `topics` (null: every partition with a commit).
   * Partitions without a commit get offset -1. With `requireStable` (OffsetFetch v7+, sent by
   * read_committed consumers), a partition whose commit is still on its way (replicating, or
   * inside an open transaction) answers UNSTABLE_OFFSET_COMMIT, which the client retries.
   * `member` (OffsetFetch v9+) is checked against a KIP-848 consumer group's members; classic
   * groups ignore it, as Kafka does.
   */
  fetchOffsets(
    groupId: string,
    topics: ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null,
    requireStable = false,
    member: { readonly memberId: string | null; readonly memberEpoch: number } = { memberId: null, memberEpoch: -1 },
  ): OffsetFetchResult {
    let error = this.#validateGroup(groupId, true)
    const consumerGroup = error === KafkaErrorCodes.NONE ? this.#consumer?.groups.get(groupId) : undefined
    if (consumerGroup !== undefined) error = this.#consumer!.coordinator.validateOffsetFetch(consumerGroup, member.memberId, member.memberEpoch)
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
    for (const group of this.#share?.coordinator.groups.values() ?? []) {
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

  /** A group's state and members; none, or a share group, is Dead as Kafka says (refused from DescribeGroups v6). */
  describeGroup(groupId: string, apiVersion = 0): GroupDescription {
    const error = this.#validateGroup(groupId, true)
    if (error !== KafkaErrorCodes.NONE) return { errorCode: error, groupId, state: '', protocolType: '', protocolData: '', members: [] }
    // For the broker's own readers (console, metrics): a consumer group in the classic shape, its
    // members' partitions as consumer-protocol assignments. The DescribeGroups handler answers
    // Kafka's way instead (isConsumerGroup).
    const consumerGroup = this.#consumer?.coordinator.describe(groupId)
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
    if (this.#share?.has(groupId) === true) return notClassicGroup(groupId, 'is not a classic group', apiVersion)
    const group = this.#groups.get(groupId)
    if (group === undefined) return notClassicGroup(groupId, 'not found', apiVersion)
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
    if (this.#share?.has(groupId) === true) return this.#share.delete(groupId)
    const consumerGroup = this.#consumer?.groups.get(groupId)
    if (consumerGroup !== undefined) {
      if (consumerGroup.members.size > 0) return KafkaErrorCodes.NON_EMPTY_GROUP
      const dropped = this.#consumer!.drop(consumerGroup)
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

  /** Whether KIP-932 share groups are served (group.share.enable). */
  get servesShareGroups(): boolean {
    return this.#share !== null
  }

  /**
   * The share groups (KIP-932) coordinated here, null when not served: the broker wires the
   * share-partition manager and the share coordinator's client to them, and the admin's share
   * offset and DeleteGroups handlers reach their share-partition state through them.
   */
  get shareGroups(): ShareGroups | null {
    return this.#share
  }

  /** Whether `groupId` is a share group coordinated here. */
  isShareGroup(groupId: string): boolean {
    return this.#share?.has(groupId) === true
  }

  /** ShareGroupHeartbeat (KIP-932), through share/share-groups.ts. */
  shareGroupHeartbeat(params: ShareGroupHeartbeatParams): MaybeAsync<ShareGroupHeartbeatResult> {
    if (this.#share === null) return failedShareHeartbeat(KafkaErrorCodes.UNSUPPORTED_VERSION, 'Share groups are not enabled on this broker (group.share.enable).')
    return this.#share.heartbeat(params)
  }

  /** ShareGroupDescribe: the group, or an error code (GROUP_ID_NOT_FOUND, NOT_COORDINATOR, ...). */
  shareGroupDescribe(groupId: string): DescribedShareGroup | { errorCode: number; errorMessage: string | null } {
    if (this.#share === null) {
      const error = this.#validateGroup(groupId, false)
      if (error !== KafkaErrorCodes.NONE) return { errorCode: error, errorMessage: null }
      const kind = this.isConsumerGroup(groupId) || this.#groups.has(groupId) ? 'is not a share group' : 'not found'
      return { errorCode: KafkaErrorCodes.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} ${kind}.` }
    }
    return this.#share.describe(groupId)
  }

  /** Whether `groupId` is a KIP-848 consumer group coordinated here. */
  isConsumerGroup(groupId: string): boolean {
    return this.#consumer?.has(groupId) === true
  }

  /** Whether KIP-848 consumer groups are served (group.coordinator.rebalance.protocols has "consumer"). */
  get servesConsumerGroups(): boolean {
    return this.#consumer !== null
  }

  /** ConsumerGroupHeartbeat (KIP-848), through consumer-groups.ts. */
  consumerGroupHeartbeat(params: ConsumerGroupHeartbeatParams): MaybeAsync<ConsumerGroupHeartbeatResult> {
    if (this.#consumer === null) {
      return failedConsumerHeartbeat(KafkaErrorCodes.UNSUPPORTED_VERSION, 'The consumer group protocol is not enabled on this broker (group.coordinator.rebalance.protocols).')
    }
    return this.#consumer.heartbeat(params)
  }

  /** ConsumerGroupDescribe: a classic group (or none) answers GROUP_ID_NOT_FOUND, as Kafka does. */
  consumerGroupDescribe(groupIds: readonly string[]): DescribedConsumerGroup[] {
    if (this.#consumer !== null) return this.#consumer.describe(groupIds)
    return groupIds.map((groupId) => {
      const error = this.#validateGroup(groupId, false)
      const errorMessage = error !== KafkaErrorCodes.NONE ? null : this.#groups.has(groupId) ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.`
      const errorCode = error !== KafkaErrorCodes.NONE ? error : KafkaErrorCodes.GROUP_ID_NOT_FOUND
      return { errorCode, errorMessage, groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [] }
    })
  }

  /** The records of the consumer and share groups of one partition, for its snapshot. */
  readonly #consumerGroupRecords = (partition: number) => [...(this.#consumer?.recordsOf(partition) ?? []), ...(this.#share?.recordsOf(partition) ?? [])]

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
    this.#consumer?.coordinator.shutdown()
    this.#share?.coordinator.shutdown()
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
