/**
 * InitProducerId: a new producer id (epoch 0) for an idempotent producer. As in Kafka, a
 * producer without a transactional id always gets a fresh id, also when it passes its old id
 * and epoch (v3+) after a sequence error. Transactional ids need the transaction coordinator,
 * which Samsa does not have yet: those requests get an error instead of a half-working id.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
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
      if (request.transactionalId !== null) {
        broker.logger.warn('transactional producer refused: Samsa does not support transactions yet', { transactionalId: request.transactionalId })
        return { errorCode: KafkaErrorCodes.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 }
      }
      const producerId = await broker.producerIds.nextProducerId()
      return { errorCode: KafkaErrorCodes.NONE, producerId: BigInt(producerId), producerEpoch: 0 }
    },
    errorResponse: (_request, errorCode) => ({ errorCode, producerId: -1n, producerEpoch: -1 }),
  })
}
