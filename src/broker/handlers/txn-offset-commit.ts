/**
 * TxnOffsetCommit: a transactional producer commits a consumer group's positions as part of its
 * transaction (Java's sendOffsetsToTransaction, after AddOffsetsToTxn put the group's
 * __consumer_offsets partition in the transaction). Partitions of topics that do not exist get
 * UNKNOWN_TOPIC_OR_PARTITION and are not stored; the rest go to the group coordinator, which
 * checks the member and generation (v3+) and writes them as a batch of the producer's
 * transaction. The answer comes once the ISR has that batch; the offsets become visible to the
 * group (OffsetFetch) only when the transaction commits. A producer fenced by a newer epoch
 * gets INVALID_PRODUCER_EPOCH and nothing is written.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponseInput } from '../../protocol/messages/txn-offset-commit.js'
import type { OffsetCommitEntry } from '../../group/coordinator-results.js'
import { andThen } from '../../group/maybe-async.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

export function txnOffsetCommitHandler(broker: BrokerContext) {
  const errorResponse = (request: TxnOffsetCommitRequest, errorCode: number): TxnOffsetCommitResponseInput => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  })

  return defineHandler({
    apiKey: ApiKeys.TxnOffsetCommit,
    advertised: { min: 0, max: 4 },
    handle(request) {
      // A producer id that cannot be one (the client never got one) is refused before any write.
      if (request.producerId < 0n || request.producerEpoch < 0) return errorResponse(request, KafkaErrorCodes.INVALID_PRODUCER_ID_MAPPING)
      const entries: OffsetCommitEntry[] = []
      const errors: number[][] = request.topics.map((topic) => {
        const known = broker.metadata.topic(topic.name)
        return topic.partitions.map((p) => {
          if (known === undefined || p.partitionIndex < 0 || p.partitionIndex >= known.partitions) return KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION
          entries.push({
            topic: topic.name,
            partition: p.partitionIndex,
            offset: Number(p.committedOffset),
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.committedMetadata,
          })
          return -1
        })
      })
      const committed = entries.length === 0
        ? []
        : broker.groups.commitTransactionalOffsets({
          groupId: request.groupId,
          transactionalId: request.transactionalId,
          producerId: Number(request.producerId),
          producerEpoch: request.producerEpoch,
          generationId: request.generationId,
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          offsets: entries,
        })
      return andThen(committed, (results): TxnOffsetCommitResponseInput => {
        let next = 0
        return {
          throttleTimeMs: 0,
          topics: request.topics.map((topic, t) => ({
            name: topic.name,
            partitions: topic.partitions.map((p, i) => ({
              partitionIndex: p.partitionIndex,
              errorCode: errors[t]![i] === -1 ? results[next++]! : errors[t]![i]!,
            })),
          })),
        }
      })
    },
    errorResponse,
  })
}
