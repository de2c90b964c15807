/**
 * The transaction coordinator of this broker (Kafka's TransactionCoordinator): it owns the
 * transactional ids whose `__transaction_state` partition this broker leads, and answers
 * InitProducerId (with a transactional id), AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
 * DescribeTransactions and ListTransactions for them.
 *
 * It is placed as the group coordinator is: it follows leadership of the `__transaction_state`
 * partitions (loading a partition's ids when this broker becomes its leader, forgetting them when
 * leadership ends), writes every change of an id to that partition acks=all before taking it in,
 * and, for transactions a previous coordinator left in PrepareCommit or PrepareAbort, finishes
 * the job after loading: markers to every partition, then CompleteCommit or CompleteAbort.
 *
 * EndTxn answers once PrepareCommit/PrepareAbort is durable; the markers then go out through
 * the marker channel and the transaction completes in the background. Until it has, the
 * producer's next InitProducerId, AddPartitionsToTxn or EndTxn gets CONCURRENT_TRANSACTIONS and
 * retries, as with Kafka.
 *
 * In the background it aborts transactions open longer than their timeout (bumping the epoch,
 * so the abandoned producer is fenced) and removes ids idle past transactional.id.expiration.ms.
 *
 * Event loop thread only. Each request's checks and its `prepare*` run without awaiting in
 * between, so two requests for one id never interleave between check and change.
 */
import type { BrokerConfig } from '../common/config/broker-config.js'
import type { Logger } from '../common/logger.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { Partition } from '../replication/partition.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import {
  NO_PRODUCER_EPOCH,
  type TopicPartition,
  TransactionMetadata,
  type TxnTransitMetadata,
  isEpochExhausted,
  isRefused,
} from './transaction-metadata.js'
import { type TransactionState, parseTransactionState } from './transaction-state.js'
import { TransactionStateManager } from './transaction-state-manager.js'
import { TRANSACTION_STATE_TOPIC } from './transaction-topic.js'
import { TxnMarkerChannel, type TxnMarkerTransport } from './txn-marker-channel.js'

export interface TransactionCoordinatorConfig {
  readonly maxTimeoutMs: number
  readonly transactionalIdExpirationMs: number
  readonly abortTimedOutIntervalMs: number
  readonly removeExpiredIntervalMs: number
  /** How long a __transaction_state write waits for the ISR. */
  readonly writeTimeoutMs: number
}

export function transactionCoordinatorConfig(config: BrokerConfig): TransactionCoordinatorConfig {
  return {
    maxTimeoutMs: config.get('transaction.max.timeout.ms'),
    transactionalIdExpirationMs: config.get('transactional.id.expiration.ms'),
    abortTimedOutIntervalMs: config.get('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
    removeExpiredIntervalMs: config.get('transaction.remove.expired.transaction.cleanup.interval.ms'),
    writeTimeoutMs: config.get('transaction.state.write.timeout.ms'),
  }
}

export interface TransactionCoordinatorOptions {
  readonly config: TransactionCoordinatorConfig
  readonly logger: Logger
  /** transaction.state.log.num.partitions, or the partition count of __transaction_state if it exists. */
  readonly partitionCount: number
  /** The partitions of __transaction_state hosted here now (none before the topic exists). */
  readonly hostedPartitions: () => readonly (Partition | undefined)[]
  readonly replicas: Pick<ReplicaManager, 'onLeadershipChange' | 'purgatories'>
  /** A new producer id (durable blocks; in a cluster shared through etcd). */
  readonly nextProducerId: () => Promise<number>
  /** The __consumer_offsets partition that holds a group (AddOffsetsToTxn adds it). */
  readonly offsetsPartitionFor: (groupId: string) => { topic: string; partition: number }
  readonly markers: TxnMarkerTransport
  readonly now?: () => number
}

export interface InitProducerIdResult {
  readonly errorCode: number
  readonly producerId: number
  readonly producerEpoch: number
}

export interface TransactionDescription {
  readonly errorCode: number
  readonly transactionalId: string
  readonly state: string
  readonly timeoutMs: number
  readonly startTimeMs: number
  readonly producerId: number
  readonly producerEpoch: number
  readonly partitions: readonly TopicPartition[]
}

export interface TransactionListing {
  readonly transactionalId: string
  readonly producerId: number
  readonly state: TransactionState
}

const INIT_ERROR = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: -1, producerEpoch: -1 })
/** Retry interval of a Complete* write that failed for a reason that passes (a short ISR). */
const COMPLETE_RETRY_MS = 200

