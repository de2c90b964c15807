/**
 * Where transaction coordinators keep their state (Kafka's TransactionStateManager): the
 * partitions of `__transaction_state` this broker leads. A partition is loaded when this broker
 * becomes its leader (its ids answer COORDINATOR_LOAD_IN_PROGRESS meanwhile), dropped when
 * leadership ends (NOT_COORDINATOR from then on), and every change of an id is written to it as a
 * TransactionLogKey/Value record, acks=all, before memory takes the change in.
 *
 * The log is read and written through the same coordinator-log partition the group coordinator
 * uses for __consumer_offsets (group/offsets-partition.ts): one uncompressed batch per write,
 * appended as leader, replayed key by key on load (latest value wins, tombstones delete).
 *
 * The coordinator epoch of a loaded partition is its leader epoch at load: markers carry it, so a
 * partition leader can refuse markers from a coordinator that has been replaced.
 *
 * Event loop thread only.
 */
import type { Logger } from '../common/logger.js'
import { type MaybeAsync, andThen } from '../group/maybe-async.js'
import { type CoordinatorWriteOptions, OffsetsTopicPartition as CoordinatorLogPartition } from '../group/offsets-partition.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { Partition } from '../replication/partition.js'
import { decodeTransactionLogKey, decodeTransactionLogValue, transactionLogRecordKey, transactionLogRecordValue } from './transaction-log.js'
import type { TransactionMetadata, TxnTransitMetadata } from './transaction-metadata.js'
import { isTransactionComplete } from './transaction-state.js'
import { partitionForTransactionalId } from './transaction-topic.js'

/** A partition coordinated here: loading (`log` null) or loaded. */
interface Coordination {
  readonly partition: Partition
  readonly coordinatorEpoch: number
  log: CoordinatorLogPartition | null
  readonly transactions: Map<string, TransactionMetadata>
}

/** An id's metadata with the epoch of the coordinator that holds it (Kafka's CoordinatorEpochAndTxnMetadata). */
export interface CoordinatedTransaction {
  readonly coordinatorEpoch: number
  readonly metadata: TransactionMetadata
}

/** The answer of a lookup: the id (undefined when unknown here), or why this broker cannot say. */
export type TransactionLookup = { readonly errorCode: number } | { readonly coordinatorEpoch: number; readonly metadata: TransactionMetadata | undefined }

export interface PartitionLoad {
  readonly partition: number
  readonly coordinatorEpoch: number
  readonly transactions: number
  readonly records: number
  readonly ms: number
}

export class TransactionStateManager {
  readonly partitionCount: number
  readonly #writes: CoordinatorWriteOptions
  readonly #logger: Logger
  readonly #coordinated = new Map<number, Coordination>()

  constructor(partitionCount: number, writes: CoordinatorWriteOptions, logger: Logger) {
    this.partitionCount = partitionCount
    this.#writes = writes
    this.#logger = logger
  }

  partitionFor(transactionalId: string): number {
    return partitionForTransactionalId(transactionalId, this.partitionCount)
  }

  /** Whether `partition` (this very leadership's object) is loaded or loading here. */
  coordinates(partition: Partition): boolean {
    const c = this.#coordinated.get(partition.index)
    return c !== undefined && c.partition === partition && c.coordinatorEpoch === partition.leaderEpoch
  }

