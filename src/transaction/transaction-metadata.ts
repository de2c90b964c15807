/**
 * What the coordinator knows about one transactional id (Kafka's TransactionMetadata) and the
 * state changes it may make. Every change is two steps, as in Kafka: `prepare*` checks the
 * transition and returns the TxnTransitMetadata to write to `__transaction_state` (marking the
 * change pending, so concurrent requests get CONCURRENT_TRANSACTIONS), and once the write is
 * replicated `completeTransition` applies it — or `abortTransition` forgets it when the write
 * failed. Memory therefore never holds a state the log may lose.
 *
 * Event loop thread only (one request at a time changes an id; no locks needed).
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { type TransactionState, isValidTransition } from './transaction-state.js'

/** Kafka's RecordBatch.NO_PRODUCER_EPOCH / NO_PRODUCER_ID. */
export const NO_PRODUCER_EPOCH = -1
export const NO_PRODUCER_ID = -1
/** Largest int16; an epoch at or above MAX - 1 cannot be bumped again (Kafka's isEpochExhausted). */
const MAX_EPOCH = 0x7fff

export function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_EPOCH - 1
}

/** A partition in a transaction, by topic name. */
export interface TopicPartition {
  readonly topic: string
  readonly partition: number
}

/** Kafka's TxnTransitMetadata: the state a pending change writes, and memory takes on once it is written. */
export interface TxnTransitMetadata {
  readonly producerId: number
  /** The producer id before this change (differs when the id was rotated). */
  readonly lastProducerId: number
  readonly producerEpoch: number
  readonly lastProducerEpoch: number
  readonly txnTimeoutMs: number
  readonly state: TransactionState
  readonly partitions: ReadonlyMap<string, ReadonlySet<number>>
  readonly txnStartTimestamp: number
  readonly txnLastUpdateTimestamp: number
}

/** A change the state machine refuses for a reason the client is told (a Kafka error code). */
export interface TransitionRefused {
  readonly errorCode: number
}

export function isRefused(result: TxnTransitMetadata | TransitionRefused): result is TransitionRefused {
  return 'errorCode' in result
}

function illegal(transactionalId: string, message: string): never {
  throw new SamsaError(ErrorCodes.TRANSACTION_STATE, `transactional id ${transactionalId}: ${message}`)
}

export class TransactionMetadata {
  readonly transactionalId: string
  producerId: number
  lastProducerId: number
  producerEpoch: number
  lastProducerEpoch: number
  txnTimeoutMs: number
  state: TransactionState
  /** topic → partitions in the current transaction (during Prepare*: those still without a marker). */
  partitions: Map<string, Set<number>>
  txnStartTimestamp: number
  txnLastUpdateTimestamp: number
  /** The state a change being written will move to; null when none is pending. */
  pendingState: TransactionState | null = null
  /**
   * A fence (epoch bump before an abort) whose write failed: the next fence reuses the bumped
   * epoch rather than bumping again. Safe because the bumped epoch was never given to a client.
   */
  hasFailedEpochFence = false

  constructor(init: {
    transactionalId: string
    producerId: number
    lastProducerId?: number
    producerEpoch: number
    lastProducerEpoch?: number
    txnTimeoutMs: number
    state: TransactionState
    partitions?: Map<string, Set<number>>
    txnStartTimestamp?: number
    txnLastUpdateTimestamp: number
  }) {
    this.transactionalId = init.transactionalId
    this.producerId = init.producerId
    this.lastProducerId = init.lastProducerId ?? NO_PRODUCER_ID
    this.producerEpoch = init.producerEpoch
    this.lastProducerEpoch = init.lastProducerEpoch ?? NO_PRODUCER_EPOCH
    this.txnTimeoutMs = init.txnTimeoutMs
    this.state = init.state
    this.partitions = init.partitions ?? new Map()
    this.txnStartTimestamp = init.txnStartTimestamp ?? -1
    this.txnLastUpdateTimestamp = init.txnLastUpdateTimestamp
  }

