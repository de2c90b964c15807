/**
 * The share coordinator of this broker (Kafka's ShareCoordinatorService, KIP-932): it owns the
 * share-partition state held in the `__share_group_state` partitions this broker leads, and
 * answers InitializeShareGroupState, ReadShareGroupState, WriteShareGroupState,
 * DeleteShareGroupState and ReadShareGroupStateSummary for them: from share-partition leaders
 * (through the state persister, locally or over the inter-broker listener) and from the admin
 * side.
 *
 * It is placed as the transaction coordinator is: it follows leadership of the
 * `__share_group_state` partitions, rebuilding a partition's state from its log when this
 * broker becomes the leader (COORDINATOR_LOAD_IN_PROGRESS meanwhile, NOT_COORDINATOR on other
 * brokers and once leadership ends), and writes every change acks=all before it takes it in
 * and answers. The log is read and written through the coordinator-log partition the group and
 * transaction coordinators use (one uncompressed batch per write, appended as leader).
 *
 * Operations on one share-partition run one at a time, in arrival order: each decides on the
 * state the previous one left, so a write never races a read's leader-epoch update or an
 * initialize.
 *
 * Event loop thread only.
 */
import type { Logger } from '../../../common/logger.js'
import { KafkaErrorCodes } from '../../../protocol/error-codes.js'
import type { Partition } from '../../../replication/partition.js'
import type { ReplicaManager } from '../../../replication/replica-manager.js'
import { OffsetsTopicPartition as CoordinatorLogPartition } from '../../offsets-partition.js'
import type { SharePartitionKey, StateBatch } from './share-coordinator-records.js'
import { type ShardDecision, ShareCoordinatorShard, type ShareWriteRequest, UNINITIALIZED, shareKeyId } from './share-coordinator-shard.js'
import { SHARE_GROUP_STATE_TOPIC, partitionForShareKey, shareCoordinatorKey } from './share-group-state-topic.js'

export interface ShareCoordinatorConfig {
  /** share.coordinator.snapshot.update.records.per.snapshot */
  readonly updatesPerSnapshot: number
  /** share.coordinator.write.timeout.ms: how long a write waits for the ISR. */
  readonly writeTimeoutMs: number
}

export interface ShareCoordinatorOptions {
  readonly config: ShareCoordinatorConfig
  readonly logger: Logger
  /** share.coordinator.state.topic.num.partitions, or the partition count of __share_group_state if it exists. */
  readonly partitionCount: number
  /** The partitions of __share_group_state hosted here now. */
  readonly hostedPartitions: () => readonly (Partition | undefined)[]
  readonly replicas: Pick<ReplicaManager, 'onLeadershipChange' | 'purgatories'>
  readonly now?: () => number
}

/** A per-partition answer, as the five APIs carry it. */
export interface ShareStateAnswer {
  readonly errorCode: number
  readonly errorMessage: string | null
}

export interface ShareStateRead extends ShareStateAnswer {
  readonly stateEpoch: number
  readonly startOffset: number
  readonly stateBatches: readonly StateBatch[]
}

interface Coordination {
  readonly partition: Partition
  readonly leaderEpoch: number
  log: CoordinatorLogPartition | null
  readonly shard: ShareCoordinatorShard
}

export class ShareCoordinator {
  readonly partitionCount: number
  readonly #config: ShareCoordinatorConfig
  readonly #logger: Logger
  readonly #now: () => number
  readonly #replicas: ShareCoordinatorOptions['replicas']
  readonly #coordinated = new Map<number, Coordination>()
  readonly #loads = new Map<number, Promise<void>>()
  /** The operation last queued per share-partition: the next one runs after it. */
  readonly #queues = new Map<string, Promise<unknown>>()
  #stopListening: () => void = () => undefined
  #active = true

  private constructor(options: ShareCoordinatorOptions) {
    this.partitionCount = options.partitionCount
    this.#config = options.config
    this.#logger = options.logger
    this.#now = options.now ?? Date.now
    this.#replicas = options.replicas
  }

