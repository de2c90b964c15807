/**
 * EndTxn: commit or abort the producer's transaction. Answered once the coordinator has written
 * PrepareCommit or PrepareAbort; the markers follow in the background.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { fencedErrorForVersion } from './txn-errors.js'
import { AclOperation, ResourceType } from '../../security/acl.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'

export function endTxnHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.EndTxn,
    advertised: { min: 0, max: 4 },
    async handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return { errorCode: KafkaErrorCodes.TRANSACTIONAL_ID_AUTHORIZATION_FAILED }
      const error = await broker.transactions.endTransaction(request.transactionalId, Number(request.producerId), request.producerEpoch, request.committed)
      return { throttleTimeMs: 0, errorCode: fencedErrorForVersion(error, context.apiVersion, 2) }
    },
    errorResponse: (_request, errorCode) => ({ errorCode }),
  })
}
