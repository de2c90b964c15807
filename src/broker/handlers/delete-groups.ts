/**
 * DeleteGroups: removes groups that have no members, with every offset they committed (as
 * tombstones in __consumer_offsets) and their group configs, as Kafka does. A group with members
 * gets NON_EMPTY_GROUP; one that does not exist GROUP_ID_NOT_FOUND (its configs, if any, stay:
 * an admin may set them before the group first joins).
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
    async handle(request, context) {
      const allowed = request.groupsNames.filter((groupId) => broker.authorizer.authorize(context, AclOperation.DELETE, ResourceType.GROUP, groupId))
      const denied = request.groupsNames.filter((groupId) => !allowed.includes(groupId)).map((groupId) => ({ groupId, errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED }))
      // Share groups first delete their share-partitions' state, wherever it is (as Kafka does).
      const refused = (await broker.groups.shareGroups?.deleteStates(allowed)) ?? new Map<string, number>()
      const results = [
        ...broker.groups.deleteGroups(allowed.filter((groupId) => !refused.has(groupId))),
        ...[...refused].map(([groupId, errorCode]) => ({ groupId, errorCode })),
      ]
      const deleted = results.filter((r) => r.errorCode === KafkaErrorCodes.NONE && Object.keys(broker.metadata.groupConfigs(r.groupId)).length > 0)
      for (const { groupId } of deleted) {
        try {
          await broker.metadata.updateGroupConfigs(groupId, () => ({}))
        } catch (error) {
          // The group is gone either way; its configs stay until an admin deletes them.
          broker.logger.warn('could not remove the configs of a deleted group', { group: groupId, error })
        }
      }
      return { throttleTimeMs: 0, results: [...results, ...denied] }
    },
    errorResponse(request, errorCode) {
      return { results: request.groupsNames.map((groupId) => ({ groupId, errorCode })) }
    },
  })
}