  get isLoadingAny(): boolean {
    for (const c of this.#coordinated.values()) if (c.log === null) return true
    return false
  }

  /**
   * Kafka's getTransactionState: COORDINATOR_LOAD_IN_PROGRESS while the id's partition loads,
   * NOT_COORDINATOR when this broker does not lead it, else the id's metadata (or undefined).
   */
  get(transactionalId: string): TransactionLookup {
    const c = this.#coordinated.get(this.partitionFor(transactionalId))
    if (c === undefined) return { errorCode: KafkaErrorCodes.NOT_COORDINATOR }
    if (c.log === null) return { errorCode: KafkaErrorCodes.COORDINATOR_LOAD_IN_PROGRESS }
    return { coordinatorEpoch: c.coordinatorEpoch, metadata: c.transactions.get(transactionalId) }
  }

  /** Adds a new id's metadata unless one exists meanwhile; returns the one in force. */
  putIfNotExists(metadata: TransactionMetadata): TransactionMetadata {
    const c = this.#coordinated.get(this.partitionFor(metadata.transactionalId))
    if (c === undefined || c.log === null) return metadata
    const existing = c.transactions.get(metadata.transactionalId)
    if (existing !== undefined) return existing
    c.transactions.set(metadata.transactionalId, metadata)
    return metadata
  }

  /** Whether this broker still coordinates the id's partition at `coordinatorEpoch`. */
  isCurrent(transactionalId: string, coordinatorEpoch: number): boolean {
    const c = this.#coordinated.get(this.partitionFor(transactionalId))
    return c !== undefined && c.log !== null && c.coordinatorEpoch === coordinatorEpoch
  }

  /** Every loaded id, with its partition's coordinator epoch (ListTransactions, timeouts, expiry). */
  *transactions(): Iterable<CoordinatedTransaction> {
    for (const c of this.#coordinated.values()) {
      if (c.log === null) continue
      for (const metadata of c.transactions.values()) yield { coordinatorEpoch: c.coordinatorEpoch, metadata }
    }
  }

  /**
   * Loads a partition this broker now leads. Resolves with the loaded ids (the coordinator then
   * completes those caught in PrepareCommit/PrepareAbort), or null when leadership ended during
   * the load. Rejects when the log cannot be read; the partition is then not coordinated here.
   */
  async load(partition: Partition): Promise<{ report: PartitionLoad; transactions: CoordinatedTransaction[] } | null> {
    const started = performance.now()
    const coordination: Coordination = { partition, coordinatorEpoch: partition.leaderEpoch, log: null, transactions: new Map() }
    this.#coordinated.set(partition.index, coordination)
    const log = new CoordinatorLogPartition(partition, this.#writes)
    const loaded = new Map<string, TransactionMetadata>()
    let unreadable = 0
    let report
    try {
      report = await log.load((key, value) => {
        try {
          const transactionalId = decodeTransactionLogKey(key)
          if (value === null) loaded.delete(transactionalId)
          else loaded.set(transactionalId, decodeTransactionLogValue(transactionalId, value))
        } catch (error) {
          // One record we cannot read must not keep the other ids from loading.
          if (unreadable++ === 0) this.#logger.warn('skipping an unreadable __transaction_state record', { partition: partition.index, error })
        }
      })
    } catch (error) {
      if (this.#coordinated.get(partition.index) === coordination) this.#coordinated.delete(partition.index)
      throw error
    }
    if (this.#coordinated.get(partition.index) !== coordination || !partition.isLeader) return null
    for (const [id, metadata] of loaded) {
      // A tombstone's Dead state is never read back; a Dead value (never written by us) is gone too.
      if (metadata.state !== 'Dead') coordination.transactions.set(id, metadata)
    }
    coordination.log = log
    return {
      report: {
        partition: partition.index,
        coordinatorEpoch: coordination.coordinatorEpoch,
        transactions: coordination.transactions.size,
        records: report.snapshotRecords + report.replayedRecords,
        ms: performance.now() - started,
      },
      transactions: [...coordination.transactions.values()].map((metadata) => ({ coordinatorEpoch: coordination.coordinatorEpoch, metadata })),
    }
  }

  /** Forgets a partition whose leadership ended; returns how many ids it held, or -1 if none was coordinated. */
  unload(index: number): number {
    const c = this.#coordinated.get(index)
    if (c === undefined) return -1
    this.#coordinated.delete(index)
    return c.transactions.size
  }

  /**
   * Writes `transit` for the id (acks=all) and, once the ISR has it and this broker still
   * coordinates the id at `coordinatorEpoch`, applies it to `metadata` (Kafka's
   * appendTransactionToLog). A failed write leaves the metadata as it was (pending change
   * dropped) and answers Kafka's coordinator error: NOT_COORDINATOR when leadership moved,
   * COORDINATOR_NOT_AVAILABLE when the ISR is too small or slow (the client retries).
   */
  append(metadata: TransactionMetadata, coordinatorEpoch: number, transit: TxnTransitMetadata, now: number): MaybeAsync<number> {
    const transactionalId = metadata.transactionalId
    const c = this.#coordinated.get(this.partitionFor(transactionalId))
    if (c === undefined || c.log === null || c.coordinatorEpoch !== coordinatorEpoch) {
      metadata.abortTransition()
      return KafkaErrorCodes.NOT_COORDINATOR
    }
    const value = transit.state === 'Dead' ? null : transactionLogRecordValue(transit)
    const written = c.log.append([{ key: transactionLogRecordKey(transactionalId), value }], now, 'once-replicated')
    return andThen(written.outcome, (errorCode) => {
      if (errorCode !== KafkaErrorCodes.NONE) {
        this.#logger.warn('could not write transaction state', { transactionalId, state: transit.state, errorCode, error: written.errorMessage })
        metadata.abortTransition()
        return coordinatorWriteError(errorCode)
      }
      if (!this.isCurrent(transactionalId, coordinatorEpoch)) {
        // Written, but another broker coordinates the id now and will load it from the log.
        metadata.abortTransition()
        return KafkaErrorCodes.NOT_COORDINATOR
      }
      metadata.completeTransition(transit)
      if (transit.state === 'Dead') c.transactions.delete(transactionalId)
      return KafkaErrorCodes.NONE
    })
  }

  /** Ids whose transaction has been open longer than its timeout (Kafka's timedOutTransactions). */
  timedOutTransactions(now: number): CoordinatedTransaction[] {
    const out: CoordinatedTransaction[] = []
    for (const t of this.transactions()) {
      const m = t.metadata
      if (m.state === 'Ongoing' && !m.pendingTransitionInProgress && m.txnStartTimestamp + m.txnTimeoutMs < now) out.push(t)
    }
    return out
  }

  /** Ids with no transaction, idle for `expirationMs` (transactional.id.expiration.ms). */
  expiredTransactionalIds(now: number, expirationMs: number): CoordinatedTransaction[] {
    const out: CoordinatedTransaction[] = []
    for (const t of this.transactions()) {
      const m = t.metadata
      if (isTransactionComplete(m.state) && !m.pendingTransitionInProgress && m.txnLastUpdateTimestamp <= now - expirationMs) out.push(t)
    }
    return out
  }
}

/** Kafka's mapping of a failed __transaction_state write to what the client is told. */
function coordinatorWriteError(errorCode: number): number {
  switch (errorCode) {
    case KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION:
    case KafkaErrorCodes.NOT_ENOUGH_REPLICAS:
    case KafkaErrorCodes.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case KafkaErrorCodes.REQUEST_TIMED_OUT:
      return KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE
    case KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER:
    case KafkaErrorCodes.KAFKA_STORAGE_ERROR:
      return KafkaErrorCodes.NOT_COORDINATOR
    default:
      return KafkaErrorCodes.UNKNOWN_SERVER_ERROR
  }
}
