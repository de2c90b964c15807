/**
 * A share-partition (KIP-932): what one share group has done with one topic partition. It lives
 * on the partition's leader and is the only place that decides which records a member may have.
 *
 * Offsets below the share-partition start offset (SPSO) are done with. Offsets from the SPSO up
 * to `endOffset` (the SPEO + 1) are in flight, each in one of Kafka's states:
 * - AVAILABLE: may be acquired (a record released, or whose lock timed out);
 * - ACQUIRED: held by one member under a lock of group.share.record.lock.duration.ms;
 * - ACKNOWLEDGED: accepted, never delivered again;
 * - ARCHIVED: rejected, past group.share.delivery.count.limit, a gap or a control record; never
 *   delivered again.
 * Offsets at or past `endOffset` have not been delivered yet. The in-flight window is bounded by
 * group.share.partition.max.record.locks: no new records are acquired while it is full, so one
 * slow record cannot make the broker track an unbounded tail behind it.
 *
 * The window is kept in typed arrays indexed by `offset - startOffset` (no object per record);
 * it is at most max.record.locks plus one batch long, so the shift when the SPSO moves is cheap.
 *
 * Not thread-safe in any sense that matters in Node: one event loop owns it. Persistence is the
 * caller's (share-state-persister.ts): `snapshot()` gives the state Kafka writes to
 * __share_group_state, `restore()` takes it back.
 */
import { KafkaErrorCodes } from '../../protocol/error-codes.js'

/** Record states, numbered as Kafka's RecordState (and its persisted DeliveryState). */
export const RecordState = { AVAILABLE: 0, ACQUIRED: 1, ACKNOWLEDGED: 2, ARCHIVED: 4 } as const
export type RecordStateId = (typeof RecordState)[keyof typeof RecordState]

/** Acknowledgement types on the wire (ShareFetch, ShareAcknowledge). */
export const AcknowledgeType = { GAP: 0, ACCEPT: 1, RELEASE: 2, REJECT: 3 } as const

export interface SharePartitionConfig {
  readonly lockDurationMs: number
  readonly deliveryCountLimit: number
  readonly maxRecordLocks: number
}

/** One log batch as the acquirer sees it: its offsets and whether a consumer may have it. */
export interface LogBatch {
  readonly baseOffset: number
  readonly lastOffset: number
  /** A control batch (transaction marker), or records of an aborted transaction under read_committed. */
  readonly skip: boolean
}

/** A run of offsets acquired with the same delivery count, as the response's AcquiredRecords. */
export interface AcquiredRange {
  firstOffset: number
  lastOffset: number
  deliveryCount: number
}

/** The persisted form: Kafka's ShareSnapshot value (state epoch, start offset, state batches). */
export interface ShareSnapshot {
  readonly stateEpoch: number
  readonly startOffset: number
  readonly stateBatches: ReadonlyArray<{ firstOffset: number; lastOffset: number; deliveryState: number; deliveryCount: number }>
}

export interface AcquireResult {
  readonly ranges: AcquiredRange[]
  /** How many of the offered batches the ranges reach into: the records to send are those. */
  readonly batchesUsed: number
}

const INITIAL_CAPACITY = 64

export class SharePartition {
  readonly #config: SharePartitionConfig
  #startOffset: number
  #endOffset: number
  #state = new Uint8Array(INITIAL_CAPACITY)
  #deliveries = new Uint16Array(INITIAL_CAPACITY)
  #lockExpiry = new Float64Array(INITIAL_CAPACITY)
  #owner: Array<string | null> = new Array<string | null>(INITIAL_CAPACITY).fill(null)
  /** Bumped on each persisted write, as Kafka's state epoch fences older writers. */
  stateEpoch = 0

  constructor(config: SharePartitionConfig, startOffset: number) {
    this.#config = config
    this.#startOffset = startOffset
    this.#endOffset = startOffset
  }

  /** The share-partition start offset: every offset below it is done with. */
  get startOffset(): number {
    return this.#startOffset
  }

  /** One past the last offset ever delivered (the SPEO + 1): the next new record to acquire. */
  get endOffset(): number {
    return this.#endOffset
  }

