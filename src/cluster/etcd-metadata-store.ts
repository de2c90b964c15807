/**
 * The MetadataStore of a broker in a cluster: topics and partition states from etcd's watched
 * view (cluster-metadata-store.ts), producer ids from etcd blocks, group configs from
 * <prefix>/configs/groups (entity-configs.ts), the cluster id from etcd.
 *
 * Who writes what: any registered broker may create, grow, reconfigure and delete topics (as
 * ZooKeeper-era Kafka brokers wrote topic assignments), each write a compare-and-swap on the
 * topic key, so concurrent changes never overwrite each other; the write also checks the
 * cluster-id key is the one this broker joined, so a broker pointed at a wiped etcd cannot
 * write. Partition leadership after creation is written by the controller alone (controller.ts).
 *
 * A change resolves once the local view shows it, so a caller that creates a topic can read it at
 * once, like the file store.
 */
import type { TopicConfig } from '../common/config/topic-config.js'
import { parseTopicOverrides } from '../common/config/topic-config.js'
import { type MetadataEvent, type MetadataStore, type PartitionState, TopicError, type TopicMetadata } from '../metadata/metadata-store.js'
import { collisionKey, isInternalTopic } from '../metadata/topic-name.js'
import { checkNewTopicName, checkPartitionCount, validateOverrides } from '../metadata/topic-validation.js'
import type { ClusterMetadataStore, MetadataChange, TopicView, WriteResult } from './cluster-metadata-store.js'
import type { Compare, EtcdConnection } from './etcd-connection.js'
import { EntityConfigStore } from './entity-configs.js'
import { ProducerIdBlocks } from './producer-id-blocks.js'

/** How long a successful write may take to show in the local view before it is reported as failed. */
const VIEW_CATCH_UP_MS = 30_000
/** Retries of a read-modify-write that lost a race with another writer. */
const MAX_STALE_RETRIES = 10

export class EtcdMetadataStore implements MetadataStore {
  readonly clusterId: string
  readonly #view: ClusterMetadataStore
  readonly #producerIds: ProducerIdBlocks
  readonly #groupConfigs: EntityConfigStore
  /** Compare that holds while `<prefix>/cluster-id` is the key this broker joined. */
  readonly #membership: Compare
  /** One TopicMetadata per topic view, so reads allocate nothing. */
  readonly #topicsByView = new WeakMap<TopicView, TopicMetadata>()

  private constructor(clusterId: string, view: ClusterMetadataStore, producerIds: ProducerIdBlocks, groupConfigs: EntityConfigStore, membership: Compare) {
    this.clusterId = clusterId
    this.#view = view
    this.#producerIds = producerIds
    this.#groupConfigs = groupConfigs
    this.#membership = membership
  }

  /** Over a started view, once the cluster id exists (ensureClusterId); reads the group configs. */
  static async open(connection: EtcdConnection, view: ClusterMetadataStore): Promise<EtcdMetadataStore> {
    const key = connection.key('cluster-id')
    const clusterId = await connection.get(key)
    if (clusterId === undefined) throw new Error(`EtcdMetadataStore.open: ${key} does not exist; ensureClusterId first`)
    const membership: Compare = { key, target: 'create', result: '=', value: clusterId.createRevision }
    const groupConfigs = new EntityConfigStore(connection, 'groups')
    await groupConfigs.start()
    return new EtcdMetadataStore(clusterId.value, view, new ProducerIdBlocks(connection), groupConfigs, membership)
  }

  /** Stops following the group configs (the view is the membership's to close). */
  close(): void {
    this.#groupConfigs.close()
  }

