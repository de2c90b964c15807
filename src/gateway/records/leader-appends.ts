/**
 * Appends a topic's record batches at their partitions' leaders, wherever they are, with acks=all:
 * batches for partitions this broker leads go through appendRecords (the Produce handler's
 * service); the others are forwarded to their leader in one Produce request per leader, the very
 * bytes the encode task built, through the gateway's peer connections.
 *
 * Leadership moves, as it does during a failover: a batch answered NOT_LEADER_OR_FOLLOWER (or
 * with no leader, or whose leader's connection failed before it answered) is sent again to the
 * leader the local metadata names by then, until `timeoutMs` runs out, as a Kafka producer
 * retries. The answer of a leader that was reached is final: a retry after a timeout could
 * write the batch twice. When the time is up, the last error stands.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import { ErrorCodes, SamsaError } from '../../common/errors.js'
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { setBatchBaseOffset, setBatchPartitionLeaderEpoch } from '../../protocol/record-batch.js'
import { appendRecords, type PartitionRecords } from '../../replication/append-records.js'
import type { AppendOutcome } from '../../replication/partition.js'
import type { PeerBrokers } from '../../broker/peer-brokers.js'

/** Pause between attempts while leadership moves (an election takes a session timeout or so). */
const RETRY_BACKOFF_MS = 100
/**
 * Allowed for the network beyond the Produce's own timeout before the connection gives up: the
 * leader answers at its timeout, so this only bounds how late a silent (paused) leader is noticed.
 */
const NETWORK_MARGIN_MS = 2_000

/** Errors that mean "not this broker, or not yet": the batch was not written, so sending it again is safe. */
const LEADERSHIP_ERRORS: ReadonlySet<number> = new Set([
  KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER,
  KafkaErrorCodes.LEADER_NOT_AVAILABLE,
  KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION,
  KafkaErrorCodes.FENCED_LEADER_EPOCH,
  KafkaErrorCodes.UNKNOWN_LEADER_EPOCH,
])

/** Outcome of each batch, by partition index. */
export async function appendAtLeaders(
  broker: BrokerContext,
  peers: PeerBrokers,
  topic: string,
  batches: readonly PartitionRecords[],
  timeoutMs: number,
): Promise<Map<number, AppendOutcome>> {
  const deadline = Date.now() + timeoutMs
  const outcomes = new Map<number, AppendOutcome>()
  let pending = batches
  for (;;) {
    const byLeader = new Map<number, PartitionRecords[]>()
    for (const batch of pending) {
      const leader = broker.metadata.partitionState(topic, batch.index)?.leader ?? -1
      let list = byLeader.get(leader)
      if (list === undefined) byLeader.set(leader, (list = []))
      list.push(batch)
    }
    const remainingMs = Math.max(1, deadline - Date.now())
    const sent: Array<Promise<void>> = []
    for (const [leader, list] of byLeader) {
      if (leader < 0) {
        for (const batch of list) outcomes.set(batch.index, failed(KafkaErrorCodes.LEADER_NOT_AVAILABLE, `${topic}-${batch.index} has no leader right now (an election is under way).`))
      } else if (leader === broker.nodeId) {
        sent.push(appendHere(broker, topic, list, remainingMs, outcomes))
      } else {
        sent.push(forward(peers, leader, topic, list, remainingMs, outcomes))
      }
    }
    await Promise.all(sent)
    pending = pending.filter((batch) => LEADERSHIP_ERRORS.has(outcomes.get(batch.index)!.errorCode))
    if (pending.length === 0 || Date.now() + RETRY_BACKOFF_MS >= deadline) return outcomes
    // A local append that lost leadership may have stamped its offset and epoch on the batch; a
    // leader takes only a producer's batch (base offset 0), so they go back to what the encode
    // task wrote. Both lie outside the CRC.
    for (const { records } of pending) {
      if (records === null) continue
      setBatchBaseOffset(records, 0, 0)
      setBatchPartitionLeaderEpoch(records, 0, -1)
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS))
  }
}

async function appendHere(broker: BrokerContext, topic: string, batches: PartitionRecords[], timeoutMs: number, outcomes: Map<number, AppendOutcome>): Promise<void> {
  const appended = await appendRecords(broker.replicas, { acks: -1, timeoutMs, topics: [{ name: topic, partitionData: batches }], zstdAllowed: true })
  batches.forEach((batch, i) => outcomes.set(batch.index, appended[0]![i]!))
}

async function forward(peers: PeerBrokers, leader: number, topic: string, batches: PartitionRecords[], timeoutMs: number, outcomes: Map<number, AppendOutcome>): Promise<void> {
  let response
  try {
    response = await peers.request(
      leader,
      ApiKeys.Produce,
      { transactionalId: null, acks: -1, timeoutMs, topicData: [{ name: topic, partitionData: batches }] },
      { timeoutMs: timeoutMs + NETWORK_MARGIN_MS },
    )
  } catch (error) {
    // Unreachable or gone before answering: whether the batch was written is unknown only when the
    // request left, and a producer retries then too (the retry may write it twice, as Kafka's
    // non-idempotent producer may). A timed-out request is not retried.
    const code = SamsaError.is(error, ErrorCodes.TIMEOUT) ? KafkaErrorCodes.REQUEST_TIMED_OUT : KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER
    const message = `Forwarding to broker ${leader}, the leader, failed: ${(error as Error).message}`
    for (const batch of batches) outcomes.set(batch.index, failed(code, message))
    return
  }
  const answers = new Map<number, (typeof response.responses)[number]['partitionResponses'][number]>()
  for (const t of response.responses) if (t.name === topic) for (const p of t.partitionResponses) answers.set(p.index, p)
  for (const batch of batches) {
    const answer = answers.get(batch.index)
    if (answer === undefined) {
      outcomes.set(batch.index, failed(KafkaErrorCodes.UNKNOWN_SERVER_ERROR, `Broker ${leader} did not answer for ${topic}-${batch.index}.`))
      continue
    }
    outcomes.set(batch.index, {
      errorCode: answer.errorCode,
      errorMessage: answer.errorCode === KafkaErrorCodes.NONE ? null : (answer.errorMessage ?? null),
      baseOffset: Number(answer.baseOffset),
      logAppendTime: Number(answer.logAppendTimeMs),
      logStartOffset: Number(answer.logStartOffset),
      appendedBytes: 0,
      requiredOffset: -1,
    })
  }
}

function failed(errorCode: number, errorMessage: string): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: -1, logAppendTime: -1, logStartOffset: -1, appendedBytes: 0, requiredOffset: -1 }
}
