/**
 * The share-partitions this broker leads, and what ShareFetch and ShareAcknowledge do with them
 * (Kafka's SharePartitionManager): acknowledgements first, then acquisition from the log, whole
 * batches as Fetch sends them with the acquired offset ranges beside them; a fetch that finds
 * nothing to acquire waits (up to MaxWaitMs) in the delayed-fetch purgatory for new records, or
 * until records are released or their locks time out.
 *
 * A share-partition is created on first use: from its persisted state if there is one, else at
 * the high watermark (share.auto.offset.reset latest, Kafka's default), the log start
 * (earliest), or the first record at most a duration old (by_duration, found as ListOffsets by
 * timestamp finds it; the high watermark when none is that recent), whose start is persisted at once. Every change an acknowledgement or a lock
 * timeout makes is persisted before the request that caused it is answered, through the share
 * coordinator (share-state-persister.ts), so after a restart or a leader move no accepted
 * record is delivered again and no available one is lost.
 *
 * A share-partition is held for one leadership: read with the partition's leader epoch, and
 * read again when the epoch has changed (this broker lost and regained the lead, and another
 * leader may have moved the state on meanwhile). A write the coordinator fences (a newer
 * leader, or state reset by AlterShareGroupOffsets) drops it, so the next fetch reads afresh.
 */
import { SHARE_AUTO_OFFSET_RESET_LATEST, type ShareAutoOffsetReset } from '../../common/config/share-auto-offset-reset.js'
import type { Logger } from '../../common/logger.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { FetchIsolation, Partition } from '../../replication/partition.js'
import { offsetForTimestamp } from '../../replication/partition-offsets.js'
import type { ReplicaManager } from '../../replication/replica-manager.js'
import type { ReadPlan } from '../../storage/index.js'
import { type AcquiredRange, type LogBatch, SharePartition, type SharePartitionConfig } from './share-partition.js'
import { type ShareSession, ShareSessionCache, type SessionPartition, partitionKey } from './share-session.js'
import { type SharePartitionKey, ShareStateError, type ShareStatePersister } from './share-state-persister.js'

export interface AcknowledgementBatch {
  readonly firstOffset: bigint
  readonly lastOffset: bigint
  readonly acknowledgeTypes: readonly number[]
}

export interface RequestedPartition {
  readonly topicId: string
  readonly partition: number
  readonly acknowledgementBatches: readonly AcknowledgementBatch[]
}

export interface ShareFetchParams {
  readonly groupId: string | null
  readonly memberId: string | null
  readonly shareSessionEpoch: number
  readonly maxWaitMs: number
  readonly minBytes: number
  readonly maxBytes: number
  readonly maxRecords: number
  readonly partitions: readonly RequestedPartition[]
  readonly forgotten: readonly SessionPartition[]
  /** The connection the request came on (connectionKey): a session it opens ends with it. */
  readonly connection?: string
}

export interface SharePartitionOutcome {
  readonly topicId: string
  readonly partition: number
  errorCode: number
  errorMessage: string | null
  acknowledgeErrorCode: number
  acknowledgeErrorMessage: string | null
  leaderId: number
  leaderEpoch: number
  records: ReadPlan | null
  acquiredRecords: AcquiredRange[]
}

export interface ShareFetchOutcome {
  readonly errorCode: number
  readonly errorMessage: string | null
  readonly partitions: SharePartitionOutcome[]
}

