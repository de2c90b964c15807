/**
 * ShareAcknowledge (KIP-932): acknowledgements of a share session that does not fetch more
 * (a consumer committing, or closing with -1). Each partition answers with its own error.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { SharePartitionManager } from '../../group/share/share-partition-manager.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { authorizeShareRequest } from './share-authorized-partitions.js'
import { byTopic, withDenied } from './share-fetch.js'

/** Registered only when share groups are served (group.share.enable), with their manager. */
export function shareAcknowledgeHandler(broker: BrokerContext, shares: SharePartitionManager) {
  return defineHandler({
    apiKey: ApiKeys.ShareAcknowledge,
    advertised: { min: 1, max: 1 },
    handle(request, context) {
      const authorized = authorizeShareRequest(broker, context, request)
      if (authorized === null) return { errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, responses: [], nodeEndpoints: [] }
      const { allowed, denied } = authorized
      return shares
        .shareAcknowledge({
          groupId: request.groupId,
          memberId: request.memberId,
          shareSessionEpoch: request.shareSessionEpoch,
          partitions: allowed,
        })
        .then((result) => withDenied(result, denied))
        .then((outcome) => ({
          throttleTimeMs: 0,
          errorCode: outcome.errorCode,
          errorMessage: outcome.errorMessage,
          responses: byTopic(outcome.partitions).map((t) => ({
            topicId: t.topicId,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partition,
              errorCode: p.errorCode,
              errorMessage: p.errorMessage,
              currentLeader: { leaderId: p.leaderId, leaderEpoch: p.leaderEpoch },
            })),
          })),
          nodeEndpoints: [],
        }))
    },
    errorResponse(_request, errorCode) {
      return { errorCode, responses: [], nodeEndpoints: [] }
    },
  })
}
