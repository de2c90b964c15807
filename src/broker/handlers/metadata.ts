/**
 * Metadata: the brokers, the cluster id, and each requested topic's id and partitions with their
 * leader, leader epoch, replicas and ISR, as the metadata store's partition states say (a single
 * broker leads every partition and is its whole ISR).
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
import { type RequestContext, defineHandler } from '../handler.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'
import { topicErrorCode } from './topic-errors.js'

type TopicEntry = MetadataResponseInput['topics'][number]

const NONE_OFFLINE: number[] = []

/**
 * Kafka's AclOperation codes, as bits of the authorized-operations fields. Without an
 * authorizer, as in Kafka, every operation a resource type supports is allowed; with one, the
 * bits are those the principal's ACLs allow.
 */
const AclOperations = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const

const operationBits = (operations: ReadonlyArray<keyof typeof AclOperations>): number =>
  operations.reduce((bits, op) => bits | (1 << AclOperations[op]), 0)

/** What may be done to a topic: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE and the config pair. */
export const ALL_TOPIC_OPERATIONS = operationBits(['READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS'])

/** What may be done to the cluster resource. */
export const ALL_CLUSTER_OPERATIONS = operationBits([
  'CREATE', 'ALTER', 'DESCRIBE', 'CLUSTER_ACTION', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE',
])

export function metadataHandler(broker: BrokerContext) {
  const describe = (topic: TopicMetadata, includeOperations: boolean, context: RequestContext): TopicEntry => ({
    errorCode: KafkaErrorCodes.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: topic.internal,
    partitions: partitionsOf(topic),
    topicAuthorizedOperations: includeOperations ? authorizedOperations(context, ResourceType.TOPIC, topic.name, ALL_TOPIC_OPERATIONS) : AUTHORIZED_OPERATIONS_OMITTED,
  })
  /** Of the operations in `all` (bits), those the principal may do on the resource. */
  const authorizedOperations = (context: RequestContext, resourceType: number, name: string, all: number): number => {
    if (!broker.authorizer.enabled) return all
    let bits = 0
    for (let op = 0; op < 31; op++) if ((all & (1 << op)) !== 0 && broker.authorizer.authorize(context, op, resourceType, name, false)) bits |= 1 << op
    return bits
  }
  const mayDescribe = (context: RequestContext, name: string, logIfDenied: boolean) =>
    broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.TOPIC, name, logIfDenied)
  /**
   * Every partition as the metadata store has it, hosted here or not; replicas on dead brokers are
   * offline. The state's replica and ISR arrays go to the encoder as they are (it only reads
   * them), and a partition with every replica alive shares one empty offline list: a Metadata for
   * all of 10,000 partitions otherwise made 30,000 arrays (bench:scale).
   */
  const partitionsOf = (topic: TopicMetadata): TopicEntry['partitions'] => {
    const partitions: TopicEntry['partitions'] = []
    for (let index = 0; index < topic.partitions; index++) {
      const state = broker.metadata.partitionState(topic.name, index)
      if (state === undefined) continue
      partitions.push({
        errorCode: state.leader === -1 ? KafkaErrorCodes.LEADER_NOT_AVAILABLE : KafkaErrorCodes.NONE,
        partitionIndex: index,
        leaderId: state.leader,
        leaderEpoch: state.leaderEpoch,
        replicaNodes: state.replicas as number[],
        isrNodes: state.isr as number[],
        offlineReplicas: offlineReplicas(state.replicas),
      })
    }
    return partitions
  }
  const offlineReplicas = (replicas: readonly number[]): number[] => {
    for (let i = 0; i < replicas.length; i++) {
      if (broker.cluster.broker(replicas[i]!) === undefined) return replicas.filter((id) => broker.cluster.broker(id) === undefined)
    }
    return NONE_OFFLINE
  }
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
        // Only the topics the principal may describe, as Kafka lists them.
        topics = []
        for (const t of broker.metadata.topics()) if (mayDescribe(context, t.name, false)) topics.push(describe(t, includeOperations, context))
      } else {
        const autoCreate = request.allowAutoTopicCreation && broker.config.get('auto.create.topics.enable')
        const mayCreate = (name: string) => broker.authorizer.authorize(context, AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME, false) ||
          broker.authorizer.authorize(context, AclOperation.CREATE, ResourceType.TOPIC, name)
        topics = await Promise.all(
          distinctTopics(request.topics!).map(async ({ name, topicId }): Promise<TopicEntry> => {
            // Lookups by id arrived with v12; v10-11 responses cannot even carry a null name.
            if (name === null && context.apiVersion < 12) return failed('', topicId, KafkaErrorCodes.INVALID_REQUEST)
            if (name === null) {
              const byId = broker.metadata.topicById(topicId)
              if (byId !== undefined && !mayDescribe(context, byId.name, true)) return failed(null, topicId, KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED)
              return byId === undefined ? failed(null, topicId, KafkaErrorCodes.UNKNOWN_TOPIC_ID) : describe(byId, includeOperations, context)
            }
            if (!mayDescribe(context, name, true)) return failed(name, ZERO_UUID, KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED)
            const known = broker.metadata.topic(name)
            if (known !== undefined) return describe(known, includeOperations, context)
            if (topicNameProblem(name) !== undefined) return failed(name, ZERO_UUID, KafkaErrorCodes.INVALID_TOPIC_EXCEPTION)
            if (!autoCreate || !mayCreate(name)) return failed(name, ZERO_UUID, KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
            try {
              return describe(await broker.topics.autoCreate(name), includeOperations, context)
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
        brokers: broker.cluster.brokers(context.connection.listenerName).map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
        clusterId: broker.metadata.clusterId,
        controllerId: broker.cluster.controllerId(),
        topics,
        clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
          ? authorizedOperations(context, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME, ALL_CLUSTER_OPERATIONS)
          : AUTHORIZED_OPERATIONS_OMITTED,
      }
    },
    errorResponse(request, errorCode, context) {
      return {
        brokers: [],
        topics: (request.topics ?? []).map(({ name, topicId }) => ({
          errorCode,
          name: name === null && context.apiVersion < 12 ? '' : name,
          topicId,
          partitions: [],
        })),
      }
    },
  })
}

/** A topic asked for twice (by name, or by id) is answered once, as Kafka answers. */
function distinctTopics<T extends { readonly name: string | null; readonly topicId: string }>(topics: readonly T[]): T[] {
  const seen = new Set<string>()
  return topics.filter(({ name, topicId }) => {
    const key = name === null ? `id:${topicId}` : `name:${name}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
