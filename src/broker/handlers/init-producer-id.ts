/**
 * InitProducerId: a producer id and epoch.
 *
 * Without a transactional id (an idempotent producer) it is always a fresh id at epoch 0, as in
 * Kafka, also when the producer passes its old id and epoch (v3+) after a sequence error.
 *
 * With a transactional id the transaction coordinator answers: a new id for a new
 * transactional id, else the next epoch, which fences every older instance (an open transaction
 * of theirs is aborted first: CONCURRENT_TRANSACTIONS until it is, and the client retries). From
 * v3 the producer may pass its current id and epoch to recover after an abortable error
 * (KIP-360); passing only one of the two is INVALID_REQUEST. Versions before 4 get
 * INVALID_PRODUCER_EPOCH where later ones get PRODUCER_FENCED.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { fencedErrorForVersion } from './txn-errors.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'

export function initProducerIdHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.InitProducerId,
    advertised: { min: 0, max: 5 },
    async handle(request, context) {
      if (request.transactionalId !== null && !broker.authorizer.authorize(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
        return { errorCode: KafkaErrorCodes.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 }
      }
      // An idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on some topic, as in Kafka.
      if (request.transactionalId === null && !broker.authorizer.authorize(context, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME, false) &&
        !broker.authorizer.authorizeAny(context, AclOperation.WRITE, ResourceType.TOPIC)) {
        return { errorCode: KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 }
      }
      if (request.transactionalId === null) {
        const producerId = await broker.producerIds.nextProducerId()
        return { errorCode: KafkaErrorCodes.NONE, producerId: BigInt(producerId), producerEpoch: 0 }
      }
      const hasId = request.producerId !== -1n
      const hasEpoch = request.producerEpoch !== -1
      if (hasId !== hasEpoch) return { errorCode: KafkaErrorCodes.INVALID_REQUEST, producerId: -1n, producerEpoch: -1 }
      const expected = hasId ? { producerId: Number(request.producerId), producerEpoch: request.producerEpoch } : null
      const result = await broker.transactions.initProducerId(request.transactionalId, request.transactionTimeoutMs, expected)
      return {
        errorCode: fencedErrorForVersion(result.errorCode, context.apiVersion, 4),
        producerId: BigInt(result.producerId),
        producerEpoch: result.producerEpoch,
      }
    },
    errorResponse: (_request, errorCode) => ({ errorCode, producerId: -1n, producerEpoch: -1 }),
  })
}
