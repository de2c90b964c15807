/**
 * Topic administration over Kafka's admin APIs: create, delete, list and describe topics, read
 * and change their configuration, and look up partition offsets. What `samsa topic` uses.
 *
 * Every call goes to the controller when Metadata names one (Kafka routes CreateTopics,
 * DeleteTopics and config changes there), else to any broker. A broker that does not offer an
 * API answers with an error saying so, instead of a protocol failure.
 *
 * Not thread-safe.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { ApiKeys } from '../protocol/api-keys.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { BrokerConnection } from './connection.js'
import { type ClientOptions, Cluster, type TopicInfo, topicError } from './cluster.js'
import { KafkaError, kafkaFailure } from './kafka-error.js'

/** DescribeConfigs / AlterConfigs resource type of a topic. */
const TOPIC_RESOURCE = 2
/** IncrementalAlterConfigs operations. */
const SET = 0
const DELETE = 1

export interface NewTopic {
  readonly name: string
  /** -1: the broker's num.partitions. */
  readonly partitions?: number
  /** -1: the broker's default.replication.factor. */
  readonly replicationFactor?: number
  readonly configs?: Readonly<Record<string, string>>
}

export interface TopicConfigEntry {
  readonly name: string
  readonly value: string | null
  /** True when the value is the topic's own (an override), not a broker or built-in default. */
  readonly isOverride: boolean
  readonly readOnly: boolean
  readonly isSensitive: boolean
}

export interface TopicDescription extends TopicInfo {
  /** Null when the broker does not offer DescribeConfigs. */
  readonly configs: TopicConfigEntry[] | null
}

export interface PartitionOffsets {
  readonly partition: number
  readonly earliest: number
  readonly latest: number
}

export class Admin {
  readonly #cluster: Cluster
  readonly #ownsCluster: boolean

  constructor(cluster: Cluster | ClientOptions = {}) {
    this.#ownsCluster = !(cluster instanceof Cluster)
    this.#cluster = cluster instanceof Cluster ? cluster : new Cluster(cluster)
  }

  get cluster(): Cluster {
    return this.#cluster
  }

