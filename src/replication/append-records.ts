/**
 * appendRecords: the produce path's partition logic, shared by every way records arrive (the
 * Kafka Produce handler, the HTTP gateway), as Kafka's ReplicaManager.appendRecords is.
 *
 * Per partition, in Kafka's order: the topic exists and is not internal, the partition exists,
 * the records are there and use a codec the client's protocol version allows; then the batch is
 * rewritten in the topic's codec when it names one (in the worker pool), and appended as leader
 * (Partition.appendRecordsAsLeader validates and writes). A bad partition gets its own error
 * code and message; the others still succeed. With acks=all the answer waits in the
 * delayed-produce purgatory until the ISR has the records, the ISR shrinks below
 * min.insync.replicas (NOT_ENOUGH_REPLICAS_AFTER_APPEND) or the timeout passes
 * (REQUEST_TIMED_OUT). A single broker is its whole ISR, so there it never waits.
 *
 * The result is synchronous whenever nothing had to wait, which keeps the common acks=1 path
 * free of promises.
 */
import { topicNameProblem } from '../metadata/topic-name.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { ATTRIBUTES_OFFSET, CompressionCodecs, batchCompression } from '../protocol/record-batch.js'
import type { AppendOutcome } from './partition.js'
import type { ReplicationWait } from './purgatory/delayed-produce.js'
import { type PendingRecompression, appendRecompressed, recompressionTarget } from './recompress.js'
import type { ReplicaManager } from './replica-manager.js'

/** One partition's records: a single RecordBatch v2. */
export interface PartitionRecords {
  readonly index: number
  readonly records: Buffer | null
}

export interface TopicRecords {
  readonly name: string
  readonly partitionData: readonly PartitionRecords[]
}

export interface AppendRecordsRequest {
  /** -1 (all in-sync replicas), 0 or 1; the caller has checked the value. */
  readonly acks: number
  /** How long acks=all may wait for the in-sync replicas. */
  readonly timeoutMs: number
  readonly topics: readonly TopicRecords[]
  /** Whether zstd batches are acceptable (Kafka requires Produce v7 for them). */
  readonly zstdAllowed: boolean
}

/** Outcomes per topic and partition, in the order of the request. */
export type AppendResults = AppendOutcome[][]

/** A successful acks=all append still waiting for replication, and where its outcome goes. */
interface PendingReplication extends ReplicationWait {
  readonly topic: number
  readonly slot: number
}

export function appendRecords(replicas: ReplicaManager, request: AppendRecordsRequest): AppendResults | Promise<AppendResults> {
  const now = Date.now()
  const metadata = replicas.metadata
  const results: AppendResults = []
  let recompressions: PendingRecompression[] | null = null
  let pending: PendingReplication[] | null = null
  const awaitReplication = request.acks === -1

  for (let t = 0; t < request.topics.length; t++) {
    const topic = request.topics[t]!
    const outcomes: AppendOutcome[] = []
    results.push(outcomes)
    const known = metadata.topic(topic.name)
    for (const data of topic.partitionData) {
      if (known === undefined) {
        const invalid = topicNameProblem(topic.name)
        outcomes.push(invalid === undefined
          ? refused(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${topic.name}' does not exist.`)
          : refused(KafkaErrorCodes.INVALID_TOPIC_EXCEPTION, invalid))
        continue
      }
      if (known.internal) {
        outcomes.push(refused(KafkaErrorCodes.INVALID_TOPIC_EXCEPTION, `Topic '${topic.name}' is internal; clients cannot produce to it.`))
        continue
      }
      const partition = replicas.partition(topic.name, data.index)
      if (partition === undefined) {
        outcomes.push(data.index >= 0 && data.index < known.partitions
          ? refused(KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER, `This broker does not host ${topic.name}-${data.index}; its leader is ${metadata.partitionState(topic.name, data.index)?.leader ?? -1}.`)
          : refused(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${topic.name}' has no partition ${data.index}.`))
        continue
      }
      const records = data.records
      if (records === null) {
        outcomes.push(refused(KafkaErrorCodes.INVALID_RECORD, 'The partition data has no records.'))
        continue
      }
      if (!request.zstdAllowed && records.length > ATTRIBUTES_OFFSET + 1 && batchCompression(records, 0) === CompressionCodecs.ZSTD) {
        outcomes.push(refused(KafkaErrorCodes.UNSUPPORTED_COMPRESSION_TYPE, 'zstd needs Produce version 7 or later.'))
        continue
      }
      const slot = outcomes.length
      const codec = recompressionTarget(partition.config, records)
      if (codec !== null) {
        // The topic stores another codec: rewritten in the worker pool, answered once appended.
        outcomes.push(NOT_YET_APPENDED)
        ;(recompressions ??= []).push({
          partition,
          records,
          codec,
          respond: (outcome) => {
            outcomes[slot] = outcome
            if (awaitReplication && outcome.errorCode === KafkaErrorCodes.NONE) {
              ;(pending ??= []).push({ partition, requiredOffset: outcome.requiredOffset, topic: t, slot })
            }
          },
        })
        continue
      }
      const outcome = partition.appendRecordsAsLeader(records, request.acks, now)
      outcomes.push(outcome)
      if (awaitReplication && outcome.errorCode === KafkaErrorCodes.NONE) {
        ;(pending ??= []).push({ partition, requiredOffset: outcome.requiredOffset, topic: t, slot })
      }
    }
  }
  if (recompressions !== null) {
    return appendRecompressed(recompressions, request.acks, now).then(() => waitForReplication(replicas, request, results, pending))
  }
  return waitForReplication(replicas, request, results, pending)
}

/** The results once every acks=all partition is settled; synchronous when none has to wait. */
function waitForReplication(
  replicas: ReplicaManager,
  request: AppendRecordsRequest,
  results: AppendResults,
  pending: PendingReplication[] | null,
): AppendResults | Promise<AppendResults> {
  if (pending === null) return results
  const waiting = replicas.purgatories.produces.wait(pending, request.timeoutMs)
  if (waiting === null) return settle(results, pending, request.timeoutMs)
  return waiting.then(() => settle(results, pending, request.timeoutMs))
}

/** Replaces the outcome of each partition whose replication failed or did not finish in time. */
function settle(results: AppendResults, pending: readonly PendingReplication[], timeoutMs: number): AppendResults {
  for (const { partition, requiredOffset, topic, slot } of pending) {
    const errorCode = partition.replicationOutcome(requiredOffset)
    if (errorCode === KafkaErrorCodes.NONE) continue
    const where = `${partition.topic}-${partition.index}`
    results[topic]![slot] = errorCode === 'pending'
      ? refused(KafkaErrorCodes.REQUEST_TIMED_OUT, `The in-sync replicas of ${where} did not confirm the records within ${timeoutMs} ms.`)
      : errorCode === KafkaErrorCodes.NOT_ENOUGH_REPLICAS_AFTER_APPEND
        ? refused(errorCode, `The records were written to ${where} but its in-sync replicas fell below min.insync.replicas before confirming them.`)
        : refused(errorCode, `This broker stopped leading ${where} before the in-sync replicas confirmed the records.`)
  }
  return results
}

/** Stands in a result slot until the worker pool's rewrite is appended; never returned. */
const NOT_YET_APPENDED: AppendOutcome = Object.freeze(refused(KafkaErrorCodes.UNKNOWN_SERVER_ERROR, 'The records were not appended.'))

function refused(errorCode: number, errorMessage: string): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: -1, logAppendTime: -1, logStartOffset: -1, appendedBytes: 0, requiredOffset: -1 }
}
