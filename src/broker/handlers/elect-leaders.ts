/**
 * ElectLeaders: preferred-replica (election type 0) or unclean (type 1) leader elections, for
 * kafka-leader-election and the admin clients' electLeaders. The controller decides; any other
 * broker answers NOT_CONTROLLER, and clients ask the controller that Metadata names. On a single
 * broker every partition is already led by its only, preferred replica: ELECTION_NOT_NEEDED.
 */
import type { ElectionResult, ElectionType } from '../../cluster/controller.js'
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { ElectLeadersRequest, ElectLeadersResponseInput } from '../../protocol/messages/elect-leaders.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'

const PREFERRED = 0
const UNCLEAN = 1

type TopicResults = ElectLeadersResponseInput['replicaElectionResults']

export function electLeadersHandler(broker: BrokerContext) {
  const requested = (request: ElectLeadersRequest) =>
    request.topicPartitions === null ? null : request.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })))

  /** A single broker: each partition's only replica leads it already. */
  const soleBroker = (request: ElectLeadersRequest): ElectionResult[] =>
    (requested(request) ?? []).map(({ topic, partition }) => {
      const known = broker.metadata.partitionState(topic, partition) !== undefined
      return known
        ? { topic, partition, error: 'ELECTION_NOT_NEEDED', message: `${topic}-${partition} is led by its only replica.` }
        : { topic, partition, error: 'UNKNOWN_TOPIC_OR_PARTITION', message: `${topic}-${partition} does not exist.` }
    })

  const byTopic = (results: readonly ElectionResult[]): TopicResults => {
    const topics = new Map<string, TopicResults[number]['partitionResult']>()
    for (const r of results) {
      let list = topics.get(r.topic)
      if (list === undefined) topics.set(r.topic, (list = []))
      list.push({ partitionId: r.partition, errorCode: KafkaErrorCodes[r.error], errorMessage: r.message })
    }
    return [...topics].map(([topic, partitionResult]) => ({ topic, partitionResult }))
  }

  const errorResponse = (request: ElectLeadersRequest, errorCode: number): ElectLeadersResponseInput => ({
    throttleTimeMs: 0,
    errorCode,
    replicaElectionResults: (request.topicPartitions ?? []).map((t) => ({
      topic: t.topic,
      partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode, errorMessage: null })),
    })),
  })

  return defineHandler({
    apiKey: ApiKeys.ElectLeaders,
    advertised: { min: 0, max: 2 },
    async handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return errorResponse(request, KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED)
      const type = context.apiVersion >= 1 ? request.electionType : PREFERRED
      if (type !== PREFERRED && type !== UNCLEAN) {
        return errorResponse(request, KafkaErrorCodes.INVALID_REQUEST)
      }
      const electionType: ElectionType = type === PREFERRED ? 'preferred' : 'unclean'
      const results = broker.leaderElections === null ? soleBroker(request) : await broker.leaderElections(electionType, requested(request))
      if (results === 'NOT_CONTROLLER') return errorResponse(request, KafkaErrorCodes.NOT_CONTROLLER)
      return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.NONE, replicaElectionResults: byTopic(results) }
    },
    errorResponse,
  })
}