  onChange(listener: (events: readonly MetadataEvent[]) => void): () => void {
    return this.#view.onChange((changes) => {
      const events = changes.map((change) => this.#event(change)).filter((e): e is MetadataEvent => e !== undefined)
      if (events.length > 0) listener(events)
    })
  }

  topic(name: string): TopicMetadata | undefined {
    const view = this.#view.topic(name)
    return view === undefined ? undefined : this.#metadataOf(view)
  }

  topicById(topicId: string): TopicMetadata | undefined {
    const view = this.#view.topicById(topicId)
    return view === undefined ? undefined : this.#metadataOf(view)
  }

  *topics(): IterableIterator<TopicMetadata> {
    for (const view of this.#view.topics()) yield this.#metadataOf(view)
  }

  partitionState(topicName: string, partition: number): PartitionState | undefined {
    const topic = this.#view.topic(topicName)
    return topic === undefined ? undefined : this.#view.partition(topic.topicId, partition)
  }

  overrides(name: string): Partial<TopicConfig> {
    return parseTopicOverrides(Object.entries(this.#require(name).configs))
  }

  validateNewTopicName(name: string): void {
    checkNewTopicName(name, (n) => this.#view.topic(n) !== undefined, (key) => this.#collidingTopic(key))
  }

  validateNewTopic(name: string, partitions: number, overrides: Readonly<Record<string, string>> = {}): void {
    this.validateNewTopicName(name)
    validateOverrides(overrides)
    checkPartitionCount(name, partitions)
  }

  async createTopic(name: string, assignment: ReadonlyArray<readonly number[]>, overrides: Readonly<Record<string, string>> = {}): Promise<TopicMetadata> {
    this.validateNewTopic(name, assignment.length, overrides)
    const result = await this.#view.createTopic(this.#membership, { name, assignment, configs: { ...overrides } })
    if (result.status === 'stale') throw new TopicError('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`)
    if (result.status === 'fenced') throw this.#fenced()
    return this.#visible(result, name)
  }

  async deleteTopic(name: string): Promise<TopicMetadata> {
    for (let attempt = 0; ; attempt++) {
      const current = this.#require(name)
      const result = await this.#view.deleteTopic(this.#membership, current)
      if (result.status === 'ok') {
        await this.#view.waitFor(() => this.#view.topic(name)?.topicId !== current.topicId, VIEW_CATCH_UP_MS, `topic ${name} deleted`)
        return this.#metadataOf(current)
      }
      await this.#afterFailedWrite(result, attempt, name)
    }
  }

  async createPartitions(name: string, assignment: ReadonlyArray<readonly number[]>): Promise<TopicMetadata> {
    if (assignment.length === 0) {
      throw new TopicError('INVALID_PARTITIONS', `Topic '${name}' has ${this.#require(name).assignment.length} partitions; at least one must be added.`)
    }
    for (let attempt = 0; ; attempt++) {
      const current = this.#require(name)
      const result = await this.#view.addPartitions(this.#membership, current, assignment)
      if (result.status === 'ok') return this.#visible(result, name)
      await this.#afterFailedWrite(result, attempt, name)
    }
  }

  async updateTopicConfigs(name: string, update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>): Promise<TopicMetadata> {
    for (let attempt = 0; ; attempt++) {
      const current = this.#require(name)
      const configs = { ...update(current.configs) }
      validateOverrides(configs)
      const result = await this.#view.updateTopic(this.#membership, current, { configs })
      if (result.status === 'ok') return this.#visible(result, name)
      await this.#afterFailedWrite(result, attempt, name)
    }
  }

  groupConfigs(groupId: string): Readonly<Record<string, string>> {
    return this.#groupConfigs.configs(groupId)
  }

  groupsWithConfigs(): Iterable<string> {
    return this.#groupConfigs.names()
  }

  /** A compare-and-swap on the group's key (entity-configs.ts), retried on a lost race. */
  updateGroupConfigs(groupId: string, update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>): Promise<void> {
    return this.#groupConfigs.update(groupId, update)
  }

  allocateProducerIds(count: number): Promise<number> {
    return this.#producerIds.allocateProducerIds(count)
  }

  #require(name: string): TopicView {
    const topic = this.#view.topic(name)
    if (topic === undefined) throw new TopicError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`)
    return topic
  }

  #collidingTopic(key: string): string | undefined {
    for (const topic of this.#view.topics()) if (collisionKey(topic.name) === key) return topic.name
    return undefined
  }

  /** Waits until the local view shows the write, then returns the topic as it shows it. */
  async #visible(result: WriteResult<TopicView> & { status: 'ok' }, name: string): Promise<TopicMetadata> {
    await this.#view.waitForRevision(result.revision, VIEW_CATCH_UP_MS)
    return this.#metadataOf(this.#view.topic(name) ?? result.value)
  }

  /** A lost race is retried on the fresh view (once it has caught up); anything else is an error. */
  async #afterFailedWrite(result: WriteResult<TopicView>, attempt: number, name: string): Promise<void> {
    if (result.status === 'fenced') throw this.#fenced()
    if (result.status === 'stale' && result.current === undefined) throw new TopicError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`)
    if (attempt >= MAX_STALE_RETRIES) throw new TopicError('CONCURRENT_TRANSACTIONS', `Topic '${name}' kept changing under this request; try again.`)
    const seen = result.status === 'stale' ? result.current!.modRevision : 0
    await this.#view.waitFor(() => (this.#view.topic(name)?.modRevision ?? seen) >= seen, VIEW_CATCH_UP_MS, `topic ${name} at revision ${seen}`)
  }

  #fenced(): TopicError {
    return new TopicError('UNKNOWN_SERVER_ERROR', `The cluster's etcd no longer holds the cluster this broker joined (${this.clusterId}); restart the broker.`)
  }

  #metadataOf(view: TopicView): TopicMetadata {
    let metadata = this.#topicsByView.get(view)
    if (metadata === undefined) {
      metadata = { name: view.name, topicId: view.topicId, partitions: view.assignment.length, configs: view.configs, internal: isInternalTopic(view.name) }
      this.#topicsByView.set(view, metadata)
    }
    return metadata
  }

  #event(change: MetadataChange): MetadataEvent | undefined {
    if (change.type !== 'partition-changed') return { type: change.type, topic: this.#metadataOf(change.topic) }
    const topic = this.#view.topicById(change.partition.topicId)
    if (topic === undefined) return undefined
    return { type: 'partition-changed', topic: this.#metadataOf(topic), partition: change.partition.partition, state: change.partition }
  }
}
