/**
 * What a share group knows of its share-partitions' state in the share coordinator (Kafka 4.1+'s
 * ShareGroupStatePartitionMetadata, record type 15): the partitions whose state it is starting
 * (initializing), those it has started (initialized), and the topics whose state it is deleting.
 * A group's deletion and the admin's offset requests go by this, not by what one broker holds in
 * memory, so they reach every share-partition the group ever started, wherever it is led.
 *
 * Event loop thread only.
 */
import type { ShareGroupStatePartitionMetadata, TopicPartitionsInfo } from './share-group-records.js'

export interface StateTopic {
  readonly topicName: string
  readonly partitions: Set<number>
}

export interface StatePartition {
  readonly topicId: string
  readonly topicName: string
  readonly partition: number
}

export class ShareStatePartitions {
  /** topic id → the partitions whose InitializeShareGroupState is under way. */
  readonly initializing = new Map<string, StateTopic>()
  /** topic id → the partitions with state in the share coordinator. */
  readonly initialized = new Map<string, StateTopic>()
  /** topic id → name: topics whose state DeleteShareGroupOffsets is deleting. */
  readonly deleting = new Map<string, string>()
  /**
   * The initializations under way in this process. Initializing partitions loaded from the log
   * are not among them (the coordinator that began them is gone), so they are tried again.
   */
  readonly #inFlight = new Set<string>()

  static from(value: ShareGroupStatePartitionMetadata): ShareStatePartitions {
    const state = new ShareStatePartitions()
    for (const t of value.initializingTopics) state.initializing.set(t.topicId, { topicName: t.topicName, partitions: new Set(t.partitions) })
    for (const t of value.initializedTopics) state.initialized.set(t.topicId, { topicName: t.topicName, partitions: new Set(t.partitions) })
    for (const t of value.deletingTopics) state.deleting.set(t.topicId, t.topicName)
    return state
  }

  get isEmpty(): boolean {
    return this.initializing.size === 0 && this.initialized.size === 0 && this.deleting.size === 0
  }

  /** Whether the partition's state is started, or being started by this process. */
  known(topicId: string, partition: number): boolean {
    return this.initialized.get(topicId)?.partitions.has(partition) === true || this.#inFlight.has(`${topicId}:${partition}`)
  }

  /** Marks the partition initializing, its initialization under way here. */
  begin(p: StatePartition): void {
    this.add('initializing', p)
    this.#inFlight.add(`${p.topicId}:${p.partition}`)
  }

  /** The initialization ended: `started` moves the partition to initialized, else it is dropped (tried again later). */
  end(p: StatePartition, started: boolean): void {
    this.#inFlight.delete(`${p.topicId}:${p.partition}`)
    this.remove('initializing', p.topicId, p.partition)
    if (started) this.add('initialized', p)
  }

  add(which: 'initializing' | 'initialized', p: StatePartition): void {
    const topics = this[which]
    let topic = topics.get(p.topicId)
    if (topic === undefined) topics.set(p.topicId, (topic = { topicName: p.topicName, partitions: new Set() }))
    topic.partitions.add(p.partition)
  }

  remove(which: 'initializing' | 'initialized', topicId: string, partition: number): void {
    const topic = this[which].get(topicId)
    if (topic === undefined) return
    topic.partitions.delete(partition)
    if (topic.partitions.size === 0) this[which].delete(topicId)
  }

  /** Every partition the group may have state for: initialized or initializing. */
  all(): StatePartition[] {
    const found: StatePartition[] = []
    for (const [topicId, t] of this.initialized) for (const partition of t.partitions) found.push({ topicId, topicName: t.topicName, partition })
    for (const [topicId, t] of this.initializing) {
      const done = this.initialized.get(topicId)?.partitions
      for (const partition of t.partitions) if (done?.has(partition) !== true) found.push({ topicId, topicName: t.topicName, partition })
    }
    return found
  }

  /** Drops a topic from every list (its state is deleted, or the topic is). */
  forgetTopic(topicId: string): void {
    this.initializing.delete(topicId)
    this.initialized.delete(topicId)
    this.deleting.delete(topicId)
  }

  toRecord(): ShareGroupStatePartitionMetadata {
    const list = (topics: Map<string, StateTopic>): TopicPartitionsInfo =>
      [...topics].map(([topicId, t]) => ({ topicId, topicName: t.topicName, partitions: [...t.partitions].sort((a, b) => a - b) }))
    return {
      initializingTopics: list(this.initializing),
      initializedTopics: list(this.initialized),
      deletingTopics: [...this.deleting].map(([topicId, topicName]) => ({ topicId, topicName })),
    }
  }
}
