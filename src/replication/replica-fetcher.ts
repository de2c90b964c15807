/**
 * A follower's copy loop for the partitions that one leader broker leads (Kafka's
 * ReplicaFetcherThread), over one connection to that leader.
 *
 * Each partition added starts by truncating: the follower sends OffsetForLeaderEpoch with the
 * latest leader epoch in its log, and cuts its log where the leader's log ends for that epoch
 * (KIP-101, KIP-279: repeated with an older epoch while the answer names one the follower's
 * log disagrees on), so a returning old leader or a follower that got ahead under a deposed
 * leader drops exactly the tail the new leader does not have, never committed records. Then it
 * fetches from its log end offset with its broker id as replica id and the current leader
 * epoch (KIP-320), appends what comes back as is (offsets and epochs kept, CRCs checked by the
 * storage engine), and takes the leader's high watermark. The leader learns the follower's
 * progress from the fetch offsets, which is what moves the partition's high watermark and ISR.
 * Fetches go through an incremental fetch session (KIP-227, see fetch-session-handler.ts): after
 * the first, each names only the partitions whose fetch offset or epoch moved, and the leader
 * answers only those with records or new offsets.
 *
 * Errors per partition follow Kafka: OFFSET_OUT_OF_RANGE with the follower's whole log below the
 * leader's log start restarts the log there; FENCED_LEADER_EPOCH (the leader is at a newer epoch)
 * waits for the metadata that the controller publishes (the partition is paused until it is
 * re-added or removed); anything else, NOT_LEADER_OR_FOLLOWER from a leader that has not applied
 * its new state yet included, is retried after replica.fetch.backoff.ms. A broken connection is
 * reopened after the same backoff.
 *
 * Replication throttle, follower side (KIP-73): a partition this broker's topic setting
 * follower.replication.throttled.replicas names, while this broker is not in its ISR, is left out
 * of fetches while the follower quota is exceeded, and what is fetched of it counts against the
 * quota; with nothing else to fetch, the fetcher waits replica.fetch.backoff.ms.
 */
import type { Logger } from '../common/logger.js'
import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { BrokerConnection } from '../client/connection.js'
import type { SaslCredentials } from '../client/sasl-login.js'
import { ApiKeys } from '../protocol/api-keys.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { RECORD_BATCH_OVERHEAD, batchSize } from '../protocol/record-batch.js'
import { FetchSessionHandler } from './fetch-session-handler.js'
import type { Partition } from './partition.js'
import type { ReplicationQuota } from './replication-quota.js'

export interface LeaderEndpoint {
  readonly brokerId: number
  readonly host: string
  readonly port: number
  /** TLS client options when the inter-broker listener uses TLS; null for plain TCP. */
  readonly tls?: TlsOptions | null
}

export interface ReplicaFetcherOptions {
  /** replica.fetch.wait.max.ms */
  readonly maxWaitMs: number
  /** replica.fetch.min.bytes */
  readonly minBytes: number
  /** replica.fetch.max.bytes: per partition. */
  readonly partitionMaxBytes: number
  /** replica.fetch.response.max.bytes: per fetch. */
  readonly maxBytes: number
  /** replica.fetch.backoff.ms */
  readonly backoffMs: number
  /** replica.socket.timeout.ms: how long a request may take, beyond the fetch wait. */
  readonly socketTimeoutMs: number
  readonly logger: Logger
  /** follower.replication.throttled.rate over the follower-throttled replicas (KIP-73). */
  readonly quota?: ReplicationQuota
  /** The login to leaders when the inter-broker listener uses SASL. */
  readonly sasl?: SaslCredentials
}

/** Where one partition's copy stands. */
interface PartitionFetchState {
  readonly partition: Partition
  /** The leader epoch the partition was added for; sent with every request. */
  readonly leaderEpoch: number
  /** Truncation by leader epoch still to do before fetching. */
  truncating: boolean
  /** Not fetched before this time (after an error), in ms since the epoch. */
  delayedUntilMs: number
  /** Paused until the controller's next word on this partition (fenced, or not the leader). */
  awaitingMetadata: boolean
}