export interface SharePartitionManagerOptions {
  readonly replicas: ReplicaManager
  readonly persister: ShareStatePersister
  readonly config: SharePartitionConfig
  readonly logger: Logger
  readonly nodeId: number
  /** fetch.max.bytes: the most a fetch answers with, whatever the request asks. */
  readonly fetchMaxBytes: number
  /** share.auto.offset.reset of a group (a group config in Kafka): where a new share-partition starts. */
  readonly autoOffsetReset?: (groupId: string) => ShareAutoOffsetReset
  /** share.isolation.level of a group: read_committed bounds reads by the LSO and archives aborted records. */
  readonly isolationLevel?: (groupId: string) => 'read_uncommitted' | 'read_committed'
  /**
   * share.record.lock.duration.ms and share.delivery.count.limit of a group (its group configs);
   * `config` without. Read at each acquisition and release, so a change applies to the next one.
   */
  readonly partitionConfig?: (groupId: string) => SharePartitionConfig
  readonly now?: () => number
  /** group.share.max.share.sessions: the share session cache's cap. */
  readonly maxShareSessions?: number
}

const CONTROL_ATTRIBUTE = 0x20
const TRANSACTIONAL_ATTRIBUTE = 0x10

export class SharePartitionManager {
  readonly #options: SharePartitionManagerOptions
  readonly #now: () => number
  readonly #partitions = new Map<string, SharePartition | Promise<SharePartition>>()
  readonly #keys = new Map<string, SharePartitionKey>()
  /** The leader epoch each share-partition was read at: its writes carry it. */
  readonly #leaderEpochs = new Map<string, number>()
  readonly sessions: ShareSessionCache
  /** Fetches waiting for records: ended early when records are released or locks time out. */
  readonly #waiting = new Set<AbortController>()
  #lockTimer: NodeJS.Timeout | null = null

