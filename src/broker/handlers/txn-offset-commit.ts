/**
 * TxnOffsetCommit: a transactional producer commits a consumer group's positions as part of its
 * transaction (Java's sendOffsetsToTransaction, after AddOffsetsToTxn put the group's
 * __consumer_offsets partition in the transaction). Partitions of topics that do not exist get
 * UNKNOWN_TOPIC_OR_PARTITION and are not stored; the rest go to the group coordinator, which
 * checks the member and generation (v3+) and writes them as a batch of the producer's
 * transaction. The answer comes once the ISR has that batch; the offsets become visible to the
 * group (OffsetFetch) only when the transaction commits. A producer fenced by a newer epoch
 * gets INVALID_PRODUCER_EPOCH and nothing is written.
 *
 * Authorization as Kafka's: WRITE on the transactional id, READ on the group, READ on each topic
 * (a refused topic's partitions get TOPIC_AUTHORIZATION_FAILED and are not stored).
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponseInput } from '../../protocol/messages/txn-offset-commit.js'
import { andThen } from '../../group/maybe-async.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { offsetCommitResults, splitOffsetCommit } from './offset-commit-entries.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function txnOffsetCommitHandler(broker: BrokerContext) {
  const errorResponse = (request: TxnOffsetCommitRequest, errorCode: number): TxnOffsetCommitResponseInput => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  })

  return defineHandler({
    apiKey: ApiKeys.TxnOffsetCommit,
    advertised: { min: 0, max: 4 },
    handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
        return errorResponse(request, KafkaErrorCodes.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
      }
      if (!broker.authorizer.authorize(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        return errorResponse(request, KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED)
      }
      // A producer id that cannot be one (the client never got one) is refused before any write.
      if (request.producerId < 0n || request.producerEpoch < 0) return errorResponse(request, KafkaErrorCodes.INVALID_PRODUCER_ID_MAPPING)
      const split = splitOffsetCommit(broker, context, request.topics)
      const committed = split.entries.length === 0
        ? []
        : broker.groups.commitTransactionalOffsets({
          groupId: request.groupId,
          transactionalId: request.transactionalId,
          producerId: Number(request.producerId),
          producerEpoch: request.producerEpoch,
          generationId: request.generationId,
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          offsets: split.entries,
        })
      return andThen(committed, (results): TxnOffsetCommitResponseInput => ({ throttleTimeMs: 0, topics: offsetCommitResults(request.topics, split, results) }))
    },
    errorResponse,
  })
}