const UNDEFINED_EPOCH = -1
/** The versions spoken: Fetch 12 names topics (13+ needs topic ids), OffsetForLeaderEpoch 4. */
const FETCH_VERSION = 12
const OFFSET_FOR_LEADER_EPOCH_VERSION = 4

export class ReplicaFetcher {
  readonly leader: LeaderEndpoint
  readonly #localBrokerId: number
  readonly #options: ReplicaFetcherOptions
  readonly #partitions = new Map<Partition, PartitionFetchState>()
  /** This fetcher's fetch session with the leader (KIP-227); a new fetcher starts without one. */
  readonly #session = new FetchSessionHandler<PartitionFetchState>()
  #connection: BrokerConnection | null = null
  #running = true
  /** Wakes the loop when it sleeps for want of work or for a backoff. */
  #wake: (() => void) | null = null
  readonly #loop: Promise<void>

  constructor(localBrokerId: number, leader: LeaderEndpoint, options: ReplicaFetcherOptions) {
    this.#localBrokerId = localBrokerId
    this.leader = leader
    this.#options = options
    this.#loop = this.#run()
  }

  get partitionCount(): number {
    return this.#partitions.size
  }

  /** Starts copying `partition` (which follows this leader at `partition.leaderEpoch`), truncating first. */
  addPartition(partition: Partition): void {
    this.#partitions.set(partition, { partition, leaderEpoch: partition.leaderEpoch, truncating: true, delayedUntilMs: 0, awaitingMetadata: false })
    this.#wake?.()
  }

  /** Stops copying `partition`; a response already on its way for it is dropped. */
  removePartition(partition: Partition): void {
    this.#partitions.delete(partition)
  }

  hasPartition(partition: Partition): boolean {
    return this.#partitions.has(partition)
  }

  /** Stops the loop and closes the connection; resolves once no request is in flight. */
  async close(): Promise<void> {
    this.#running = false
    this.#partitions.clear()
    this.#wake?.()
    this.#connection?.close()
    await this.#loop
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const now = Date.now()
      const ready = [...this.#partitions.values()].filter((s) => !s.awaitingMetadata && s.delayedUntilMs <= now)
      if (ready.length === 0) {
        await this.#sleep(this.#partitions.size === 0 ? 60_000 : this.#options.backoffMs)
        continue
      }
      try {
        const connection = await this.#connect()
        const truncating = ready.filter((s) => s.truncating)
        if (truncating.length > 0) await this.#truncate(connection, truncating)
        const fetching = ready.filter((s) => !s.truncating && this.#partitions.get(s.partition) === s && !this.#throttledNow(s.partition, now))
        if (fetching.length > 0) await this.#fetch(connection, fetching)
        // Everything ready is over its throttle: wait for the rate to come down rather than spin.
        else if (truncating.length === 0) await this.#sleep(this.#options.backoffMs)
      } catch (error) {
        if (!this.#running) break
        this.#options.logger.warn('replica fetch from the leader failed; retrying after the backoff', {
          leader: this.leader.brokerId,
          address: `${this.leader.host}:${this.leader.port}`,
          error,
        })
        this.#connection?.close()
        this.#connection = null
        await this.#sleep(this.#options.backoffMs)
      }
    }
  }

