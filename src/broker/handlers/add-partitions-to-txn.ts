/**
 * AddPartitionsToTxn (v0-3, the form clients send): the partitions join the producer's
 * transaction on its coordinator. A partition of a topic that does not exist gets
 * UNKNOWN_TOPIC_OR_PARTITION and the rest OPERATION_NOT_ATTEMPTED, with nothing added, as in
 * Kafka; otherwise every partition gets the coordinator's one answer. Versions before 2 predate
 * PRODUCER_FENCED and get INVALID_PRODUCER_EPOCH instead.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponseInput } from '../../protocol/messages/add-partitions-to-txn.js'
import type { TopicPartition } from '../../transaction/transaction-metadata.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { fencedErrorForVersion } from './txn-errors.js'

export function addPartitionsToTxnHandler(broker: BrokerContext) {
  const respond = (request: AddPartitionsToTxnRequest, errorOf: (topic: string, partition: number) => number): AddPartitionsToTxnResponseInput => ({
    throttleTimeMs: 0,
    results: request.topics.map((t) => ({
      name: t.name,
      partitionResults: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: errorOf(t.name, p) })),
    })),
  })

  return defineHandler({
    apiKey: ApiKeys.AddPartitionsToTxn,
    advertised: { min: 0, max: 3 },
    async handle(request, context) {
      const unknown = new Set<string>()
      const partitions: TopicPartition[] = []
      for (const t of request.topics) {
        const count = broker.metadata.topic(t.name)?.partitions ?? 0
        for (const p of t.partitions) {
          if (p < 0 || p >= count) unknown.add(`${t.name}\u0000${p}`)
          else partitions.push({ topic: t.name, partition: p })
        }
      }
      if (unknown.size > 0) {
        return respond(request, (topic, p) =>
          unknown.has(`${topic}\u0000${p}`) ? KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION : KafkaErrorCodes.OPERATION_NOT_ATTEMPTED,
        )
      }
      const error = await broker.transactions.addPartitions(request.transactionalId, Number(request.producerId), request.producerEpoch, partitions)
      const answered = fencedErrorForVersion(error, context.apiVersion, 2)
      return respond(request, () => answered)
    },
    errorResponse(request, errorCode) {
      return respond(request, () => errorCode)
    },
  })
}
