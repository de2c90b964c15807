/**
 * Idempotent-producer state of one partition: for each producer id, its epoch and the sequence
 * and offset ranges of its last five batches (Kafka's NUM_BATCHES_TO_RETAIN, which is also why
 * producers keep at most five requests in flight).
 *
 * The rules are Kafka's (ProducerAppendInfo / ProducerStateEntry):
 * - a batch whose epoch is older than the producer's current epoch is fenced
 *   (INVALID_PRODUCER_EPOCH);
 * - a batch of the current epoch that repeats one of the last five batches exactly is a retry:
 *   it is not written again and gets the offsets the original got;
 * - otherwise its first sequence must follow the last one (wrapping at 2^31-1 to 0), or be 0
 *   for a new epoch; anything else is OUT_OF_ORDER_SEQUENCE_NUMBER;
 * - a producer with no state here (new, expired, or its batches deleted) may start at any
 *   sequence, as Kafka allows after retention removed its records.
 *
 * Transactions (Kafka's ProducerAppendInfo.appendDataBatch / appendEndTxnMarker): a
 * transactional batch (attributes bit 4) opens a transaction at its first offset when the
 * producer has none open; a COMMIT or ABORT control batch completes it. A non-transactional batch
 * while one is open is INVALID_TXN_STATE. A marker of an older producer epoch is
 * INVALID_PRODUCER_EPOCH, one of an older coordinator epoch TRANSACTION_COORDINATOR_FENCED (a
 * deposed coordinator). A completed transaction stays unstable until the high watermark passes
 * its marker, so a consumer never reads past data whose outcome a failover could still change.
 * The first unstable offset (the smallest first offset of those) bounds the last stable offset.
 *
 * The same updates run as leader (after `check`), as follower (replicated batches, where Kafka
 * only logs a fenced marker: the leader accepted it) and at rebuild, so every replica holds the
 * same transactions.
 *
 * The state is rebuilt after a restart from the batch headers in the log (from the last
 * snapshot, when there is one). Not thread-safe: owned by the partition, used on the event
 * loop thread only.
 */

/** Kafka's "no producer" values in a batch header. */
export const NO_PRODUCER_ID = -1
export const NO_PRODUCER_EPOCH = -1
export const NO_SEQUENCE = -1
export const BATCHES_TO_RETAIN = 5
const INT32_MAX = 2147483647

export interface BatchMetadata {
  readonly firstSeq: number
  readonly lastSeq: number
  readonly firstOffset: number
  readonly lastOffset: number
  readonly timestamp: number
}

/** Kafka's "no coordinator epoch yet" and "no transaction open". */
export const NO_COORDINATOR_EPOCH = -1
export const NO_TXN = -1

interface ProducerEntry {
  epoch: number
  /** Oldest first, at most BATCHES_TO_RETAIN. */
  batches: BatchMetadata[]
  lastTimestamp: number
  /** The coordinator epoch of the last marker written for this producer. */
  coordinatorEpoch: number
  /** Offset of the open transaction's first batch, or NO_TXN. */
  currentTxnFirstOffset: number
}

/** A transaction a COMMIT or ABORT marker ended (Kafka's CompletedTxn). */
export interface CompletedTxn {
  readonly producerId: number
  readonly firstOffset: number
  /** The marker's offset. */
  readonly lastOffset: number
  readonly isAborted: boolean
}

/** A marker's producer fields and what it says. */
export interface TxnMarker {
  readonly producerId: number
  readonly producerEpoch: number
  readonly coordinatorEpoch: number
  readonly commit: boolean
}

/** What a marker means for an append as leader. */
export type MarkerCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'error'; readonly error: 'INVALID_PRODUCER_EPOCH' | 'TRANSACTION_COORDINATOR_FENCED'; readonly message: string }

