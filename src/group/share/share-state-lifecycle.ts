/**
 * The group coordinator's side of share-partition state (Kafka 4.1+'s GroupMetadataManager share
 * initialization and deletion): after a heartbeat, every partition of a subscribed topic whose
 * state the group has not started is marked initializing (ShareGroupStatePartitionMetadata,
 * written first), started in the share coordinator (InitializeShareGroupState through the
 * persister), then marked initialized. Deleting the group deletes the state of every partition
 * so marked (DeleteShareGroupState) before the group's tombstones, so a new group of the same id
 * starts by share.auto.offset.reset wherever its partitions are led.
 *
 * A partition is initialized at state epoch 0 with start offset -1 ("not started": its leader
 * starts it by share.auto.offset.reset on first fetch). A leader that got there first (its
 * member fetched before the initialization) wrote state at epoch 0 already: the coordinator
 * answers FENCED_STATE_EPOCH and keeps the leader's state, which is what the group wanted, so
 * that answer marks the partition initialized too. A failed initialization leaves the partition
 * unmarked and the next heartbeat tries again.
 *
 * Event loop thread only.
 */
import type { Logger } from '../../common/logger.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { TopicsView } from '../consumer-group-coordinator.js'
import type { MaybeAsync } from '../maybe-async.js'
import type { CoordinatorWrite } from '../offsets-partition.js'
import type { ShareGroup } from './share-group-coordinator.js'
import { shareGroupKeys, shareGroupValues } from './share-group-records.js'
import { ShareStateError, type ShareStatePersister } from './share-state-persister.js'
import type { StatePartition } from './share-state-partitions.js'

/** The start offset InitializeShareGroupState gives a partition whose leader picks its start. */
const UNSTARTED = -1

export class ShareStateLifecycle {
  readonly #write: (groupId: string, records: readonly CoordinatorWrite[]) => MaybeAsync<number>
  readonly #topics: TopicsView
  readonly #logger: Logger
  #persister: ShareStatePersister | null = null
  /** Groups whose deleted topics are being dropped (one drop at a time per group). */
  readonly #dropping = new WeakSet<ShareGroup>()

  constructor(write: (groupId: string, records: readonly CoordinatorWrite[]) => MaybeAsync<number>, topics: TopicsView, logger: Logger) {
    this.#write = write
    this.#topics = topics
    this.#logger = logger
  }

  /** The share coordinator's client; until it is set (or without share state) nothing is initialized. */
  usePersister(persister: ShareStatePersister): void {
    this.#persister = persister
  }

  /** The group's ShareGroupStatePartitionMetadata record as it is now. */
  record(group: ShareGroup): CoordinatorWrite {
    return { key: shareGroupKeys.statePartitions(group.groupId), value: shareGroupValues.statePartitions(group.statePartitions.toRecord()) }
  }

  /** Writes the group's record; resolves with the Kafka error code of the write. */
  async store(group: ShareGroup): Promise<number> {
    try {
      return await this.#write(group.groupId, [this.record(group)])
    } catch (error) {
      this.#logger.warn('could not store the share-state partitions of a group', { group: group.groupId, error })
      return KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE
    }
  }

