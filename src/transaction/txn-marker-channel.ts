/**
 * Delivers a transaction's COMMIT or ABORT markers to every partition in it (Kafka's
 * TransactionMarkerChannelManager, simplified to one delivery per transaction): the partitions
 * are grouped by their current leader; those led here go to the local txn-markers service, the
 * others as WriteTxnMarkers requests to their leaders. What fails for a reason that passes (a
 * leader moving, a replica set too small, a timeout, a broker unreachable) is retried with the
 * leader looked up afresh, for as long as it takes, as Kafka does: the transaction cannot
 * complete until every partition has its marker.
 *
 * Delivery stops early only when it no longer matters: this broker stopped coordinating the id
 * (the new coordinator resends from the log), or a partition reports that a newer coordinator or
 * producer epoch exists. A partition whose topic was deleted, or whose leader no longer knows the
 * producer, needs no marker.
 *
 * Event loop thread only.
 */
import type { Logger } from '../common/logger.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { TopicPartition } from './transaction-metadata.js'

/** One transaction's markers, as WriteTxnMarkers carries them. */
export interface TxnMarker {
  readonly producerId: number
  readonly producerEpoch: number
  /** The epoch of the coordinator's __transaction_state partition: leaders refuse older ones. */
  readonly coordinatorEpoch: number
  readonly committed: boolean
  readonly partitions: readonly TopicPartition[]
}

export interface MarkerResult extends TopicPartition {
  readonly errorCode: number
}

/** How markers reach partitions: where each is led, and the write on a given broker. */
export interface TxnMarkerTransport {
  /** The partition's leader now; -1 while it has none; null when the partition does not exist (topic deleted). */
  leaderOf(topic: string, partition: number): number | null
  /** Writes `marker` on broker `brokerId` (this one: locally); rejects when the broker cannot be reached. */
  write(brokerId: number, marker: TxnMarker): Promise<readonly MarkerResult[]>
}

export type DeliveryOutcome = 'delivered' | 'abandoned'

/** Marker errors that pass by themselves (Kafka retries exactly these). */
const TRANSIENT_ERRORS = new Set<number>([
  KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION,
  KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER,
  KafkaErrorCodes.NOT_ENOUGH_REPLICAS,
  KafkaErrorCodes.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  KafkaErrorCodes.REQUEST_TIMED_OUT,
  KafkaErrorCodes.KAFKA_STORAGE_ERROR,
])

const FIRST_RETRY_MS = 50
const MAX_RETRY_MS = 1000

export class TxnMarkerChannel {
  readonly #transport: TxnMarkerTransport
  readonly #logger: Logger
  #closed = false
  readonly #sleeping = new Set<{ timer: NodeJS.Timeout; wake: () => void }>()

  constructor(transport: TxnMarkerTransport, logger: Logger) {
    this.#transport = transport
    this.#logger = logger
  }

  /**
   * Delivers `marker` to every partition. `delivered` is told of each partition once its marker
   * is written; `current` says whether this broker still coordinates the transaction. Resolves
   * 'delivered' when every partition has its marker, 'abandoned' when delivery stopped early.
   */
  async deliver(transactionalId: string, marker: TxnMarker, delivered: (p: TopicPartition) => void, current: () => boolean): Promise<DeliveryOutcome> {
    let remaining = [...marker.partitions]
    let backoff = FIRST_RETRY_MS
    while (remaining.length > 0) {
      if (this.#closed || !current()) return 'abandoned'
      const byLeader = new Map<number, TopicPartition[]>()
      const retry: TopicPartition[] = []
      for (const p of remaining) {
        const leader = this.#transport.leaderOf(p.topic, p.partition)
        if (leader === null) {
          delivered(p)
          continue
        }
        if (leader < 0) {
          retry.push(p)
          continue
        }
        let list = byLeader.get(leader)
        if (list === undefined) byLeader.set(leader, (list = []))
        list.push(p)
      }
      let fenced = false
      await Promise.all(
        [...byLeader].map(async ([leader, partitions]) => {
          let results: readonly MarkerResult[]
          try {
            results = await this.#transport.write(leader, { ...marker, partitions })
          } catch (error) {
            this.#logger.debug('could not reach a partition leader with transaction markers; retrying', { transactionalId, leader, error })
            retry.push(...partitions)
            return
          }
          const answered = new Set<string>()
          for (const r of results) {
            answered.add(`${r.topic}\u0000${r.partition}`)
            switch (markerOutcome(r.errorCode)) {
              case 'done':
                delivered(r)
                break
              case 'retry': {
                // Leader moves and short ISRs pass; anything else is worth an operator's eye.
                const details = { transactionalId, topic: r.topic, partition: r.partition, errorCode: r.errorCode }
                if (TRANSIENT_ERRORS.has(r.errorCode)) this.#logger.debug('a partition did not take a transaction marker; retrying', details)
                else this.#logger.warn('a partition refused a transaction marker for an unexpected reason; retrying', details)
                retry.push(r)
                break
              }
              case 'fenced':
                fenced = true
                this.#logger.warn('a partition refused transaction markers from this coordinator; a newer one exists', {
                  transactionalId,
                  topic: r.topic,
                  partition: r.partition,
                  errorCode: r.errorCode,
                })
                break
            }
          }
          // A partition the answer left out was not written.
          for (const p of partitions) if (!answered.has(`${p.topic}\u0000${p.partition}`)) retry.push(p)
        }),
      )
      if (fenced) return 'abandoned'
      if (retry.length > 0) {
        await this.#sleep(backoff)
        backoff = Math.min(backoff * 2, MAX_RETRY_MS)
      }
      remaining = retry
    }
    return 'delivered'
  }

  /** Stops every delivery (broker shutdown): they resolve 'abandoned'; the next coordinator resends. */
  close(): void {
    this.#closed = true
    for (const s of this.#sleeping) {
      clearTimeout(s.timer)
      s.wake()
    }
    this.#sleeping.clear()
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#sleeping.delete(entry)
          resolve()
        }, ms),
        wake: resolve,
      }
      this.#sleeping.add(entry)
    })
  }
}

/**
 * What a partition's answer to a marker means (Kafka's TransactionMarkerRequestCompletionHandler):
 * written; worth another try (the leader moved, the ISR is short, a timeout); or a sign that
 * this coordinator or this epoch is stale. Errors that mean the marker can never be written by
 * anyone (the producer's state is gone from the partition) count as done.
 */
function markerOutcome(errorCode: number): 'done' | 'retry' | 'fenced' {
  switch (errorCode) {
    case KafkaErrorCodes.NONE:
    case KafkaErrorCodes.UNKNOWN_PRODUCER_ID:
    case KafkaErrorCodes.INVALID_PRODUCER_ID_MAPPING:
      return 'done'
    case KafkaErrorCodes.INVALID_PRODUCER_EPOCH:
    case KafkaErrorCodes.PRODUCER_FENCED:
    case KafkaErrorCodes.TRANSACTION_COORDINATOR_FENCED:
      return 'fenced'
    default:
      return 'retry'
  }
}
