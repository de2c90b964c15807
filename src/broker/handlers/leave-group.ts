/**
 * LeaveGroup: members leave a group (a consumer closing, or an admin removing static members by
 * group.instance.id with an empty member id). Up to v2 one member per request and one error; from
 * v3 a batch with an error per member. The top-level error is the group's error if any, else the
 * first member's, as Kafka reports it.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function leaveGroupHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.LeaveGroup,
    advertised: { min: 0, max: 5 },
    handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, members: [] }
      const leaving = context.apiVersion >= 3
        ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: m.reason }))
        : [{ memberId: request.memberId, groupInstanceId: null }]
      const result = broker.groups.leaveGroup(request.groupId, leaving)
      const firstMemberError = result.members.find((m) => m.errorCode !== KafkaErrorCodes.NONE)?.errorCode ?? KafkaErrorCodes.NONE
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode !== KafkaErrorCodes.NONE ? result.errorCode : firstMemberError,
        members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: m.errorCode })),
      }
    },
    errorResponse(_request, errorCode) {
      return { errorCode, members: [] }
    },
  })
}