  /**
   * After a heartbeat: starts the state of the subscribed partitions the group has not started,
   * and drops from the record the topics deleted since (their state deleted first).
   */
  maybeInitialize(group: ShareGroup): void {
    if (this.#persister === null || group.dead) return
    this.#dropDeletedTopics(group)
    const names = new Set<string>()
    for (const member of group.members.values()) for (const name of member.subscribedTopicNames) names.add(name)
    const fresh: StatePartition[] = []
    for (const topicName of names) {
      const topic = this.#topics.topic(topicName)
      if (topic === undefined) continue
      for (let partition = 0; partition < topic.partitions; partition++) {
        if (!group.statePartitions.known(topic.topicId, partition)) fresh.push({ topicId: topic.topicId, topicName, partition })
      }
    }
    if (fresh.length === 0) return
    for (const p of fresh) group.statePartitions.begin(p)
    void this.#initialize(group, fresh, this.#persister)
  }

  /**
   * A topic deleted while the group has state on it: as Kafka, its share-partitions' state is
   * deleted and it leaves the group's record (a topic created again under the name is another
   * topic, with another id, and starts afresh).
   */
  #dropDeletedTopics(group: ShareGroup): void {
    const state = group.statePartitions
    const gone = new Set([...state.initialized.keys(), ...state.initializing.keys(), ...state.deleting.keys()].filter((topicId) => this.#topics.topicById(topicId) === undefined))
    if (gone.size === 0 || this.#dropping.has(group)) return
    this.#dropping.add(group)
    const partitions = state.all().filter((p) => gone.has(p.topicId))
    void this.deletePartitions(group.groupId, partitions)
      .then(async (errorCode) => {
        if (errorCode !== KafkaErrorCodes.NONE || group.dead) return
        for (const topicId of gone) state.forgetTopic(topicId)
        await this.store(group)
        this.#logger.info('dropped the share-partition state of deleted topics', { group: group.groupId, topics: gone.size })
      })
      .finally(() => this.#dropping.delete(group))
  }

  async #initialize(group: ShareGroup, fresh: StatePartition[], persister: ShareStatePersister): Promise<void> {
    if ((await this.store(group)) !== KafkaErrorCodes.NONE) {
      for (const p of fresh) group.statePartitions.end(p, false)
      return
    }
    const started = await Promise.all(
      fresh.map(async (p) => {
        try {
          await persister.initialize({ groupId: group.groupId, topicId: p.topicId, partition: p.partition }, 0, UNSTARTED)
          return true
        } catch (error) {
          if (error instanceof ShareStateError && error.errorCode === KafkaErrorCodes.FENCED_STATE_EPOCH) return true
          this.#logger.warn('could not initialize share-partition state', { group: group.groupId, topic: p.topicName, partition: p.partition, error })
          return false
        }
      }),
    )
    if (group.dead) return
    fresh.forEach((p, i) => group.statePartitions.end(p, started[i]!))
    await this.store(group)
    this.#logger.info('initialized share-partition state', { group: group.groupId, partitions: started.filter(Boolean).length })
  }

  /** AlterShareGroupOffsets initialized these partitions afresh: the group records them. */
  async initialized(group: ShareGroup, partitions: readonly StatePartition[]): Promise<number> {
    if (partitions.length === 0) return KafkaErrorCodes.NONE
    for (const p of partitions) group.statePartitions.end(p, true)
    return this.store(group)
  }

  /**
   * DeleteShareGroupOffsets of a topic, as Kafka: the topic moves to deleting (stored), the
   * state of its partitions is deleted, then the topic leaves the record. Answers NONE, or
   * UNKNOWN_TOPIC_OR_PARTITION when the group has no state on the topic, or the refusal met.
   * `forget` drops each partition from this broker's memory once its state is gone.
   */
  async deleteTopic(group: ShareGroup, topicId: string, topicName: string, forget: (partition: number) => Promise<void>): Promise<{ errorCode: number; errorMessage: string | null }> {
    const partitions = group.statePartitions.all().filter((p) => p.topicId === topicId)
    if (partitions.length === 0 && !group.statePartitions.deleting.has(topicId)) {
      return { errorCode: KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Share group ${group.groupId} has no state on topic ${topicName}.` }
    }
    group.statePartitions.forgetTopic(topicId)
    group.statePartitions.deleting.set(topicId, topicName)
    let errorCode = await this.store(group)
    if (errorCode === KafkaErrorCodes.NONE) errorCode = await this.deletePartitions(group.groupId, partitions)
    if (errorCode !== KafkaErrorCodes.NONE) return { errorCode, errorMessage: `The state of share group ${group.groupId} on topic ${topicName} could not be deleted; try again.` }
    for (const p of partitions) await forget(p.partition)
    group.statePartitions.deleting.delete(topicId)
    await this.store(group)
    return { errorCode: KafkaErrorCodes.NONE, errorMessage: null }
  }

  /**
   * Deletes the state of every partition the group started (DeleteGroups, before the group's
   * tombstones): NONE once all are deleted, else the first refusal's code (the group stays).
   */
  async deleteAll(group: ShareGroup): Promise<number> {
    const persister = this.#persister
    if (persister === null) return KafkaErrorCodes.NONE
    const partitions = group.statePartitions.all()
    for (const [topicId, topicName] of group.statePartitions.deleting) {
      const count = this.#topics.topicById(topicId)?.partitions ?? 0
      for (let partition = 0; partition < count; partition++) partitions.push({ topicId, topicName, partition })
    }
    return this.deletePartitions(group.groupId, partitions)
  }

  /** DeleteShareGroupState for each partition; NONE once all are gone, else the first refusal's code. */
  async deletePartitions(groupId: string, partitions: readonly StatePartition[]): Promise<number> {
    const persister = this.#persister
    if (persister === null) return KafkaErrorCodes.NONE
    const codes = await Promise.all(
      partitions.map(async (p) => {
        try {
          await persister.delete({ groupId, topicId: p.topicId, partition: p.partition })
          return KafkaErrorCodes.NONE
        } catch (error) {
          this.#logger.warn('could not delete share-partition state', { group: groupId, topic: p.topicName, partition: p.partition, error })
          return error instanceof ShareStateError ? error.errorCode : KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE
        }
      }),
    )
    return codes.find((c) => c !== KafkaErrorCodes.NONE) ?? KafkaErrorCodes.NONE
  }
}