/** A producer's state for DescribeProducers. */
export interface ProducerDescription {
  readonly producerId: number
  readonly producerEpoch: number
  readonly lastSequence: number
  readonly lastTimestamp: number
  readonly coordinatorEpoch: number
  readonly currentTxnStartOffset: number
}

/** What a batch's producer fields mean for an append as leader. */
export type SequenceCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly batch: BatchMetadata }
  | { readonly kind: 'error'; readonly error: 'INVALID_PRODUCER_EPOCH' | 'OUT_OF_ORDER_SEQUENCE_NUMBER' | 'INVALID_TXN_STATE'; readonly message: string }

const APPEND = { kind: 'append' } as const

/** The producer fields of one batch, as read from its header. */
export interface ProducerBatch {
  readonly producerId: number
  readonly producerEpoch: number
  readonly baseSequence: number
  /** lastOffsetDelta; the batch covers sequences baseSequence .. baseSequence + lastOffsetDelta (mod 2^31). */
  readonly lastOffsetDelta: number
  /** Attributes bit 4: the batch belongs to a transaction. */
  readonly isTransactional?: boolean
}

export class ProducerStateManager {
  readonly #producers = new Map<number, ProducerEntry>()
  /**
   * Transactions completed by a marker the high watermark has not passed yet, in marker order
   * (Kafka's unreplicatedTxns): they stay unstable until it does.
   */
  #unreplicated: CompletedTxn[] = []
  /** Producers with an open transaction: few at a time, so a scan is cheaper than a tree. */
  readonly #ongoing = new Set<ProducerEntry>()
  /** Cached min first offset over open and unreplicated transactions, or NO_TXN. */
  #firstUnstableOffset = NO_TXN

  get producerCount(): number {
    return this.#producers.size
  }

  /** Checks a batch about to be appended as leader. Batches without a producer id always append. */
  check(batch: ProducerBatch): SequenceCheck {
    if (batch.producerId === NO_PRODUCER_ID) return APPEND
    const entry = this.#producers.get(batch.producerId)
    if (entry === undefined) return APPEND
    const firstSeq = batch.baseSequence
    const lastSeq = lastSequence(batch)

    if (batch.producerEpoch < entry.epoch) {
      return {
        kind: 'error',
        error: 'INVALID_PRODUCER_EPOCH',
        message: `Producer ${batch.producerId} epoch ${batch.producerEpoch} is older than the current epoch ${entry.epoch}; a newer producer instance has fenced it.`,
      }
    }
    if (batch.isTransactional !== true && entry.currentTxnFirstOffset !== NO_TXN && batch.producerEpoch === entry.epoch) {
      return {
        kind: 'error',
        error: 'INVALID_TXN_STATE',
        message: `Producer ${batch.producerId} sent a non-transactional batch while its transaction that began at offset ${entry.currentTxnFirstOffset} is still open.`,
      }
    }
    if (batch.producerEpoch > entry.epoch) {
      if (firstSeq !== 0 && entry.epoch !== NO_PRODUCER_EPOCH) {
        return {
          kind: 'error',
          error: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
          message: `Producer ${batch.producerId} started epoch ${batch.producerEpoch} at sequence ${firstSeq}; a new epoch starts at 0.`,
        }
      }
      return APPEND
    }
    for (const retained of entry.batches) {
      if (retained.firstSeq === firstSeq && retained.lastSeq === lastSeq) return { kind: 'duplicate', batch: retained }
    }
    const last = entry.batches.length === 0 ? NO_SEQUENCE : entry.batches[entry.batches.length - 1]!.lastSeq
    if (last !== NO_SEQUENCE && !inSequence(last, firstSeq)) {
      return {
        kind: 'error',
        error: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
        message: `Producer ${batch.producerId} sent sequence ${firstSeq} but ${last === INT32_MAX ? 0 : last + 1} was expected.`,
      }
    }
    return APPEND
  }