  /** Loads every __share_group_state partition led here and follows leadership from then on. */
  static async start(options: ShareCoordinatorOptions): Promise<ShareCoordinator> {
    const coordinator = new ShareCoordinator(options)
    coordinator.#stopListening = options.replicas.onLeadershipChange((partition, leading) => coordinator.#onLeadershipChange(partition, leading))
    await Promise.all(options.hostedPartitions().filter((p): p is Partition => p !== undefined && p.isLeader).map((p) => coordinator.#load(p)))
    return coordinator
  }

  /** The __share_group_state partition that holds a share-partition's state. */
  partitionFor(key: SharePartitionKey): number {
    return partitionForShareKey(shareCoordinatorKey(key.groupId, key.topicId, key.partition), this.partitionCount)
  }

  /** Resolves once the loads under way have settled (tests). */
  async awaitLoads(): Promise<void> {
    while (this.#loads.size > 0) await Promise.all(this.#loads.values())
  }

  shutdown(): void {
    this.#active = false
    this.#stopListening()
    this.#coordinated.clear()
  }

  read(key: SharePartitionKey, leaderEpoch: number): Promise<ShareStateRead> {
    return this.#serialized<ShareStateRead>(key, async (c) => {
      const decision = c.shard.read(key, leaderEpoch, this.#now())
      const written = await this.#apply(c, key, decision)
      if (written.errorCode !== KafkaErrorCodes.NONE) return { ...written, stateEpoch: 0, startOffset: -1, stateBatches: [] }
      const state = c.shard.state(key)
      if (state === undefined) return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, ...UNINITIALIZED }
      return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, stateEpoch: state.stateEpoch, startOffset: state.startOffset, stateBatches: state.stateBatches }
    }, (answer) => ({ ...answer, stateEpoch: 0, startOffset: -1, stateBatches: [] }))
  }

