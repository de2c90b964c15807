/**
 * Metadata: the brokers, the cluster id, and each requested topic's id and partitions with their
 * leader, leader epoch, replicas and ISR. A single broker leads every partition and is its whole
 * ISR.
 *
 * Requested topics that do not exist are created with the broker's defaults when both
 * auto.create.topics.enable and the request's allow_auto_topic_creation (v4+; implied before)
 * allow it; Kafka then answers LEADER_NOT_AVAILABLE once and the client asks again, but our
 * creation completes before we answer, so the answer carries the new topic directly. A null
 * topic list (v1+; an empty list in v0) means every topic.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { MetadataResponseInput } from '../../protocol/messages/metadata.js'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../../protocol/messages/metadata.js'
import { ZERO_UUID } from '../../protocol/uuid.js'
import { TopicError, type TopicMetadata } from '../../metadata/metadata-store.js'
import { topicNameProblem } from '../../metadata/topic-name.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { topicErrorCode } from './topic-errors.js'

type TopicEntry = MetadataResponseInput['topics'][number]

/** Kafka's AclOperation codes a topic's authorized operations report: READ..ALTER_CONFIGS. */
const ALL_TOPIC_OPERATIONS = [3, 4, 5, 6, 7, 8, 10, 11].reduce((bits, op) => bits | (1 << op), 0)

export function metadataHandler(broker: BrokerContext) {
  const describe = (topic: TopicMetadata, includeOperations: boolean): TopicEntry => ({
    errorCode: KafkaErrorCodes.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.internal,
    partitions: broker.replicas.partitions(topic.name).map((partition) => ({
      errorCode: KafkaErrorCodes.NONE,
      partitionIndex: partition.index,
      leaderId: broker.nodeId,
      leaderEpoch: partition.leaderEpoch,
      replicaNodes: [broker.nodeId],
      isrNodes: [broker.nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: includeOperations ? ALL_TOPIC_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
  })
  const failed = (name: string | null, topicId: string, errorCode: number): TopicEntry => ({
    errorCode,
    name,
    topicId,
    isInternal: false,
    partitions: [],
  })

  return defineHandler({
    apiKey: ApiKeys.Metadata,
    advertised: { min: 0, max: 12 },
    async handle(request, context) {
      const includeOperations = request.includeTopicAuthorizedOperations
      const allTopics = request.topics === null || (context.apiVersion === 0 && request.topics.length === 0)
      let topics: TopicEntry[]
      if (allTopics) {
        topics = [...broker.metadata.topics()].map((t) => describe(t, includeOperations))
      } else {
        const autoCreate = request.allowAutoTopicCreation && broker.config.get('auto.create.topics.enable')
        topics = await Promise.all(
          request.topics!.map(async ({ name, topicId }): Promise<TopicEntry> => {
            if (name === null) {
              const byId = broker.metadata.topicById(topicId)
              return byId === undefined ? failed(null, topicId, KafkaErrorCodes.UNKNOWN_TOPIC_ID) : describe(byId, includeOperations)
            }
            const known = broker.metadata.topic(name)
            if (known !== undefined) return describe(known, includeOperations)
            if (topicNameProblem(name) !== undefined) return failed(name, ZERO_UUID, KafkaErrorCodes.INVALID_TOPIC_EXCEPTION)
            if (!autoCreate) return failed(name, ZERO_UUID, KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
            try {
              return describe(await broker.topics.autoCreate(name), includeOperations)
            } catch (error) {
              if (!(error instanceof TopicError)) throw error
              broker.logger.warn('auto-creation failed', { topic: name, error })
              return failed(name, ZERO_UUID, topicErrorCode(error))
            }
          }),
        )
      }
      return {
        throttleTimeMs: 0,
        brokers: broker.advertisedListeners().slice(0, 1).map((l) => ({ nodeId: broker.nodeId, host: l.host, port: l.port, rack: null })),
        clusterId: broker.metadata.clusterId,
        controllerId: broker.nodeId,
        topics,
        clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      }
    },
    errorResponse(request, errorCode) {
      return {
        brokers: [],
        topics: (request.topics ?? []).map(({ name, topicId }) => ({ errorCode, name, topicId, partitions: [] })),
      }
    },
  })
}
