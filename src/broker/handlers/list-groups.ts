/**
 * ListGroups: the groups this broker coordinates, with their protocol type ("consumer", or "" for
 * groups that only store offsets), their state (v4+, which may also filter by state,
 * case-insensitively) and their type (v5+: "classic", or "consumer" for KIP-848 consumer groups;
 * a types filter, case-insensitive, lists only those types).
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'

export function listGroupsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.ListGroups,
    advertised: { min: 0, max: 5 },
    handle(request, context) {
      const result = broker.groups.listGroups(request.statesFilter, request.typesFilter)
      // As Kafka: DESCRIBE on the cluster lists every group, else only those the principal may describe.
      const all = broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME, false)
      const visible = all ? result.groups : result.groups.filter((g) => broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId, false))
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        groups: visible.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.type })),
      }
    },
    errorResponse(_request, errorCode) {
      return { errorCode, groups: [] }
    },
  })
}
