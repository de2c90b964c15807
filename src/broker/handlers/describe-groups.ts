/**
 * DescribeGroups: each group's state, protocol and members (client id, host, and once the group
 * is Stable their subscription metadata and assignment). A group that does not exist is
 * described as Dead with no error, as Kafka does before v6, and so is a KIP-848 consumer group. Authorized operations (v3+) are
 * reported when asked for: without ACLs every client may read, describe and delete a group.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../../protocol/messages/metadata.js'
import { GROUP_AUTHORIZED_OPERATIONS } from '../../group/group-coordinator.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function describeGroupsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.DescribeGroups,
    advertised: { min: 0, max: 5 },
    handle(request, context) {
      const operations = request.includeAuthorizedOperations ? GROUP_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED
      return {
        throttleTimeMs: 0,
        groups: request.groups.map((groupId) => {
          if (!broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
            return { errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: operations }
          }
          // A KIP-848 consumer group is not a classic group: Kafka describes it as Dead here
          // before v6 (the admin client asks ConsumerGroupDescribe first).
          if (broker.groups.isConsumerGroup(groupId)) {
            return { errorCode: 0, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: operations }
          }
          const d = broker.groups.describeGroup(groupId)
          return {
            errorCode: d.errorCode,
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
