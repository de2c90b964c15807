/**
 * One partition hosted on this broker: its log, its idempotent-producer state, its leadership
 * (a PartitionState given by the metadata store, never changed here), its high watermark, and
 * the rules of appending as leader and reading for consumers and followers.
 *
 * As leader it tracks each follower's log end offset and the last time the follower was caught
 * up (from the fetch offsets its fetches carry, as Kafka's Partition.updateFollowerFetchState
 * does), and moves the high watermark to the smallest log end offset over the ISR. On a single
 * broker the ISR is the leader alone, so the high watermark follows the log end offset at once.
 * The last stable offset is the high watermark or, when lower, the first offset of a
 * transaction not yet complete and replicated (see producer-state.ts); read_committed consumers
 * read up to it.
 *
 * Not thread-safe: owned by the ReplicaManager and used on the event loop thread only.
 */
import type { TopicConfig } from '../common/config/topic-config.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import {
  CURRENT_MAGIC,
  RECORD_BATCH_OVERHEAD,
  batchBaseOffset,
  batchBaseSequence,
  batchIsControl,
  batchIsTransactional,
  batchBaseTimestamp,
  batchCrcIsValid,
  batchLastOffsetDelta,
  batchMagic,
  batchMaxTimestamp,
  batchProducerEpoch,
  batchProducerId,
  batchRecordsCount,
  batchSize,
} from '../protocol/record-batch.js'
import type { PartitionState } from '../metadata/metadata-store.js'
import type { AbortedTxn, PartitionLog, ReadPlan } from '../storage/index.js'
import { crc32c } from '../storage/native.js'
import { decodeTxnMarkerBatch, encodeEndTxnMarkerBatch } from '../protocol/control-records.js'
import { type CompletedTxn, NO_TXN, ProducerStateManager, type TxnMarker } from '../storage/producer-state.js'
import { TopicCounters } from './replication-counters.js'
import { storageErrorCode } from './storage-errors.js'


const REQUIRE_KEYS = { requireKeys: true } as const
export interface AppendOutcome {
  readonly errorCode: number
  readonly errorMessage: string | null
  /** Offset of the first record written (or of the original write, for a duplicate). -1 on error. */
  readonly baseOffset: number
  /** -1 unless the topic uses LogAppendTime. */
  readonly logAppendTime: number
  readonly logStartOffset: number
  /** Bytes the append added to the log (0 for a duplicate or an error). */
  readonly appendedBytes: number
  /**
   * The offset the high watermark must reach for the records to be committed (their last offset
   * + 1; for a duplicate, the original's); -1 on error. acks=all waits for it.
   */
  readonly requiredOffset: number
}

export interface ReadOutcome {
  readonly errorCode: number
  readonly highWatermark: number
  readonly lastStableOffset: number
  readonly logStartOffset: number
  /** Whole batches starting at the one that holds the fetch offset, or null. */
  readonly records: ReadPlan | null
  /**
   * For a read_committed read that returned records: the aborted transactions overlapping them
   * (from the `.txnindex` files), which the consumer drops; null otherwise.
   */
  readonly abortedTransactions?: readonly AbortedTxn[] | null
}

/**
 * Which end of the log a read may reach, as Kafka's FetchIsolation: a follower copies up to the
 * log end offset, a consumer sees up to the high watermark, a read_committed consumer up to the
 * last stable offset.
 */
export type FetchIsolation = 'logEnd' | 'highWatermark' | 'committed'

/**
 * Who appends (Kafka's AppendOrigin): a client's produce, or the broker's own coordinator
 * writing for a producer (a TxnOffsetCommit), whose sequence numbers are not the producer's.
 */
export type AppendOrigin = 'client' | 'coordinator'

/** Told about a partition's progress: the purgatories, to wake what waits on it. */
export interface PartitionListener {
  /** Records were appended to the log (`bytes` of them): follower fetches may complete. */
  onLogAppend(partition: Partition, bytes: number): void
  /**
   * The high watermark moved forward over `bytes` bytes of records (or the ISR changed, with 0):
   * consumer fetches and acks=all produces may complete.
   */
  onHighWatermark(partition: Partition, bytes: number): void
  /** The last stable offset moved forward: read_committed fetches may complete. */
  onLastStableOffset?(partition: Partition): void
}

const alwaysMayLead = (): boolean => true
const alwaysEligible = (): boolean => true

/**
 * Sends a leader's proposal to change the ISR to the controller (Kafka's AlterPartition); the
 * answer arrives as a new state through makeLeader, or not at all when refused.
 */
export type IsrProposer = (partition: Partition, proposal: { readonly leaderEpoch: number; readonly partitionEpoch: number; readonly isr: readonly number[] }) => void

