/**
 * AddOffsetsToTxn: the group's __consumer_offsets partition joins the producer's transaction, so
 * the offsets it then commits with TxnOffsetCommit are written, and made visible, with it.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { fencedErrorForVersion } from './txn-errors.js'
import { AclOperation, ResourceType } from '../../security/acl.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'

export function addOffsetsToTxnHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.AddOffsetsToTxn,
    advertised: { min: 0, max: 4 },
    async handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return { errorCode: KafkaErrorCodes.TRANSACTIONAL_ID_AUTHORIZATION_FAILED }
      if (!broker.authorizer.authorize(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED }
      const error = await broker.transactions.addOffsets(request.transactionalId, Number(request.producerId), request.producerEpoch, request.groupId)
      return { throttleTimeMs: 0, errorCode: fencedErrorForVersion(error, context.apiVersion, 2) }
    },
    errorResponse: (_request, errorCode) => ({ errorCode }),
  })
}