  get pendingTransitionInProgress(): boolean {
    return this.pendingState !== null
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch)
  }

  /** Whether a transaction is open or completing (the producer id must not change under it). */
  get hasPendingTransaction(): boolean {
    return this.state === 'Ongoing' || this.state === 'PrepareCommit' || this.state === 'PrepareAbort'
  }

  hasPartition(topic: string, partition: number): boolean {
    return this.partitions.get(topic)?.has(partition) ?? false
  }

  containsAll(partitions: readonly TopicPartition[]): boolean {
    return partitions.every((p) => this.hasPartition(p.topic, p.partition))
  }

  get partitionList(): TopicPartition[] {
    const list: TopicPartition[] = []
    for (const [topic, indexes] of this.partitions) for (const partition of indexes) list.push({ topic, partition })
    return list
  }

  /** A marker reached the partition: it no longer waits for one (Kafka's removePartition). */
  removePartition(topic: string, partition: number): void {
    const indexes = this.partitions.get(topic)
    if (indexes === undefined) return
    indexes.delete(partition)
    if (indexes.size === 0) this.partitions.delete(topic)
  }

  /**
   * InitProducerId on an id with no open transaction: the next epoch of the same producer id.
   * `expectedEpoch` is the epoch the producer passed (KIP-360, InitProducerId v3+), or null for
   * a producer that starts afresh. A producer that passes its current epoch (or the id is new)
   * gets the next one and remembers the last; one that passes the epoch it was given last time
   * is retrying a call whose answer it lost and gets the same epoch again; any other is fenced.
   */
  prepareIncrementProducerEpoch(txnTimeoutMs: number, expectedEpoch: number | null, now: number): TxnTransitMetadata | TransitionRefused {
    if (this.isProducerEpochExhausted) illegal(this.transactionalId, `cannot bump the exhausted epoch ${this.producerEpoch} of producer id ${this.producerId}`)
    const bumped = this.producerEpoch + 1
    let epoch: number
    let lastEpoch: number
    if (expectedEpoch === null) {
      epoch = bumped
      lastEpoch = NO_PRODUCER_EPOCH
    } else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === this.producerEpoch) {
      epoch = bumped
      lastEpoch = this.producerEpoch
    } else if (expectedEpoch === this.lastProducerEpoch) {
      epoch = this.producerEpoch
      lastEpoch = this.lastProducerEpoch
    } else {
      return { errorCode: KafkaErrorCodes.PRODUCER_FENCED }
    }
    return this.#prepareTransitionTo('Empty', this.producerId, epoch, lastEpoch, txnTimeoutMs, new Map(), -1, now)
  }

  /**
   * InitProducerId when the epoch is exhausted: a new producer id at epoch 0. `recordLastEpoch`
   * (the producer passed its id and epoch) keeps the old epoch so a retry is recognised.
   */
  prepareProducerIdRotation(newProducerId: number, txnTimeoutMs: number, now: number, recordLastEpoch: boolean): TxnTransitMetadata {
    if (this.hasPendingTransaction) illegal(this.transactionalId, 'cannot rotate the producer id while a transaction is still open')
    return this.#prepareTransitionTo('Empty', newProducerId, 0, recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH, txnTimeoutMs, new Map(), -1, now)
  }

  /**
   * The epoch bump that fences the instance of an Ongoing transaction about to be aborted (a new
   * instance called InitProducerId, or the transaction timed out). Not written by itself: the
   * PrepareAbort that follows carries the bumped epoch.
   */
  prepareFenceProducerEpoch(): TxnTransitMetadata {
    if (this.producerEpoch >= MAX_EPOCH) illegal(this.transactionalId, `cannot fence epoch ${this.producerEpoch}: it would overflow`)
    const epoch = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1
    return this.#prepareTransitionTo(
      'PrepareEpochFence',
      this.producerId,
      epoch,
      NO_PRODUCER_EPOCH,
      this.txnTimeoutMs,
      this.partitions,
      this.txnStartTimestamp,
      this.txnLastUpdateTimestamp,
    )
  }

  /** AddPartitionsToTxn / AddOffsetsToTxn: the transaction is (or becomes) Ongoing with these partitions too. */
  prepareAddPartitions(added: readonly TopicPartition[], now: number): TxnTransitMetadata {
    const partitions = copyPartitions(this.partitions)
    for (const { topic, partition } of added) {
      let indexes = partitions.get(topic)
      if (indexes === undefined) partitions.set(topic, (indexes = new Set()))
      indexes.add(partition)
    }
    // A transaction starts with its first partition.
    const start = this.state === 'Ongoing' ? this.txnStartTimestamp : now
    return this.#prepareTransitionTo('Ongoing', this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, partitions, start, now)
  }

  /** EndTxn on an Ongoing transaction: PrepareCommit or PrepareAbort, with every partition still to mark. */
  prepareAbortOrCommit(state: 'PrepareCommit' | 'PrepareAbort', now: number): TxnTransitMetadata {
    return this.#prepareTransitionTo(state, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, this.partitions, this.txnStartTimestamp, now)
  }

  /** Every marker is written: CompleteCommit or CompleteAbort, with no partitions left. */
  prepareComplete(now: number): TxnTransitMetadata {
    if (this.state !== 'PrepareCommit' && this.state !== 'PrepareAbort') illegal(this.transactionalId, `cannot complete a transaction in state ${this.state}`)
    const state = this.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort'
    // The Prepare* write succeeded, so the epoch it carried is the id's epoch now.
    this.hasFailedEpochFence = false
    return this.#prepareTransitionTo(state, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, new Map(), this.txnStartTimestamp, now)
  }

  /** transactional.id.expiration.ms passed with no transaction: the id is removed (a tombstone). */
  prepareDead(): TxnTransitMetadata {
    return this.#prepareTransitionTo('Dead', this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, new Map(), this.txnStartTimestamp, this.txnLastUpdateTimestamp)
  }

  /**
   * Applies a change whose write succeeded (Kafka's completeTransitionTo), checking that it is
   * the change prepared: a mismatch means the id changed under a pending write, a coordinator bug.
   */
  completeTransition(transit: TxnTransitMetadata): void {
    const pending = this.pendingState
    if (pending === null || pending !== transit.state) illegal(this.transactionalId, `completing a change to ${transit.state} while the pending change is ${pending ?? 'none'}`)
    if (!isValidTransition(this.state, transit.state)) illegal(this.transactionalId, `cannot move from ${this.state} to ${transit.state}`)
    this.producerId = transit.producerId
    this.lastProducerId = transit.lastProducerId
    this.producerEpoch = transit.producerEpoch
    this.lastProducerEpoch = transit.lastProducerEpoch
    this.txnTimeoutMs = transit.txnTimeoutMs
    this.partitions = copyPartitions(transit.partitions)
    this.txnStartTimestamp = transit.txnStartTimestamp
    this.txnLastUpdateTimestamp = transit.txnLastUpdateTimestamp
    this.state = transit.state
    this.pendingState = null
  }

  /** Forgets a change whose write failed; the id stays as it was. */
  abortTransition(): void {
    this.pendingState = null
  }

  #prepareTransitionTo(
    state: TransactionState,
    producerId: number,
    producerEpoch: number,
    lastProducerEpoch: number,
    txnTimeoutMs: number,
    partitions: ReadonlyMap<string, ReadonlySet<number>>,
    txnStartTimestamp: number,
    now: number,
  ): TxnTransitMetadata {
    if (this.pendingState !== null) illegal(this.transactionalId, `a change to ${this.pendingState} is still being written; cannot also move to ${state}`)
    if (producerId < 0) illegal(this.transactionalId, `illegal producer id ${producerId}`)
    if (state !== 'Dead' && producerEpoch < 0) illegal(this.transactionalId, `illegal producer epoch ${producerEpoch}`)
    if (!isValidTransition(this.state, state)) illegal(this.transactionalId, `cannot move from ${this.state} to ${state}`)
    this.pendingState = state
    return {
      producerId,
      // Only InitProducerId (the move to Empty) may change the producer id; it remembers the one
      // it replaces, so a retry after a rotation whose answer was lost is recognised.
      lastProducerId: state === 'Empty' ? this.producerId : this.lastProducerId,
      producerEpoch,
      lastProducerEpoch,
      txnTimeoutMs,
      state,
      partitions: copyPartitions(partitions),
      txnStartTimestamp,
      txnLastUpdateTimestamp: now,
    }
  }
}

function copyPartitions(partitions: ReadonlyMap<string, ReadonlySet<number>>): Map<string, Set<number>> {
  const copy = new Map<string, Set<number>>()
  for (const [topic, indexes] of partitions) copy.set(topic, new Set(indexes))
  return copy
}