/** What a broker in a cluster gives its partitions; a single broker gives nothing. */
export interface PartitionClusterHooks {
  /** False once the broker's cluster session may have lapsed (see ReplicaManagerClusterOptions). */
  readonly mayLead?: () => boolean
  readonly proposeIsr?: IsrProposer
  /**
   * Whether a broker may join an ISR now: registered and not shutting down (KIP-841). A leader
   * never proposes one that is not, since the controller would refuse it.
   */
  readonly isReplicaEligible?: (brokerId: number) => boolean
  /**
   * A COMMIT or ABORT marker was appended to this partition's log, as leader or as follower:
   * the group coordinator settles a transaction's offsets when one lands in __consumer_offsets.
   */
  readonly onTxnMarker?: (partition: Partition, marker: TxnMarker) => void
}

/**
 * A proposal the controller has not answered within this long is given up: the controller
 * refused it (it answers a refusal with silence), and the high watermark stops counting the
 * members it would have added. A committed proposal reaches the leader in milliseconds.
 */
export const ISR_PROPOSAL_TIMEOUT_MS = 5_000

/**
 * Aborted transactions a read_committed answer lists without finding where its records end;
 * past this many, the plan's batch headers are walked to drop those beyond the records.
 */
const ABORTED_TXNS_WITHOUT_TRIM = 32

/** What the leader knows of one follower, from the fetches it sends. */
interface FollowerState {
  /** The follower's log end offset: the offset of its last fetch; -1 until it fetches. */
  logEndOffset: number
  /** When the follower last had everything the leader had (replica.lag.time.max.ms counts from here). */
  lastCaughtUpTimeMs: number
  /** The leader's log end offset and the time at the follower's previous fetch. */
  lastFetchLeaderLogEndOffset: number
  lastFetchTimeMs: number
}

/** Appends whose records are not yet below the high watermark: end offset and running byte total. */
interface PendingCommit {
  readonly endOffset: number
  readonly bytesThrough: number
}

export class Partition {
  readonly topic: string
  readonly index: number
  readonly topicId: string
  readonly log: PartitionLog
  readonly producers: ProducerStateManager
  /** This broker's id. */
  readonly localBrokerId: number
  /** The traffic counters of this partition's topic (shared with its other partitions here). */
  readonly counters: TopicCounters
  #state: PartitionState
  #config: TopicConfig
  #highWatermark: number
  #listener: PartitionListener | null = null
  readonly #followers = new Map<number, FollowerState>()
  /** False while this broker's cluster session may have lapsed: it must not acknowledge anything. */
  readonly #mayLead: () => boolean
  readonly #proposeIsr: IsrProposer | null
  readonly #onTxnMarker: ((partition: Partition, marker: TxnMarker) => void) | null
  readonly #isReplicaEligible: (brokerId: number) => boolean
  /** The ISR this leader proposed and the controller has not answered yet (KIP-497), or null. */
  #pendingIsr: readonly number[] | null = null
  #pendingIsrSinceMs = 0
  /** The log end offset when this broker's current leader epoch began. */
  #leaderEpochStartOffset = 0
  /** Only while some ISR member lags the leader: appends the high watermark has not passed yet. */
  readonly #pendingCommits: PendingCommit[] = []
  #appendedBytes = 0
  #committedBytes = 0

  constructor(
    topic: string,
    index: number,
    topicId: string,
    log: PartitionLog,
    config: TopicConfig,
    producers: ProducerStateManager,
    localBrokerId: number,
    state: PartitionState,
    cluster: PartitionClusterHooks = {},
    counters: TopicCounters = new TopicCounters(),
  ) {
    this.counters = counters
    this.topic = topic
    this.index = index
    this.topicId = topicId
    this.log = log
    this.#config = config
    this.producers = producers
    this.localBrokerId = localBrokerId
    this.#state = state
    this.#mayLead = cluster.mayLead ?? alwaysMayLead
    this.#proposeIsr = cluster.proposeIsr ?? null
    this.#onTxnMarker = cluster.onTxnMarker ?? null
    this.#isReplicaEligible = cluster.isReplicaEligible ?? alwaysEligible
    // A new partition or a restarted single broker: everything in the log is committed (in a
    // cluster the replication-offset checkpoint will supply the last known high watermark).
    this.#highWatermark = log.logEndOffset
    this.#resetFollowers(Date.now())
  }

  /** The leadership and replica set this broker last applied. */
  get state(): PartitionState {
    return this.#state
  }

  get leaderEpoch(): number {
    return this.#state.leaderEpoch
  }

  get isLeader(): boolean {
    return this.#state.leader === this.localBrokerId
  }

