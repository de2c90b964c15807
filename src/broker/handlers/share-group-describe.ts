/**
 * ShareGroupDescribe (KIP-932): a share group's epochs, assignor and members with their
 * assignments. Other groups answer GROUP_ID_NOT_FOUND with a message saying so.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../../protocol/messages/metadata.js'
import { GROUP_AUTHORIZED_OPERATIONS } from '../../group/group-coordinator.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'

export function shareGroupDescribeHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.ShareGroupDescribe,
    advertised: { min: 1, max: 1 },
    handle(request, context) {
      const operations = request.includeAuthorizedOperations ? GROUP_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED
      return {
        throttleTimeMs: 0,
        groups: request.groupIds.map((groupId) => {
          if (!broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
            return { errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, groupId, groupState: 'Dead', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: operations }
          }
          const described = broker.groups.shareGroupDescribe(groupId)
          if ('errorCode' in described) {
            return { ...described, groupId, groupState: 'Dead', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: operations }
          }
          return { errorCode: 0, ...described, authorizedOperations: operations }
        }),
      }
    },
    errorResponse(request, errorCode) {
      return {
        groups: request.groupIds.map((groupId) => ({ errorCode, groupId, groupState: 'Dead', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [] })),
      }
    },
  })
}
