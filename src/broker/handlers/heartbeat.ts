/**
 * Heartbeat: a member says it is alive; the answer tells it to rejoin when the group is
 * rebalancing (REBALANCE_IN_PROGRESS) or that it is no longer a member of this generation.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function heartbeatHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.Heartbeat,
    advertised: { min: 0, max: 4 },
    handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED }
      const errorCode = broker.groups.heartbeat({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
      })
      return { throttleTimeMs: 0, errorCode }
    },
    errorResponse(_request, errorCode) {
      return { errorCode }
    },
  })
}
