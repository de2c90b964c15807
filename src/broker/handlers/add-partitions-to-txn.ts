/**
 * AddPartitionsToTxn: partitions join a producer's transaction on its coordinator.
 *
 * Up to v3 (what clients send) one transaction; from v4 (KIP-890, what partition leaders send)
 * a batch, each transaction either added like a v3 request or, with verify_only, checked: each
 * partition NONE when it is in the transaction, TRANSACTION_ABORTABLE when not.
 *
 * Adding: a partition of a topic that does not exist gets UNKNOWN_TOPIC_OR_PARTITION and the
 * transaction's other partitions OPERATION_NOT_ATTEMPTED, with nothing added, as in Kafka;
 * otherwise every partition gets the coordinator's one answer. Versions before 2 predate
 * PRODUCER_FENCED and get INVALID_PRODUCER_EPOCH instead.
 *
 * Authorization as Kafka's: a client (v0-3) needs WRITE on the transactional id and on each
 * topic (a refused topic gets TOPIC_AUTHORIZATION_FAILED, the others OPERATION_NOT_ATTEMPTED);
 * the broker-to-broker batch (v4+) needs CLUSTER_ACTION on the cluster.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponseInput } from '../../protocol/messages/add-partitions-to-txn.js'
import type { TopicPartition } from '../../transaction/transaction-metadata.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler, type RequestContext } from '../handler.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'
import { fencedErrorForVersion } from './txn-errors.js'

type Topics = AddPartitionsToTxnRequest['v3AndBelowTopics']
type TopicResults = AddPartitionsToTxnResponseInput['resultsByTopicV3AndBelow']

interface Transaction {
  readonly transactionalId: string
  readonly producerId: bigint
  readonly producerEpoch: number
  readonly verifyOnly: boolean
  readonly topics: Topics
}

function topicResults(topics: Topics, errorOf: (topic: string, partition: number, index: number) => number): NonNullable<TopicResults> {
  let index = 0
  return topics.map((t) => ({
    name: t.name,
    resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: errorOf(t.name, p, index++) })),
  }))
}

export function addPartitionsToTxnHandler(broker: BrokerContext) {
  /** One transaction's per-partition answers. */
  const handleTransaction = async (txn: Transaction, context: RequestContext): Promise<NonNullable<TopicResults>> => {
    const version = context.apiVersion
    if (version < 4) {
      if (!broker.authorizer.authorize(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, txn.transactionalId)) {
        return topicResults(txn.topics, () => KafkaErrorCodes.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
      }
      const refused = new Set(txn.topics.filter((t) => !broker.authorizer.authorize(context, AclOperation.WRITE, ResourceType.TOPIC, t.name)).map((t) => t.name))
      if (refused.size > 0) {
        return topicResults(txn.topics, (topic) => (refused.has(topic) ? KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED : KafkaErrorCodes.OPERATION_NOT_ATTEMPTED))
      }
    }
    const partitions: TopicPartition[] = txn.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })))
    const producerId = Number(txn.producerId)
    if (txn.verifyOnly) {
      const errors = broker.transactions.verifyPartitions(txn.transactionalId, producerId, txn.producerEpoch, partitions)
      return topicResults(txn.topics, (_t, _p, i) => errors[i]!)
    }
    const unknown = new Set<string>()
    for (const { topic, partition } of partitions) {
      const count = broker.metadata.topic(topic)?.partitions ?? 0
      if (partition < 0 || partition >= count) unknown.add(`${topic}\u0000${partition}`)
    }
    if (unknown.size > 0) {
      return topicResults(txn.topics, (topic, p) =>
        unknown.has(`${topic}\u0000${p}`) ? KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION : KafkaErrorCodes.OPERATION_NOT_ATTEMPTED,
      )
    }
    const error = await broker.transactions.addPartitions(txn.transactionalId, producerId, txn.producerEpoch, partitions)
    const answered = fencedErrorForVersion(error, version, 2)
    return topicResults(txn.topics, () => answered)
  }

  return defineHandler({
    apiKey: ApiKeys.AddPartitionsToTxn,
    advertised: { min: 0, max: 5 },
    async handle(request, context): Promise<AddPartitionsToTxnResponseInput> {
      if (context.apiVersion < 4) {
        const txn: Transaction = {
          transactionalId: request.v3AndBelowTransactionalId,
          producerId: request.v3AndBelowProducerId,
          producerEpoch: request.v3AndBelowProducerEpoch,
          verifyOnly: false,
          topics: request.v3AndBelowTopics,
        }
        return { throttleTimeMs: 0, resultsByTopicV3AndBelow: await handleTransaction(txn, context) }
      }
      if (!broker.authorizer.authorize(context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
        return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [] }
      }
      const results = await Promise.all(request.transactions.map((txn) => handleTransaction(txn, context)))
      return {
        throttleTimeMs: 0,
        errorCode: KafkaErrorCodes.NONE,
        resultsByTransaction: request.transactions.map((txn, i) => ({ transactionalId: txn.transactionalId, topicResults: results[i]! })),
      }
    },
    errorResponse(request, errorCode, context) {
      if (context.apiVersion < 4) return { resultsByTopicV3AndBelow: topicResults(request.v3AndBelowTopics, () => errorCode) }
      return {
        errorCode,
        resultsByTransaction: request.transactions.map((txn) => ({ transactionalId: txn.transactionalId, topicResults: topicResults(txn.topics, () => errorCode) })),
      }
    },
  })
}
