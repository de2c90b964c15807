/**
 * writeTxnMarkers: the partition side of ending a transaction (Kafka's handling of
 * WriteTxnMarkers). The transaction coordinator names, per producer, the partitions its
 * transaction wrote to and whether it committed or aborted; this appends a COMMIT or ABORT control
 * batch to each of them that this broker leads and answers once the in-sync replicas have it
 * (acks=all: the coordinator may only complete the transaction once every marker is durable).
 *
 * Per partition, the error the coordinator acts on: UNKNOWN_TOPIC_OR_PARTITION or
 * NOT_LEADER_OR_FOLLOWER when the partition is not led here (it looks the leader up again and
 * retries), NOT_ENOUGH_REPLICAS, INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED from the
 * partition's checks (see Partition.appendTxnMarkerAsLeader), REQUEST_TIMED_OUT when the ISR did
 * not confirm within `timeoutMs`, INVALID_REQUEST for a marker no coordinator sends (a negative or
 * out-of-range producer id, a negative epoch), which writes nothing. Internal topics take markers
 * too: a transaction's offsets live in __consumer_offsets.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { Partition } from './partition.js'
import type { ReplicaManager } from './replica-manager.js'

/** One producer's transaction outcome and the partitions it wrote to. */
export interface TxnMarkerEntry {
  readonly producerId: bigint | number
  readonly producerEpoch: number
  /** The epoch of the coordinator's __transaction_state partition: a newer coordinator fences older ones. */
  readonly coordinatorEpoch: number
  /** True for COMMIT, false for ABORT. */
  readonly committed: boolean
  readonly topics: ReadonlyArray<{ readonly name: string; readonly partitions: readonly number[] }>
}

export interface TxnMarkerPartitionResult {
  readonly partition: number
  readonly errorCode: number
  /** What went wrong, for the coordinator's log; null on success. */
  readonly errorMessage: string | null
}

/** The outcome of one TxnMarkerEntry, in its order. */
export interface TxnMarkerResult {
  readonly producerId: bigint | number
  readonly topics: Array<{ readonly name: string; readonly partitions: TxnMarkerPartitionResult[] }>
}

interface PendingMarker {
  readonly partition: Partition
  readonly requiredOffset: number
  readonly results: TxnMarkerPartitionResult[]
  readonly slot: number
}

/** Writes every marker of `markers` and resolves once each partition is settled. */
export async function writeTxnMarkers(replicas: ReplicaManager, markers: readonly TxnMarkerEntry[], timeoutMs: number): Promise<TxnMarkerResult[]> {
  const now = Date.now()
  const pending: PendingMarker[] = []
  const answer: TxnMarkerResult[] = markers.map((entry) => ({
    producerId: entry.producerId,
    topics: entry.topics.map((topic) => {
      const results: TxnMarkerPartitionResult[] = []
      const invalid = markerProblem(entry)
      for (const index of topic.partitions) {
        if (invalid !== null) {
          results.push({ partition: index, errorCode: KafkaErrorCodes.INVALID_REQUEST, errorMessage: invalid })
          continue
        }
        const partition = replicas.leaderPartition(topic.name, index)
        if (typeof partition === 'number') {
          results.push({ partition: index, errorCode: partition, errorMessage: partition === KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER ? `This broker does not lead ${topic.name}-${index}.` : `${topic.name}-${index} does not exist.` })
          continue
        }
        const marker = { producerId: Number(entry.producerId), producerEpoch: entry.producerEpoch, coordinatorEpoch: entry.coordinatorEpoch, commit: entry.committed }
        const outcome = partition.appendTxnMarkerAsLeader(marker, now)
        results.push({ partition: index, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage })
        if (outcome.errorCode === KafkaErrorCodes.NONE) pending.push({ partition, requiredOffset: outcome.requiredOffset, results, slot: results.length - 1 })
      }
      return { name: topic.name, partitions: results }
    }),
  }))
  if (pending.length === 0) return answer
  const waiting = replicas.purgatories.produces.wait(pending, timeoutMs)
  if (waiting !== null) await waiting
  for (const { partition, requiredOffset, results, slot } of pending) {
    const outcome = partition.replicationOutcome(requiredOffset)
    if (outcome === KafkaErrorCodes.NONE) continue
    const where = `${partition.topic}-${partition.index}`
    results[slot] = outcome === 'pending'
      ? { partition: partition.index, errorCode: KafkaErrorCodes.REQUEST_TIMED_OUT, errorMessage: `The in-sync replicas of ${where} did not confirm the marker within ${timeoutMs} ms.` }
      : { partition: partition.index, errorCode: outcome, errorMessage: `The marker was written to ${where} but not confirmed by its in-sync replicas.` }
  }
  return answer
}

/** Why a marker cannot be written, or null: producer ids and epochs of markers are never negative. */
function markerProblem(entry: TxnMarkerEntry): string | null {
  const producerId = BigInt(entry.producerId)
  if (producerId < 0n || producerId > BigInt(Number.MAX_SAFE_INTEGER)) return `A transaction marker needs a producer id in [0, 2^53), not ${producerId}.`
  if (entry.producerEpoch < 0) return `A transaction marker needs a producer epoch of 0 or more, not ${entry.producerEpoch}.`
  return null
}