export class TransactionCoordinator {
  readonly #config: TransactionCoordinatorConfig
  readonly #logger: Logger
  readonly #now: () => number
  readonly #state: TransactionStateManager
  readonly #channel: TxnMarkerChannel
  readonly #nextProducerId: () => Promise<number>
  readonly #offsetsPartitionFor: (groupId: string) => { topic: string; partition: number }
  readonly #timers: NodeJS.Timeout[] = []
  readonly #loads = new Map<number, Promise<unknown>>()
  /** Background work under way: marker deliveries and Complete* writes, timeout aborts, expiries (awaited by tests, not by shutdown). */
  readonly #completions = new Set<Promise<void>>()
  #stopListening: () => void = () => undefined
  #active = true

  private constructor(options: TransactionCoordinatorOptions) {
    this.#config = options.config
    this.#logger = options.logger
    this.#now = options.now ?? Date.now
    this.#state = new TransactionStateManager(
      options.partitionCount,
      { produces: options.replicas.purgatories.produces, timeoutMs: options.config.writeTimeoutMs },
      options.logger,
    )
    this.#channel = new TxnMarkerChannel(options.markers, options.logger)
    this.#nextProducerId = options.nextProducerId
    this.#offsetsPartitionFor = options.offsetsPartitionFor
  }

  /** Loads every __transaction_state partition led here, follows leadership from then on, starts the timers. */
  static async start(options: TransactionCoordinatorOptions): Promise<TransactionCoordinator> {
    const coordinator = new TransactionCoordinator(options)
    coordinator.#stopListening = options.replicas.onLeadershipChange((partition, leading) => coordinator.#onLeadershipChange(partition, leading))
    await Promise.all(options.hostedPartitions().filter((p): p is Partition => p !== undefined && p.isLeader).map((p) => coordinator.#onElection(p)))
    coordinator.#startBackgroundWork()
    return coordinator
  }

  get partitionCount(): number {
    return this.#state.partitionCount
  }

  /** The __transaction_state partition that holds the id. */
  partitionFor(transactionalId: string): number {
    return this.#state.partitionFor(transactionalId)
  }

  /** Resolves once loads and the completions they started have settled (tests). */
  async awaitIdle(): Promise<void> {
    while (this.#loads.size > 0 || this.#completions.size > 0) await Promise.all([...this.#loads.values(), ...this.#completions])
  }

  #onLeadershipChange(partition: Partition, leading: boolean): void {
    if (partition.topic !== TRANSACTION_STATE_TOPIC || !this.#active) return
    if (!leading) {
      const ids = this.#state.unload(partition.index)
      if (ids >= 0) this.#logger.info('no longer transaction coordinator of a __transaction_state partition', { partition: partition.index, transactionalIds: ids })
      return
    }
    void this.#onElection(partition)
  }

  /** Kafka's onElection: load the partition's ids, then finish the transactions caught mid-completion. */
  #onElection(partition: Partition): Promise<unknown> {
    if (this.#state.coordinates(partition)) return this.#loads.get(partition.index) ?? Promise.resolve()
    const load = this.#state.load(partition).then(
      (loaded) => {
        if (loaded === null || !this.#active) return
        let completing = 0
        for (const { coordinatorEpoch, metadata } of loaded.transactions) {
          if (metadata.state !== 'PrepareCommit' && metadata.state !== 'PrepareAbort') continue
          completing++
          this.#complete(metadata, coordinatorEpoch, metadata.prepareComplete(this.#now()))
        }
        this.#logger.info('became transaction coordinator of a __transaction_state partition', { ...loaded.report, ms: Math.round(loaded.report.ms), completing })
      },
      (error: unknown) => {
        this.#logger.error('could not load a __transaction_state partition; its transactional ids get NOT_COORDINATOR', { partition: partition.index, error })
      },
    )
    const tracked = load.finally(() => {
      if (this.#loads.get(partition.index) === tracked) this.#loads.delete(partition.index)
    })
    this.#loads.set(partition.index, tracked)
    return tracked
  }

  /**
   * InitProducerId with a transactional id. A new id gets a producer id at epoch 0; a known one
   * the next epoch (fencing every older instance). An open transaction of the old instance is
   * aborted first, and the caller is told CONCURRENT_TRANSACTIONS to retry once it is. `expected`
   * is the id and epoch the producer passes to recover (KIP-360, v3+), or null.
   */
  async initProducerId(transactionalId: string, txnTimeoutMs: number, expected: { producerId: number; producerEpoch: number } | null): Promise<InitProducerIdResult> {
    if (transactionalId === '') return INIT_ERROR(KafkaErrorCodes.INVALID_REQUEST)
    if (txnTimeoutMs <= 0 || txnTimeoutMs > this.#config.maxTimeoutMs) return INIT_ERROR(KafkaErrorCodes.INVALID_TRANSACTION_TIMEOUT)
    // A new id, or an exhausted epoch, needs a producer id first: that may wait on etcd, so it is
    // fetched before the checks, which then run again with it in hand.
    let newProducerId: number | null = null
    for (;;) {
      const found = this.#state.get(transactionalId)
      if ('errorCode' in found) return INIT_ERROR(found.errorCode)
      let metadata = found.metadata
      if (metadata === undefined) {
        if (newProducerId === null) {
          newProducerId = await this.#nextProducerId()
          continue
        }
        metadata = this.#state.putIfNotExists(
          new TransactionMetadata({ transactionalId, producerId: newProducerId, producerEpoch: NO_PRODUCER_EPOCH, txnTimeoutMs, state: 'Empty', txnLastUpdateTimestamp: this.#now() }),
        )
        if (metadata.producerId === newProducerId) newProducerId = null
      }
      const prepared = this.#prepareInit(metadata, txnTimeoutMs, expected, newProducerId)
      if (prepared === 'needs-producer-id') {
        newProducerId = await this.#nextProducerId()
        continue
      }
      if (typeof prepared === 'number') return INIT_ERROR(prepared)
      if (prepared.state === 'PrepareEpochFence') {
        // The old instance's transaction is aborted with the bumped epoch; the new instance retries.
        const error = await this.endTransaction(transactionalId, prepared.producerId, prepared.producerEpoch, false, false)
        return INIT_ERROR(error === KafkaErrorCodes.NONE ? KafkaErrorCodes.CONCURRENT_TRANSACTIONS : error)
      }
      const error = await this.#state.append(metadata, found.coordinatorEpoch, prepared, this.#now())
      if (error !== KafkaErrorCodes.NONE) return INIT_ERROR(error)
      this.#logger.info('initialized transactional producer', { transactionalId, producerId: metadata.producerId, producerEpoch: metadata.producerEpoch })
      return { errorCode: KafkaErrorCodes.NONE, producerId: metadata.producerId, producerEpoch: metadata.producerEpoch }
    }
  }

  /** Kafka's prepareInitProducerIdTransit; a number is the error to answer. */
  #prepareInit(
    m: TransactionMetadata,
    txnTimeoutMs: number,
    expected: { producerId: number; producerEpoch: number } | null,
    newProducerId: number | null,
  ): TxnTransitMetadata | number | 'needs-producer-id' {
    if (m.pendingTransitionInProgress) return KafkaErrorCodes.CONCURRENT_TRANSACTIONS
    if (expected !== null && !isValidProducerId(m, expected)) return KafkaErrorCodes.PRODUCER_FENCED
    switch (m.state) {
      case 'PrepareCommit':
      case 'PrepareAbort':
        return KafkaErrorCodes.CONCURRENT_TRANSACTIONS
      case 'Empty':
      case 'CompleteCommit':
      case 'CompleteAbort': {
        if (m.isProducerEpochExhausted && (expected === null || expected.producerEpoch === m.producerEpoch)) {
          if (newProducerId === null) return 'needs-producer-id'
          return m.prepareProducerIdRotation(newProducerId, txnTimeoutMs, this.#now(), expected !== null)
        }
        const transit = m.prepareIncrementProducerEpoch(txnTimeoutMs, expected?.producerEpoch ?? null, this.#now())
        return isRefused(transit) ? transit.errorCode : transit
      }
      case 'Ongoing':
        return m.prepareFenceProducerEpoch()
      case 'Dead':
      case 'PrepareEpochFence':
        this.#logger.error('transactional id found in a state it can never rest in', { transactionalId: m.transactionalId, state: m.state })
        return KafkaErrorCodes.UNKNOWN_SERVER_ERROR
    }
  }

  /**
   * AddPartitionsToTxn (and AddOffsetsToTxn, through `addOffsets`): the partitions join the
   * producer's transaction, which becomes Ongoing. One error code for all of them.
   */
  async addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<number> {
    if (transactionalId === '') return KafkaErrorCodes.INVALID_REQUEST
    const found = this.#state.get(transactionalId)
    if ('errorCode' in found) return found.errorCode
    const m = found.metadata
    if (m === undefined || m.producerId !== producerId) return KafkaErrorCodes.INVALID_PRODUCER_ID_MAPPING
    if (m.producerEpoch !== producerEpoch) return KafkaErrorCodes.PRODUCER_FENCED
    if (m.pendingTransitionInProgress) return KafkaErrorCodes.CONCURRENT_TRANSACTIONS
    if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') return KafkaErrorCodes.CONCURRENT_TRANSACTIONS
    if (m.state === 'Ongoing' && m.containsAll(partitions)) return KafkaErrorCodes.NONE
    if (m.state === 'Dead' || m.state === 'PrepareEpochFence') return KafkaErrorCodes.INVALID_TXN_STATE
    return this.#state.append(m, found.coordinatorEpoch, m.prepareAddPartitions(partitions, this.#now()), this.#now())
  }

  /**
   * AddPartitionsToTxn v4+ with verify_only (KIP-890): whether each partition is in the
   * producer's current transaction (TRANSACTION_ABORTABLE where not), without changing anything.
   * One error for all partitions when the producer does not hold the id or a commit or abort is
   * completing. In `partitions` order.
   */
  verifyPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): number[] {
    const all = (errorCode: number): number[] => partitions.map(() => errorCode)
    if (transactionalId === '') return all(KafkaErrorCodes.INVALID_REQUEST)
    const found = this.#state.get(transactionalId)
    if ('errorCode' in found) return all(found.errorCode)
    const m = found.metadata
    if (m === undefined || m.producerId !== producerId) return all(KafkaErrorCodes.INVALID_PRODUCER_ID_MAPPING)
    if (m.producerEpoch !== producerEpoch) return all(KafkaErrorCodes.PRODUCER_FENCED)
    if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') return all(KafkaErrorCodes.CONCURRENT_TRANSACTIONS)
    return partitions.map((p) => (m.hasPartition(p.topic, p.partition) ? KafkaErrorCodes.NONE : KafkaErrorCodes.TRANSACTION_ABORTABLE))
  }

  /** AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction. */
  addOffsets(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): Promise<number> {
    return this.addPartitions(transactionalId, producerId, producerEpoch, [this.#offsetsPartitionFor(groupId)])
  }

  /**
   * EndTxn: commit or abort the producer's transaction. Answers once PrepareCommit/PrepareAbort
   * is durable; markers and the Complete* record follow in the background. `fromClient` false is
   * the coordinator's own abort (a fence or a timeout), whose epoch is the bumped one.
   */
  async endTransaction(transactionalId: string, producerId: number, producerEpoch: number, committed: boolean, fromClient = true): Promise<number> {
    if (transactionalId === '') return KafkaErrorCodes.INVALID_REQUEST
    const found = this.#state.get(transactionalId)
    if ('errorCode' in found) return found.errorCode
    const m = found.metadata
    if (m === undefined || m.producerId !== producerId) return KafkaErrorCodes.INVALID_PRODUCER_ID_MAPPING
    // A client must send exactly the current epoch; the coordinator's own abort carries a newer one.
    if ((fromClient && producerEpoch !== m.producerEpoch) || producerEpoch < m.producerEpoch) return KafkaErrorCodes.PRODUCER_FENCED
    if (m.pendingTransitionInProgress && m.pendingState !== 'PrepareEpochFence') return KafkaErrorCodes.CONCURRENT_TRANSACTIONS
    let isEpochFence = false
    let transit: TxnTransitMetadata
    switch (m.state) {
      case 'Ongoing': {
        const next = committed ? 'PrepareCommit' : 'PrepareAbort'
        if (next === 'PrepareAbort' && m.pendingState === 'PrepareEpochFence') {
          // The fence's epoch bump rides on the PrepareAbort record.
          isEpochFence = true
          m.pendingState = null
          m.producerEpoch = producerEpoch
          m.lastProducerEpoch = NO_PRODUCER_EPOCH
        }
        transit = m.prepareAbortOrCommit(next, this.#now())
        break
      }
      case 'CompleteCommit':
        return committed ? KafkaErrorCodes.NONE : this.#invalidState(m, committed)
      case 'CompleteAbort':
        return committed ? this.#invalidState(m, committed) : KafkaErrorCodes.NONE
      case 'PrepareCommit':
        return committed ? KafkaErrorCodes.CONCURRENT_TRANSACTIONS : this.#invalidState(m, committed)
      case 'PrepareAbort':
        return committed ? this.#invalidState(m, committed) : KafkaErrorCodes.CONCURRENT_TRANSACTIONS
      case 'Empty':
        return this.#invalidState(m, committed)
      case 'Dead':
      case 'PrepareEpochFence':
        this.#logger.error('transactional id found in a state it can never rest in', { transactionalId, state: m.state })
        return KafkaErrorCodes.UNKNOWN_SERVER_ERROR
    }
    const coordinatorEpoch = found.coordinatorEpoch
    const error = await this.#state.append(m, coordinatorEpoch, transit, this.#now())
    if (error !== KafkaErrorCodes.NONE) {
      if (isEpochFence) m.hasFailedEpochFence = true
      return error
    }
    // Still ours, still this producer, still preparing: send the markers.
    if (!this.#state.isCurrent(transactionalId, coordinatorEpoch)) return KafkaErrorCodes.NOT_COORDINATOR
    const state = m.state as TransactionState
    if (m.producerId !== producerId || m.pendingTransitionInProgress || (state !== 'PrepareCommit' && state !== 'PrepareAbort')) {
      return KafkaErrorCodes.CONCURRENT_TRANSACTIONS
    }
    this.#complete(m, coordinatorEpoch, m.prepareComplete(this.#now()))
    return KafkaErrorCodes.NONE
  }

  #invalidState(m: TransactionMetadata, committed: boolean): number {
    this.#logger.info('EndTxn refused: the transaction is not in a state that can end this way', {
      transactionalId: m.transactionalId,
      state: m.state,
      requested: committed ? 'commit' : 'abort',
    })
    return KafkaErrorCodes.INVALID_TXN_STATE
  }

  /** Delivers the markers of a Prepare* transaction, then writes its Complete* record. */
  #complete(m: TransactionMetadata, coordinatorEpoch: number, complete: TxnTransitMetadata): void {
    const transactionalId = m.transactionalId
    const current = (): boolean => this.#active && this.#state.isCurrent(transactionalId, coordinatorEpoch)
    const marker = {
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      coordinatorEpoch,
      committed: complete.state === 'CompleteCommit',
      partitions: m.partitionList,
    }
    const done = (async () => {
      const outcome = await this.#channel.deliver(transactionalId, marker, (p) => m.removePartition(p.topic, p.partition), current)
      if (outcome === 'abandoned') {
        m.abortTransition()
        return
      }
      for (;;) {
        if (!current()) {
          m.abortTransition()
          return
        }
        // The pending Complete* is consumed by the write (and restored when it fails).
        const error = await this.#state.append(m, coordinatorEpoch, complete, this.#now())
        if (error === KafkaErrorCodes.NONE) return
        if (error === KafkaErrorCodes.NOT_COORDINATOR) return
        m.pendingState = complete.state
        await new Promise((resolve) => setTimeout(resolve, COMPLETE_RETRY_MS))
      }
    })().catch((error: unknown) => {
      this.#logger.error('could not complete a transaction', { transactionalId, error })
    })
    this.#track(done)
  }

  /** Background work awaitIdle() waits for. */
  #track(work: Promise<void>): void {
    const tracked = work.finally(() => this.#completions.delete(tracked))
    this.#completions.add(tracked)
  }

  /** DescribeTransactions for one id. */
  describe(transactionalId: string): TransactionDescription {
    const none = { transactionalId, state: '', timeoutMs: 0, startTimeMs: -1, producerId: -1, producerEpoch: -1, partitions: [] }
    const found = this.#state.get(transactionalId)
    if ('errorCode' in found) return { ...none, errorCode: found.errorCode }
    const m = found.metadata
    if (m === undefined || m.state === 'Dead') return { ...none, errorCode: KafkaErrorCodes.TRANSACTIONAL_ID_NOT_FOUND }
    return {
      errorCode: KafkaErrorCodes.NONE,
      transactionalId,
      state: m.state,
      timeoutMs: m.txnTimeoutMs,
      startTimeMs: m.txnStartTimestamp,
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      partitions: m.partitionList,
    }
  }

  /**
   * ListTransactions: the ids coordinated here, filtered by state names (unknown names are
   * reported back), producer ids and how long they have been running (v1; -1: any).
   */
  list(stateFilters: readonly string[], producerIdFilters: readonly number[], durationFilterMs: number): { errorCode: number; unknownStateFilters: string[]; transactions: TransactionListing[] } {
    const known = new Set<TransactionState>()
    const unknownStateFilters: string[] = []
    for (const name of stateFilters) {
      const state = parseTransactionState(name)
      if (state === undefined) unknownStateFilters.push(name)
      else known.add(state)
    }
    const errorCode = this.#state.isLoadingAny ? KafkaErrorCodes.COORDINATOR_LOAD_IN_PROGRESS : KafkaErrorCodes.NONE
    // Only unknown state names asked for: nothing can match.
    if (stateFilters.length > 0 && known.size === 0) return { errorCode, unknownStateFilters, transactions: [] }
    const producerIds = new Set(producerIdFilters)
    const now = this.#now()
    const transactions: TransactionListing[] = []
    for (const { metadata: m } of this.#state.transactions()) {
      if (m.state === 'Dead') continue
      if (known.size > 0 && !known.has(m.state)) continue
      if (producerIds.size > 0 && !producerIds.has(m.producerId)) continue
      if (durationFilterMs >= 0 && (m.txnStartTimestamp < 0 || now - m.txnStartTimestamp < durationFilterMs)) continue
      transactions.push({ transactionalId: m.transactionalId, producerId: m.producerId, state: m.state })
    }
    return { errorCode, unknownStateFilters, transactions }
  }

  /**
   * Aborts every transaction open longer than its timeout (Kafka's abortTimedOutTransactions),
   * with an epoch bump so that the producer that left it open is fenced. Returns how many it began
   * to abort.
   */
  abortTimedOutTransactions(): number {
    let aborting = 0
    for (const { metadata: m } of this.#state.timedOutTransactions(this.#now())) {
      if (m.pendingTransitionInProgress || m.producerEpoch >= 0x7fff) continue
      const fence = m.prepareFenceProducerEpoch()
      aborting++
      this.#logger.info('aborting a transaction open longer than its timeout', {
        transactionalId: m.transactionalId,
        producerId: m.producerId,
        timeoutMs: m.txnTimeoutMs,
        openMs: this.#now() - m.txnStartTimestamp,
      })
      this.#track(
        this.endTransaction(m.transactionalId, fence.producerId, fence.producerEpoch, false, false).then((error) => {
          if (error !== KafkaErrorCodes.NONE) this.#logger.warn('could not abort a timed-out transaction; will try again', { transactionalId: m.transactionalId, errorCode: error })
        }),
      )
    }
    return aborting
  }

  /** Removes ids idle past transactional.id.expiration.ms (a tombstone each). Returns how many it began to remove. */
  removeExpiredTransactionalIds(): number {
    let removing = 0
    const now = this.#now()
    for (const { coordinatorEpoch, metadata: m } of this.#state.expiredTransactionalIds(now, this.#config.transactionalIdExpirationMs)) {
      removing++
      this.#track(
        Promise.resolve(this.#state.append(m, coordinatorEpoch, m.prepareDead(), now)).then((error) => {
          if (error === KafkaErrorCodes.NONE) this.#logger.info('removed an expired transactional id', { transactionalId: m.transactionalId })
        }),
      )
    }
    return removing
  }

  /** Stops following leadership, the timers and every marker delivery (the next coordinator resends). */
  shutdown(): void {
    if (!this.#active) return
    this.#active = false
    this.#stopListening()
    for (const timer of this.#timers) clearInterval(timer)
    this.#channel.close()
  }

  #startBackgroundWork(): void {
    const every = (ms: number, work: () => unknown): void => {
      const timer = setInterval(() => {
        try {
          work()
        } catch (error) {
          this.#logger.warn('background transaction work failed', { error })
        }
      }, ms)
      timer.unref()
      this.#timers.push(timer)
    }
    every(this.#config.abortTimedOutIntervalMs, () => this.abortTimedOutTransactions())
    every(this.#config.removeExpiredIntervalMs, () => this.removeExpiredTransactionalIds())
  }
}

/**
 * Kafka's isValidProducerId for InitProducerId with an id and epoch (KIP-360): allowed when the
 * id is brand new here, the producer id matches, or it is the previous producer id at an
 * exhausted epoch (a retry of a rotation whose answer was lost).
 */
function isValidProducerId(m: TransactionMetadata, expected: { producerId: number; producerEpoch: number }): boolean {
  return (
    m.producerEpoch === NO_PRODUCER_EPOCH ||
    expected.producerId === m.producerId ||
    (expected.producerId === m.lastProducerId && isEpochExhausted(expected.producerEpoch))
  )
}
