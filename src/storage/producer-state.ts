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

interface ProducerEntry {
  epoch: number
  /** Oldest first, at most BATCHES_TO_RETAIN. */
  batches: BatchMetadata[]
  lastTimestamp: number
}

/** What a batch's producer fields mean for an append as leader. */
export type SequenceCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly batch: BatchMetadata }
  | { readonly kind: 'error'; readonly error: 'INVALID_PRODUCER_EPOCH' | 'OUT_OF_ORDER_SEQUENCE_NUMBER'; readonly message: string }

const APPEND: SequenceCheck = { kind: 'append' }

/** The producer fields of one batch, as read from its header. */
export interface ProducerBatch {
  readonly producerId: number
  readonly producerEpoch: number
  readonly baseSequence: number
  /** lastOffsetDelta; the batch covers sequences baseSequence .. baseSequence + lastOffsetDelta (mod 2^31). */
  readonly lastOffsetDelta: number
}

export class ProducerStateManager {
  readonly #producers = new Map<number, ProducerEntry>()

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
    let entry = this.#producers.get(batch.producerId)
    if (entry === undefined) {
      entry = { epoch: batch.producerEpoch, batches: [], lastTimestamp: timestamp }
      this.#producers.set(batch.producerId, entry)
    }
    if (batch.producerEpoch !== entry.epoch) {
      entry.epoch = batch.producerEpoch
      entry.batches = []
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

  /** The epoch last seen for a producer, or undefined. */
  epochOf(producerId: number): number | undefined {
    return this.#producers.get(producerId)?.epoch
  }

  /** Drops producers idle for longer than producer.id.expiration.ms. Returns how many. */
  expire(nowMs: number, expirationMs: number): number {
    let removed = 0
    for (const [id, entry] of this.#producers) {
      if (nowMs - entry.lastTimestamp > expirationMs) {
        this.#producers.delete(id)
        removed++
      }
    }
    return removed
  }

  /** Forgets batches at or beyond `offset` (after the log was truncated there). */
  truncateFrom(offset: number): void {
    for (const [id, entry] of this.#producers) {
      entry.batches = entry.batches.filter((b) => b.lastOffset < offset)
      if (entry.batches.length === 0) this.#producers.delete(id)
    }
  }

  /** A plain-data copy for a snapshot file. */
  toSnapshot(): ProducerSnapshotEntry[] {
    return [...this.#producers].map(([producerId, e]) => ({ producerId, epoch: e.epoch, lastTimestamp: e.lastTimestamp, batches: e.batches.slice() }))
  }

  static fromSnapshot(entries: readonly ProducerSnapshotEntry[]): ProducerStateManager {
    const state = new ProducerStateManager()
    for (const e of entries) {
      state.#producers.set(e.producerId, { epoch: e.epoch, lastTimestamp: e.lastTimestamp, batches: e.batches.slice(-BATCHES_TO_RETAIN) })
    }
    return state
  }
}

export interface ProducerSnapshotEntry {
  readonly producerId: number
  readonly epoch: number
  readonly lastTimestamp: number
  readonly batches: readonly BatchMetadata[]
}

function lastSequence(batch: ProducerBatch): number {
  if (batch.baseSequence === NO_SEQUENCE) return NO_SEQUENCE
  const last = batch.baseSequence + batch.lastOffsetDelta
  return last > INT32_MAX ? last - INT32_MAX - 1 : last
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX)
}
