/**
 * Applies what the cluster's metadata says to this broker's partitions (Kafka's
 * BrokerMetadataPublisher → ReplicaManager.applyDelta): a new topic or new partitions placed here
 * get local logs; every partition state is applied (lead, or follow its leader); a partition
 * whose replica set gains this broker (a reassignment adding it) gets a local log and follows,
 * one whose replica set no longer names it (a reassignment done or cancelled) stops and its
 * local log goes; a topic's new configuration reaches its logs; a deleted topic's local logs go.
 *
 * Changes are applied one at a time in the order the store reported them, since creating a log
 * is asynchronous and a state must not be applied to a partition still being created. Every
 * step is idempotent (existing logs are kept, older states ignored), so re-applying after a
 * resync of the view is harmless.
 */
import type { Logger } from '../common/logger.js'
import type { MetadataEvent, MetadataStore } from '../metadata/metadata-store.js'
import type { LeaderEndpoint } from '../replication/replica-fetcher.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import type { TopicManager } from './topic-manager.js'

export class MetadataPublisher {
  readonly #metadata: MetadataStore
  readonly #topics: TopicManager
  readonly #replicas: ReplicaManager
  readonly #leaderEndpoint: (brokerId: number) => LeaderEndpoint | undefined
  readonly #logger: Logger
  #queue: Promise<void> = Promise.resolve()
  #unsubscribe: (() => void) | null = null

  constructor(metadata: MetadataStore, topics: TopicManager, replicas: ReplicaManager, leaderEndpoint: (brokerId: number) => LeaderEndpoint | undefined, logger: Logger) {
    this.#metadata = metadata
    this.#topics = topics
    this.#replicas = replicas
    this.#leaderEndpoint = leaderEndpoint
    this.#logger = logger
  }

  /** Starts following the store's changes. */
  start(): void {
    this.#unsubscribe = this.#metadata.onChange((events) => {
      this.#queue = this.#queue.then(() => this.#apply(events)).catch((error: unknown) => {
        this.#logger.error('applying cluster metadata failed', { error })
      })
    })
  }

  /** Runs `work` in order with the changes being applied (the initial load, for one). */
  run(work: () => Promise<void>): Promise<void> {
    const done = this.#queue.then(work)
    this.#queue = done.catch(() => undefined)
    return done
  }

  /** Stops following and waits for what is being applied. */
  async close(): Promise<void> {
    this.#unsubscribe?.()
    this.#unsubscribe = null
    await this.#queue
  }

  async #apply(events: readonly MetadataEvent[]): Promise<void> {
    for (const event of events) {
      switch (event.type) {
        case 'topic-created':
          await this.#ensureTopic(event.topic.name)
          break
        case 'topic-updated':
          await this.#ensureTopic(event.topic.name)
          this.#replicas.updateConfig(event.topic.name, this.#topics.effectiveConfig(event.topic.name))
          break
        case 'topic-deleted':
          if (this.#metadata.topic(event.topic.name)?.topicId !== event.topic.topicId) {
            await this.#replicas.deleteTopic(event.topic.name)
            this.#logger.info('deleted the local logs of a deleted topic', { topic: event.topic.name })
          }
          break
        case 'partition-changed': {
          const partition = this.#replicas.partition(event.topic.name, event.partition)
          if (!this.#replicas.isReplica(event.state)) {
            if (partition !== undefined) await this.#replicas.removePartition(event.topic.name, event.partition, event.state)
          } else if (partition === undefined) await this.#ensureTopic(event.topic.name)
          else this.#replicas.applyPartitionState(partition, event.state, this.#leaderEndpoint)
          break
        }
      }
    }
  }

  /** Local logs for the topic's partitions placed here, and their current states applied. */
  async #ensureTopic(name: string): Promise<void> {
    const topic = this.#metadata.topic(name)
    if (topic === undefined) return
    const hosted = await this.#replicas.ensurePartitions(topic, this.#topics.effectiveConfig(name))
    for (let index = 0; index < hosted.length; index++) {
      const partition = hosted[index]
      const state = this.#metadata.partitionState(name, index)
      if (partition === undefined || state === undefined) continue
      if (this.#replicas.isReplica(state)) this.#replicas.applyPartitionState(partition, state, this.#leaderEndpoint)
      else await this.#replicas.removePartition(name, index, state)
    }
  }
}
