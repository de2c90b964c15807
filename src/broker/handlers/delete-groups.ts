/**
 * DeleteGroups: removes groups that have no members, with every offset they committed (as
 * tombstones in __consumer_offsets). A group with members gets NON_EMPTY_GROUP; one that does
 * not exist GROUP_ID_NOT_FOUND.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

export function deleteGroupsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.DeleteGroups,
    advertised: { min: 0, max: 2 },
    handle(request) {
      return { throttleTimeMs: 0, results: broker.groups.deleteGroups(request.groupsNames) }
    },
    errorResponse(request, errorCode) {
      return { results: request.groupsNames.map((groupId) => ({ groupId, errorCode })) }
    },
  })
}