  get config(): SharePartitionConfig {
    return this.#config
  }

  /** The state of `offset` (done offsets below the SPSO read ACKNOWLEDGED; undelivered ones AVAILABLE). */
  stateOf(offset: number): RecordStateId {
    if (offset < this.#startOffset) return RecordState.ACKNOWLEDGED
    if (offset >= this.#endOffset) return RecordState.AVAILABLE
    return this.#state[offset - this.#startOffset] as RecordStateId
  }

  deliveryCountOf(offset: number): number {
    return offset >= this.#startOffset && offset < this.#endOffset ? this.#deliveries[offset - this.#startOffset]! : 0
  }

  /** Records held under a lock now. */
  get acquiredCount(): number {
    let n = 0
    for (let i = 0; i < this.#endOffset - this.#startOffset; i++) if (this.#state[i] === RecordState.ACQUIRED) n++
    return n
  }

  /**
   * Where a fetch for this share-partition should read the log from: the first AVAILABLE
   * in-flight record, else the end offset while the window has room, else -1 (nothing to give).
   */
  nextFetchOffset(): number {
    const length = this.#endOffset - this.#startOffset
    for (let i = 0; i < length; i++) if (this.#state[i] === RecordState.AVAILABLE) return this.#startOffset + i
    return length < this.#config.maxRecordLocks ? this.#endOffset : -1
  }

  /**
   * Acquires for `memberId`, from the log batches read at `nextFetchOffset()`: AVAILABLE
   * in-flight records one by one, and new records (past the end offset) whole batches at a time,
   * as Kafka does so the client's batch boundaries stay intact. Stops at `maxRecords` (at a batch
   * boundary for new records: the limit may be exceeded to finish a batch) and when the window
   * is full. Control records and aborted ones are ARCHIVED on the way, never given out.
   */
  acquire(memberId: string, batches: readonly LogBatch[], maxRecords: number, nowMs: number): AcquireResult {
    const ranges: AcquiredRange[] = []
    const expiry = nowMs + this.#config.lockDurationMs
    let acquired = 0
    let batchesUsed = 0
    for (let b = 0; b < batches.length && acquired < maxRecords; b++) {
      const batch = batches[b]!
      let used = false
      // In-flight offsets of this batch: only AVAILABLE ones are taken, each counting toward max.
      for (let offset = Math.max(batch.baseOffset, this.#startOffset); offset <= batch.lastOffset && offset < this.#endOffset && acquired < maxRecords; offset++) {
        const i = offset - this.#startOffset
        if (this.#state[i] !== RecordState.AVAILABLE) continue
        if (batch.skip) {
          this.#state[i] = RecordState.ARCHIVED
          continue
        }
        this.#take(i, memberId, expiry)
        addToRanges(ranges, offset, this.#deliveries[i]!)
        acquired++
        used = true
      }
      // New offsets of this batch: all of them, if the window has room for the batch to start.
      if (batch.lastOffset >= this.#endOffset && acquired < maxRecords) {
        if (this.#endOffset - this.#startOffset >= this.#config.maxRecordLocks) break
        const first = this.#endOffset
        this.#grow(batch.lastOffset + 1)
        for (let offset = first; offset <= batch.lastOffset; offset++) {
          const i = offset - this.#startOffset
          if (batch.skip) {
            this.#state[i] = RecordState.ARCHIVED
            continue
          }
          this.#take(i, memberId, expiry)
          addToRanges(ranges, offset, this.#deliveries[i]!)
          acquired++
          used = true
        }
      }
      if (used) batchesUsed = b + 1
    }
    this.#advanceStart()
    return { ranges, batchesUsed }
  }

  /**
   * Applies one acknowledgement batch from `memberId`: every offset in [first, last] must be
   * ACQUIRED by that member, else INVALID_RECORD_STATE and nothing changes. `types` has one type
   * for the whole range or one per offset.
   */
  acknowledge(memberId: string, firstOffset: number, lastOffset: number, types: readonly number[]): number {
    if (lastOffset < firstOffset || (types.length !== 1 && types.length !== lastOffset - firstOffset + 1)) return KafkaErrorCodes.INVALID_REQUEST
    if (firstOffset < this.#startOffset || lastOffset >= this.#endOffset) return KafkaErrorCodes.INVALID_RECORD_STATE
    for (let offset = firstOffset; offset <= lastOffset; offset++) {
      const i = offset - this.#startOffset
      if (this.#state[i] !== RecordState.ACQUIRED || this.#owner[i] !== memberId) return KafkaErrorCodes.INVALID_RECORD_STATE
      const type = types.length === 1 ? types[0]! : types[offset - firstOffset]!
      if (type < AcknowledgeType.GAP || type > AcknowledgeType.REJECT) return KafkaErrorCodes.INVALID_REQUEST
    }
    for (let offset = firstOffset; offset <= lastOffset; offset++) {
      const i = offset - this.#startOffset
      const type = types.length === 1 ? types[0]! : types[offset - firstOffset]!
      if (type === AcknowledgeType.ACCEPT) this.#settle(i, RecordState.ACKNOWLEDGED)
      else if (type === AcknowledgeType.RELEASE) this.#release(i)
      else this.#settle(i, RecordState.ARCHIVED)
    }
    this.#advanceStart()
    return KafkaErrorCodes.NONE
  }

  /** Releases the records whose lock has expired by `nowMs`; returns how many. */
  releaseExpiredLocks(nowMs: number): number {
    let released = 0
    const length = this.#endOffset - this.#startOffset
    for (let i = 0; i < length; i++) {
      if (this.#state[i] === RecordState.ACQUIRED && this.#lockExpiry[i]! <= nowMs) {
        this.#release(i)
        released++
      }
    }
    if (released > 0) this.#advanceStart()
    return released
  }

  /** Releases every record `memberId` holds (its share session closed or it left the group). */
  releaseMember(memberId: string): number {
    let released = 0
    const length = this.#endOffset - this.#startOffset
    for (let i = 0; i < length; i++) {
      if (this.#state[i] === RecordState.ACQUIRED && this.#owner[i] === memberId) {
        this.#release(i)
        released++
      }
    }
    if (released > 0) this.#advanceStart()
    return released
  }

  /**
   * Moves the start offset (AlterShareGroupOffsets, or the log start moving past it): offsets
   * below are forgotten, and the end offset follows if it was behind.
   */
  resetStartOffset(offset: number): void {
    if (offset <= this.#startOffset) {
      if (offset < this.#startOffset && this.#endOffset === this.#startOffset) this.#startOffset = this.#endOffset = offset
      return
    }
    const drop = Math.min(offset, this.#endOffset) - this.#startOffset
    this.#shift(drop)
    this.#startOffset = offset
    if (this.#endOffset < offset) this.#endOffset = offset
    this.#advanceStart()
  }

  /**
   * The state to persist: the start offset and runs of in-flight records with their delivery
   * counts. A lock does not outlive the broker, so ACQUIRED records are written AVAILABLE (with
   * the count they have): after a restart they go out again, and no accepted one does.
   */
  snapshot(): ShareSnapshot {
    const stateBatches: Array<{ firstOffset: number; lastOffset: number; deliveryState: number; deliveryCount: number }> = []
    const length = this.#endOffset - this.#startOffset
    for (let i = 0; i < length; i++) {
      const raw = this.#state[i]!
      const deliveryState = raw === RecordState.ACQUIRED ? RecordState.AVAILABLE : raw
      const deliveryCount = this.#deliveries[i]!
      const offset = this.#startOffset + i
      const last = stateBatches[stateBatches.length - 1]
      if (last !== undefined && last.lastOffset === offset - 1 && last.deliveryState === deliveryState && last.deliveryCount === deliveryCount) last.lastOffset = offset
      else stateBatches.push({ firstOffset: offset, lastOffset: offset, deliveryState, deliveryCount })
    }
    return { stateEpoch: this.stateEpoch, startOffset: this.#startOffset, stateBatches }
  }

  /** A share-partition as `snapshot` left it. */
  static restore(config: SharePartitionConfig, snapshot: ShareSnapshot): SharePartition {
    const partition = new SharePartition(config, snapshot.startOffset)
    partition.stateEpoch = snapshot.stateEpoch
    for (const batch of snapshot.stateBatches) {
      if (batch.lastOffset < partition.#startOffset) continue
      if (batch.firstOffset > partition.#endOffset) partition.#grow(batch.firstOffset)
      partition.#grow(batch.lastOffset + 1)
      for (let offset = Math.max(batch.firstOffset, partition.#startOffset); offset <= batch.lastOffset; offset++) {
        const i = offset - partition.#startOffset
        partition.#state[i] = batch.deliveryState === RecordState.ACQUIRED ? RecordState.AVAILABLE : batch.deliveryState
        partition.#deliveries[i] = batch.deliveryCount
      }
    }
    partition.#advanceStart()
    return partition
  }

  #take(i: number, memberId: string, expiry: number): void {
    this.#state[i] = RecordState.ACQUIRED
    this.#deliveries[i] = this.#deliveries[i]! + 1
    this.#lockExpiry[i] = expiry
    this.#owner[i] = memberId
  }

  /** Back to AVAILABLE, unless it has been delivered as often as allowed: then ARCHIVED. */
  #release(i: number): void {
    this.#settle(i, this.#deliveries[i]! >= this.#config.deliveryCountLimit ? RecordState.ARCHIVED : RecordState.AVAILABLE)
  }

  #settle(i: number, state: RecordStateId): void {
    this.#state[i] = state
    this.#owner[i] = null
    this.#lockExpiry[i] = 0
  }

  /** Extends the window to `endOffset`; new offsets are AVAILABLE, never delivered. */
  #grow(endOffset: number): void {
    const length = endOffset - this.#startOffset
    if (length > this.#state.length) {
      let capacity = this.#state.length
      while (capacity < length) capacity *= 2
      const state = new Uint8Array(capacity)
      state.set(this.#state)
      const deliveries = new Uint16Array(capacity)
      deliveries.set(this.#deliveries)
      const lockExpiry = new Float64Array(capacity)
      lockExpiry.set(this.#lockExpiry)
      const owner = new Array<string | null>(capacity).fill(null)
      for (let i = 0; i < this.#owner.length; i++) owner[i] = this.#owner[i]!
      this.#state = state
      this.#deliveries = deliveries
      this.#lockExpiry = lockExpiry
      this.#owner = owner
    }
    this.#endOffset = Math.max(this.#endOffset, endOffset)
  }

  /** Moves the SPSO past the leading records that are done (ACKNOWLEDGED or ARCHIVED). */
  #advanceStart(): void {
    const length = this.#endOffset - this.#startOffset
    let done = 0
    while (done < length && (this.#state[done] === RecordState.ACKNOWLEDGED || this.#state[done] === RecordState.ARCHIVED)) done++
    if (done === 0) return
    this.#shift(done)
    this.#startOffset += done
  }

  /** Drops the first `count` window slots. */
  #shift(count: number): void {
    if (count <= 0) return
    const length = this.#endOffset - this.#startOffset
    this.#state.copyWithin(0, count, length)
    this.#deliveries.copyWithin(0, count, length)
    this.#lockExpiry.copyWithin(0, count, length)
    for (let i = 0; i < length - count; i++) this.#owner[i] = this.#owner[i + count]!
    const from = Math.max(0, length - count)
    this.#state.fill(RecordState.AVAILABLE, from, length)
    this.#deliveries.fill(0, from, length)
    this.#lockExpiry.fill(0, from, length)
    for (let i = from; i < length; i++) this.#owner[i] = null
  }
}

function addToRanges(ranges: AcquiredRange[], offset: number, deliveryCount: number): void {
  const last = ranges[ranges.length - 1]
  if (last !== undefined && last.lastOffset === offset - 1 && last.deliveryCount === deliveryCount) last.lastOffset = offset
  else ranges.push({ firstOffset: offset, lastOffset: offset, deliveryCount })
}