  /**
   * Applies a state in which this broker leads (Kafka's makeLeader). A new leader epoch starts
   * at the current log end offset: follower progress is forgotten and every ISR member counts as
   * caught up now, so none is dropped before it had a chance to fetch. A change within the same
   * epoch (the ISR, the replica set) keeps what is known of the followers that remain.
   */
  makeLeader(state: PartitionState, nowMs = Date.now()): void {
    if (state.leader !== this.localBrokerId) {
      throw new Error(`makeLeader for ${this.topic}-${this.index}: the state names leader ${state.leader}, not this broker (${this.localBrokerId})`)
    }
    const newEpoch = !this.isLeader || state.leaderEpoch !== this.#state.leaderEpoch
    this.#state = state
    this.#pendingIsr = null
    if (newEpoch) {
      this.#leaderEpochStartOffset = this.logEndOffset
      this.#resetFollowers(nowMs)
    } else {
      this.#syncFollowers(nowMs)
    }
    this.#maybeIncrementHighWatermark()
    // A smaller ISR may settle waiting acks=all produces even though nothing was committed.
    this.#listener?.onHighWatermark(this, 0)
  }

  get config(): TopicConfig {
    return this.#config
  }

  set config(config: TopicConfig) {
    this.#config = config
  }

  get highWatermark(): number {
    return this.#highWatermark
  }

  get lastStableOffset(): number {
    const firstUnstable = this.producers.firstUnstableOffset
    return firstUnstable === NO_TXN || firstUnstable > this.#highWatermark ? this.#highWatermark : firstUnstable
  }

  get logStartOffset(): number {
    return this.log.logStartOffset
  }

  get logEndOffset(): number {
    return this.log.logEndOffset
  }


  /**
   * Applies a state in which another broker leads (Kafka's makeFollower): appends are refused
   * from now on (NOT_LEADER_OR_FOLLOWER), follower progress is forgotten, and acks=all produces
   * still waiting settle with NOT_LEADER_OR_FOLLOWER. The replica fetcher then truncates the log
   * to where it agrees with the new leader and copies from there.
   */
  makeFollower(state: PartitionState): void {
    if (state.leader === this.localBrokerId) {
      throw new Error(`makeFollower for ${this.topic}-${this.index}: the state names this broker (${this.localBrokerId}) as leader`)
    }
    this.#state = state
    this.#followers.clear()
    this.#pendingIsr = null
    this.#pendingCommits.length = 0
    this.#listener?.onHighWatermark(this, 0)
  }

  /**
   * Appends whole batches copied from the leader, keeping their offsets and leader epochs (the
   * storage engine checks CRCs and that they continue this log), records their producers as the
   * leader did, and takes the leader's high watermark as far as this log reaches. Returns the
   * bytes appended. Throws the storage engine's error when the batches do not fit this log.
   */
  appendRecordsAsFollower(records: Buffer, leaderHighWatermark: number): number {
    if (records.length > 0) {
      this.log.appendAsFollower(records)
      for (let position = 0; position + RECORD_BATCH_OVERHEAD <= records.length; position += batchSize(records, position)) {
        const producerId = batchProducerId(records, position)
        if (producerId < 0) continue
        if (batchIsControl(records, position)) {
          // As Kafka's follower, a marker the leader accepted is applied even if it looks fenced here.
          const marker = decodeTxnMarkerBatch(records, position)
          if (marker !== null) this.#completeTxn(marker, batchBaseOffset(records, position), batchMaxTimestamp(records, position))
          continue
        }
        this.producers.update(
          {
            producerId,
            producerEpoch: batchProducerEpoch(records, position),
            baseSequence: batchBaseSequence(records, position),
            lastOffsetDelta: batchLastOffsetDelta(records, position),
            isTransactional: batchIsTransactional(records, position),
          },
          batchBaseOffset(records, position),
          batchMaxTimestamp(records, position),
        )
      }
      this.#appendedBytes += records.length
      this.counters.replicationBytesIn += records.length
      this.#listener?.onLogAppend(this, records.length)
    }
    this.updateFollowerHighWatermark(leaderHighWatermark)
    return records.length
  }