  /**
   * Checks a batch the broker itself appends for a producer (Kafka's AppendOrigin.COORDINATOR:
   * a TxnOffsetCommit's offsets in __consumer_offsets): only the epoch is checked, since the
   * sequence belongs to the producer's own batches, not to the coordinator's writes for it.
   */
  checkEpoch(batch: ProducerBatch): SequenceCheck {
    const epoch = this.#producers.get(batch.producerId)?.epoch
    if (batch.producerId === NO_PRODUCER_ID || epoch === undefined || batch.producerEpoch >= epoch) return APPEND
    return {
      kind: 'error',
      error: 'INVALID_PRODUCER_EPOCH',
      message: `Producer ${batch.producerId} epoch ${batch.producerEpoch} is older than the current epoch ${epoch}; a newer producer instance has fenced it.`,
    }
  }

  /** Records a batch that is now in the log (as leader after `check`, as follower, or at rebuild). */
  update(batch: ProducerBatch, firstOffset: number, timestamp: number): void {
    if (batch.producerId === NO_PRODUCER_ID) return
    const entry = this.#entry(batch.producerId, batch.producerEpoch, timestamp)
    if (batch.producerEpoch !== entry.epoch) {
      entry.epoch = batch.producerEpoch
      entry.batches = []
    }
    if (batch.isTransactional === true && entry.currentTxnFirstOffset === NO_TXN) {
      entry.currentTxnFirstOffset = firstOffset
      this.#ongoing.add(entry)
      if (this.#firstUnstableOffset === NO_TXN || firstOffset < this.#firstUnstableOffset) this.#firstUnstableOffset = firstOffset
    }
    entry.batches.push({
      firstSeq: batch.baseSequence,
      lastSeq: lastSequence(batch),
      firstOffset,
      lastOffset: firstOffset + batch.lastOffsetDelta,
      timestamp,
    })
    if (entry.batches.length > BATCHES_TO_RETAIN) entry.batches.shift()
    entry.lastTimestamp = Math.max(entry.lastTimestamp, timestamp)
  }

  #entry(producerId: number, epoch: number, timestamp: number): ProducerEntry {
    let entry = this.#producers.get(producerId)
    if (entry === undefined) {
      entry = { epoch, batches: [], lastTimestamp: timestamp, coordinatorEpoch: NO_COORDINATOR_EPOCH, currentTxnFirstOffset: NO_TXN }
      this.#producers.set(producerId, entry)
    }
    return entry
  }

  /**
   * Checks a COMMIT or ABORT marker about to be appended as leader: its producer epoch may not
   * be older than the producer's (a newer instance fenced it), nor its coordinator epoch older
   * than the last marker's (a deposed transaction coordinator).
   */
  checkMarker(marker: TxnMarker): MarkerCheck {
    const entry = this.#producers.get(marker.producerId)
    if (entry === undefined) return APPEND
    if (marker.producerEpoch < entry.epoch) {
      return {
        kind: 'error',
        error: 'INVALID_PRODUCER_EPOCH',
        message: `The ${marker.commit ? 'COMMIT' : 'ABORT'} marker for producer ${marker.producerId} has epoch ${marker.producerEpoch}, older than its current epoch ${entry.epoch}.`,
      }
    }
    if (marker.coordinatorEpoch < entry.coordinatorEpoch) {
      return {
        kind: 'error',
        error: 'TRANSACTION_COORDINATOR_FENCED',
        message: `The marker for producer ${marker.producerId} comes from coordinator epoch ${marker.coordinatorEpoch}, older than ${entry.coordinatorEpoch} of the last marker: a newer transaction coordinator took over.`,
      }
    }
    return APPEND
  }

