/**
 * SyncGroup: after a rebalance the leader sends the assignment it computed and every member
 * receives its own part; followers wait for the leader. From v5 the request names the protocol
 * type and name, which must match the group's, and the response repeats them.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { SyncGroupResponseInput } from '../../protocol/messages/sync-group.js'
import type { SyncGroupResult } from '../../group/coordinator-results.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function syncGroupHandler(broker: BrokerContext) {
  const respond = (result: SyncGroupResult): SyncGroupResponseInput => ({
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    protocolType: result.protocolType,
    protocolName: result.protocolName,
    assignment: result.assignment,
  })

  return defineHandler({
    apiKey: ApiKeys.SyncGroup,
    advertised: { min: 0, max: 5 },
    handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, assignment: Buffer.alloc(0) }
      const outcome = broker.groups.syncGroup({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        protocolType: request.protocolType,
        protocolName: request.protocolName,
        assignments: request.assignments,
      })
      return outcome instanceof Promise ? outcome.then(respond) : respond(outcome)
    },
    errorResponse(_request, errorCode) {
      return { errorCode, assignment: Buffer.alloc(0) }
    },
  })
}
