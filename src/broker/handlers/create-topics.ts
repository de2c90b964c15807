/**
 * CreateTopics: create topics with a partition count and replication factor (-1 for the broker's
 * num.partitions and default.replication.factor) or a manual replica assignment, and configs.
 *
 * Each topic gets its own result, with Kafka's error code and message; one refused topic never
 * stops the others. As in Kafka: a name given twice is refused (INVALID_REQUEST) for that name
 * only; a request that would create more than MAX_PARTITIONS_PER_REQUEST partitions in all is
 * refused for every topic (POLICY_VIOLATION) before anything is looked at or allocated;
 * validate_only (v1+) checks everything and creates nothing. From v5 a result carries the partition
 * count, replication factor and every config of the topic with its source; from v7 the topic id.
 *
 * timeout_ms is not used: creation is complete (metadata durable, logs open) when we answer, so
 * there is nothing to wait for. Kafka uses it to bound its wait for the controller.
 */
import { type ConfigDescription, describeTopicConfigs } from '../../common/config/config-description.js'
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { CreateTopicsRequest, CreateTopicsResponseInput } from '../../protocol/messages/create-topics.js'
import { ZERO_UUID } from '../../protocol/uuid.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { namedMoreThanOnce, requestedTopics, tooManyPartitions } from './requested-topics.js'
import { type ErrorResult, errorResult, refusal } from './topic-errors.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'

type TopicResult = CreateTopicsResponseInput['topics'][number]
type RequestedTopic = CreateTopicsRequest['topics'][number]

export function createTopicsHandler(broker: BrokerContext) {
  const failed = (name: string, { errorCode, errorMessage }: ErrorResult): TopicResult => ({
    name,
    topicId: ZERO_UUID,
    errorCode,
    errorMessage,
    numPartitions: -1,
    replicationFactor: -1,
    configs: [],
  })

  const create = async (topic: RequestedTopic, validateOnly: boolean, version: number): Promise<TopicResult> => {
    const nullValued = topic.configs.filter((c) => c.value === null).map((c) => c.name)
    if (nullValued.length > 0) {
      return failed(topic.name, refusal('INVALID_CONFIG', `Topic configs need values; ${nullValued.join(', ')} had none.`))
    }
    const configs: Record<string, string> = {}
    for (const { name, value } of topic.configs) configs[name] = value!
    try {
      const created = await broker.topics.createTopic(topic.name, {
        partitions: topic.numPartitions,
        replicationFactor: topic.replicationFactor,
        assignments: topic.assignments,
        configs,
        validateOnly,
      })
      return {
        name: topic.name,
        topicId: created.topicId,
        errorCode: KafkaErrorCodes.NONE,
        errorMessage: null,
        numPartitions: created.partitions,
        replicationFactor: validateOnly ? plannedReplicationFactor(topic.replicationFactor, topic.assignments, broker.config.get('default.replication.factor')) : broker.topics.replicationFactorOf(topic.name),
        // Only v5+ responses carry the configs; older ones would drop them unread.
        configs: version < 5
          ? []
          : [...describeTopicConfigs(broker.config, created.configs)]
            .sort((a, b) => (a.name < b.name ? -1 : 1))
            .map(toCreatedConfig),
      }
    } catch (error) {
      return failed(topic.name, errorResult(error, broker.logger, { api: 'CreateTopics', topic: topic.name }))
    }
  }

  return defineHandler({
    apiKey: ApiKeys.CreateTopics,
    advertised: { min: 0, max: 7 },
    async handle(request, context) {
      const { distinct, namedOnce } = requestedTopics(request.topics)
      // As Kafka: CREATE on the cluster covers every topic, else CREATE on each topic.
      const mayCreateAny = broker.authorizer.authorize(context, AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME, false)
      const mayCreate = (name: string) => mayCreateAny || broker.authorizer.authorize(context, AclOperation.CREATE, ResourceType.TOPIC, name)

      let requested = 0
      for (const topic of distinct) {
        if (namedOnce(topic.name)) requested += broker.topics.requestedPartitions(topic.numPartitions, topic.assignments.length)
      }
      const refused = tooManyPartitions(requested)
      if (refused !== null) return { throttleTimeMs: 0, topics: distinct.map((t) => failed(t.name, refused)) }

      // All at once: the metadata store writes the creations that arrive together in one go,
      // so a request for thousands of topics costs a few metadata writes, not thousands.
      const topics = await Promise.all(
        distinct.map((topic) =>
          !namedOnce(topic.name) ? failed(topic.name, namedMoreThanOnce(topic.name))
            : !mayCreate(topic.name) ? failed(topic.name, refusal('TOPIC_AUTHORIZATION_FAILED', `Not authorized to CREATE topic '${topic.name}'.`))
            : create(topic, request.validateOnly, context.apiVersion),
        ),
      )
      return { throttleTimeMs: 0, topics }
    },
    errorResponse(request, errorCode) {
      return { throttleTimeMs: 0, topics: request.topics.map((t) => failed(t.name, { errorCode, errorMessage: null })) }
    },
  })
}

function toCreatedConfig(config: ConfigDescription): NonNullable<TopicResult['configs']>[number] {
  return {
    name: config.name,
    value: config.sensitive ? null : config.value,
    readOnly: config.readOnly,
    configSource: config.source,
    isSensitive: config.sensitive,
  }
}

/** The replication factor a validate-only creation would have had. */
function plannedReplicationFactor(asked: number, assignments: ReadonlyArray<{ readonly brokerIds: readonly number[] }>, defaultFactor: number): number {
  if (assignments.length > 0) return assignments[0]!.brokerIds.length
  return asked === -1 ? defaultFactor : asked
}
