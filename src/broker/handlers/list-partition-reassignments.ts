/**
 * ListPartitionReassignments (KIP-455): kafka-reassign-partitions --verify and --list. The
 * controller answers from its view; any other broker answers NOT_CONTROLLER and the admin client
 * retries at the controller. A single broker never reassigns anything: the list is empty.
 */
import type { OngoingReassignment } from '../../cluster/controller.js'
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { ListPartitionReassignmentsResponseInput } from '../../protocol/messages/list-partition-reassignments.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'

type Topics = ListPartitionReassignmentsResponseInput['topics']

function byTopic(ongoing: readonly OngoingReassignment[]): Topics {
  const topics = new Map<string, Topics[number]['partitions']>()
  for (const r of ongoing) {
    let list = topics.get(r.topic)
    if (list === undefined) topics.set(r.topic, (list = []))
    list.push({ partitionIndex: r.partition, replicas: [...r.replicas], addingReplicas: [...r.addingReplicas], removingReplicas: [...r.removingReplicas] })
  }
  return [...topics].map(([name, partitions]) => ({ name, partitions }))
}

export function listPartitionReassignmentsHandler(broker: BrokerContext) {
  const errorResponse = (_request: unknown, errorCode: number, errorMessage: string | null = null): ListPartitionReassignmentsResponseInput => ({
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    topics: [],
  })

  return defineHandler({
    apiKey: ApiKeys.ListPartitionReassignments,
    advertised: { min: 0, max: 0 },
    async handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return errorResponse(request, KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED, 'Listing reassignments needs DESCRIBE on the cluster.')
      if (broker.reassignments === null) return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.NONE, errorMessage: null, topics: [] }
      const partitions = request.topics === null ? null : request.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })))
      const ongoing = await broker.reassignments.list(partitions)
      if (ongoing === 'NOT_CONTROLLER') return errorResponse(request, KafkaErrorCodes.NOT_CONTROLLER, 'This broker is not the controller.')
      return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.NONE, errorMessage: null, topics: byTopic(ongoing) }
    },
    errorResponse: (request, errorCode) => errorResponse(request, errorCode),
  })
}
