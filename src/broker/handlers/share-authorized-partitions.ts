/**
 * The checks ShareFetch and ShareAcknowledge make before calling the share-partition manager, as
 * Kafka's KafkaApis does: a share consumer needs READ on the group, then READ on each topic it
 * fetches from or acknowledges in. Partitions of other topics never reach the manager (they join no share
 * session, and their acknowledgements change nothing) and are answered TOPIC_AUTHORIZATION_FAILED,
 * each on its own; the rest of the request goes on.
 */
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { RequestedPartition, SharePartitionOutcome } from '../../group/share/share-partition-manager.js'
import { AclOperation, ResourceType } from '../../security/acl.js'
import type { BrokerContext } from '../broker-context.js'
import type { RequestContext } from '../handler.js'
import { splitByAuthorization } from './authorized-topics.js'

export interface AuthorizedSharePartitions {
  readonly allowed: readonly RequestedPartition[]
  /** The refused partitions' answers; empty when every topic is allowed. */
  readonly denied: SharePartitionOutcome[]
}

/** What both requests name: the group and, per topic, partitions with their acknowledgements. */
interface ShareRequest {
  readonly groupId: string | null
  readonly topics: ReadonlyArray<{
    readonly topicId: string
    readonly partitions: ReadonlyArray<{ readonly partitionIndex: number; readonly acknowledgementBatches: RequestedPartition['acknowledgementBatches'] }>
  }>
}

/** The request's partitions split by topic ACLs, or null when READ on the group is refused (GROUP_AUTHORIZATION_FAILED). */
export function authorizeShareRequest(broker: BrokerContext, context: RequestContext, request: ShareRequest): AuthorizedSharePartitions | null {
  if (!broker.authorizer.authorize(context, AclOperation.READ, ResourceType.GROUP, request.groupId ?? '')) return null
  const requested = request.topics.flatMap((t) =>
    t.partitions.map((p) => ({ topicId: t.topicId, partition: p.partitionIndex, acknowledgementBatches: p.acknowledgementBatches })),
  )
  return authorizeSharePartitions(broker, context, requested)
}

function authorizeSharePartitions(broker: BrokerContext, context: RequestContext, partitions: readonly RequestedPartition[]): AuthorizedSharePartitions {
  const split = splitByAuthorization(broker, context, AclOperation.READ, ResourceType.TOPIC, partitions, (p) => broker.metadata.topicById(p.topicId)?.name)
  if (split === null) return { allowed: partitions, denied: [] }
  const denied = split.denied.map((p): SharePartitionOutcome => {
    const message = `Not authorized to read topic ${broker.metadata.topicById(p.topicId)?.name ?? p.topicId}.`
    const acknowledged = p.acknowledgementBatches.length > 0
    return {
      topicId: p.topicId,
      partition: p.partition,
      errorCode: KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED,
      errorMessage: message,
      acknowledgeErrorCode: acknowledged ? KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED : KafkaErrorCodes.NONE,
      acknowledgeErrorMessage: acknowledged ? message : null,
      leaderId: -1,
      leaderEpoch: -1,
      records: null,
      acquiredRecords: [],
    }
  })
  return { allowed: split.allowed, denied }
}