  /**
   * Starts the partition from a checkpointed high watermark (replication-offset-checkpoint)
   * instead of its log end: at start, before any state is applied. Clamped to the log.
   */
  restoreHighWatermark(offset: number): void {
    this.#highWatermark = Math.max(this.logStartOffset, Math.min(offset, this.logEndOffset))
    this.producers.onHighWatermark(this.#highWatermark)
  }

  /** A follower's high watermark: the leader's, as far as this log reaches; it never moves back. */
  updateFollowerHighWatermark(leaderHighWatermark: number): void {
    const candidate = Math.min(leaderHighWatermark, this.logEndOffset)
    if (candidate <= this.#highWatermark) return
    const stableBefore = this.lastStableOffset
    const heldBack = stableBefore < this.#highWatermark
    this.#highWatermark = candidate
    this.producers.onHighWatermark(candidate)
    this.#committedBytes = this.#appendedBytes
    this.#listener?.onHighWatermark(this, 0)
    this.#maybeReleaseStableOffset(stableBefore, heldBack)
  }

  /**
   * Removes everything from `offset` on (a follower's tail that the leader does not have, found
   * through OffsetForLeaderEpoch), with the producer batches it held. The high watermark is
   * lowered too if it was past the cut: only a diverged, uncommitted tail is ever cut, so this
   * happens only for a high watermark learned from a deposed leader.
   */
  truncateTo(offset: number): void {
    if (offset >= this.logEndOffset) return
    this.log.truncateTo(offset)
    if (this.#highWatermark > this.logEndOffset) this.#highWatermark = this.logEndOffset
    this.producers.truncateFrom(this.logEndOffset)
  }

  /**
   * Starts the log afresh at `offset` (the leader's log start offset, when everything this
   * follower has is below it), as Kafka's truncateFullyAndStartAt.
   */
  truncateFullyAndStartAt(offset: number): void {
    this.log.truncateFullyAndStartAt(offset)
    this.producers.truncateFrom(0)
    this.#highWatermark = offset
  }

  /** Registers the single listener told about appends and high watermark moves. */
  setListener(listener: PartitionListener | null): void {
    this.#listener = listener
  }

  /**
   * Records a follower's fetch at `fetchOffset` (its log end offset), as Kafka does: the follower
   * is caught up now if it asked for everything the leader has, or caught up as of its previous
   * fetch if it asked for at least what the leader had then. May move the high watermark.
   * Returns false when `replicaId` is not a replica of this partition.
   */
  updateFollowerFetchState(replicaId: number, fetchOffset: number, nowMs: number): boolean {
    const follower = this.#followers.get(replicaId)
    if (follower === undefined) return false
    const leaderEnd = this.logEndOffset
    if (fetchOffset >= leaderEnd) follower.lastCaughtUpTimeMs = Math.max(follower.lastCaughtUpTimeMs, nowMs)
    else if (fetchOffset >= follower.lastFetchLeaderLogEndOffset) follower.lastCaughtUpTimeMs = Math.max(follower.lastCaughtUpTimeMs, follower.lastFetchTimeMs)
    follower.logEndOffset = fetchOffset
    follower.lastFetchLeaderLogEndOffset = leaderEnd
    follower.lastFetchTimeMs = nowMs
    this.#maybeExpandIsr(replicaId, follower, nowMs)
    this.#maybeIncrementHighWatermark()
    return true
  }

  /**
   * Proposes dropping ISR members that have not caught up for `maxLagMs`
   * (replica.lag.time.max.ms), as Kafka's maybeShrinkIsr. The high watermark keeps counting them
   * until the controller has committed the change, so it never moves on an ISR it may not get.
   */
  maybeShrinkIsr(nowMs: number, maxLagMs: number): void {
    if (!this.#canPropose(nowMs)) return
    // Runs every second over every led partition: the in-sync case, all of them nearly always,
    // allocates nothing (bench/scale/isr-check.ts: p99 of a tick over 10,000 partitions).
    const isr = this.#state.isr
    let anyOutOfSync = false
    for (let i = 0; i < isr.length && !anyOutOfSync; i++) anyOutOfSync = this.#isOutOfSync(isr[i]!, nowMs, maxLagMs)
    if (!anyOutOfSync) return
    this.#propose(isr.filter((id) => !this.#isOutOfSync(id, nowMs, maxLagMs)), nowMs)
  }

  #isOutOfSync(replicaId: number, nowMs: number, maxLagMs: number): boolean {
    if (replicaId === this.localBrokerId) return false
    const follower = this.#followers.get(replicaId)
    return follower === undefined || nowMs - follower.lastCaughtUpTimeMs > maxLagMs
  }

  /**
   * Gives up a proposal the controller has not committed within ISR_PROPOSAL_TIMEOUT_MS (it was
   * refused), so that the high watermark no longer waits for members it would have added.
   */
  expireIsrProposal(nowMs: number): void {
    if (this.#pendingIsr === null || nowMs - this.#pendingIsrSinceMs <= ISR_PROPOSAL_TIMEOUT_MS) return
    this.#pendingIsr = null
    this.#maybeIncrementHighWatermark()
    this.#listener?.onHighWatermark(this, 0)
  }

  /**
   * Proposes adding a follower to the ISR once it has caught up (Kafka's maybeExpandIsr): its log
   * reaches the high watermark and the start of the current leader epoch. From the proposal on,
   * the high watermark counts it, so whatever the controller decides, no committed record is
   * missing from an ISR member.
   */
  #maybeExpandIsr(replicaId: number, follower: FollowerState, nowMs: number): void {
    if (this.#state.isr.includes(replicaId) || !this.#canPropose(nowMs) || !this.#isReplicaEligible(replicaId)) return
    if (follower.logEndOffset < this.#highWatermark || follower.logEndOffset < this.#leaderEpochStartOffset) return
    this.#propose([...this.#state.isr, replicaId], nowMs)
  }

  #canPropose(nowMs: number): boolean {
    if (this.#proposeIsr === null || !this.isLeader || !this.#mayLead()) return false
    return this.#pendingIsr === null || nowMs - this.#pendingIsrSinceMs > ISR_PROPOSAL_TIMEOUT_MS
  }

  #propose(isr: readonly number[], nowMs: number): void {
    this.#pendingIsr = isr
    this.#pendingIsrSinceMs = nowMs
    this.#proposeIsr!(this, { leaderEpoch: this.#state.leaderEpoch, partitionEpoch: this.#state.partitionEpoch, isr })
  }

  /** When the follower was last caught up, or undefined for a broker that is not a follower. */
  followerLastCaughtUpTimeMs(replicaId: number): number | undefined {
    return this.#followers.get(replicaId)?.lastCaughtUpTimeMs
  }

  /**
   * Whether acks=all records ending at `requiredOffset` are settled, and how (Kafka's
   * checkEnoughReplicasReachOffset): pending while the high watermark is below it; then NONE, or
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas meanwhile.
   * A broker that stopped leading, or whose cluster session may have lapsed (a paused or cut-off
   * leader that the controller may have replaced already), answers NOT_LEADER_OR_FOLLOWER.
   */
  replicationOutcome(requiredOffset: number): number | 'pending' {
    if (!this.isLeader || !this.#mayLead()) return KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER
    if (this.#highWatermark < requiredOffset) return 'pending'
    return this.#state.isr.length < this.#config['min.insync.replicas'] ? KafkaErrorCodes.NOT_ENOUGH_REPLICAS_AFTER_APPEND : KafkaErrorCodes.NONE
  }

  /**
   * Appends a producer's records (one RecordBatch v2, as Kafka requires from Produce v3 on).
   * Checks, in Kafka's order: acks=all against min.insync.replicas, the batch structure, the
   * producer's epoch and sequence (a retried batch gets its original offsets back without a
   * second write), record timestamps against the topic's bounds; then the storage engine checks
   * magic, CRC and size and writes. Any failure is returned as an error code and message, with
   * nothing written.
   */
  appendRecordsAsLeader(records: Buffer, requiredAcks: number, nowMs: number, origin: AppendOrigin = 'client'): AppendOutcome {
    if (!this.isLeader) {
      return this.#error(KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER, `This broker (${this.localBrokerId}) does not lead ${this.topic}-${this.index}; its leader is ${this.#state.leader}.`)
    }
    if (!this.#mayLead()) {
      return this.#error(KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER, `This broker (${this.localBrokerId}) lost its cluster session and may have been replaced as leader of ${this.topic}-${this.index}; refresh metadata.`)
    }
    const isrSize = this.#state.isr.length
    if (requiredAcks === -1 && isrSize < this.#config['min.insync.replicas']) {
      return this.#error(
        KafkaErrorCodes.NOT_ENOUGH_REPLICAS,
        `The in-sync replicas of ${this.topic}-${this.index} are ${isrSize}, below min.insync.replicas=${this.#config['min.insync.replicas']}.`,
      )
    }
    if (records.length === 0) {
      return this.#error(KafkaErrorCodes.INVALID_RECORD, 'Produce requests of version 3 and later must carry one record batch per partition; this one has none.')
    }
    if (records.length < RECORD_BATCH_OVERHEAD) {
      return this.#error(KafkaErrorCodes.CORRUPT_MESSAGE, `The record set is ${records.length} bytes, shorter than a RecordBatch header (${RECORD_BATCH_OVERHEAD}).`)
    }
    const size = batchSize(records, 0)
    if (size > records.length || size < RECORD_BATCH_OVERHEAD) {
      return this.#error(KafkaErrorCodes.CORRUPT_MESSAGE, `The record batch declares ${size} bytes but the partition data holds ${records.length}.`)
    }
    if (size < records.length) {
      return this.#error(KafkaErrorCodes.INVALID_RECORD, 'Produce requests of version 3 and later must carry exactly one record batch per partition.')
    }
    // The producer fields below are only where this reads them in magic 2.
    if (batchMagic(records, 0) !== CURRENT_MAGIC) {
      return this.#error(KafkaErrorCodes.INVALID_RECORD, `Produce requests of version 3 and later carry record batches of magic 2, not ${batchMagic(records, 0)}.`)
    }

    const producer = {
      producerId: batchProducerId(records, 0),
      producerEpoch: batchProducerEpoch(records, 0),
      baseSequence: batchBaseSequence(records, 0),
      lastOffsetDelta: batchLastOffsetDelta(records, 0),
      isTransactional: batchIsTransactional(records, 0),
    }
    const check = origin === 'coordinator' ? this.producers.checkEpoch(producer) : this.producers.check(producer)
    // Kafka validates the batch (CRC included) before it looks at producer state; the storage
    // engine does that for batches it writes, so only answers that skip it check the CRC here.
    if (check.kind !== 'append' && !batchCrcIsValid(records, 0, crc32c)) {
      return this.#error(KafkaErrorCodes.CORRUPT_MESSAGE, 'The record batch failed its CRC-32C check.')
    }
    if (check.kind === 'duplicate') {
      return {
        errorCode: KafkaErrorCodes.NONE,
        errorMessage: null,
        baseOffset: check.batch.firstOffset,
        logAppendTime: -1,
        logStartOffset: this.logStartOffset,
        appendedBytes: 0,
        requiredOffset: check.batch.lastOffset + 1,
      }
    }
    if (check.kind === 'error') return this.#error(KafkaErrorCodes[check.error], check.message)

    const timestampProblem = this.#timestampProblem(records, nowMs)
    if (timestampProblem !== undefined) return this.#error(KafkaErrorCodes.INVALID_TIMESTAMP, timestampProblem)

    let appended
    try {
      // A compacted topic needs a key on every record (Kafka's LogValidator); only then does
      // the append walk the records.
      appended = this.log.isCompacted
        ? this.log.appendAsLeader(records, this.leaderEpoch, REQUIRE_KEYS)
        : this.log.appendAsLeader(records, this.leaderEpoch)
    } catch (error) {
      return this.#storageError(error)
    }
    this.producers.update(producer, appended.baseOffset, batchMaxTimestamp(records, 0))
    this.counters.messagesIn += batchRecordsCount(records, 0)
    return this.#appendedAsLeader(records.length, appended.baseOffset, appended.logAppendTime, isrSize)
  }

  /**
   * Appends a COMMIT or ABORT marker for a producer's transaction (WriteTxnMarkers, from the
   * transaction coordinator), as Kafka's appendRecordsToLeader with origin Coordinator: the
   * leader writes a control batch it builds itself, after checking the producer and coordinator
   * epochs. The transaction it ends stays unstable until the high watermark passes the marker;
   * an aborted one is entered in the aborted-transaction index at once. Errors are returned as
   * codes with nothing written.
   */
  appendTxnMarkerAsLeader(marker: TxnMarker, nowMs: number): AppendOutcome {
    if (!this.isLeader) {
      return this.#error(KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER, `This broker (${this.localBrokerId}) does not lead ${this.topic}-${this.index}; its leader is ${this.#state.leader}.`)
    }
    if (!this.#mayLead()) {
      return this.#error(KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER, `This broker (${this.localBrokerId}) lost its cluster session and may have been replaced as leader of ${this.topic}-${this.index}.`)
    }
    const isrSize = this.#state.isr.length
    if (isrSize < this.#config['min.insync.replicas']) {
      return this.#error(
        KafkaErrorCodes.NOT_ENOUGH_REPLICAS,
        `The in-sync replicas of ${this.topic}-${this.index} are ${isrSize}, below min.insync.replicas=${this.#config['min.insync.replicas']}.`,
      )
    }
    const check = this.producers.checkMarker(marker)
    if (check.kind === 'error') return this.#error(KafkaErrorCodes[check.error], check.message)
    const records = encodeEndTxnMarkerBatch({ ...marker, timestamp: nowMs }, crc32c)
    let appended
    try {
      appended = this.log.appendAsLeader(records, this.leaderEpoch, { allowControlBatches: true })
      this.#completeTxn(marker, appended.baseOffset, nowMs)
    } catch (error) {
      return this.#storageError(error)
    }
    return this.#appendedAsLeader(records.length, appended.baseOffset, appended.logAppendTime, isrSize)
  }

  /**
   * Ends a producer's transaction at the marker at `offset` (leader and follower alike) and
   * enters an aborted one in the segment's `.txnindex`. Throws the storage engine's error.
   */
  #completeTxn(marker: TxnMarker, offset: number, timestamp: number): void {
    indexCompletedTxn(this.log, this.producers, this.producers.completeTxn(marker, offset, timestamp))
    this.#onTxnMarker?.(this, marker)
  }

  /** What every leader append does once its bytes are in the log. */
  #appendedAsLeader(bytes: number, baseOffset: number, logAppendTime: number, isrSize: number): AppendOutcome {
    const endOffset = this.log.logEndOffset
    this.#appendedBytes += bytes
    this.counters.bytesIn += bytes
    this.#listener?.onLogAppend(this, bytes)
    if (isrSize > 1) this.#pendingCommits.push({ endOffset, bytesThrough: this.#appendedBytes })
    this.#maybeIncrementHighWatermark()
    return {
      errorCode: KafkaErrorCodes.NONE,
      errorMessage: null,
      baseOffset,
      logAppendTime,
      logStartOffset: this.logStartOffset,
      appendedBytes: bytes,
      requiredOffset: endOffset,
    }
  }

  /**
   * Moves the high watermark to the smallest log end offset over the ISR (the leader's own
   * included), never backwards, and tells the listener how many bytes became visible.
   */
  #maybeIncrementHighWatermark(): void {
    let candidate = this.logEndOffset
    // The maximal ISR (KIP-497): the committed one plus any member a pending proposal adds.
    for (const replica of this.#state.isr) candidate = Math.min(candidate, this.#replicaLogEndOffset(replica))
    if (this.#pendingIsr !== null) for (const replica of this.#pendingIsr) candidate = Math.min(candidate, this.#replicaLogEndOffset(replica))
    if (candidate <= this.#highWatermark) return
    const stableBefore = this.lastStableOffset
    const heldBack = stableBefore < this.#highWatermark
    this.#highWatermark = candidate
    this.producers.onHighWatermark(candidate)
    const before = this.#committedBytes
    const pending = this.#pendingCommits
    let passed = 0
    while (passed < pending.length && pending[passed]!.endOffset <= candidate) passed++
    if (passed > 0) {
      this.#committedBytes = pending[passed - 1]!.bytesThrough
      pending.splice(0, passed)
    }
    // Appends made while the leader was the whole ISR were committed as they were written.
    if (pending.length === 0) this.#committedBytes = this.#appendedBytes
    this.#listener?.onHighWatermark(this, this.#committedBytes - before)
    this.#maybeReleaseStableOffset(stableBefore, heldBack)
  }

  /**
   * After a high watermark move: when a transaction held the last stable offset back before or
   * does now, and it moved, the purgatory did not count the bytes it passed for read_committed
   * fetches (see DelayedFetchPurgatory.progress), so they are woken outright to read again.
   * Without a transaction the LSO is the high watermark and its bytes counted as they came.
   */
  #maybeReleaseStableOffset(stableBefore: number, heldBack: boolean): void {
    const stable = this.lastStableOffset
    if (stable > stableBefore && (heldBack || stable < this.#highWatermark)) this.#listener?.onLastStableOffset?.(this)
  }

  #replicaLogEndOffset(replica: number): number {
    if (replica === this.localBrokerId) return this.logEndOffset
    return this.#followers.get(replica)?.logEndOffset ?? -1
  }

  /** Tracks exactly the current replicas other than this broker, keeping known progress. */
  #syncFollowers(nowMs: number): void {
    for (const replica of this.#followers.keys()) if (!this.#state.replicas.includes(replica)) this.#followers.delete(replica)
    for (const replica of this.#state.replicas) {
      if (replica === this.localBrokerId || this.#followers.has(replica)) continue
      this.#followers.set(replica, { logEndOffset: -1, lastCaughtUpTimeMs: nowMs, lastFetchLeaderLogEndOffset: -1, lastFetchTimeMs: nowMs })
    }
  }

  #resetFollowers(nowMs: number): void {
    this.#followers.clear()
    for (const replica of this.#state.replicas) {
      if (replica === this.localBrokerId) continue
      this.#followers.set(replica, { logEndOffset: -1, lastCaughtUpTimeMs: nowMs, lastFetchLeaderLogEndOffset: -1, lastFetchTimeMs: nowMs })
    }
  }

  /**
   * Reads whole batches from the one that holds `fetchOffset`, never past what `isolation`
   * allows (the log end for a follower, the high watermark for a consumer, the last stable
   * offset for read_committed), at least one batch when `minOneBatch` (KIP-74: the first batch
   * may exceed maxBytes).
   */
  read(fetchOffset: number, maxBytes: number, isolation: FetchIsolation, minOneBatch = true): ReadOutcome {
    // A consumer of many idle partitions sends this for each of them on every poll: the log's
    // offsets are native getters, so each is asked once, the log end only when the fetch offset
    // is past the high watermark (it never is for a caught-up consumer), and the outcome is one
    // object (bench:scale, Fetch of 1,000 idle partitions).
    const highWatermark = this.#highWatermark
    const logStartOffset = this.logStartOffset
    const lastStableOffset = this.lastStableOffset
    if (fetchOffset < logStartOffset || (fetchOffset > highWatermark && fetchOffset > this.logEndOffset)) {
      return { highWatermark, lastStableOffset, logStartOffset, errorCode: KafkaErrorCodes.OFFSET_OUT_OF_RANGE, records: null }
    }
    const upperBound = this.#upperBound(isolation)
    if (fetchOffset >= upperBound || maxBytes <= 0) return { highWatermark, lastStableOffset, logStartOffset, errorCode: KafkaErrorCodes.NONE, records: null }
    try {
      const plan = this.log.read(fetchOffset, maxBytes, upperBound)
      // The log always plans the first batch; past the first partition of a fetch it only fits or not.
      const fits = plan.byteLength > 0 && (minOneBatch || plan.byteLength <= maxBytes)
      if (isolation !== 'committed' || !fits) return { highWatermark, lastStableOffset, logStartOffset, errorCode: KafkaErrorCodes.NONE, records: fits ? plan : null }
      // Bounded by the LSO rather than the last batch read (the plan does not say which offset
      // that is): entries past the records are harmless, a consumer only applies those it reaches.
      // Only a long list (a consumer far behind many aborts) is cut to the records returned.
      let abortedTransactions = this.log.collectAbortedTxns(fetchOffset, upperBound)
      if (abortedTransactions.length > ABORTED_TXNS_WITHOUT_TRIM) abortedTransactions = overlapping(abortedTransactions, plan)
      return { highWatermark, lastStableOffset, logStartOffset, errorCode: KafkaErrorCodes.NONE, records: plan, abortedTransactions }
    } catch (error) {
      this.counters.failedFetchRequests++
      return { highWatermark, lastStableOffset, logStartOffset, errorCode: storageErrorCode(error), records: null }
    }
  }

  #upperBound(isolation: FetchIsolation): number {
    return isolation === 'logEnd' ? this.logEndOffset : isolation === 'committed' ? this.lastStableOffset : this.#highWatermark
  }

  #timestampProblem(records: Buffer, nowMs: number): string | undefined {
    const before = this.#config['message.timestamp.before.max.ms']
    const after = this.#config['message.timestamp.after.max.ms']
    if (this.#config['message.timestamp.type'] === 'LogAppendTime') return undefined
    // The batch header holds the first record's timestamp and the largest; checking both keeps
    // the produce path free of record decoding.
    const first = batchBaseTimestamp(records, 0)
    const max = batchMaxTimestamp(records, 0)
    if (first >= 0 && nowMs - first > before) {
      return `A record timestamp (${first}) is more than message.timestamp.before.max.ms (${before}) in the past.`
    }
    if (max >= 0 && max - nowMs > after) {
      return `A record timestamp (${max}) is more than message.timestamp.after.max.ms (${after}) in the future.`
    }
    return undefined
  }

  #error(errorCode: number, errorMessage: string): AppendOutcome {
    // As Kafka, a producer sent to the wrong broker is routing, not a failure worth alerting on.
    if (errorCode !== KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER) this.counters.failedProduceRequests++
    return { errorCode, errorMessage, baseOffset: -1, logAppendTime: -1, logStartOffset: this.logStartOffset, appendedBytes: 0, requiredOffset: -1 }
  }

  #storageError(error: unknown): AppendOutcome {
    return this.#error(storageErrorCode(error), (error as Error)?.message ?? String(error))
  }
}

/**
 * Enters an aborted transaction in the log's aborted-transaction index, with the last stable
 * offset Kafka records beside it. Shared by the partition and the producer-state rebuild, which
 * offers every aborted transaction again (the index skips those it has).
 */
export function indexCompletedTxn(log: PartitionLog, producers: ProducerStateManager, completed: CompletedTxn | null): void {
  if (completed === null || !completed.isAborted) return
  log.appendAbortedTxn({
    producerId: completed.producerId,
    firstOffset: completed.firstOffset,
    lastOffset: completed.lastOffset,
    lastStableOffset: producers.lastStableOffsetAfter(completed),
  })
}

/** The aborted transactions that begin at or before the last offset of the planned records. */
function overlapping(aborted: AbortedTxn[], plan: ReadPlan): AbortedTxn[] {
  let lastOffset = -1
  for (const view of plan.toBuffers()) {
    for (let position = 0; position + RECORD_BATCH_OVERHEAD <= view.length; position += batchSize(view, position)) {
      lastOffset = batchBaseOffset(view, position) + batchLastOffsetDelta(view, position)
    }
  }
  return lastOffset < 0 ? aborted : aborted.filter((txn) => txn.firstOffset <= lastOffset)
}