  async createTopic(topic: NewTopic, options: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const connection = await this.#controller()
    const response = await connection.request(ApiKeys.CreateTopics, {
      topics: [
        {
          name: topic.name,
          numPartitions: topic.partitions ?? -1,
          replicationFactor: topic.replicationFactor ?? -1,
          assignments: [],
          configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
      timeoutMs: options.timeoutMs ?? 30_000,
      validateOnly: options.validateOnly ?? false,
    })
    const result = response.topics[0]
    if (result === undefined) throw new SamsaError(ErrorCodes.PROTOCOL, 'The CreateTopics response named no topic.')
    if (result.errorCode === KafkaErrorCodes.TOPIC_ALREADY_EXISTS) {
      throw new KafkaError(result.errorCode, `topic '${topic.name}' already exists — see it with \`samsa topic describe ${topic.name}\``)
    }
    failOn(result.errorCode, result.errorMessage, `creating topic '${topic.name}'`)
    this.#cluster.invalidate(topic.name)
  }

  async deleteTopic(name: string, options: { timeoutMs?: number } = {}): Promise<void> {
    const connection = await this.#controller()
    const version = connection.versionFor(ApiKeys.DeleteTopics)
    const response = await connection.request(
      ApiKeys.DeleteTopics,
      version >= 6 ? { topics: [{ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], timeoutMs: options.timeoutMs ?? 30_000 } : { topicNames: [name], timeoutMs: options.timeoutMs ?? 30_000 },
      version,
    )
    const result = response.responses[0]
    if (result === undefined) throw new SamsaError(ErrorCodes.PROTOCOL, 'The DeleteTopics response named no topic.')
    if (result.errorCode === KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION) throw topicError(name, result.errorCode)
    failOn(result.errorCode, result.errorMessage, `deleting topic '${name}'`)
    this.#cluster.invalidate(name)
  }

  /** Topic names, sorted; internal topics only with `includeInternal`. */
  async listTopics(includeInternal = false): Promise<string[]> {
    const topics = await this.#cluster.refreshMetadata(null)
    return topics.filter((t) => t.errorCode === KafkaErrorCodes.NONE && (includeInternal || !t.isInternal)).map((t) => t.name).sort()
  }

  /** Partitions (leader, replicas, ISR) and configuration of each topic; all topics when `names` is empty. */
  async describeTopics(names: readonly string[] = []): Promise<TopicDescription[]> {
    const infos = await this.#cluster.refreshMetadata(names.length === 0 ? null : names)
    for (const info of infos) if (info.errorCode !== KafkaErrorCodes.NONE) throw topicError(info.name, info.errorCode)
    const connection = await this.#cluster.anyConnection()
    const sorted = [...infos].sort((a, b) => (a.name < b.name ? -1 : 1))
    if (!connection.supports(ApiKeys.DescribeConfigs)) return sorted.map((info) => ({ ...info, configs: null }))
    const configs = await this.describeConfigs(sorted.map((t) => t.name))
    return sorted.map((info) => ({ ...info, configs: configs.get(info.name) ?? [] }))
  }

  /** Every setting of each topic with where its value comes from. */
  async describeConfigs(topics: readonly string[]): Promise<Map<string, TopicConfigEntry[]>> {
    const result = new Map<string, TopicConfigEntry[]>()
    if (topics.length === 0) return result
    const connection = await this.#cluster.anyConnection()
    const version = connection.versionFor(ApiKeys.DescribeConfigs)
    const response = await connection.request(
      ApiKeys.DescribeConfigs,
      { resources: topics.map((name) => ({ resourceType: TOPIC_RESOURCE, resourceName: name, configurationKeys: null })), includeSynonyms: false, includeDocumentation: false },
      version,
    )
    for (const resource of response.results) {
      failOn(resource.errorCode, resource.errorMessage, `describing the configuration of topic '${resource.resourceName}'`)
      result.set(
        resource.resourceName,
        resource.configs.map((c) => ({
          name: c.name,
          value: c.value,
          // configSource 1 is DYNAMIC_TOPIC_CONFIG (v1+); v0 says isDefault instead.
          isOverride: version >= 1 ? c.configSource === 1 : !c.isDefault,
          readOnly: c.readOnly,
          isSensitive: c.isSensitive,
        })),
      )
    }
    return result
  }

  /** Sets and removes topic overrides (IncrementalAlterConfigs; AlterConfigs on brokers without it). */
  async alterTopicConfigs(topic: string, set: Readonly<Record<string, string>>, remove: readonly string[] = []): Promise<void> {
    const connection = await this.#controller()
    if (connection.supports(ApiKeys.IncrementalAlterConfigs)) {
      const response = await connection.request(ApiKeys.IncrementalAlterConfigs, {
        resources: [
          {
            resourceType: TOPIC_RESOURCE,
            resourceName: topic,
            configs: [
              ...Object.entries(set).map(([name, value]) => ({ name, configOperation: SET, value })),
              ...remove.map((name) => ({ name, configOperation: DELETE, value: null })),
            ],
          },
        ],
        validateOnly: false,
      })
      for (const r of response.responses) failOn(r.errorCode, r.errorMessage, `changing the configuration of topic '${topic}'`)
      return
    }
    // AlterConfigs replaces the whole set: start from the current overrides.
    const current = (await this.describeConfigs([topic])).get(topic) ?? []
    const overrides = new Map(current.filter((c) => c.isOverride && c.value !== null).map((c) => [c.name, c.value as string]))
    for (const [name, value] of Object.entries(set)) overrides.set(name, value)
    for (const name of remove) overrides.delete(name)
    const response = await connection.request(ApiKeys.AlterConfigs, {
      resources: [{ resourceType: TOPIC_RESOURCE, resourceName: topic, configs: [...overrides].map(([name, value]) => ({ name, value })) }],
      validateOnly: false,
    })
    for (const r of response.responses) failOn(r.errorCode, r.errorMessage, `changing the configuration of topic '${topic}'`)
  }

  /** Earliest and latest offset of every partition of a topic. */
  async listOffsets(topic: string): Promise<PartitionOffsets[]> {
    const info = await this.#cluster.topicMetadata(topic)
    const result: PartitionOffsets[] = []
    for (const partition of info.partitions) {
      const connection = await this.#cluster.leaderConnection(topic, partition.partition)
      const [earliest, latest] = await Promise.all(
        [-2n, -1n].map(async (timestamp) => {
          const response = await connection.request(ApiKeys.ListOffsets, {
            replicaId: -1,
            isolationLevel: 0,
            topics: [{ name: topic, partitions: [{ partitionIndex: partition.partition, timestamp }] }],
          })
          const p = response.topics[0]?.partitions[0]
          if (p === undefined) throw new SamsaError(ErrorCodes.PROTOCOL, 'The ListOffsets response named no partition.')
          failOn(p.errorCode, null, `listing offsets of ${topic}-${partition.partition}`)
          return Number(p.offset)
        }),
      )
      result.push({ partition: partition.partition, earliest: earliest!, latest: latest! })
    }
    return result
  }

  close(): void {
    if (this.#ownsCluster) this.#cluster.close()
  }

  async #controller(): Promise<BrokerConnection> {
    await this.#cluster.refreshMetadata([])
    const controller = this.#cluster.controllerId
    return controller >= 0 ? this.#cluster.brokerConnection(controller).catch(() => this.#cluster.anyConnection()) : this.#cluster.anyConnection()
  }
}

function failOn(errorCode: number, message: string | null, what: string): void {
  if (errorCode === KafkaErrorCodes.NONE) return
  throw kafkaFailure(errorCode, what, message)
}
