/**
 * Topic lifecycle across the metadata store (what exists) and the replica manager (the local
 * partition logs): create, delete, add partitions, change configuration, and auto-creation when
 * a client asks for metadata of an unknown topic.
 *
 * Order of work makes crashes safe: a topic is recorded in metadata before its logs are made,
 * and removed from metadata before its logs are deleted; at start, `load` creates logs missing
 * for known topics and deletes log directories no known topic owns.
 */
import type { BrokerConfig } from '../common/config/broker-config.js'
import { type TopicConfig, parseTopicOverrides } from '../common/config/topic-config.js'
import type { Logger } from '../common/logger.js'
import { type MetadataStore, TopicError, type TopicMetadata } from '../metadata/metadata-store.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import type { LogManager } from '../storage/index.js'

export interface CreateTopicOptions {
  /** -1 takes num.partitions. */
  readonly partitions: number
  /** -1 takes default.replication.factor. */
  readonly replicationFactor: number
  readonly configs?: Readonly<Record<string, string>>
  /** Check everything, change nothing (CreateTopics validate_only). */
  readonly validateOnly?: boolean
}

/** The number of brokers in this cluster; replication factors above it cannot be placed. */
const BROKER_COUNT = 1

export class TopicManager {
  readonly #config: BrokerConfig
  readonly #metadata: MetadataStore
  readonly #replicas: ReplicaManager
  readonly #logs: LogManager
  readonly #logger: Logger
  /** Auto-creations in progress, so concurrent Metadata requests for one name share one creation. */
  readonly #autoCreating = new Map<string, Promise<TopicMetadata>>()

  constructor(config: BrokerConfig, metadata: MetadataStore, replicas: ReplicaManager, logs: LogManager, logger: Logger) {
    this.#config = config
    this.#metadata = metadata
    this.#replicas = replicas
    this.#logs = logs
    this.#logger = logger
  }

  get metadata(): MetadataStore {
    return this.#metadata
  }

  /** Opens every known topic's partitions and removes logs that belong to no known topic. */
  async load(): Promise<void> {
    for (const topic of this.#metadata.topics()) {
      await this.#replicas.ensurePartitions(topic, this.effectiveConfig(topic.name))
    }
    for (const { topic, partition } of this.#logs.logs()) {
      const known = this.#metadata.topic(topic)
      if (known === undefined || partition >= known.partitions) {
        this.#logger.warn('deleting a partition log no topic owns', { topic, partition })
        await this.#logs.delete(topic, partition)
      }
    }
  }

  /** A topic's effective configuration: its overrides over the broker's topic defaults. */
  effectiveConfig(topicName: string): TopicConfig {
    return { ...this.#config.topicDefaults(), ...this.#metadata.overrides(topicName) }
  }

  /** Creates a topic and its partition logs. Rejects with TopicError naming Kafka's error. */
  async createTopic(name: string, options: CreateTopicOptions): Promise<TopicMetadata> {
    const partitions = options.partitions === -1 ? this.#config.get('num.partitions') : options.partitions
    const replicationFactor = options.replicationFactor === -1 ? this.#config.get('default.replication.factor') : options.replicationFactor
    if (replicationFactor < 1) {
      throw new TopicError('INVALID_REPLICATION_FACTOR', `Replication factor must be at least 1, not ${replicationFactor}.`)
    }
    if (replicationFactor > BROKER_COUNT) {
      throw new TopicError('INVALID_REPLICATION_FACTOR', `Replication factor: ${replicationFactor} larger than available brokers: ${BROKER_COUNT}.`)
    }
    const configs = options.configs ?? {}
    if (options.validateOnly === true) {
      this.#metadata.validateNewTopic(name, partitions, configs)
      return { name, topicId: '', partitions, configs: { ...configs }, internal: false }
    }
    const topic = await this.#metadata.createTopic(name, partitions, configs)
    await this.#replicas.ensurePartitions(topic, this.effectiveConfig(name))
    this.#logger.info('created topic', { topic: name, partitions, topicId: topic.topicId })
    return topic
  }

  /**
   * Creates a topic a client asked about, with the broker's defaults, unless it exists by then.
   * Concurrent callers for one name share the creation.
   */
  autoCreate(name: string): Promise<TopicMetadata> {
    const existing = this.#metadata.topic(name)
    if (existing !== undefined) return Promise.resolve(existing)
    let pending = this.#autoCreating.get(name)
    if (pending === undefined) {
      pending = this.createTopic(name, { partitions: -1, replicationFactor: -1 }).finally(() => this.#autoCreating.delete(name))
      this.#autoCreating.set(name, pending)
    }
    return pending
  }

  async deleteTopic(name: string): Promise<TopicMetadata> {
    const topic = this.#metadata.topic(name)
    if (topic === undefined) throw new TopicError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`)
    if (topic.internal) throw new TopicError('INVALID_TOPIC_EXCEPTION', `Topic '${name}' is internal and cannot be deleted.`)
    const removed = await this.#metadata.deleteTopic(name)
    await this.#replicas.deleteTopic(name)
    this.#logger.info('deleted topic', { topic: name })
    return removed
  }

  async createPartitions(name: string, totalCount: number, validateOnly = false): Promise<TopicMetadata> {
    const topic = this.#metadata.topic(name)
    if (topic === undefined) throw new TopicError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`)
    if (!Number.isInteger(totalCount) || totalCount <= topic.partitions) {
      throw new TopicError('INVALID_PARTITIONS', `Topic '${name}' has ${topic.partitions} partitions; the new count must be larger, not ${totalCount}.`)
    }
    if (validateOnly) return { ...topic, partitions: totalCount }
    const updated = await this.#metadata.createPartitions(name, totalCount)
    await this.#replicas.ensurePartitions(updated, this.effectiveConfig(name))
    return updated
  }

  /** Replaces a topic's overrides and applies the new effective configuration to its partitions. */
  async setTopicConfigs(name: string, configs: Readonly<Record<string, string>>, validateOnly = false): Promise<void> {
    if (this.#metadata.topic(name) === undefined) throw new TopicError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`)
    try {
      parseTopicOverrides(Object.entries(configs))
    } catch (error) {
      throw new TopicError('INVALID_CONFIG', (error as Error).message)
    }
    if (validateOnly) return
    await this.#metadata.setTopicConfigs(name, configs)
    this.#replicas.updateConfig(name, this.effectiveConfig(name))
  }
}
