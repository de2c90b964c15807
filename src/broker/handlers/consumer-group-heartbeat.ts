/**
 * ConsumerGroupHeartbeat (KIP-848): a consumer-group member joins, heartbeats or leaves; the
 * group coordinator answers with its epoch and, when it changed, its partitions. Errors carry a
 * message the client logs (Kafka's wording), so a refused member says why.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { andThen } from '../../group/maybe-async.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

export function consumerGroupHeartbeatHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.ConsumerGroupHeartbeat,
    advertised: { min: 0, max: 1 },
    handle(request, context) {
      const result = broker.groups.consumerGroupHeartbeat({
        groupId: request.groupId,
        memberId: request.memberId,
        memberEpoch: request.memberEpoch,
        instanceId: request.instanceId,
        rackId: request.rackId,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        subscribedTopicNames: request.subscribedTopicNames,
        subscribedTopicRegex: request.subscribedTopicRegex,
        serverAssignor: request.serverAssignor,
        topicPartitions: request.topicPartitions,
        clientId: context.header.clientId ?? '',
        clientHost: `/${context.connection.remoteAddress}`,
        apiVersion: context.apiVersion,
      })
      return andThen(result, (r) => ({ throttleTimeMs: 0, ...r }))
    },
    errorResponse(_request, errorCode) {
      return { errorCode, memberEpoch: -1 }
    },
  })
}
