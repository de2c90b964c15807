/**
 * ShareFetch (KIP-932): decode, hand acknowledgements and the fetch to the share-partition
 * manager, encode. Records travel as Fetch's do (storage read plans, sent with sendfile); beside
 * them each partition lists the offset ranges acquired for the member and their delivery counts.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { ShareFetchResponseInput } from '../../protocol/messages/share-fetch.js'
import type { ShareFetchOutcome, SharePartitionManager, SharePartitionOutcome } from '../../group/share/share-partition-manager.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { authorizeShareRequest } from './share-authorized-partitions.js'
import { connectionKey } from '../../group/share/share-session.js'

const EMPTY = Buffer.alloc(0)

/** Partition outcomes grouped by topic id, in the order they came. */
export function byTopic<T extends { topicId: string }>(partitions: readonly T[]): Array<{ topicId: string; partitions: T[] }> {
  const topics = new Map<string, T[]>()
  for (const p of partitions) {
    let list = topics.get(p.topicId)
    if (list === undefined) topics.set(p.topicId, (list = []))
    list.push(p)
  }
  return [...topics].map(([topicId, list]) => ({ topicId, partitions: list }))
}

/** The manager's outcome with the partitions refused by ACLs beside its own (a request-level error keeps none). */
export function withDenied(outcome: ShareFetchOutcome, denied: readonly SharePartitionOutcome[]): ShareFetchOutcome {
  if (denied.length === 0 || outcome.errorCode !== KafkaErrorCodes.NONE) return outcome
  return { ...outcome, partitions: [...outcome.partitions, ...denied] }
}

/** Registered only when share groups are served (group.share.enable), with their manager. */
export function shareFetchHandler(broker: BrokerContext, shares: SharePartitionManager) {
  const respond = (outcome: ShareFetchOutcome, lockMs: number): ShareFetchResponseInput => ({
    throttleTimeMs: 0,
    errorCode: outcome.errorCode,
    errorMessage: outcome.errorMessage,
    acquisitionLockTimeoutMs: lockMs,
    responses: byTopic(outcome.partitions).map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        errorCode: p.errorCode,
        errorMessage: p.errorMessage,
        acknowledgeErrorCode: p.acknowledgeErrorCode,
        acknowledgeErrorMessage: p.acknowledgeErrorMessage,
        currentLeader: { leaderId: p.leaderId, leaderEpoch: p.leaderEpoch },
        records: p.records ?? EMPTY,
        acquiredRecords: p.acquiredRecords.map((r) => ({ firstOffset: BigInt(r.firstOffset), lastOffset: BigInt(r.lastOffset), deliveryCount: r.deliveryCount })),
      })),
    })),
    nodeEndpoints: [],
  })

  return defineHandler({
    apiKey: ApiKeys.ShareFetch,
    advertised: { min: 1, max: 1 },
    handle(request, context) {
      const authorized = authorizeShareRequest(broker, context, request)
      if (authorized === null) return { errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, responses: [], nodeEndpoints: [] }
      const { allowed, denied } = authorized
      return shares
        .shareFetch({
          groupId: request.groupId,
          memberId: request.memberId,
          shareSessionEpoch: request.shareSessionEpoch,
          maxWaitMs: request.maxWaitMs,
          minBytes: request.minBytes,
          maxBytes: request.maxBytes,
          maxRecords: request.maxRecords,
          partitions: allowed,
          forgotten: request.forgottenTopicsData.flatMap((t) => t.partitions.map((partition) => ({ topicId: t.topicId, partition }))),
          connection: connectionKey(context.connection.listenerName, context.connection.id),
        })
        .then((outcome) => respond(withDenied(outcome, denied), shares.lockDurationMs(request.groupId)))
    },
    errorResponse(_request, errorCode) {
      return { errorCode, responses: [], nodeEndpoints: [] }
    },
  })
}
