/**
 * The partitions this broker hosts, by topic: creates their logs through the LogManager, builds
 * their idempotent-producer state from the log, and removes them when a topic goes away.
 * Handlers and the group coordinator reach a partition through `partition(topic, index)`.
 *
 * Idempotent-producer state is rebuilt at load from the batch headers in the log, starting at
 * the snapshot written at the last clean shutdown (`producer-state.snapshot` in the partition
 * directory) when there is one, so a clean restart reads no batch headers at all.
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TopicConfig } from '../common/config/topic-config.js'
import type { Logger } from '../common/logger.js'
import { ConcurrencyLimit, mapWithLimit } from '../common/concurrency-limit.js'
import type { MetadataStore, TopicMetadata } from '../metadata/metadata-store.js'
import type { LogManager, PartitionLog } from '../storage/index.js'
import { type ProducerSnapshotEntry, ProducerStateManager, type TxnMarker } from '../storage/producer-state.js'
import { toLogConfig } from './log-config.js'
import { type TxnMarkerBatch, decodeTxnMarkerBatch } from '../protocol/control-records.js'
import type { PartitionState } from '../metadata/metadata-store.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { type IsrProposer, Partition, type PartitionClusterHooks, indexCompletedTxn } from './partition.js'
import { Purgatories } from './purgatory/purgatories.js'
import type { LeaderEndpoint, ReplicaFetcherOptions } from './replica-fetcher.js'
import { ReplicaFetcherManager } from './replica-fetcher-manager.js'
import { ReplicaCounters, TopicCounters } from './replication-counters.js'
import type { ReplicationQuotas } from './replication-quota.js'
import { HighWatermarkCheckpoint, key as checkpointKey } from './high-watermark-checkpoint.js'

/** What a broker in a cluster adds; a single broker passes nothing. */
export interface ReplicaManagerClusterOptions {
  /** How followers copy from leaders. */
  readonly fetcher?: ReplicaFetcherOptions
  /**
   * Whether this broker may act as a leader at all right now: false once its etcd session may have
   * expired, so a paused or cut-off leader stops acknowledging writes at once (see Partition).
   */
  readonly mayLead?: () => boolean
  /** Sends ISR proposals to the controller. */
  readonly proposeIsr?: IsrProposer
  /** Whether a broker may join an ISR now (registered, not shutting down). */
  readonly isReplicaEligible?: (brokerId: number) => boolean
  /** replica.lag.time.max.ms: how long a follower may lag before the leader proposes to drop it. */
  readonly replicaLagTimeMaxMs?: number
  /**
   * Where and how often (replica.high.watermark.checkpoint.interval.ms) high watermarks are
   * checkpointed; partitions then start from the checkpoint instead of their log end.
   */
  readonly highWatermarkCheckpoint?: { readonly dataDir: string; readonly intervalMs: number }
  /** The replication throttles (KIP-73); the follower one also reaches the fetchers through `fetcher.quota`. */
  readonly quotas?: ReplicationQuotas
}

const alwaysMayLead = (): boolean => true

/** The state of a partition object before the store's state is applied to it. */
const NO_LEADERSHIP: PartitionState = Object.freeze({ replicas: Object.freeze([]), leader: -1, leaderEpoch: -1, partitionEpoch: -1, isr: Object.freeze([]) })

/** Told that this broker now leads `partition` (`leading`) or no longer does. */
export type LeadershipListener = (partition: Partition, leading: boolean) => void

/** Told of a COMMIT or ABORT marker appended to a hosted partition (see onTransactionMarker). */
export type TxnMarkerListener = (partition: Partition, marker: TxnMarker) => void

const SNAPSHOT_FILE = 'producer-state.snapshot'
/**
 * Producer-state snapshot files read or written at once. Each holds a descriptor while open;
 * a few dozen keep the disk busy without adding thousands of descriptors to a large broker's.
 */
