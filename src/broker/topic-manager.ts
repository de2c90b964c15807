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
import { ZERO_UUID } from '../common/uuid.js'
import { type MetadataStore, TopicError, type TopicMetadata } from '../metadata/metadata-store.js'
import { isInternalTopic } from '../metadata/topic-name.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import { descriptorShortfall, type LogManager } from '../storage/index.js'
import { assignReplicas } from '../cluster/replica-placement.js'
import { OFFSETS_TOPIC, offsetsTopicConfigs } from '../group/offsets-topic.js'
import { TRANSACTION_STATE_TOPIC, transactionStateTopicConfigs } from '../transaction/transaction-topic.js'
import { SHARE_GROUP_STATE_TOPIC, shareGroupStateTopicConfigs } from '../group/share/coordinator/share-group-state-topic.js'
import type { ClusterView } from './cluster-view.js'

/** The brokers one partition is placed on, as CreateTopics and CreatePartitions name them. */
export interface ReplicaAssignment {
  /** The partition index (CreateTopics; CreatePartitions numbers new partitions in order). */
  readonly partitionIndex?: number
  readonly brokerIds: readonly number[]
}

export interface CreateTopicOptions {
  /** -1 takes num.partitions (and must be -1 with assignments). */
  readonly partitions: number
  /** -1 takes default.replication.factor (and must be -1 with assignments). */
  readonly replicationFactor: number
  /** A manual placement of every partition, in place of partitions and replicationFactor. */
  readonly assignments?: readonly ReplicaAssignment[]
  readonly configs?: Readonly<Record<string, string>>
  /** Check everything, change nothing (CreateTopics validate_only). */
  readonly validateOnly?: boolean
}

export interface CreatePartitionsOptions {
  /** Where the new partitions go, one entry per new partition; null lets the broker place them. */
  readonly assignments?: readonly ReplicaAssignment[] | null
  readonly validateOnly?: boolean
}

/**
 * The most partitions one request may create, across all its topics (Kafka's KRaft controller
 * has the same limit and the same answer, POLICY_VIOLATION). Each partition is a directory with
 * open files, so an unbounded count from one request would exhaust the broker; checking the
 * count first also means no request makes us allocate per requested partition.
 */
export const MAX_PARTITIONS_PER_REQUEST = 10_000

export class TopicManager {
  readonly #config: BrokerConfig
  readonly #metadata: MetadataStore
  readonly #replicas: ReplicaManager
  readonly #logs: LogManager
  readonly #logger: Logger
  readonly #cluster: ClusterView
  /** Auto-creations in progress, so concurrent Metadata requests for one name share one creation. */
  readonly #autoCreating = new Map<string, Promise<TopicMetadata>>()

  constructor(config: BrokerConfig, metadata: MetadataStore, replicas: ReplicaManager, logs: LogManager, logger: Logger, cluster: ClusterView) {
    this.#config = config
    this.#metadata = metadata
    this.#replicas = replicas
    this.#logs = logs
    this.#logger = logger
    this.#cluster = cluster
  }

  get metadata(): MetadataStore {
    return this.#metadata
  }

