/**
 * JoinGroup: a member joins (or rejoins) a classic group; the answer waits until the rebalance
 * completes (the connection's later requests wait with it, as Kafka mutes the channel). The
 * group coordinator does the work; this handler translates versions:
 * - v0 has no rebalance timeout (the session timeout serves as both);
 * - v4+ asks first-time members to come back with an assigned id (MEMBER_ID_REQUIRED);
 * - v5+ carries group.instance.id (static membership);
 * - v7+ answers the protocol type, and a null protocol name where older versions get "";
 * - v9 supports skip_assignment for a returning static leader (KIP-814).
 * The member's host is reported as Kafka reports it: "/" and the client's address.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { JoinGroupResponseInput } from '../../protocol/messages/join-group.js'
import type { JoinGroupResult } from '../../group/coordinator-results.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function joinGroupHandler(broker: BrokerContext) {
  const respond = (result: JoinGroupResult, version: number): JoinGroupResponseInput => ({
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    generationId: result.generationId,
    protocolType: result.protocolType,
    protocolName: version >= 7 ? result.protocolName : (result.protocolName ?? ''),
    leader: result.leader,
    skipAssignment: result.skipAssignment,
    memberId: result.memberId,
    members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
  })

  return defineHandler({
    apiKey: ApiKeys.JoinGroup,
    advertised: { min: 0, max: 9 },
    handle(request, context) {
      const version = context.apiVersion
      if (!broker.authorizer.authorize(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        return { errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, generationId: -1, protocolName: version >= 7 ? null : '', leader: '', memberId: request.memberId, members: [] }
      }
      const outcome = broker.groups.joinGroup({
        groupId: request.groupId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        requireKnownMemberId: version >= 4,
        supportSkippingAssignment: version >= 9,
        clientId: context.header.clientId ?? '',
        clientHost: `/${context.connection.remoteAddress}`,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        sessionTimeoutMs: request.sessionTimeoutMs,
        protocolType: request.protocolType,
        protocols: request.protocols,
        reason: request.reason,
      })
      return outcome instanceof Promise ? outcome.then((result) => respond(result, version)) : respond(outcome, version)
    },
    errorResponse(request, errorCode, context) {
      return {
        errorCode,
        generationId: -1,
        protocolName: context.apiVersion >= 7 ? null : '',
        leader: '',
        memberId: request.memberId,
        members: [],
      }
    },
  })
}
