/**
 * What the five share-state APIs (InitializeShareGroupState, ReadShareGroupState,
 * WriteShareGroupState, DeleteShareGroupState, ReadShareGroupStateSummary) have in common: they
 * come from other brokers (share-partition leaders, the admin side), so they need
 * CLUSTER_ACTION on the cluster, as Kafka asks; and they name share-partitions as
 * group → topics → partitions, each answered on its own by the share coordinator here.
 */
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'
import type { SharePartitionKey } from '../../group/share/coordinator/share-coordinator-records.js'
import type { ShareCoordinator } from '../../group/share/coordinator/share-coordinator.js'
import type { BrokerContext } from '../broker-context.js'
import type { RequestContext } from '../handler.js'

interface ShareStateRequest<P extends { partition: number }> {
  readonly groupId: string
  readonly topics: ReadonlyArray<{ readonly topicId: string; readonly partitions: readonly P[] }>
}

/**
 * Answers each share-partition of `request` with `answer` (given the key and the request's
 * partition entry), or every one with the error that stops the whole request: no
 * CLUSTER_ACTION, or no share coordinator on this broker.
 */
export async function answerSharePartitions<P extends { partition: number }, R>(
  broker: BrokerContext,
  context: RequestContext,
  request: ShareStateRequest<P>,
  answer: (coordinator: ShareCoordinator, key: SharePartitionKey, partition: P) => Promise<R>,
  refuse: (partition: number, errorCode: number, errorMessage: string | null) => R,
): Promise<Array<{ topicId: string; partitions: R[] }>> {
  const coordinator = broker.shareCoordinator
  let errorCode: number = KafkaErrorCodes.NONE
  let errorMessage: string | null = null
  if (!broker.authorizer.authorize(context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) errorCode = KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED
  else if (coordinator === null) {
    errorCode = KafkaErrorCodes.NOT_COORDINATOR
    errorMessage = 'This broker runs no share coordinator (group.share.enable is false).'
  } else if (request.groupId === '') {
    errorCode = KafkaErrorCodes.INVALID_REQUEST
    errorMessage = 'The group id is empty.'
  }
  return Promise.all(
    request.topics.map(async (topic) => ({
      topicId: topic.topicId,
      partitions: await Promise.all(
        topic.partitions.map((p) => {
          if (errorCode !== KafkaErrorCodes.NONE) return refuse(p.partition, errorCode, errorMessage)
          if (p.partition < 0) return refuse(p.partition, KafkaErrorCodes.INVALID_REQUEST, `Partition ${p.partition} is negative.`)
          return answer(coordinator!, { groupId: request.groupId, topicId: topic.topicId, partition: p.partition }, p)
        }),
      ),
    })),
  )
}

/** The error response of a request: every share-partition it names gets `errorCode`. */
export function refuseSharePartitions<P extends { partition: number }, R>(
  request: ShareStateRequest<P>,
  refuse: (partition: number, errorCode: number, errorMessage: string | null) => R,
  errorCode: number,
): Array<{ topicId: string; partitions: R[] }> {
  return request.topics.map((topic) => ({ topicId: topic.topicId, partitions: topic.partitions.map((p) => refuse(p.partition, errorCode, null)) }))
}