  async #connect(): Promise<BrokerConnection> {
    if (this.#connection !== null && !this.#connection.isClosed) return this.#connection
    this.#connection = await BrokerConnection.open({
      host: this.leader.host,
      port: this.leader.port,
      clientId: `samsa-replica-fetcher-${this.#localBrokerId}`,
      requestTimeoutMs: this.#options.socketTimeoutMs + this.#options.maxWaitMs,
      maxInFlightRequests: 1,
      tls: this.leader.tls ?? null,
      ...(this.#options.sasl !== undefined && { sasl: this.#options.sasl }),
    })
    return this.#connection
  }

  /** KIP-279 truncation for each partition in `states`, through one OffsetForLeaderEpoch request. */
  async #truncate(connection: BrokerConnection, states: readonly PartitionFetchState[]): Promise<void> {
    const byTopic = groupByTopic(states)
    const response = await connection.request(ApiKeys.OffsetForLeaderEpoch, {
      replicaId: this.#localBrokerId,
      topics: [...byTopic].map(([topic, list]) => ({
        topic,
        partitions: list.map((s) => ({ partition: s.partition.index, currentLeaderEpoch: s.leaderEpoch, leaderEpoch: s.partition.log.latestEpoch ?? UNDEFINED_EPOCH })),
      })),
    }, OFFSET_FOR_LEADER_EPOCH_VERSION)
    for (const topic of response.topics) {
      for (const answer of topic.partitions) {
        const state = findState(byTopic, topic.topic, answer.partition)
        if (state === undefined || this.#partitions.get(state.partition) !== state) continue
        if (answer.errorCode !== KafkaErrorCodes.NONE) {
          this.#onPartitionError(state, answer.errorCode)
          continue
        }
        const partition = state.partition
        const target = truncationOffset(partition, answer.leaderEpoch, Number(answer.endOffset))
        if (target.offset < partition.logEndOffset) {
          this.#options.logger.info('truncating a follower log to where it agrees with the leader', {
            topic: partition.topic,
            partition: partition.index,
            from: partition.logEndOffset,
            to: target.offset,
            leaderEpoch: state.leaderEpoch,
          })
          partition.truncateTo(target.offset)
        }
        state.truncating = !target.complete
      }
    }
  }

  /**
   * Whether `partition` counts against the follower throttle: named in its topic's
   * follower.replication.throttled.replicas for this broker, and this broker not in its ISR (an
   * in-sync follower is never slowed, or acks=all writes would be).
   */
  #isThrottled(partition: Partition): boolean {
    const quota = this.#options.quota
    return quota !== undefined && !partition.state.isr.includes(this.#localBrokerId) && quota.isThrottled(partition)
  }

  /** Left out of this fetch: throttled, and the follower quota is exceeded (Kafka's shouldFollowerThrottle). */
  #throttledNow(partition: Partition, nowMs: number): boolean {
    return this.#isThrottled(partition) && this.#options.quota!.isQuotaExceeded(nowMs)
  }

  async #fetch(connection: BrokerConnection, states: readonly PartitionFetchState[]): Promise<void> {
    const session = this.#session
    session.begin()
    let throttled: Set<Partition> | undefined
    for (const s of states) {
      const partition = s.partition
      session.add(partition.topic, partition.index, partition.logEndOffset, partition.logStartOffset, s.leaderEpoch, this.#options.partitionMaxBytes, s)
      if (this.#isThrottled(partition)) (throttled ??= new Set()).add(partition)
    }
    const request = session.build()
    let response
    try {
      response = await connection.request(ApiKeys.Fetch, {
        replicaId: this.#localBrokerId,
        maxWaitMs: this.#options.maxWaitMs,
        minBytes: this.#options.minBytes,
        maxBytes: this.#options.maxBytes,
        isolationLevel: 0,
        ...request,
        rackId: '',
      }, FETCH_VERSION)
    } catch (error) {
      session.handleError()
      throw error
    }
    if (!session.handleResponse(response)) {
      this.#options.logger.info('the leader refused the fetch session; fetching in full to start a new one', {
        leader: this.leader.brokerId,
        sessionId: request.sessionId,
        sessionEpoch: request.sessionEpoch,
        errorCode: response.errorCode,
      })
      return
    }
    for (const topic of response.responses) {
      for (const data of topic.partitions) {
        const state = session.partition(topic.topic, data.partitionIndex)?.owner
        if (state === undefined) continue
        const current = this.#partitions.get(state.partition)
        if (current !== state) {
          // Removed or re-added (a new epoch) while the fetch was out: that answer is stale. Once
          // re-added, the partition needs the offsets the leader now counts as sent: a full fetch.
          if (current !== undefined) session.requestFull()
          continue
        }
        const partition = state.partition
        if (data.errorCode === KafkaErrorCodes.OFFSET_OUT_OF_RANGE && Number(data.logStartOffset) > partition.logEndOffset) {
          this.#options.logger.info('follower log is wholly below the leader\'s log start; starting it there', {
            topic: partition.topic,
            partition: partition.index,
            leaderLogStartOffset: Number(data.logStartOffset),
          })
          partition.truncateFullyAndStartAt(Number(data.logStartOffset))
          continue
        }
        if (data.errorCode !== KafkaErrorCodes.NONE) {
          this.#onPartitionError(state, data.errorCode)
          continue
        }
        const records = wholeBatches(data.records)
        if (throttled?.has(partition) === true) this.#options.quota!.record(records.length)
        try {
          partition.appendRecordsAsFollower(records, Number(data.highWatermark))
        } catch (error) {
          // The log no longer continues where the leader's batches start: find the common point again.
          this.#options.logger.warn('follower append failed; truncating by leader epoch again', { topic: partition.topic, partition: partition.index, error })
          state.truncating = true
        }
      }
    }
  }

  #onPartitionError(state: PartitionFetchState, errorCode: number): void {
    switch (errorCode) {
      case KafkaErrorCodes.FENCED_LEADER_EPOCH:
        // The leader is at a newer epoch than ours: the controller's word on it is on its way.
        state.awaitingMetadata = true
        break
      case KafkaErrorCodes.OFFSET_OUT_OF_RANGE:
        state.truncating = true
        break
      default:
        // NOT_LEADER_OR_FOLLOWER and UNKNOWN_LEADER_EPOCH mostly mean the leader has not applied
        // the state we follow yet; they, and the rest, are retried after the backoff.
        state.delayedUntilMs = Date.now() + this.#options.backoffMs
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      const self = this
      function done(): void {
        clearTimeout(timer)
        self.#wake = null
        resolve()
      }
      this.#wake = done
    })
  }
}

