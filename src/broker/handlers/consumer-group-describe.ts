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
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function consumerGroupDescribeHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.ConsumerGroupDescribe,
    advertised: { min: 0, max: 1 },
    handle(request, context) {
      const operations = request.includeAuthorizedOperations ? GROUP_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED
      // As Kafka: DESCRIBE on each group; a refused one gets GROUP_AUTHORIZATION_FAILED.
      const allowed = (groupId: string) => broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)
      const described = broker.groups.consumerGroupDescribe(request.groupIds.filter(allowed))
      return {
        throttleTimeMs: 0,
        groups: [
          ...described.map((g) => ({ ...g, authorizedOperations: operations })),
          ...request.groupIds.filter((groupId) => !allowed(groupId)).map((groupId) => ({ errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, groupId })),
        ],
      }
    },
    errorResponse(request, errorCode) {
      return { groups: request.groupIds.map((groupId) => ({ errorCode, groupId })) }
    },
  })
}