  constructor(options: SharePartitionManagerOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.sessions = new ShareSessionCache({ maxSessions: options.maxShareSessions, now: this.#now })
  }

  /** The acquisition lock duration of `groupId`'s records (its share.record.lock.duration.ms). */
  lockDurationMs(groupId: string | null): number {
    return groupId === null || this.#options.partitionConfig === undefined ? this.#options.config.lockDurationMs : this.#options.partitionConfig(groupId).lockDurationMs
  }

  /** Starts the sweep that releases timed-out locks (a tenth of the lock duration, at most 250 ms). */
  start(): void {
    const every = Math.max(10, Math.min(250, Math.floor(this.#options.config.lockDurationMs / 10)))
    this.#lockTimer = setInterval(() => this.#releaseExpiredLocks(), every)
    this.#lockTimer.unref()
  }

  async stop(): Promise<void> {
    if (this.#lockTimer !== null) clearInterval(this.#lockTimer)
    this.#lockTimer = null
    this.#wakeWaiting()
    await this.#options.persister.flush()
  }

  /** ShareFetch: acknowledgements, session bookkeeping, then records acquired for the member. */
  async shareFetch(params: ShareFetchParams): Promise<ShareFetchOutcome> {
    const refused = this.#validate(params.groupId, params.memberId)
    if (refused !== null) return refused
    const groupId = params.groupId!
    const memberId = params.memberId!
    const session = this.sessions.update(groupId, memberId, params.shareSessionEpoch, params.partitions, params.forgotten, true, params.connection ?? null)
    if (session.errorCode !== 0 || !('session' in session)) return { errorCode: session.errorCode, errorMessage: (session as { errorMessage: string }).errorMessage, partitions: [] }
    const outcomes = new Map<string, SharePartitionOutcome>()
    await this.#acknowledgeAll(groupId, memberId, params.partitions, outcomes)
    if (session.closing) {
      await this.#releaseMember(groupId, memberId)
      return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, partitions: [...outcomes.values()] }
    }
    const fetchMaxBytes = Math.min(params.maxBytes, this.#options.fetchMaxBytes)
    let acquired = await this.#acquireAll(session.session, outcomes, Math.max(1, params.maxRecords), fetchMaxBytes)
    if (acquired === 0 && params.maxWaitMs > 0) {
      await this.#wait(session.session, params.maxWaitMs)
      acquired = await this.#acquireAll(session.session, outcomes, Math.max(1, params.maxRecords), fetchMaxBytes)
    }
    // Partitions named in the request are answered (with their acknowledgement outcome); others
    // of the session only when they have records or an error to report.
    const named = new Set(params.partitions.map((p) => partitionKey(p.topicId, p.partition)))
    const partitions = [...outcomes.entries()]
      .filter(([key, o]) => named.has(key) || o.acquiredRecords.length > 0 || o.errorCode !== KafkaErrorCodes.NONE)
      .map(([, o]) => o)
    return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, partitions }
  }

  /** ShareAcknowledge: the acknowledgements of a session that does not fetch. */
  async shareAcknowledge(params: { groupId: string | null; memberId: string | null; shareSessionEpoch: number; partitions: readonly RequestedPartition[] }): Promise<ShareFetchOutcome> {
    const refused = this.#validate(params.groupId, params.memberId)
    if (refused !== null) return refused
    const groupId = params.groupId!
    const memberId = params.memberId!
    const session = this.sessions.update(groupId, memberId, params.shareSessionEpoch, [], [], false)
    if (session.errorCode !== 0 || !('session' in session)) return { errorCode: session.errorCode, errorMessage: (session as { errorMessage: string }).errorMessage, partitions: [] }
    const outcomes = new Map<string, SharePartitionOutcome>()
    for (const p of params.partitions) {
      if (!session.closing && !session.session.partitions.has(partitionKey(p.topicId, p.partition))) {
        // Kafka acknowledges only partitions of the session.
        const outcome = this.#outcome(p.topicId, p.partition)
        outcome.errorCode = KafkaErrorCodes.INVALID_REQUEST
        outcome.errorMessage = 'The partition is not part of this share session.'
        outcomes.set(partitionKey(p.topicId, p.partition), outcome)
      }
    }
    await this.#acknowledgeAll(groupId, memberId, params.partitions.filter((p) => !outcomes.has(partitionKey(p.topicId, p.partition))), outcomes)
    for (const outcome of outcomes.values()) {
      if (outcome.errorCode === KafkaErrorCodes.NONE && outcome.acknowledgeErrorCode !== KafkaErrorCodes.NONE) {
        outcome.errorCode = outcome.acknowledgeErrorCode
        outcome.errorMessage = outcome.acknowledgeErrorMessage
      }
    }
    if (session.closing) await this.#releaseMember(groupId, memberId)
    return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, partitions: [...outcomes.values()] }
  }

  /** A member left its group or expired: its session goes and its records go back to the others. */
  memberRemoved(groupId: string, memberId: string): void {
    this.sessions.remove(groupId, memberId)
    void this.#releaseMember(groupId, memberId).catch((error: unknown) => this.#options.logger.warn('could not persist released records', { group: groupId, error }))
  }

  /**
   * A client connection closed: the share sessions it opened go, and the records their members
   * had acquired here are released (as Kafka's SharePartitionManager does on a disconnect), so
   * other members get them now rather than when their locks time out. The member stays in its
   * group: if it is alive it opens a new session and acquires again.
   */
  connectionClosed(connection: string): void {
    for (const session of this.sessions.removeConnection(connection)) {
      this.#options.logger.info('share session closed with its connection', { group: session.groupId, member: session.memberId })
      void this.#releaseMember(session.groupId, session.memberId).catch((error: unknown) =>
        this.#options.logger.warn('could not persist released records', { group: session.groupId, error }),
      )
    }
  }

  /**
   * A share group was deleted: its sessions and the share-partitions held here go. Their
   * persisted state is gone already: the group coordinator deleted it, for every partition the
   * group started, before the group's tombstones (share-state-lifecycle.ts).
   */
  groupDeleted(groupId: string): void {
    this.sessions.removeGroup(groupId)
    for (const [id, key] of this.#keys) if (key.groupId === groupId) this.#forget(id)
  }

  /**
   * Drops the share-partition held here (AlterShareGroupOffsets and DeleteShareGroupOffsets
   * have changed its persisted state): the next fetch reads it from the share coordinator.
   */
  async forget(groupId: string, topicId: string, partition: number): Promise<void> {
    const id = this.#id(groupId, topicId, partition)
    await Promise.resolve(this.#partitions.get(id)).catch(() => undefined)
    this.#forget(id)
  }

  /** The share-partitions the group has started on here. */
  groupPartitions(groupId: string): Array<{ topicId: string; partition: number }> {
    const found: Array<{ topicId: string; partition: number }> = []
    for (const key of this.#keys.values()) if (key.groupId === groupId) found.push({ topicId: key.topicId, partition: key.partition })
    return found
  }

  #validate(groupId: string | null, memberId: string | null): ShareFetchOutcome | null {
    if (groupId === null || groupId === '') return { errorCode: KafkaErrorCodes.INVALID_REQUEST, errorMessage: 'A share fetch needs a group id.', partitions: [] }
    if (memberId === null || memberId === '') return { errorCode: KafkaErrorCodes.INVALID_REQUEST, errorMessage: 'A share fetch needs a member id.', partitions: [] }
    return null
  }

  /** The settings a share-partition of `groupId` reads, as they are at each read. */
  #configOf(groupId: string): SharePartitionConfig {
    const lookup = this.#options.partitionConfig
    if (lookup === undefined) return this.#options.config
    return {
      get lockDurationMs() {
        return lookup(groupId).lockDurationMs
      },
      get deliveryCountLimit() {
        return lookup(groupId).deliveryCountLimit
      },
      get maxRecordLocks() {
        return lookup(groupId).maxRecordLocks
      },
    }
  }

  #id(groupId: string, topicId: string, partition: number): string {
    return `${groupId}\u0000${topicId}:${partition}`
  }

  #outcome(topicId: string, partition: number): SharePartitionOutcome {
    return {
      topicId,
      partition,
      errorCode: KafkaErrorCodes.NONE,
      errorMessage: null,
      acknowledgeErrorCode: KafkaErrorCodes.NONE,
      acknowledgeErrorMessage: null,
      leaderId: -1,
      leaderEpoch: -1,
      records: null,
      acquiredRecords: [],
    }
  }

  /** The leader partition behind a share-partition, or the error to answer with. */
  #leaderPartition(topicId: string, index: number): Partition | number {
    const topic = this.#options.replicas.metadata.topicById(topicId)
    if (topic === undefined) return KafkaErrorCodes.UNKNOWN_TOPIC_ID
    if (index < 0 || index >= topic.partitions) return KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION
    const partition = this.#options.replicas.partition(topic.name, index)
    if (partition === undefined || !partition.isLeader) return KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER
    return partition
  }

  #forget(id: string): void {
    this.#partitions.delete(id)
    this.#keys.delete(id)
    this.#leaderEpochs.delete(id)
  }