  /** ReadShareGroupStateSummary: the state epoch and start offset, fencing nothing. */
  readSummary(key: SharePartitionKey): Promise<ShareStateRead> {
    return this.#serialized<ShareStateRead>(key, (c) => {
      const state = c.shard.state(key)
      if (state === undefined) return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, ...UNINITIALIZED }
      return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, stateEpoch: state.stateEpoch, startOffset: state.startOffset, stateBatches: [] }
    }, (answer) => ({ ...answer, stateEpoch: 0, startOffset: -1, stateBatches: [] }))
  }

  write(key: SharePartitionKey, request: ShareWriteRequest): Promise<ShareStateAnswer> {
    return this.#serialized(key, (c) => this.#apply(c, key, c.shard.write(key, request, this.#now())), (answer) => answer)
  }

  initialize(key: SharePartitionKey, stateEpoch: number, startOffset: number): Promise<ShareStateAnswer> {
    return this.#serialized(key, (c) => this.#apply(c, key, c.shard.initialize(key, stateEpoch, startOffset, this.#now())), (answer) => answer)
  }

  delete(key: SharePartitionKey): Promise<ShareStateAnswer> {
    return this.#serialized(key, (c) => this.#apply(c, key, c.shard.delete(key)), (answer) => answer)
  }

  /**
   * Runs `operation` on the share-partition's coordination once the operations queued before it
   * on that share-partition are done, or answers `refuse` with NOT_COORDINATOR /
   * COORDINATOR_LOAD_IN_PROGRESS when this broker cannot serve it.
   */
  #serialized<T>(key: SharePartitionKey, operation: (c: Coordination) => T | Promise<T>, refuse: (answer: ShareStateAnswer) => T): Promise<T> {
    const id = shareKeyId(key)
    const previous = this.#queues.get(id) ?? Promise.resolve()
    const run = previous.then(() => {
      const index = this.partitionFor(key)
      const c = this.#coordinated.get(index)
      if (c === undefined || !this.#active) {
        return refuse({ errorCode: KafkaErrorCodes.NOT_COORDINATOR, errorMessage: `This broker does not lead ${SHARE_GROUP_STATE_TOPIC}-${index}, which holds this share-partition's state.` })
      }
      if (c.log === null) return refuse({ errorCode: KafkaErrorCodes.COORDINATOR_LOAD_IN_PROGRESS, errorMessage: `${SHARE_GROUP_STATE_TOPIC}-${index} is loading.` })
      return operation(c)
    })
    const settled = run.catch(() => undefined)
    this.#queues.set(id, settled)
    void settled.then(() => {
      if (this.#queues.get(id) === settled) this.#queues.delete(id)
    })
    return run
  }

  /** Writes a decision's records acks=all; once the ISR has them, memory takes them in. */
  async #apply(c: Coordination, key: SharePartitionKey, decision: ShardDecision): Promise<ShareStateAnswer> {
    if (decision.errorCode !== KafkaErrorCodes.NONE || decision.records.length === 0) return { errorCode: decision.errorCode, errorMessage: decision.errorMessage }
    const log = c.log!
    const written = log.append(decision.records, this.#now(), 'once-replicated')
    const errorCode = await written.outcome
    if (errorCode !== KafkaErrorCodes.NONE) {
      this.#logger.warn('could not write share-partition state', { group: key.groupId, topicId: key.topicId, partition: key.partition, errorCode, error: written.errorMessage })
      if (written.appended && this.#coordinated.get(c.partition.index) === c && c.partition.isLeader) {
        // The log has a record memory never took in (its replication failed or timed out): memory
        // is no longer what the log rebuilds, so it is rebuilt from the log (load in progress meanwhile).
        this.#coordinated.delete(c.partition.index)
        void this.#load(c.partition)
      }
      return { errorCode: coordinatorWriteError(errorCode), errorMessage: `The write to ${SHARE_GROUP_STATE_TOPIC}-${c.partition.index} failed (error ${errorCode}); retry.` }
    }
    if (this.#coordinated.get(c.partition.index) !== c) {
      return { errorCode: KafkaErrorCodes.NOT_COORDINATOR, errorMessage: `${SHARE_GROUP_STATE_TOPIC}-${c.partition.index} moved to another broker during the write.` }
    }
    for (const record of decision.records) c.shard.replay(record.key, record.value)
    return { errorCode: KafkaErrorCodes.NONE, errorMessage: null }
  }

  #onLeadershipChange(partition: Partition, leading: boolean): void {
    if (partition.topic !== SHARE_GROUP_STATE_TOPIC || !this.#active) return
    if (!leading) {
      const c = this.#coordinated.get(partition.index)
      if (c === undefined) return
      this.#coordinated.delete(partition.index)
      this.#logger.info('no longer share coordinator of a __share_group_state partition', { partition: partition.index, sharePartitions: c.shard.size })
      return
    }
    void this.#load(partition)
  }

  /** Rebuilds a partition's share-partition states from its log (Kafka's onElection). */
  #load(partition: Partition): Promise<void> {
    const existing = this.#coordinated.get(partition.index)
    if (existing !== undefined && existing.partition === partition && existing.leaderEpoch === partition.leaderEpoch) return this.#loads.get(partition.index) ?? Promise.resolve()
    const started = performance.now()
    const coordination: Coordination = { partition, leaderEpoch: partition.leaderEpoch, log: null, shard: new ShareCoordinatorShard(this.#config.updatesPerSnapshot) }
    this.#coordinated.set(partition.index, coordination)
    const log = new CoordinatorLogPartition(partition, { produces: this.#replicas.purgatories.produces, timeoutMs: this.#config.writeTimeoutMs })
    let unreadable = 0
    const load = log
      .load((key, value) => {
        try {
          coordination.shard.replay(key, value)
        } catch (error) {
          // One record we cannot read must not keep the other share-partitions from loading.
          if (unreadable++ === 0) this.#logger.warn('skipping an unreadable __share_group_state record', { partition: partition.index, error })
        }
      })
      .then(
        (report) => {
          if (this.#coordinated.get(partition.index) !== coordination || !partition.isLeader) return
          coordination.log = log
          this.#logger.info('became share coordinator of a __share_group_state partition', {
            partition: partition.index,
            leaderEpoch: coordination.leaderEpoch,
            sharePartitions: coordination.shard.size,
            records: report.replayedRecords,
            ms: Math.round(performance.now() - started),
          })
        },
        (error: unknown) => {
          if (this.#coordinated.get(partition.index) === coordination) this.#coordinated.delete(partition.index)
          this.#logger.error('could not load a __share_group_state partition; its share-partitions get NOT_COORDINATOR', { partition: partition.index, error })
        },
      )
    const tracked = load.finally(() => {
      if (this.#loads.get(partition.index) === tracked) this.#loads.delete(partition.index)
    })
    this.#loads.set(partition.index, tracked)
    return tracked
  }
}

/** Kafka's mapping of a failed coordinator write to what the share-partition leader is told (it retries both). */
function coordinatorWriteError(errorCode: number): number {
  switch (errorCode) {
    case KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER:
    case KafkaErrorCodes.KAFKA_STORAGE_ERROR:
      return KafkaErrorCodes.NOT_COORDINATOR
    default:
      return KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE
  }
}
