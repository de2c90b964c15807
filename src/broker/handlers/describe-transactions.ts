/**
 * DescribeTransactions: each id's state as its coordinator knows it (state name, timeout, start
 * time, producer id and epoch, and the partitions of the open transaction, or those still
 * waiting for a marker while it completes). An id coordinated elsewhere gets NOT_COORDINATOR;
 * one unknown here TRANSACTIONAL_ID_NOT_FOUND.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'

export function describeTransactionsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.DescribeTransactions,
    advertised: { min: 0, max: 0 },
    handle(request, context) {
      return {
        throttleTimeMs: 0,
        transactionStates: request.transactionalIds.map((id) => {
          if (!broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)) {
            return { errorCode: KafkaErrorCodes.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId: id, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] }
          }
          const d = broker.transactions.describe(id)
          const topics = new Map<string, number[]>()
          for (const { topic, partition } of d.partitions) {
            let list = topics.get(topic)
            if (list === undefined) topics.set(topic, (list = []))
            list.push(partition)
          }
          return {
            errorCode: d.errorCode,
            transactionalId: id,
            transactionState: d.state,
            transactionTimeoutMs: d.timeoutMs,
            transactionStartTimeMs: BigInt(d.startTimeMs),
            producerId: BigInt(d.producerId),
            producerEpoch: d.producerEpoch,
            topics: [...topics].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) })),
          }
        }),
      }
    },
    errorResponse(request, errorCode) {
      return {
        transactionStates: request.transactionalIds.map((id) => ({
          errorCode,
          transactionalId: id,
          transactionState: '',
          transactionTimeoutMs: 0,
          transactionStartTimeMs: -1n,
          producerId: -1n,
          producerEpoch: -1,
          topics: [],
        })),
      }
    },
  })
}