  /** A topic's replication factor: how many replicas its first partition has. */
  replicationFactorOf(topicName: string): number {
    return this.#metadata.partitionState(topicName, 0)?.replicas.length ?? 0
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
        continue
      }
      // Moved to other brokers by a reassignment that finished while this broker was down.
      const state = this.#metadata.partitionState(topic, partition)
      if (state !== undefined && !this.#replicas.isReplica(state)) {
        this.#logger.info('deleting the log of a partition no longer placed on this broker', { topic, partition, replicas: state.replicas })
        await this.#logs.delete(topic, partition)
      }
    }
  }

  /** A topic's effective configuration: its overrides over the broker's topic defaults. */
  effectiveConfig(topicName: string): TopicConfig {
    return { ...this.#config.topicDefaults(), ...this.#metadata.overrides(topicName) }
  }

  /**
   * The partition count a CreateTopics entry asks for, as Kafka counts it against the
   * per-request limit (-1 is num.partitions, an assignment list is its length, nonsense is 0).
   */
  requestedPartitions(partitions: number, assignments: number): number {
    if (assignments > 0) return assignments
    if (partitions === -1) return this.#config.get('num.partitions')
    return partitions > 0 ? partitions : 0
  }

  /**
   * Creates a topic and its partition logs. Rejects with TopicError naming Kafka's error, after
   * checking in Kafka's order: the name, the configs, then the placement (assignments, or the
   * replication factor and partition count).
   */
  async createTopic(name: string, options: CreateTopicOptions): Promise<TopicMetadata> {
    this.#metadata.validateNewTopicName(name)
    const configs = options.configs ?? {}
    try {
      parseTopicOverrides(Object.entries(configs))
    } catch (error) {
      throw new TopicError('INVALID_CONFIG', (error as Error).message)
    }
    const assignment = this.#placement(name, options)
    const partitions = assignment.length
    this.#checkDescriptors(assignment)
    if (options.validateOnly === true) {
      this.#metadata.validateNewTopic(name, partitions, configs)
      return { name, topicId: ZERO_UUID, partitions, configs: { ...configs }, internal: isInternalTopic(name) }
    }
    const topic = await this.#metadata.createTopic(name, assignment, configs)
    await this.#replicas.ensurePartitions(topic, this.effectiveConfig(name))
    this.#logger.info('created topic', { topic: name, partitions, topicId: topic.topicId })
    return topic
  }

  /** Where each partition of a new topic goes (preferred leader first), once known to be possible. */
  #placement(name: string, options: CreateTopicOptions): number[][] {
    const assignments = options.assignments ?? []
    if (assignments.length > 0) {
      if (options.replicationFactor !== -1) {
        throw new TopicError('INVALID_REQUEST', `Topic '${name}' has a manual partition assignment, so its replication factor must be -1, not ${options.replicationFactor}.`)
      }
      if (options.partitions !== -1) {
        throw new TopicError('INVALID_REQUEST', `Topic '${name}' has a manual partition assignment, so its partition count must be -1, not ${options.partitions}.`)
      }
      checkPartitionLimit(assignments.length)
      const seen = new Set<number>()
      let replicationFactor: number | undefined
      for (const { partitionIndex, brokerIds } of assignments) {
        if (partitionIndex !== undefined && seen.has(partitionIndex)) {
          throw new TopicError('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment places partition ${partitionIndex} more than once.`)
        }
        if (partitionIndex !== undefined) seen.add(partitionIndex)
        this.#checkReplicas(brokerIds, replicationFactor)
        replicationFactor = brokerIds.length
      }
      for (let index = 0; index < assignments.length; index++) {
        if (!seen.has(index)) {
          throw new TopicError('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment must number partitions 0 to ${assignments.length - 1} without gaps; partition ${index} is missing.`)
        }
      }
      const byIndex: number[][] = []
      assignments.forEach(({ partitionIndex, brokerIds }, i) => { byIndex[partitionIndex ?? i] = [...brokerIds] })
      return byIndex
    }
    const { replicationFactor: askedFactor, partitions: askedPartitions } = options
    if (askedFactor < -1 || askedFactor === 0) {
      throw new TopicError('INVALID_REPLICATION_FACTOR', `Replication factor must be at least 1, or -1 for default.replication.factor, not ${askedFactor}.`)
    }
    if (askedPartitions < -1 || askedPartitions === 0 || !Number.isInteger(askedPartitions)) {
      throw new TopicError('INVALID_PARTITIONS', `Number of partitions must be at least 1, or -1 for num.partitions, not ${askedPartitions}.`)
    }
    const replicationFactor = askedFactor === -1 ? this.#config.get('default.replication.factor') : askedFactor
    const partitions = askedPartitions === -1 ? this.#config.get('num.partitions') : askedPartitions
    const brokers = this.#cluster.brokers()
    if (replicationFactor > brokers.length) {
      throw new TopicError('INVALID_REPLICATION_FACTOR', `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`)
    }
    checkPartitionLimit(partitions)
    return assignReplicas(brokers, partitions, replicationFactor)
  }

  /** A manual replica list must name live brokers, each once. */
  #checkReplicas(brokerIds: readonly number[], replicationFactor: number | undefined): void {
    if (brokerIds.length === 0) {
      throw new TopicError('INVALID_REPLICA_ASSIGNMENT', 'The manual partition assignment has a partition with no replicas.')
    }
    const seen = new Set<number>()
    for (const brokerId of brokerIds) {
      if (this.#cluster.broker(brokerId) === undefined) {
        const live = this.#cluster.brokers().map((b) => b.nodeId)
        throw new TopicError(
          'INVALID_REPLICA_ASSIGNMENT',
          live.length === 1
            ? `The manual partition assignment names broker ${brokerId}, but the only broker in this cluster is ${live[0]}.`
            : `The manual partition assignment names broker ${brokerId}, which is not a live broker (live: ${live.join(', ')}).`,
        )
      }
      if (seen.has(brokerId)) {
        throw new TopicError('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment names broker ${brokerId} more than once for one partition.`)
      }
      seen.add(brokerId)
    }
    if (replicationFactor !== undefined && brokerIds.length !== replicationFactor) {
      throw new TopicError('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment gives a partition ${brokerIds.length} replica(s) where the others have ${replicationFactor}.`)
    }
  }

  /**
   * Creates __consumer_offsets unless it exists: offsets.topic.num.partitions partitions at
   * offsets.topic.replication.factor replicas, capped at the live brokers (a single broker
   * holds one; a smaller cluster gets a warning, since committed offsets then survive fewer
   * broker losses than configured). Concurrent callers share one creation.
   */
  ensureOffsetsTopic(): Promise<TopicMetadata> {
    return this.#ensureInternalTopic(OFFSETS_TOPIC, 'offsets.topic.num.partitions', 'offsets.topic.replication.factor', () => offsetsTopicConfigs(this.#config))
  }

  /**
   * Creates __transaction_state unless it exists, as __consumer_offsets is created: the
   * transaction.state.log.* settings, the replication factor capped at the live brokers.
   */
  ensureTransactionStateTopic(): Promise<TopicMetadata> {
    return this.#ensureInternalTopic(TRANSACTION_STATE_TOPIC, 'transaction.state.log.num.partitions', 'transaction.state.log.replication.factor', (rf) =>
      transactionStateTopicConfigs(this.#config, rf),
    )
  }

  /**
   * Creates __share_group_state unless it exists, as __transaction_state is created: the
   * share.coordinator.state.topic.* settings, the replication factor capped at the live brokers.
   */
  ensureShareGroupStateTopic(): Promise<TopicMetadata> {
    return this.#ensureInternalTopic(SHARE_GROUP_STATE_TOPIC, 'share.coordinator.state.topic.num.partitions', 'share.coordinator.state.topic.replication.factor', (rf) =>
      shareGroupStateTopicConfigs(this.#config, rf),
    )
  }

  #ensureInternalTopic(
    name: string,
    partitionsSetting: 'offsets.topic.num.partitions' | 'transaction.state.log.num.partitions' | 'share.coordinator.state.topic.num.partitions',
    replicationSetting: 'offsets.topic.replication.factor' | 'transaction.state.log.replication.factor' | 'share.coordinator.state.topic.replication.factor',
    configs: (replicationFactor: number) => Record<string, string>,
  ): Promise<TopicMetadata> {
    const existing = this.#metadata.topic(name)
    if (existing !== undefined) return Promise.resolve(existing)
    let pending = this.#autoCreating.get(name)
    if (pending === undefined) {
      const wanted = this.#config.get(replicationSetting)
      const live = this.#cluster.brokers().length
      const replicationFactor = Math.max(1, Math.min(wanted, live))
      if (replicationFactor < wanted && live > 1) {
        this.#logger.warn(`creating ${name} with replication factor ${replicationFactor}: ${replicationSetting} is ${wanted} but only ${live} brokers are live`)
      }
      pending = this.createTopic(name, {
        partitions: this.#config.get(partitionsSetting),
        replicationFactor,
        configs: configs(replicationFactor),
      })
        .catch((error: unknown) => {
          // Another broker created it first.
          const created = this.#metadata.topic(name)
          if (error instanceof TopicError && error.kafkaError === 'TOPIC_ALREADY_EXISTS' && created !== undefined) return created
          throw error
        })
        .finally(() => this.#autoCreating.delete(name))
      this.#autoCreating.set(name, pending)
    }
    return pending
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

  /** Deletes a topic: from metadata first, then its logs. Internal topics cannot be deleted. */
  async deleteTopic(name: string): Promise<TopicMetadata> {
    const topic = this.#metadata.topic(name)
    if (topic === undefined) throw new TopicError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`)
    if (topic.internal) throw new TopicError('INVALID_TOPIC_EXCEPTION', `Topic '${name}' is internal and cannot be deleted.`)
    const removed = await this.#metadata.deleteTopic(name)
    await this.#replicas.deleteTopic(name)
    this.#logger.info('deleted topic', { topic: name })
    return removed
  }

  /**
   * Grows a topic to `totalCount` partitions. Internal topics keep their count: the partition
   * of __consumer_offsets a group maps to decides its coordinator, so it must never change.
   * `options` may still be the bare validateOnly flag of the first version of this method.
   */
  async createPartitions(name: string, totalCount: number, options: CreatePartitionsOptions | boolean = {}): Promise<TopicMetadata> {
    const { assignments = null, validateOnly = false } = typeof options === 'boolean' ? { validateOnly: options } : options
    const topic = this.#metadata.topic(name)
    if (topic === undefined) throw new TopicError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`)
    if (topic.internal) {
      throw new TopicError('INVALID_TOPIC_EXCEPTION', `Topic '${name}' is internal; its partition count decides where groups are coordinated and cannot change.`)
    }
    if (totalCount === topic.partitions) {
      throw new TopicError('INVALID_PARTITIONS', `Topic '${name}' already has ${topic.partitions} partition(s).`)
    }
    if (!Number.isInteger(totalCount) || totalCount < topic.partitions) {
      throw new TopicError('INVALID_PARTITIONS', `Topic '${name}' has ${topic.partitions} partition(s); the new count must be larger, not ${totalCount}.`)
    }
    const additional = totalCount - topic.partitions
    checkPartitionLimit(additional)
    if (assignments !== null) {
      if (assignments.length !== additional) {
        throw new TopicError('INVALID_REPLICA_ASSIGNMENT', `Adding ${additional} partition(s) needs ${additional} assignment(s), not ${assignments.length}.`)
      }
      const replicationFactor = this.replicationFactorOf(name)
      for (const { brokerIds } of assignments) this.#checkReplicas(brokerIds, replicationFactor)
    }
    const placement = assignments !== null
      ? assignments.map(({ brokerIds }) => [...brokerIds])
      : this.#placeMore(name, topic.partitions, additional)
    this.#checkDescriptors(placement)
    if (validateOnly) return { ...topic, partitions: totalCount }
    const updated = await this.#metadata.createPartitions(name, placement)
    await this.#replicas.ensurePartitions(updated, this.effectiveConfig(name))
    this.#logger.info('added partitions', { topic: name, partitions: totalCount })
    return updated
  }

  /**
   * Refuses, before anything is created, partitions whose logs this broker could not keep open
   * under its open-file limit (POLICY_VIOLATION, as Kafka answers a request its policy refuses;
   * the message, which Kafka's admin tools and kafkajs show, says how to raise the limit).
   */
  #checkDescriptors(placement: readonly (readonly number[])[]): void {
    const nodeId = this.#config.nodeId
    let local = 0
    for (const replicas of placement) if (replicas.includes(nodeId)) local++
    const shortfall = descriptorShortfall(local)
    if (shortfall !== null) throw new TopicError('POLICY_VIOLATION', shortfall)
  }

  /** Places `count` new partitions of `name` after its first `existing`, at the topic's replication factor. */
  #placeMore(name: string, existing: number, count: number): number[][] {
    const replicationFactor = this.replicationFactorOf(name)
    const brokers = this.#cluster.brokers()
    if (replicationFactor > brokers.length) {
      throw new TopicError('INVALID_REPLICATION_FACTOR', `Topic '${name}' has replication factor ${replicationFactor}, more than the ${brokers.length} available broker(s).`)
    }
    return assignReplicas(brokers, count, replicationFactor, { firstPartition: existing })
  }

  /** Replaces a topic's overrides and applies the new effective configuration to its partitions. */
  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>, validateOnly = false): Promise<void> {
    return this.alterTopicConfigs(name, () => configs, validateOnly)
  }

  /**
   * Changes a topic's overrides to what `update` makes of the current ones, then applies the new
   * effective configuration to the live partitions at once. Concurrent alterations of one topic
   * are applied one after the other, each to the other's result. `update` may throw a TopicError
   * (or a SAMSA_CONFIG error, reported as INVALID_CONFIG) to refuse the change.
   */
  async alterTopicConfigs(
    name: string,
    update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>,
    validateOnly = false,
  ): Promise<void> {
    const topic = this.#metadata.topic(name)
    if (topic === undefined) throw new TopicError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`)
    const guarded = (current: Readonly<Record<string, string>>): Readonly<Record<string, string>> => {
      try {
        const next = update(current)
        parseTopicOverrides(Object.entries(next))
        return next
      } catch (error) {
        if (error instanceof TopicError) throw error
        throw new TopicError('INVALID_CONFIG', (error as Error).message)
      }
    }
    if (validateOnly) {
      guarded(topic.configs)
      return
    }
    await this.#metadata.updateTopicConfigs(name, guarded)
    this.#replicas.updateConfig(name, this.effectiveConfig(name))
    this.#logger.info('changed topic configs', { topic: name, configs: this.#metadata.topic(name)?.configs })
  }
}

function checkPartitionLimit(count: number): void {
  if (count > MAX_PARTITIONS_PER_REQUEST) {
    throw new TopicError('POLICY_VIOLATION', `Excessively large number of partitions per request: ${count} asked for, at most ${MAX_PARTITIONS_PER_REQUEST} allowed.`)
  }
}