const PARALLEL_FILE_OPERATIONS = 32
/** Kafka's producer.id.expiration.check.interval.ms default: how often idle producers are looked for. */
export const PRODUCER_EXPIRATION_CHECK_INTERVAL_MS = 600_000
/** Batch headers read per call while rebuilding producer state. */
const REBUILD_CHUNK = 10_000

interface ProducerSnapshotFile {
  readonly version: 1
  /** The log end offset the snapshot covers; batches from here on are replayed. */
  readonly endOffset: number
  readonly producers: ProducerSnapshotEntry[]
}

export class ReplicaManager {
  readonly #localBrokerId: number
  readonly #metadata: MetadataStore
  readonly #logs: LogManager
  readonly #logger: Logger
  readonly #topics = new Map<string, Partition[]>()
  /** Partition creations in progress, by topic and index. */
  readonly #creating = new Map<string, Promise<void>>()
  /** Where fetches and acks=all produces wait; every partition reports its progress here. */
  readonly purgatories = new Purgatories()
  /** The replication throttles; null on a single broker, which replicates nothing. */
  readonly quotas: ReplicationQuotas | null
  /** ISR shrinks and expands of the partitions this broker led, for the metrics. */
  readonly counters = new ReplicaCounters()
  /** Each hosted topic's traffic counters, shared by its partitions here (see replication-counters.ts). */
  readonly #topicCounters = new Map<string, TopicCounters>()
  #expirationTimer: NodeJS.Timeout | null = null

  /** Copies the partitions this broker follows; null on a single broker, which follows none. */
  readonly #fetchers: ReplicaFetcherManager | null
  readonly #leadershipListeners = new Set<LeadershipListener>()
  readonly #txnMarkerListeners = new Set<TxnMarkerListener>()

  readonly #partitionHooks: PartitionClusterHooks
  #isrTimer: NodeJS.Timeout | null = null
  /** Bounds the snapshot reads of partitions loading at once (a topic of 10,000 loads in one call). */
  readonly #snapshotFiles = new ConcurrencyLimit(PARALLEL_FILE_OPERATIONS)
  readonly #hwCheckpoint: HighWatermarkCheckpoint | null
  /** The checkpointed high watermarks read at start, or null when partitions start at their log end. */
  #checkpointed: Map<string, number> | null = null
  #hwTimer: NodeJS.Timeout | null = null
  #leaderEndpoint: (brokerId: number) => LeaderEndpoint | undefined = () => undefined