  /**
   * Records a marker now in the log at `offset` and returns the transaction it ended, or null
   * when the producer had none open here (a marker for a partition it never wrote to changes no
   * offset and needs no aborted-transaction entry, as in Kafka).
   */
  completeTxn(marker: TxnMarker, offset: number, timestamp: number): CompletedTxn | null {
    const entry = this.#entry(marker.producerId, marker.producerEpoch, timestamp)
    if (marker.producerEpoch !== entry.epoch) {
      // The coordinator bumped the epoch (an abort on timeout, KIP-360): the old batches are moot.
      if (marker.producerEpoch > entry.epoch) entry.batches = []
      entry.epoch = Math.max(entry.epoch, marker.producerEpoch)
    }
    entry.coordinatorEpoch = Math.max(entry.coordinatorEpoch, marker.coordinatorEpoch)
    entry.lastTimestamp = Math.max(entry.lastTimestamp, timestamp)
    const firstOffset = entry.currentTxnFirstOffset
    if (firstOffset === NO_TXN) return null
    entry.currentTxnFirstOffset = NO_TXN
    this.#ongoing.delete(entry)
    const completed: CompletedTxn = { producerId: marker.producerId, firstOffset, lastOffset: offset, isAborted: !marker.commit }
    this.#unreplicated.push(completed)
    return completed
  }

  /**
   * The high watermark reached `highWatermark`: transactions whose marker lies below it are
   * stable now. Cheap when nothing is waiting (every non-transactional partition).
   */
  onHighWatermark(highWatermark: number): void {
    const unreplicated = this.#unreplicated
    if (unreplicated.length === 0) return
    let stable = 0
    while (stable < unreplicated.length && unreplicated[stable]!.lastOffset < highWatermark) stable++
    if (stable === 0) return
    unreplicated.splice(0, stable)
    this.#recomputeFirstUnstableOffset()
  }

  /**
   * The smallest first offset of a transaction that is open or whose marker is not yet below the
   * high watermark, or NO_TXN: the last stable offset is this or the high watermark, the lower.
   */
  get firstUnstableOffset(): number {
    return this.#firstUnstableOffset
  }

