/**
 * DescribeGroups: each group's state, protocol and members (client id, host, and once the group
 * is Stable their subscription metadata and assignment). A group that does not exist, a KIP-848
 * consumer group and a share group are described as Dead with no error before v6, as Kafka does;
 * from v6 (KIP-1043) with GROUP_ID_NOT_FOUND and Kafka's message ("Group g not found.", "Group g
 * is not a classic group."). Authorized operations (v3+) are reported when asked for: without
 * ACLs every client may read, describe and delete a group.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../../protocol/messages/metadata.js'
import { GROUP_AUTHORIZED_OPERATIONS } from '../../group/group-coordinator.js'
import { notClassicGroup } from '../../group/coordinator-results.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function describeGroupsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.DescribeGroups,
    advertised: { min: 0, max: 6 },
    handle(request, context) {
      const operations = request.includeAuthorizedOperations ? GROUP_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED
      return {
        throttleTimeMs: 0,
        groups: request.groups.map((groupId) => {
          if (!broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
            return { errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: operations }
          }
          // A KIP-848 consumer group is not a classic group (the admin client asks
          // ConsumerGroupDescribe first); describeGroup would show it in the classic shape.
          const d = broker.groups.isConsumerGroup(groupId)
            ? notClassicGroup(groupId, 'is not a classic group', context.apiVersion)
            : broker.groups.describeGroup(groupId, context.apiVersion)
          return {
            errorCode: d.errorCode,
            errorMessage: d.errorMessage ?? null,
            groupId: d.groupId,
            groupState: d.state,
            protocolType: d.protocolType,
            protocolData: d.protocolData,
            members: d.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              memberMetadata: m.metadata,
              memberAssignment: m.assignment,
            })),
            authorizedOperations: operations,
          }
        }),
      }
    },
    errorResponse(request, errorCode) {
      return {
        groups: request.groups.map((groupId) => ({ errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [] })),
      }
    },
  })
}