  /**
   * The share-partition, created on first use in this leadership: from its persisted state, or
   * by share.auto.offset.reset (then persisted before any record is given out, so a leader
   * that follows starts where this one did).
   */
  #sharePartition(groupId: string, topicId: string, index: number, partition: Partition): SharePartition | Promise<SharePartition> {
    const id = this.#id(groupId, topicId, index)
    const known = this.#partitions.get(id)
    if (known !== undefined && this.#leaderEpochs.get(id) === partition.leaderEpoch) return known
    const key: SharePartitionKey = { groupId, topicId, partition: index }
    const leaderEpoch = partition.leaderEpoch
    const loading = this.#options.persister.read(key, leaderEpoch).then(
      async (snapshot) => {
        const reset = this.#options.autoOffsetReset?.(groupId) ?? SHARE_AUTO_OFFSET_RESET_LATEST
        const shared =
          snapshot !== null
            ? SharePartition.restore(this.#configOf(groupId), snapshot)
            : new SharePartition(this.#configOf(groupId), this.#resetOffset(partition, reset))
        if (shared.startOffset < partition.logStartOffset) shared.resetStartOffset(partition.logStartOffset)
        if (snapshot === null) await this.#options.persister.write(key, leaderEpoch, () => shared.snapshot())
        if (this.#partitions.get(id) !== loading) return shared
        this.#partitions.set(id, shared)
        this.#options.logger.info('share-partition initialized', {
          group: groupId,
          topicId,
          partition: index,
          startOffset: shared.startOffset,
          endOffset: shared.endOffset,
          from: snapshot !== null ? 'persisted state' : `share.auto.offset.reset ${reset.text}`,
        })
        return shared
      },
      (error: unknown) => {
        if (this.#partitions.get(id) === loading) this.#forget(id)
        throw error
      },
    )
    this.#partitions.set(id, loading)
    this.#keys.set(id, key)
    this.#leaderEpochs.set(id, leaderEpoch)
    return loading
  }

  /**
   * Where a new share-partition starts by share.auto.offset.reset. by_duration asks what
   * ListOffsets by timestamp answers, so both agree; no record that recent starts it at the end
   * (Kafka's SharePartition falls back to the latest offset too).
   */
  #resetOffset(partition: Partition, reset: ShareAutoOffsetReset): number {
    if (reset.type === 'earliest') return partition.logStartOffset
    if (reset.type === 'latest') return partition.highWatermark
    // Clamped at 0: below it are ListOffsets' special timestamps (-1 latest, -2 earliest...).
    const found = offsetForTimestamp(partition, Math.max(0, this.#now() - reset.durationMs), false)
    return found.offset >= 0 ? found.offset : partition.highWatermark
  }

  async #acknowledgeAll(groupId: string, memberId: string, requested: readonly RequestedPartition[], outcomes: Map<string, SharePartitionOutcome>): Promise<void> {
    const writes: Array<Promise<void>> = []
    for (const p of requested) {
      const key = partitionKey(p.topicId, p.partition)
      let outcome = outcomes.get(key)
      if (outcome === undefined) outcomes.set(key, (outcome = this.#outcome(p.topicId, p.partition)))
      if (p.acknowledgementBatches.length === 0) continue
      const partition = this.#leaderPartition(p.topicId, p.partition)
      if (typeof partition === 'number') {
        outcome.acknowledgeErrorCode = partition
        continue
      }
      const id = this.#id(groupId, p.topicId, p.partition)
      // Records acquired in an earlier leadership of this broker are not the member's any more.
      const known = this.#leaderEpochs.get(id) === partition.leaderEpoch ? this.#partitions.get(id) : undefined
      const shared = known === undefined ? undefined : await known
      if (shared === undefined) {
        outcome.acknowledgeErrorCode = KafkaErrorCodes.INVALID_RECORD_STATE
        outcome.acknowledgeErrorMessage = 'No records of this partition are acquired by the member.'
        continue
      }
      let changed = false
      for (const batch of p.acknowledgementBatches) {
        const error = shared.acknowledge(memberId, Number(batch.firstOffset), Number(batch.lastOffset), batch.acknowledgeTypes)
        if (error === KafkaErrorCodes.NONE) changed = true
        else if (outcome.acknowledgeErrorCode === KafkaErrorCodes.NONE) {
          outcome.acknowledgeErrorCode = error
          outcome.acknowledgeErrorMessage = error === KafkaErrorCodes.INVALID_RECORD_STATE
            ? `Offsets ${batch.firstOffset}-${batch.lastOffset} are not all acquired by this member (released, timed out or acknowledged already).`
            : `Invalid acknowledgement batch ${batch.firstOffset}-${batch.lastOffset}.`
        }
      }
      if (changed) {
        writes.push(this.#persist(id, shared).catch((error: unknown) => {
          const fenced = error instanceof ShareStateError && (error.errorCode === KafkaErrorCodes.FENCED_LEADER_EPOCH || error.errorCode === KafkaErrorCodes.FENCED_STATE_EPOCH)
          outcome.acknowledgeErrorCode = fenced ? KafkaErrorCodes.INVALID_RECORD_STATE : KafkaErrorCodes.KAFKA_STORAGE_ERROR
          outcome.acknowledgeErrorMessage = fenced
            ? `The share-partition state moved on without this broker (${(error as Error).message}); the records are delivered again.`
            : `The share-partition state could not be written: ${(error as Error).message}`
        }))
        // A release makes records available to fetches that wait.
        this.#wakeWaiting()
      }
    }
    await Promise.all(writes)
  }

  async #acquireAll(session: ShareSession, outcomes: Map<string, SharePartitionOutcome>, maxRecords: number, maxBytes: number): Promise<number> {
    let records = 0
    let bytes = 0
    for (const [key, p] of session.partitions) {
      let outcome = outcomes.get(key)
      if (outcome === undefined) outcomes.set(key, (outcome = this.#outcome(p.topicId, p.partition)))
      if (outcome.acquiredRecords.length > 0) continue
      const partition = this.#leaderPartition(p.topicId, p.partition)
      if (typeof partition === 'number') {
        outcome.errorCode = partition
        continue
      }
      outcome.errorCode = KafkaErrorCodes.NONE
      outcome.leaderId = this.#options.nodeId
      outcome.leaderEpoch = partition.leaderEpoch
      if (records >= maxRecords || bytes >= maxBytes) continue
      let shared: SharePartition
      try {
        shared = await this.#sharePartition(session.groupId, p.topicId, p.partition, partition)
      } catch (error) {
        this.#options.logger.warn('could not read share-partition state', { group: session.groupId, topicId: p.topicId, partition: p.partition, error })
        outcome.errorCode = KafkaErrorCodes.KAFKA_STORAGE_ERROR
        outcome.errorMessage = 'The share-partition state could not be read.'
        continue
      }
      const got = this.#acquire(session, shared, partition, outcome, maxRecords - records, maxBytes - bytes)
      records += got
      bytes += outcome.records?.byteLength ?? 0
    }
    return records
  }

  /** Acquires up to `maxRecords` records of one partition for the member; returns how many. */
  #acquire(session: ShareSession, shared: SharePartition, partition: Partition, outcome: SharePartitionOutcome, maxRecords: number, maxBytes: number): number {
    if (shared.startOffset < partition.logStartOffset) shared.resetStartOffset(partition.logStartOffset)
    const from = shared.nextFetchOffset()
    const committed = this.#options.isolationLevel?.(session.groupId) === 'read_committed'
    const isolation: FetchIsolation = committed ? 'committed' : 'highWatermark'
    const upperBound = committed ? partition.lastStableOffset : partition.highWatermark
    if (from < 0 || from >= upperBound) return 0
    const read = partition.read(from, Math.max(1, maxBytes), isolation, true)
    if (read.errorCode !== KafkaErrorCodes.NONE) {
      outcome.errorCode = read.errorCode
      return 0
    }
    if (read.records === null) return 0
    const batches = logBatches(read.records, read.abortedTransactions ?? null)
    const { ranges, batchesUsed } = shared.acquire(session.memberId, batches, maxRecords, this.#now())
    if (ranges.length === 0) return 0
    let used = 0
    for (let b = 0; b < batchesUsed; b++) used += batches[b]!.sizeInBytes
    // Only the batches the acquired ranges reach into are sent: the rest would travel for nothing.
    outcome.records = used === read.records.byteLength ? read.records : partition.log.read(batches[0]!.baseOffset, used, upperBound)
    outcome.acquiredRecords = ranges
    let count = 0
    for (const range of ranges) count += range.lastOffset - range.firstOffset + 1
    return count
  }

  async #releaseMember(groupId: string, memberId: string): Promise<void> {
    const writes: Array<Promise<void>> = []
    for (const [id, entry] of this.#partitions) {
      if (entry instanceof Promise || this.#keys.get(id)?.groupId !== groupId) continue
      if (entry.releaseMember(memberId) > 0) writes.push(this.#persist(id, entry))
    }
    if (writes.length > 0) this.#wakeWaiting()
    await Promise.all(writes)
  }

  #releaseExpiredLocks(): void {
    const now = this.#now()
    let released = 0
    for (const [id, entry] of this.#partitions) {
      if (entry instanceof Promise) continue
      const count = entry.releaseExpiredLocks(now)
      if (count === 0) continue
      released += count
      this.#persist(id, entry).catch((error: unknown) => this.#options.logger.warn('could not persist timed-out records', { error }))
    }
    if (released > 0) this.#wakeWaiting()
  }

  /** Persists the share-partition's state; a fenced write drops it here (a newer leader or a reset owns the state). */
  #persist(id: string, shared: SharePartition): Promise<void> {
    const key = this.#keys.get(id)!
    return this.#options.persister.write(key, this.#leaderEpochs.get(id)!, () => shared.snapshot()).catch((error: unknown) => {
      if (error instanceof ShareStateError && (error.errorCode === KafkaErrorCodes.FENCED_LEADER_EPOCH || error.errorCode === KafkaErrorCodes.FENCED_STATE_EPOCH) && this.#partitions.get(id) === shared) {
        this.#options.logger.warn('share-partition state fenced; it is read afresh on the next fetch', { group: key.groupId, topicId: key.topicId, partition: key.partition, error: (error as Error).message })
        this.#forget(id)
      }
      throw error
    })
  }

  /** Waits for new records on the session's partitions, a release or a lock timeout, or `maxWaitMs`. */
  async #wait(session: ShareSession, maxWaitMs: number): Promise<void> {
    const partitions: Partition[] = []
    for (const p of session.partitions.values()) {
      const partition = this.#leaderPartition(p.topicId, p.partition)
      if (typeof partition !== 'number') partitions.push(partition)
    }
    if (partitions.length === 0) return
    const controller = new AbortController()
    this.#waiting.add(controller)
    try {
      const committed = this.#options.isolationLevel?.(session.groupId) === 'read_committed'
      await this.#options.replicas.purgatories.fetches.wait(partitions, false, 1, maxWaitMs, controller.signal, committed)
    } finally {
      this.#waiting.delete(controller)
    }
  }

  #wakeWaiting(): void {
    for (const controller of this.#waiting) controller.abort()
    this.#waiting.clear()
  }
}