  /** The transactions still open, for tests and diagnostics. */
  ongoingTransactions(): Array<{ producerId: number; firstOffset: number }> {
    const out: Array<{ producerId: number; firstOffset: number }> = []
    for (const [producerId, entry] of this.#producers) if (entry.currentTxnFirstOffset !== NO_TXN) out.push({ producerId, firstOffset: entry.currentTxnFirstOffset })
    return out.sort((a, b) => a.firstOffset - b.firstOffset)
  }

  /** Every producer's state, for DescribeProducers. */
  describe(): ProducerDescription[] {
    const out: ProducerDescription[] = []
    for (const [producerId, e] of this.#producers) {
      const last = e.batches[e.batches.length - 1]
      out.push({
        producerId,
        producerEpoch: e.epoch,
        lastSequence: last?.lastSeq ?? NO_SEQUENCE,
        lastTimestamp: e.lastTimestamp,
        coordinatorEpoch: e.coordinatorEpoch,
        currentTxnStartOffset: e.currentTxnFirstOffset,
      })
    }
    return out
  }

  /**
   * The last stable offset an aborted-transaction index entry records for `completed` (Kafka's
   * ProducerStateManager.lastStableOffset(completedTxn)): the first offset of the earliest
   * transaction still open, or the offset after the marker when none is. A read_committed fetch
   * below it needs no entry written later.
   */
  lastStableOffsetAfter(completed: CompletedTxn): number {
    let first = completed.lastOffset + 1
    for (const entry of this.#ongoing) if (entry.currentTxnFirstOffset < first) first = entry.currentTxnFirstOffset
    return first
  }

  #recomputeFirstUnstableOffset(): void {
    let first = NO_TXN
    for (const entry of this.#ongoing) if (first === NO_TXN || entry.currentTxnFirstOffset < first) first = entry.currentTxnFirstOffset
    for (const txn of this.#unreplicated) if (first === NO_TXN || txn.firstOffset < first) first = txn.firstOffset
    this.#firstUnstableOffset = first
  }

  /** The epoch last seen for a producer, or undefined. */
  epochOf(producerId: number): number | undefined {
    return this.#producers.get(producerId)?.epoch
  }

  /** Drops producers idle for longer than producer.id.expiration.ms. Returns how many. */
  expire(nowMs: number, expirationMs: number): number {
    let removed = 0
    for (const [id, entry] of this.#producers) {
      // As Kafka, a producer with an open transaction is kept: its transaction bounds the LSO.
      if (entry.currentTxnFirstOffset === NO_TXN && nowMs - entry.lastTimestamp > expirationMs) {
        this.#producers.delete(id)
        removed++
      }
    }
    return removed
  }

  /**
   * Forgets batches at or beyond `offset` (after the log was truncated there). A transaction
   * that began there is gone; one whose marker was cut is open again (only a tail above the high
   * watermark is ever cut, and such markers are still among the unreplicated).
   */
  truncateFrom(offset: number): void {
    const reopened = new Map<number, number>()
    this.#unreplicated = this.#unreplicated.filter((txn) => {
      if (txn.lastOffset < offset) return true
      if (txn.firstOffset < offset) reopened.set(txn.producerId, txn.firstOffset)
      return false
    })
    for (const [id, entry] of this.#producers) {
      entry.batches = entry.batches.filter((b) => b.lastOffset < offset)
      if (entry.currentTxnFirstOffset >= offset) entry.currentTxnFirstOffset = NO_TXN
      const firstOffset = reopened.get(id)
      if (firstOffset !== undefined) entry.currentTxnFirstOffset = firstOffset
      if (entry.currentTxnFirstOffset === NO_TXN) this.#ongoing.delete(entry)
      else this.#ongoing.add(entry)
      if (entry.batches.length === 0 && entry.currentTxnFirstOffset === NO_TXN) {
        this.#producers.delete(id)
        this.#ongoing.delete(entry)
      }
    }
    this.#recomputeFirstUnstableOffset()
  }

  /** A plain-data copy for a snapshot file. */
  toSnapshot(): ProducerSnapshotEntry[] {
    return [...this.#producers].map(([producerId, e]) => ({
      producerId,
      epoch: e.epoch,
      lastTimestamp: e.lastTimestamp,
      batches: e.batches.slice(),
      coordinatorEpoch: e.coordinatorEpoch,
      currentTxnFirstOffset: e.currentTxnFirstOffset,
    }))
  }

  /**
   * The state a snapshot describes. Like Kafka's snapshot it keeps open transactions, not
   * completed ones awaiting the high watermark: a snapshot is taken at a clean stop, when the
   * high watermark is checkpointed with it.
   */
  static fromSnapshot(entries: readonly ProducerSnapshotEntry[]): ProducerStateManager {
    const state = new ProducerStateManager()
    for (const e of entries) {
      const entry: ProducerEntry = {
        epoch: e.epoch,
        lastTimestamp: e.lastTimestamp,
        batches: e.batches.slice(-BATCHES_TO_RETAIN),
        // Snapshots written before transactions existed lack these fields.
        coordinatorEpoch: e.coordinatorEpoch ?? NO_COORDINATOR_EPOCH,
        currentTxnFirstOffset: e.currentTxnFirstOffset ?? NO_TXN,
      }
      state.#producers.set(e.producerId, entry)
      if (entry.currentTxnFirstOffset !== NO_TXN) state.#ongoing.add(entry)
    }
    state.#recomputeFirstUnstableOffset()
    return state
  }
}

export interface ProducerSnapshotEntry {
  readonly producerId: number
  readonly epoch: number
  readonly lastTimestamp: number
  readonly batches: readonly BatchMetadata[]
  readonly coordinatorEpoch?: number
  readonly currentTxnFirstOffset?: number
}

function lastSequence(batch: ProducerBatch): number {
  if (batch.baseSequence === NO_SEQUENCE) return NO_SEQUENCE
  const last = batch.baseSequence + batch.lastOffsetDelta
  return last > INT32_MAX ? last - INT32_MAX - 1 : last
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX)
}