/**
 * Where a follower cuts its log after the leader answered OffsetForLeaderEpoch with the end of
 * `leaderEpoch` at `leaderEndOffset`, as Kafka's fetcher decides: to the end of that epoch in
 * both logs, or, when this log's own entry for that epoch is an older epoch, to where that one
 * ends here and ask again (not complete).
 */
export function truncationOffset(partition: Partition, leaderEpoch: number, leaderEndOffset: number): { offset: number; complete: boolean } {
  const logEnd = partition.logEndOffset
  // The leader knows no epoch this old or the log has none: keep only what is committed.
  if (leaderEndOffset < 0) return { offset: Math.min(partition.highWatermark, logEnd), complete: true }
  if (leaderEpoch === UNDEFINED_EPOCH) return { offset: Math.min(leaderEndOffset, logEnd), complete: true }
  const local = partition.log.endOffsetForEpoch(leaderEpoch)
  if (local.endOffset < 0 || local.epoch === UNDEFINED_EPOCH) return { offset: Math.min(leaderEndOffset, logEnd), complete: true }
  if (local.epoch !== leaderEpoch) return { offset: Math.min(local.endOffset, logEnd), complete: false }
  return { offset: Math.min(local.endOffset, leaderEndOffset, logEnd), complete: true }
}

/** The leading whole batches of a fetch response's records (a leader may cut the last one short). */
function wholeBatches(records: Buffer | null): Buffer {
  if (records === null) return EMPTY
  let end = 0
  while (end + RECORD_BATCH_OVERHEAD <= records.length) {
    const size = batchSize(records, end)
    if (size < RECORD_BATCH_OVERHEAD || end + size > records.length) break
    end += size
  }
  return end === records.length ? records : records.subarray(0, end)
}

const EMPTY = Buffer.alloc(0)

function groupByTopic(states: readonly PartitionFetchState[]): Map<string, PartitionFetchState[]> {
  const byTopic = new Map<string, PartitionFetchState[]>()
  for (const state of states) {
    let list = byTopic.get(state.partition.topic)
    if (list === undefined) byTopic.set(state.partition.topic, (list = []))
    list.push(state)
  }
  return byTopic
}

function findState(byTopic: Map<string, PartitionFetchState[]>, topic: string, index: number): PartitionFetchState | undefined {
  return byTopic.get(topic)?.find((s) => s.partition.index === index)
}
