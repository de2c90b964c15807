/**
 * AlterPartitionReassignments (KIP-455): kafka-reassign-partitions --execute and --cancel. The
 * controller decides (partition-reassignments.ts has the rules); any other broker answers
 * NOT_CONTROLLER and the admin client retries at the controller Metadata names. A single broker
 * is every partition's only replica: a target of just itself changes nothing, any other target
 * is INVALID_REPLICA_ASSIGNMENT, and there is never a reassignment to cancel.
 */
import type { ReassignmentRequest, ReassignmentResult } from '../../cluster/controller.js'
import { invalidTarget } from '../../cluster/partition-reassignments.js'
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponseInput } from '../../protocol/messages/alter-partition-reassignments.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'

type TopicResponses = AlterPartitionReassignmentsResponseInput['responses']

export function alterPartitionReassignmentsHandler(broker: BrokerContext) {
  const requested = (request: AlterPartitionReassignmentsRequest): ReassignmentRequest[] =>
    request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas })))

  /** A single broker: the same checks as the controller's, against the one broker there is. */
  const soleBroker = (requests: readonly ReassignmentRequest[]): ReassignmentResult[] =>
    requests.map(({ topic, partition, replicas }) => {
      const answer = (error: ReassignmentResult['error'], message: string | null = null): ReassignmentResult => ({ topic, partition, error, message })
      if (broker.metadata.partitionState(topic, partition) === undefined) return answer('UNKNOWN_TOPIC_OR_PARTITION', `${topic}-${partition} does not exist.`)
      if (replicas === null) return answer('NO_REASSIGNMENT_IN_PROGRESS', `No reassignment of ${topic}-${partition} is in progress.`)
      const problem = invalidTarget(replicas, new Set([broker.nodeId]))
      return problem === undefined ? answer('NONE') : answer('INVALID_REPLICA_ASSIGNMENT', problem)
    })

  const byTopic = (results: readonly ReassignmentResult[]): TopicResponses => {
    const topics = new Map<string, TopicResponses[number]['partitions']>()
    for (const r of results) {
      let list = topics.get(r.topic)
      if (list === undefined) topics.set(r.topic, (list = []))
      list.push({ partitionIndex: r.partition, errorCode: KafkaErrorCodes[r.error], errorMessage: r.message })
    }
    return [...topics].map(([name, partitions]) => ({ name, partitions }))
  }

  const errorResponse = (request: AlterPartitionReassignmentsRequest, errorCode: number, errorMessage: string | null = null): AlterPartitionReassignmentsResponseInput => ({
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    responses: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode, errorMessage })),
    })),
  })

  return defineHandler({
    apiKey: ApiKeys.AlterPartitionReassignments,
    advertised: { min: 0, max: 0 },
    async handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return errorResponse(request, KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED, 'Reassigning partitions needs ALTER on the cluster.')
      const requests = requested(request)
      const results = broker.reassignments === null ? soleBroker(requests) : await broker.reassignments.alter(requests)
      if (results === 'NOT_CONTROLLER') return errorResponse(request, KafkaErrorCodes.NOT_CONTROLLER, 'This broker is not the controller.')
      return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.NONE, errorMessage: null, responses: byTopic(results) }
    },
    errorResponse: (request, errorCode) => errorResponse(request, errorCode),
  })
}