  constructor(localBrokerId: number, metadata: MetadataStore, logs: LogManager, logger: Logger, cluster: ReplicaManagerClusterOptions = {}) {
    this.#localBrokerId = localBrokerId
    this.#metadata = metadata
    this.#logs = logs
    this.#logger = logger
    this.quotas = cluster.quotas ?? null
    this.#fetchers = cluster.fetcher === undefined ? null : new ReplicaFetcherManager(localBrokerId, cluster.fetcher)
    this.#partitionHooks = {
      mayLead: cluster.mayLead ?? alwaysMayLead,
      ...(cluster.proposeIsr !== undefined && { proposeIsr: cluster.proposeIsr }),
      ...(cluster.isReplicaEligible !== undefined && { isReplicaEligible: cluster.isReplicaEligible }),
      onTxnMarker: (partition, marker) => this.#tellTxnMarker(partition, marker),
    }
    const hw = cluster.highWatermarkCheckpoint
    this.#hwCheckpoint = hw === undefined ? null : new HighWatermarkCheckpoint(hw.dataDir)
    if (hw !== undefined) {
      this.#hwTimer = setInterval(() => {
        this.checkpointHighWatermarks().catch((error: unknown) => this.#logger.warn('could not checkpoint high watermarks', { error }))
      }, hw.intervalMs).unref()
    }
    const lagMs = cluster.replicaLagTimeMaxMs
    if (cluster.proposeIsr !== undefined && lagMs !== undefined) {
      // Kafka checks every half of replica.lag.time.max.ms, so a lagging follower leaves the ISR
      // between one and one and a half lag times after it fell behind; proposals the controller
      // refused are given up within a second of their timeout.
      this.#isrTimer = setInterval(() => {
        const now = Date.now()
        for (const partition of this.allPartitions()) {
          if (!partition.isLeader) continue
          partition.expireIsrProposal(now)
          partition.maybeShrinkIsr(now, lagMs)
        }
      }, Math.max(100, Math.min(lagMs / 2, 1000))).unref()
    }
  }

  /**
   * Applies the controller's word on a hosted partition (Kafka's becomeLeaderOrFollower): this
   * broker leads it, or follows its leader, whose address `leaderEndpoint` gives (undefined while
   * the leader is not registered: the partition then waits for a later state). A state older than
   * the one applied (a lower leader epoch, or the same epoch and a lower partition epoch) is
   * ignored, so states arriving out of order cannot move a partition back.
   */
  applyPartitionState(partition: Partition, state: PartitionState, leaderEndpoint: (brokerId: number) => LeaderEndpoint | undefined): void {
    const current = partition.state
    if (state.leaderEpoch < current.leaderEpoch || (state.leaderEpoch === current.leaderEpoch && state.partitionEpoch < current.partitionEpoch)) return
    const wasLeader = partition.isLeader
    if (state.leader === this.#localBrokerId) {
      // The controller committed this leader's own ISR proposal: Kafka counts it as a shrink or
      // an expand on the leader (a change that comes with a new leader epoch is an election).
      if (wasLeader && state.leaderEpoch === current.leaderEpoch) {
        if (state.isr.length < current.isr.length) this.counters.isrShrinks++
        else if (state.isr.length > current.isr.length) this.counters.isrExpands++
      }
      this.#fetchers?.unfollow(partition)
      partition.makeLeader(state)
      if (!wasLeader || state.leaderEpoch !== current.leaderEpoch) {
        this.#logger.info('became leader', { topic: partition.topic, partition: partition.index, leaderEpoch: state.leaderEpoch })
        this.#tellLeadership(partition)
      }
      return
    }
    const sameLeadership = !wasLeader && current.leader === state.leader && current.leaderEpoch === state.leaderEpoch
    partition.makeFollower(state)
    if (wasLeader) this.#tellLeadership(partition)
    if (sameLeadership && this.#fetchers?.leaderOf(partition) === state.leader) return
    const endpoint = state.leader < 0 ? undefined : leaderEndpoint(state.leader)
    if (endpoint === undefined || this.#fetchers === null) {
      this.#fetchers?.unfollow(partition)
      return
    }
    this.#logger.info('following', { topic: partition.topic, partition: partition.index, leader: state.leader, leaderEpoch: state.leaderEpoch })
    this.#fetchers.follow(partition, endpoint)
  }

  /**
   * Tells `listener` whenever this broker starts leading a partition (with a new leader epoch)
   * or stops leading it; the group coordinator loads and unloads groups this way. Returns the
   * unsubscribe function.
   */
  onLeadershipChange(listener: LeadershipListener): () => void {
    this.#leadershipListeners.add(listener)
    return () => this.#leadershipListeners.delete(listener)
  }

  /**
   * Tells `listener` of every COMMIT or ABORT marker appended to a partition hosted here, as
   * leader or follower, once it is in the log; the group coordinator settles transactional
   * offsets this way. Returns the unsubscribe function.
   */
  onTransactionMarker(listener: TxnMarkerListener): () => void {
    this.#txnMarkerListeners.add(listener)
    return () => this.#txnMarkerListeners.delete(listener)
  }

  #tellTxnMarker(partition: Partition, marker: TxnMarker): void {
    for (const listener of [...this.#txnMarkerListeners]) {
      try {
        listener(partition, marker)
      } catch (error) {
        this.#logger.error('transaction marker listener threw', { topic: partition.topic, partition: partition.index, error })
      }
    }
  }

  #tellLeadership(partition: Partition): void {
    for (const listener of [...this.#leadershipListeners]) {
      try {
        listener(partition, partition.isLeader)
      } catch (error) {
        this.#logger.error('leadership listener threw', { topic: partition.topic, partition: partition.index, error })
      }
    }
  }

  /** Reads the high watermark checkpoint, before any partition is loaded (a cluster broker's start). */
  async loadHighWatermarks(): Promise<void> {
    if (this.#hwCheckpoint !== null) this.#checkpointed = await this.#hwCheckpoint.read()
  }

  /** Writes every hosted partition's high watermark to replication-offset-checkpoint now. */
  async checkpointHighWatermarks(): Promise<void> {
    if (this.#hwCheckpoint === null) return
    await this.#hwCheckpoint.write([...this.allPartitions()].map((p) => ({ topic: p.topic, partition: p.index, offset: p.highWatermark })))
  }

  /** Stops every replica fetcher and the ISR checks (shutdown, before the logs close). */
  async stopFetchers(): Promise<void> {
    if (this.#isrTimer !== null) clearInterval(this.#isrTimer)
    this.#isrTimer = null
    if (this.#hwTimer !== null) clearInterval(this.#hwTimer)
    this.#hwTimer = null
    await this.#fetchers?.close()
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.#topics.get(topic)?.[index]
  }

  /**
   * The partition when this broker leads it, else the error Kafka answers (Kafka's
   * getPartitionOrError + leaderLogIfLocal): UNKNOWN_TOPIC_OR_PARTITION for a partition that does
   * not exist, NOT_LEADER_OR_FOLLOWER for one that is led elsewhere or hosted elsewhere.
   */
  leaderPartition(topic: string, index: number): Partition | number {
    const partition = this.#topics.get(topic)?.[index]
    if (partition !== undefined) return partition.isLeader ? partition : KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER
    const known = this.#metadata.topic(topic)
    return known !== undefined && index >= 0 && index < known.partitions ? KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER : KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION
  }

  /** The hosted partitions of `topic`, by index (in a cluster, with holes for partitions hosted elsewhere). */
  partitions(topic: string): readonly (Partition | undefined)[] {
    return this.#topics.get(topic) ?? []
  }

  /** The traffic counters of every hosted topic, by name (read by /metrics). */
  topicCounters(): ReadonlyMap<string, TopicCounters> {
    return this.#topicCounters
  }

  *allPartitions(): IterableIterator<Partition> {
    for (const list of this.#topics.values()) for (const partition of list) if (partition !== undefined) yield partition
  }

  get metadata(): MetadataStore {
    return this.#metadata
  }

  /**
   * Makes sure every partition of `topic` placed on this broker exists locally (creating missing
   * logs) with `config`, in the state the metadata store gives. Used at start for every known
   * topic, on topic creation, on CreatePartitions and, in a cluster, whenever a topic appears.
   * Partitions placed elsewhere are not hosted here (partition() gives undefined for them).
   */
  async ensurePartitions(topic: TopicMetadata, config: TopicConfig): Promise<readonly Partition[]> {
    const list = this.#topics.get(topic.name) ?? []
    this.#topics.set(topic.name, list)
    let counters = this.#topicCounters.get(topic.name)
    if (counters === undefined) this.#topicCounters.set(topic.name, (counters = new TopicCounters()))
    const missing: Array<Promise<void>> = []
    for (let index = 0; index < topic.partitions; index++) {
      if (list[index] !== undefined) continue
      const state = this.#metadata.partitionState(topic.name, index)
      if (state === undefined) throw new Error(`ensurePartitions: the metadata store has no state for ${topic.name}-${index}`)
      if (!state.replicas.includes(this.#localBrokerId)) continue
      // Two callers (a request and the metadata publisher) may ask at once: one creation each.
      const key = `${topic.name}\u0000${index}`
      let creation = this.#creating.get(key)
      if (creation === undefined) {
        creation = (async () => {
          const log = this.#logs.get(topic.name, index) ?? (await this.#logs.create(topic.name, index, toLogConfig(config)))
          // The high watermark the partition starts from (see restoreHighWatermark below).
          const startHighWatermark = this.#checkpointed === null ? log.logEndOffset : (this.#checkpointed.get(checkpointKey(topic.name, index)) ?? log.logStartOffset)
          const producers = await this.#snapshotFiles.run(() => this.#loadProducerState(log, startHighWatermark))
          // The partition starts as a follower of nobody until its state is applied below.
          const partition = new Partition(topic.name, index, topic.topicId, log, config, producers, this.#localBrokerId, NO_LEADERSHIP, this.#partitionHooks, counters)
          if (this.#checkpointed !== null) partition.restoreHighWatermark(this.#checkpointed.get(checkpointKey(topic.name, index)) ?? log.logStartOffset)
          partition.setListener(this.purgatories)
          list[index] = partition
          this.applyPartitionState(partition, this.#metadata.partitionState(topic.name, index) ?? state, this.#leaderEndpoint)
        })().finally(() => this.#creating.delete(key))
        this.#creating.set(key, creation)
      }
      missing.push(creation)
    }
    await Promise.all(missing)
    return list
  }

  /**
   * Where each leader broker can be reached, for followers (the cluster's broker registry); on a
   * single broker nothing is ever followed.
   */
  setLeaderEndpoints(lookup: (brokerId: number) => LeaderEndpoint | undefined): void {
    this.#leaderEndpoint = lookup
  }

  /** Applies a topic's new effective configuration to its partitions and logs. */
  updateConfig(topicName: string, config: TopicConfig): void {
    for (const partition of this.partitions(topicName)) {
      if (partition === undefined) continue
      partition.config = config
      partition.log.updateConfig(toLogConfig(config))
    }
  }

  /**
   * Stops hosting one partition whose replica set no longer names this broker (a reassignment
   * moved it away: Kafka's StopReplica with deletePartition) and deletes its log. A leader steps
   * down first, following `state` (which names another leader, or none), so acks=all produces
   * still waiting settle with NOT_LEADER_OR_FOLLOWER and leadership listeners (the group
   * coordinator) let go; then the fetcher stops copying it, waiting fetches are answered, and
   * the log is closed and deleted. Returns false when the partition was not hosted here.
   */
  async removePartition(topicName: string, index: number, state: PartitionState): Promise<boolean> {
    const list = this.#topics.get(topicName)
    const partition = list?.[index]
    if (list === undefined || partition === undefined) return false
    if (partition.isLeader) {
      partition.makeFollower(state.leader === this.#localBrokerId ? { ...state, leader: -1 } : state)
      this.#tellLeadership(partition)
    }
    this.#fetchers?.unfollow(partition)
    partition.setListener(null)
    this.purgatories.fetches.completeFor(partition)
    // A hole, as for partitions hosted elsewhere: partition() answers undefined from now on.
    delete list[index]
    await this.#logs.delete(topicName, index)
    this.#logger.info('stopped hosting a partition moved to other brokers; its log is deleted', { topic: topicName, partition: index, replicas: state.replicas })
    return true
  }

  /** Whether `state` names this broker among the partition's replicas. */
  isReplica(state: PartitionState): boolean {
    return state.replicas.includes(this.#localBrokerId)
  }

  /** Stops hosting a topic and deletes its logs; fetches waiting on it are answered first. */
  async deleteTopic(topicName: string): Promise<void> {
    const list = this.#topics.get(topicName) ?? []
    this.#topics.delete(topicName)
    this.#topicCounters.delete(topicName)
    for (const partition of list) {
      this.#fetchers?.unfollow(partition)
      partition.setListener(null)
      this.purgatories.fetches.completeFor(partition)
    }
    await Promise.all(list.map((partition) => this.#logs.delete(topicName, partition.index)))
  }

  /**
   * Every `intervalMs`, forgets the idempotent-producer state of producers whose last batch is
   * older than `expirationMs` (producer.id.expiration.ms), as Kafka does, so the state does not
   * grow with every producer that ever wrote. The timer never keeps the process alive.
   */
  scheduleProducerExpiration(expirationMs: number, intervalMs = PRODUCER_EXPIRATION_CHECK_INTERVAL_MS): void {
    this.stopProducerExpiration()
    this.#expirationTimer = setInterval(() => {
      const now = Date.now()
      let expired = 0
      for (const partition of this.allPartitions()) expired += partition.producers.expire(now, expirationMs)
      if (expired > 0) this.#logger.debug('expired idle producer state', { producers: expired })
    }, intervalMs).unref()
  }

  stopProducerExpiration(): void {
    if (this.#expirationTimer !== null) clearInterval(this.#expirationTimer)
    this.#expirationTimer = null
  }

  /** Writes producer-state snapshots (before a clean shutdown closes the logs). */
  async snapshotProducerState(): Promise<void> {
    // An empty log needs no snapshot: rebuilding its state at start scans nothing. Skipping them
    // is most of a clean stop of a large, mostly idle broker (10,000 files written otherwise).
    const withRecords = [...this.allPartitions()].filter((p) => p.logEndOffset > p.logStartOffset)
    await mapWithLimit(withRecords, PARALLEL_FILE_OPERATIONS, async (partition) => {
      const file: ProducerSnapshotFile = { version: 1, endOffset: partition.logEndOffset, producers: partition.producers.toSnapshot() }
      await writeFile(join(partition.log.dir, SNAPSHOT_FILE), JSON.stringify(file))
    })
  }

  /**
   * Rebuilds a partition's producer state: the snapshot, then every batch header after it,
   * reading the marker of each control batch (one per transaction). `stableBelow` is the high
   * watermark the partition will start from.
   */
  async #loadProducerState(log: PartitionLog, stableBelow: number): Promise<ProducerStateManager> {
    let state = new ProducerStateManager()
    let from = log.logStartOffset
    const snapshotPath = join(log.dir, SNAPSHOT_FILE)
    let found = true
    try {
      const snapshot = JSON.parse(await readFile(snapshotPath, 'utf8')) as ProducerSnapshotFile
      // A snapshot beyond the log end (the tail was lost or truncated) cannot be trusted.
      if (snapshot.version === 1 && snapshot.endOffset <= log.logEndOffset) {
        state = ProducerStateManager.fromSnapshot(snapshot.producers)
        from = Math.max(from, snapshot.endOffset)
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') found = false
      else this.#logger.warn('ignoring unreadable producer state snapshot', { dir: log.dir, error })
    }
    // The snapshot only describes a clean stop; once loaded it must not be reused after a crash.
    if (found) await rm(snapshotPath, { force: true })
    while (from < log.logEndOffset) {
      const headers = log.readBatchHeaders(from, REBUILD_CHUNK)
      if (headers.length === 0) break
      for (const h of headers) {
        if (h.producerId < 0) continue
        if (h.isControl) {
          const marker = readTxnMarker(log, h.baseOffset)
          if (marker !== null) indexCompletedTxn(log, state, state.completeTxn(marker, h.baseOffset, h.maxTimestamp))
          continue
        }
        state.update(
          {
            producerId: h.producerId,
            producerEpoch: h.producerEpoch,
            baseSequence: h.baseSequence,
            lastOffsetDelta: h.lastOffset - h.baseOffset,
            isTransactional: h.isTransactional,
          },
          h.baseOffset,
          h.maxTimestamp,
        )
      }
      from = headers[headers.length - 1]!.lastOffset + 1
      // Completed transactions wait for the high watermark; below the one the partition will
      // start from they are stable already, so the list stays short on a long log.
      state.onHighWatermark(Math.min(stableBelow, from))
    }
    return state
  }
}

/** The marker of the control batch at `offset`, read from the log (at rebuild only). */
function readTxnMarker(log: PartitionLog, offset: number): TxnMarkerBatch | null {
  const bytes = Buffer.concat(log.read(offset, 1, offset + 1).toBuffers())
  return bytes.length === 0 ? null : decodeTxnMarkerBatch(bytes, 0)
}
