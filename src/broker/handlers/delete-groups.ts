/**
 * DeleteGroups: removes groups that have no members, with every offset they committed (as
 * tombstones in __consumer_offsets). A group with members gets NON_EMPTY_GROUP; one that does
 * not exist GROUP_ID_NOT_FOUND.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function deleteGroupsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.DeleteGroups,
    advertised: { min: 0, max: 2 },
    handle(request, context) {
      const allowed = request.groupsNames.filter((groupId) => broker.authorizer.authorize(context, AclOperation.DELETE, ResourceType.GROUP, groupId))
      const denied = request.groupsNames.filter((groupId) => !allowed.includes(groupId)).map((groupId) => ({ groupId, errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED }))
      return { throttleTimeMs: 0, results: [...broker.groups.deleteGroups(allowed), ...denied] }
    },
    errorResponse(request, errorCode) {
      return { results: request.groupsNames.map((groupId) => ({ groupId, errorCode })) }
    },
  })
}
