/**
 * ListTransactions: the transactional ids this broker coordinates (admin clients ask every
 * broker), filtered by state name, producer id and, from v1, how long the transaction has been
 * open. State names Kafka does not know are reported back as unknown filters.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function listTransactionsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.ListTransactions,
    advertised: { min: 0, max: 1 },
    handle(request, context) {
      const result = broker.transactions.list(request.stateFilters, request.producerIdFilters.map(Number), Number(request.durationFilter))
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        unknownStateFilters: result.unknownStateFilters,
        // As Kafka: only the transactional ids the caller may DESCRIBE are listed.
        transactionStates: result.transactions
          .filter((t) => broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId, false))
          .map((t) => ({ transactionalId: t.transactionalId, producerId: BigInt(t.producerId), transactionState: t.state })),
      }
    },
    errorResponse: (_request, errorCode) => ({ errorCode, unknownStateFilters: [], transactionStates: [] }),
  })
}
