/**
 * The single-broker metadata store: the cluster id, every topic with its id, partition count and
 * configuration overrides, and the config overrides of groups. This broker is the only replica, the leader and the whole
 * ISR of every partition, at leader epoch 0, so partition states are not stored but implied.
 *
 * On disk it is `<log dir>/samsa-metadata.json`, replaced atomically (temp file, fsync, rename,
 * directory fsync) on every change, plus Kafka's `meta.properties` (cluster.id, node.id) so a
 * log directory cannot be started by a different node by mistake. Mutations run one at a time
 * through a queue and change the in-memory view only once they are durable, so a caller that
 * sees a topic can rely on it surviving a crash, and two concurrent creations of one name
 * cannot both succeed. Reads are synchronous and see the last durable state.
 */
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { type TopicConfig, parseTopicOverrides } from '../common/config/topic-config.js'
import { randomUuid } from '../common/uuid.js'
import { type MetadataStore, type PartitionState, TopicError, type TopicMetadata } from './metadata-store.js'
import { collisionKey, isInternalTopic } from './topic-name.js'
import { checkNewTopicName, checkPartitionCount, validateOverrides } from './topic-validation.js'

interface StoreFile {
  version: 1
  clusterId: string
  topics: TopicMetadata[]
  /** First producer id not yet handed out (ids are allocated in blocks, see allocateProducerIds). */
  nextProducerId?: number
  /** Group config overrides by group id (absent in files written before group configs). */
  groupConfigs?: Record<string, Record<string, string>>
}

export const METADATA_FILE = 'samsa-metadata.json'

const NO_GROUP_CONFIGS: Readonly<Record<string, string>> = Object.freeze({})

/**
 * One consistent view of the topics, indexed by name, by id and by collision key, plus the next
 * producer id. The store publishes a new table after each durable write and never changes a
 * published one; a batch of changes works on a copy.
 */
class TopicTable {
  readonly byName: Map<string, TopicMetadata>
  readonly byId: Map<string, TopicMetadata>
  /** collisionKey(name) → name, to find '.'/'_' collisions without scanning every topic. */
  readonly byCollisionKey: Map<string, string>
  nextProducerId: number
  /** Group config overrides by group id; each value frozen, replaced on change. */
  readonly groupConfigs: Map<string, Readonly<Record<string, string>>>

  constructor(topics: Iterable<TopicMetadata>, nextProducerId: number, copyOf?: TopicTable) {
    this.byName = new Map(copyOf?.byName)
    this.byId = new Map(copyOf?.byId)
    this.byCollisionKey = new Map(copyOf?.byCollisionKey)
    this.groupConfigs = new Map(copyOf?.groupConfigs)
    this.nextProducerId = nextProducerId
    for (const topic of topics) this.put(topic)
  }

  copy(): TopicTable {
    return new TopicTable([], this.nextProducerId, this)
  }

  setGroupConfigs(groupId: string, configs: Readonly<Record<string, string>>): void {
    if (Object.keys(configs).length === 0) this.groupConfigs.delete(groupId)
    else this.groupConfigs.set(groupId, Object.freeze({ ...configs }))
  }

  put(topic: TopicMetadata): void {
    const old = this.byName.get(topic.name)
    if (old !== undefined) this.byId.delete(old.topicId)
    this.byName.set(topic.name, topic)
    this.byId.set(topic.topicId, topic)
    this.byCollisionKey.set(collisionKey(topic.name), topic.name)
  }

  remove(name: string): void {
    const topic = this.byName.get(name)
    if (topic === undefined) return
    this.byName.delete(name)
    this.byId.delete(topic.topicId)
    this.byCollisionKey.delete(collisionKey(name))
  }

