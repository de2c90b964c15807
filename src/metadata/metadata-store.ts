/**
 * What a broker knows about the cluster's topics and partitions, behind one interface with two
 * implementations: the single broker's file in its data directory (file-metadata-store.ts) and,
 * in cluster mode, etcd (src/cluster/). Handlers, the topic manager and the replica manager see
 * only this interface, so a broker works the same whichever store it was built with.
 *
 * Reads are synchronous and see the last durable state; changes resolve once durable and
 * visible. A partition's leadership is a PartitionState owned by the store (in a cluster, by the
 * controller that writes it), never a mutable field of the partition object.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { TopicConfig } from '../common/config/topic-config.js'

export interface TopicMetadata {
  readonly name: string
  readonly topicId: string
  readonly partitions: number
  /** Overrides as text, the way Kafka stores and reports them. */
  readonly configs: Readonly<Record<string, string>>
  readonly internal: boolean
}

/**
 * One partition's leadership and replica set, as Kafka's controller keeps it (the ZooKeeper-era
 * `/brokers/topics/<t>/partitions/<p>/state` znode, KRaft's PartitionRecord).
 */
export interface PartitionState {
  /** The assigned replicas, preferred leader first. */
  readonly replicas: readonly number[]
  /** The leader's broker id, or -1 while the partition has none (offline). */
  readonly leader: number
  /** Bumped on every leadership change; fences requests and log entries of older leaders. */
  readonly leaderEpoch: number
  /** Bumped on every change of this state (leader or ISR); ISR proposals are checked against it. */
  readonly partitionEpoch: number
  /** The in-sync replicas, leader included. */
  readonly isr: readonly number[]
  /**
   * While a reassignment (KIP-455) is in progress: the target replicas not in the original set.
   * `replicas` then holds the target followed by the replicas being removed. Absent or empty
   * when no reassignment is in progress.
   */
  readonly addingReplicas?: readonly number[]
  /** While a reassignment is in progress: the original replicas not in the target. */
  readonly removingReplicas?: readonly number[]
}

/** A change to the store's contents, as a store that others also change (etcd) reports it. */
export type MetadataEvent =
  | { readonly type: 'topic-created' | 'topic-updated' | 'topic-deleted'; readonly topic: TopicMetadata }
  | { readonly type: 'partition-changed'; readonly topic: TopicMetadata; readonly partition: number; readonly state: PartitionState }

export interface MetadataStore {
  readonly clusterId: string
  /**
   * Tells `listener` about changes made by anyone, in order, after they are visible here. The
   * single broker's file store changes only through this broker and reports nothing. Returns
   * the unsubscribe function.
   */
  onChange(listener: (events: readonly MetadataEvent[]) => void): () => void
  topic(name: string): TopicMetadata | undefined
  topicById(topicId: string): TopicMetadata | undefined
  topics(): IterableIterator<TopicMetadata>
  /** A partition's leadership, or undefined for an unknown topic or partition. */
  partitionState(topicName: string, partition: number): PartitionState | undefined
  /** The topic's overrides, parsed. */
  overrides(name: string): Partial<TopicConfig>
  /**
   * Creates a topic whose partition i is placed on `assignment[i]` (preferred leader first).
   * Rejects with a TopicError for an illegal, existing or colliding name, no partitions or an
   * invalid override, naming the problem.
   */
  createTopic(name: string, assignment: ReadonlyArray<readonly number[]>, overrides?: Readonly<Record<string, string>>): Promise<TopicMetadata>
  /** Throws the TopicError createTopic would throw for `partitions` partitions, changing nothing. */
  validateNewTopic(name: string, partitions: number, overrides?: Readonly<Record<string, string>>): void
  /** Throws the TopicError a new topic of this name meets: illegal, existing or colliding. */
  validateNewTopicName(name: string): void
  deleteTopic(name: string): Promise<TopicMetadata>
  /** Adds partitions placed on `assignment` (one entry per new partition, in order). */
  createPartitions(name: string, assignment: ReadonlyArray<readonly number[]>): Promise<TopicMetadata>
  /**
   * Replaces a topic's overrides with what `update` makes of the current ones; concurrent
   * updates of one topic each see the other's result. `update` may throw a TopicError to refuse.
   */
  updateTopicConfigs(name: string, update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>): Promise<TopicMetadata>
  /**
   * A group's config overrides (KIP-848/KIP-932 group configs, common/config/group-config.ts) as
   * text, the way Kafka stores and reports them; empty when it has none. The same object is
   * returned until they change, so callers may cache what they derive from it.
   */
  groupConfigs(groupId: string): Readonly<Record<string, string>>
  /** The ids of the groups that have config overrides, in no particular order. */
  groupsWithConfigs(): Iterable<string>
  /**
   * Replaces a group's overrides with what `update` makes of the current ones (an empty result
   * removes them); concurrent updates of one group each see the other's result. `update` may
   * throw to refuse, and nothing changes. The store does not validate: the caller does.
   */
  updateGroupConfigs(groupId: string, update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>): Promise<void>
  /** Reserves `count` producer ids, durably, and returns the first; no id is ever handed out twice. */
  allocateProducerIds(count: number): Promise<number>
}

/**
 * A rejected topic operation, carrying the name of the Kafka error code that describes it
 * (handlers map it onto the wire; the CLI prints the message).
 */
export class TopicError extends SamsaError {
  readonly kafkaError: string

  constructor(kafkaError: string, message: string) {
    super(ErrorCodes.TOPIC, message)
    this.name = 'TopicError'
    this.kafkaError = kafkaError
  }
}
