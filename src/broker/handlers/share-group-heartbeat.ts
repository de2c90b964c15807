/**
 * ShareGroupHeartbeat (KIP-932): a share-group member joins, heartbeats or leaves; the group
 * coordinator answers with its epoch and, when it changed, the partitions it may fetch from.
 *
 * As Kafka's KafkaApis: READ on the group, and DESCRIBE on every topic the member subscribes to;
 * a subscription naming a topic the principal may not describe is refused whole with
 * TOPIC_AUTHORIZATION_FAILED (the member learns nothing of the topics, and the group is unchanged).
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { andThen } from '../../group/maybe-async.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'
import { splitByAuthorization } from './authorized-topics.js'

export function shareGroupHeartbeatHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.ShareGroupHeartbeat,
    advertised: { min: 1, max: 1 },
    handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, memberEpoch: -1 }
      const split = splitByAuthorization(broker, context, AclOperation.DESCRIBE, ResourceType.TOPIC, request.subscribedTopicNames ?? [], (name) => name)
      if (split !== null) {
        return {
          throttleTimeMs: 0,
          errorCode: KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED,
          errorMessage: `Not authorized to describe the subscribed topics ${split.denied.join(', ')}.`,
          memberEpoch: -1,
        }
      }

      const result = broker.groups.shareGroupHeartbeat({
        groupId: request.groupId,
        memberId: request.memberId,
        memberEpoch: request.memberEpoch,
        rackId: request.rackId,
        subscribedTopicNames: request.subscribedTopicNames,
        clientId: context.header.clientId ?? '',
        clientHost: `/${context.connection.remoteAddress}`,
      })
      return andThen(result, (r) => ({ throttleTimeMs: 0, ...r }))
    },
    errorResponse(_request, errorCode) {
      return { errorCode, memberEpoch: -1 }
    },
  })
}