  require(name: string): TopicMetadata {
    const topic = this.byName.get(name)
    if (topic === undefined) throw new TopicError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`)
    return topic
  }

  /** Throws the TopicError a new topic of this name meets here: illegal, existing or colliding. */
  checkNewName(name: string): void {
    checkNewTopicName(name, (n) => this.byName.has(n), (key) => this.byCollisionKey.get(key))
  }
}

interface PendingChange {
  readonly change: (table: TopicTable) => unknown
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

export class FileMetadataStore implements MetadataStore {
  readonly #dir: string
  readonly #clusterId: string
  /** Every partition's state: this broker alone, leading at epoch 0. */
  readonly #soleReplicaState: PartitionState
  /** The last durable state; replaced, never modified. */
  #table: TopicTable
  #pending: PendingChange[] = []
  #writing = false

  private constructor(dir: string, nodeId: number, clusterId: string, topics: readonly TopicMetadata[], nextProducerId: number) {
    this.#dir = dir
    this.#clusterId = clusterId
    this.#soleReplicaState = Object.freeze({
      replicas: Object.freeze([nodeId]),
      leader: nodeId,
      leaderEpoch: 0,
      partitionEpoch: 0,
      isr: Object.freeze([nodeId]),
    })
    this.#table = new TopicTable(topics, nextProducerId)
  }

  /**
   * Loads the store from the log directory, creating it (with a new cluster id) on first start.
   * Throws SAMSA_CONFIG when the directory belongs to another node id.
   */
  static async open(dir: string, nodeId: number): Promise<FileMetadataStore> {
    await mkdir(dir, { recursive: true })
    const meta = await readMetaProperties(dir)
    if (meta !== null && meta.nodeId !== nodeId) {
      throw new SamsaError(
        ErrorCodes.CONFIG,
        `Log directory ${dir} belongs to node.id ${meta.nodeId} (meta.properties), not ${nodeId}. Start with --node-id ${meta.nodeId} or use another --data-dir.`,
      )
    }
    let file: StoreFile | null = null
    try {
      file = JSON.parse(await readFile(join(dir, METADATA_FILE), 'utf8')) as StoreFile
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new SamsaError(ErrorCodes.STORAGE, `Cannot read ${join(dir, METADATA_FILE)}: ${(error as Error).message}`, { cause: error })
      }
    }
    const clusterId = file?.clusterId ?? meta?.clusterId ?? randomUuid()
    const store = new FileMetadataStore(dir, nodeId, clusterId, file?.topics ?? [], file?.nextProducerId ?? 0)
    for (const [groupId, configs] of Object.entries(file?.groupConfigs ?? {})) store.#table.setGroupConfigs(groupId, configs)
    if (file === null) await store.#persist(store.#table)
    if (meta === null) await writeAtomically(dir, 'meta.properties', `version=1\ncluster.id=${clusterId}\nnode.id=${nodeId}\n`)
    return store
  }

  get clusterId(): string {
    return this.#clusterId
  }

  topic(name: string): TopicMetadata | undefined {
    return this.#table.byName.get(name)
  }

  topicById(topicId: string): TopicMetadata | undefined {
    return this.#table.byId.get(topicId)
  }

  topics(): IterableIterator<TopicMetadata> {
    return this.#table.byName.values()
  }

  /** Nothing but this broker changes the file, so there is nothing to report. */
  onChange(): () => void {
    return () => undefined
  }

  partitionState(topicName: string, partition: number): PartitionState | undefined {
    const topic = this.#table.byName.get(topicName)
    if (topic === undefined || !Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) return undefined
    return this.#soleReplicaState
  }

  /**
   * Creates a topic. Rejects (SAMSA_CONFIG) an illegal or colliding name, an existing topic, no
   * partitions, a replica other than this broker or an invalid override, naming the problem.
   */
  createTopic(name: string, assignment: ReadonlyArray<readonly number[]>, overrides: Readonly<Record<string, string>> = {}): Promise<TopicMetadata> {
    return this.#mutate((table) => {
      table.checkNewName(name)
      validateOverrides(overrides)
      const partitions = assignment.length
      checkPartitionCount(name, partitions)
      this.#checkSoleReplica(assignment)
      let topicId = randomUuid()
      while (table.byId.has(topicId)) topicId = randomUuid()
      const topic: TopicMetadata = { name, topicId, partitions, configs: { ...overrides }, internal: isInternalTopic(name) }
      table.put(topic)
      return topic
    })
  }

  /**
   * Throws the TopicError createTopic would throw for this request, without changing anything
   * (CreateTopics with validate_only). Checks in Kafka's order: the name, then the overrides, then
   * the partition count.
   */
  validateNewTopic(name: string, partitions: number, overrides: Readonly<Record<string, string>> = {}): void {
    this.validateNewTopicName(name)
    validateOverrides(overrides)
    checkPartitionCount(name, partitions)
  }

  /** Throws the TopicError a new topic of this name meets: illegal, existing or colliding. */
  validateNewTopicName(name: string): void {
    this.#table.checkNewName(name)
  }

  deleteTopic(name: string): Promise<TopicMetadata> {
    return this.#mutate((table) => {
      const topic = table.require(name)
      table.remove(name)
      return topic
    })
  }

  /** Adds partitions, one per entry of `assignment` (Kafka never lowers the count). */
  createPartitions(name: string, assignment: ReadonlyArray<readonly number[]>): Promise<TopicMetadata> {
    return this.#mutate((table) => {
      const topic = table.require(name)
      if (assignment.length === 0) {
        throw new TopicError('INVALID_PARTITIONS', `Topic '${name}' has ${topic.partitions} partitions; at least one must be added.`)
      }
      this.#checkSoleReplica(assignment)
      const updated = { ...topic, partitions: topic.partitions + assignment.length }
      table.put(updated)
      return updated
    })
  }

  /** Replaces a topic's overrides (validated) with `configs`. */
  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<TopicMetadata> {
    return this.updateTopicConfigs(name, () => configs)
  }

  /**
   * Replaces a topic's overrides with what `update` makes of the current ones. `update` runs in
   * the store's queue of changes, so concurrent updates of one topic each see the other's result
   * (none is lost). It may throw a TopicError to refuse the change; an invalid result is refused
   * with INVALID_CONFIG. Either way nothing changes.
   */
  updateTopicConfigs(
    name: string,
    update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>,
  ): Promise<TopicMetadata> {
    return this.#mutate((table) => {
      const topic = table.require(name)
      const configs = { ...update(topic.configs) }
      validateOverrides(configs)
      const updated = { ...topic, configs }
      table.put(updated)
      return updated
    })
  }

  groupConfigs(groupId: string): Readonly<Record<string, string>> {
    return this.#table.groupConfigs.get(groupId) ?? NO_GROUP_CONFIGS
  }

  groupsWithConfigs(): Iterable<string> {
    return this.#table.groupConfigs.keys()
  }

  /** Replaces a group's overrides in the store's queue of changes, like updateTopicConfigs. */
  async updateGroupConfigs(groupId: string, update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>): Promise<void> {
    await this.#mutate((table) => table.setGroupConfigs(groupId, update(table.groupConfigs.get(groupId) ?? NO_GROUP_CONFIGS)))
  }

  /**
   * Reserves `count` producer ids and returns the first. The reservation is durable before it is
   * returned, so ids are never handed out twice, even across a crash (a crash only skips ids).
   */
  allocateProducerIds(count: number): Promise<number> {
    return this.#mutate((table) => {
      const first = table.nextProducerId
      table.nextProducerId = first + count
      return first
    })
  }

  /** A single broker can only place replicas on itself, once per partition. */
  #checkSoleReplica(assignment: ReadonlyArray<readonly number[]>): void {
    const self = this.#soleReplicaState.leader
    for (const replicas of assignment) {
      if (replicas.length !== 1 || replicas[0] !== self) {
        throw new TopicError('INVALID_REPLICA_ASSIGNMENT', `A single broker places every partition on itself (broker ${self}), not on [${replicas.join(', ')}].`)
      }
    }
  }

  /** The topic's overrides, parsed. */
  overrides(name: string): Partial<TopicConfig> {
    const topic = this.#table.require(name)
    return parseTopicOverrides(Object.entries(topic.configs))
  }

  /**
   * Queues a change and resolves with its result once it is durable and visible. Changes queued
   * while a write is under way are applied together, in order, to a copy of the state and
   * written once (group commit): creating ten thousand topics costs a few writes of the file,
   * not ten thousand. A change that throws is refused alone and must throw before it modifies
   * the table; the others of its batch still apply.
   */
  #mutate<T>(change: (table: TopicTable) => T): Promise<T> {
    const done = new Promise<T>((resolve, reject) => {
      this.#pending.push({ change, resolve: resolve as (value: unknown) => void, reject })
    })
    if (!this.#writing) void this.#writeBatches()
    return done
  }

  async #writeBatches(): Promise<void> {
    this.#writing = true
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0)
        const working = this.#table.copy()
        const outcomes = batch.map(({ change }) => {
          try {
            return { ok: true as const, value: change(working) }
          } catch (error) {
            return { ok: false as const, error }
          }
        })
        let failure: unknown = null
        if (outcomes.some((o) => o.ok)) {
          try {
            await this.#persist(working)
            this.#table = working
          } catch (error) {
            failure = error
          }
        }
        outcomes.forEach((outcome, i) => {
          if (!outcome.ok) batch[i]!.reject(outcome.error)
          else if (failure !== null) batch[i]!.reject(failure)
          else batch[i]!.resolve(outcome.value)
        })
      }
    } finally {
      this.#writing = false
    }
  }

  async #persist(table: TopicTable): Promise<void> {
    const file: StoreFile = {
      version: 1,
      clusterId: this.#clusterId,
      topics: [...table.byName.values()],
      nextProducerId: table.nextProducerId,
      groupConfigs: Object.fromEntries(table.groupConfigs),
    }
    await writeAtomically(this.#dir, METADATA_FILE, JSON.stringify(file, null, 2) + '\n')
  }
}

/**
 * Marks a log directory as this node's in the cluster `clusterId` (Kafka's meta.properties), or
 * refuses (SAMSA_CONFIG) one that belongs to another node or another cluster: its logs would be
 * taken for replicas they are not.
 */
export async function claimLogDir(dir: string, nodeId: number, clusterId: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  const meta = await readMetaProperties(dir)
  if (meta === null) {
    await writeAtomically(dir, 'meta.properties', `version=1\ncluster.id=${clusterId}\nnode.id=${nodeId}\n`)
    return
  }
  if (meta.nodeId !== nodeId) {
    throw new SamsaError(ErrorCodes.CONFIG, `Log directory ${dir} belongs to node.id ${meta.nodeId} (meta.properties), not ${nodeId}. Start with --node-id ${meta.nodeId} or use another --data-dir.`)
  }
  if (meta.clusterId !== clusterId) {
    throw new SamsaError(
      ErrorCodes.CONFIG,
      `Log directory ${dir} belongs to cluster ${meta.clusterId} (meta.properties), but etcd holds cluster ${clusterId}. Use another --data-dir, or point --etcd and etcd.prefix at that cluster.`,
    )
  }
}

async function readMetaProperties(dir: string): Promise<{ clusterId: string; nodeId: number } | null> {
  let text: string
  try {
    text = await readFile(join(dir, 'meta.properties'), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  const values = new Map(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]))
  return { clusterId: values.get('cluster.id') ?? '', nodeId: Number(values.get('node.id') ?? -1) }
}

/** Temp file, fsync, rename over the target, fsync the directory: the file is old or new, never torn. */
export async function writeAtomically(dir: string, name: string, contents: string): Promise<void> {
  const target = join(dir, name)
  const temp = `${target}.tmp`
  await writeFile(temp, contents)
  const handle = await open(temp, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temp, target)
  const dirHandle = await open(dir, 'r')
  try {
    await dirHandle.sync()
  } finally {
    await dirHandle.close()
  }
}