interface SizedLogBatch extends LogBatch {
  readonly sizeInBytes: number
}

/**
 * The batches of a read plan, from their headers only (RecordBatch v2: base offset at 0, length
 * at 8, attributes at 21, last offset delta at 23, producer id at 43). Control batches, and
 * under read_committed the batches of aborted transactions, are marked to skip.
 */
function logBatches(plan: ReadPlan, aborted: ReadonlyArray<{ producerId: number; firstOffset: number; lastOffset: number }> | null): SizedLogBatch[] {
  const batches: SizedLogBatch[] = []
  for (const view of plan.toBuffers()) {
    let position = 0
    while (position + 61 <= view.length) {
      const baseOffset = Number(view.readBigInt64BE(position))
      const sizeInBytes = 12 + view.readInt32BE(position + 8)
      const attributes = view.readInt16BE(position + 21)
      const lastOffset = baseOffset + view.readInt32BE(position + 23)
      let skip = (attributes & CONTROL_ATTRIBUTE) !== 0
      if (!skip && aborted !== null && aborted.length > 0 && (attributes & TRANSACTIONAL_ATTRIBUTE) !== 0) {
        const producerId = Number(view.readBigInt64BE(position + 43))
        skip = aborted.some((txn) => txn.producerId === producerId && txn.firstOffset <= baseOffset && baseOffset <= txn.lastOffset)
      }
      batches.push({ baseOffset, lastOffset, skip, sizeInBytes })
      position += sizeInBytes
    }
  }
  return batches
}
