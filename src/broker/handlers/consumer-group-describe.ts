/**
 * ConsumerGroupDescribe (KIP-848): epochs, assignor, members with their subscriptions, current
 * and target assignments. Classic groups answer GROUP_ID_NOT_FOUND (the admin client then
 * describes them with DescribeGroups). Authorized operations are reported when asked for:
 * without ACLs every client may read, describe and delete a group.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../../protocol/messages/metadata.js'
import { GROUP_AUTHORIZED_OPERATIONS } from '../../group/group-coordinator.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

export function consumerGroupDescribeHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.ConsumerGroupDescribe,
    advertised: { min: 0, max: 1 },
    handle(request) {
      const operations = request.includeAuthorizedOperations ? GROUP_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED
      return {
        throttleTimeMs: 0,
        groups: broker.groups.consumerGroupDescribe(request.groupIds).map((g) => ({ ...g, authorizedOperations: operations })),
      }
    },
    errorResponse(request, errorCode) {
      return { groups: request.groupIds.map((groupId) => ({ errorCode, groupId })) }
    },
  })
}
