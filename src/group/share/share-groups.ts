/**
 * The group coordinator's door to KIP-932 share groups: the checks every share-group request
 * makes against the other kinds of group (a group id has one type, as in Kafka) before it is
 * handed to the ShareGroupCoordinator, and the listeners told of removed members and deleted
 * groups (the share-partition manager releases their records).
 *
 * Event loop thread only.
 */
import type { Logger } from '../../common/logger.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { type CoordinatorContext, snapshotRecordsOf } from '../coordinator-context.js'
import type { SnapshotRecord } from '../coordinator-snapshot.js'
import type { CoordinatorWrite } from '../offsets-partition.js'
import type { GroupTimeouts, TopicsView } from '../consumer-group-coordinator.js'
import { type MaybeAsync, andThen } from '../maybe-async.js'
import {
  type DescribedShareGroup,
  type ShareGroup,
  type ShareGroupConfig,
  ShareGroupCoordinator,
  type ShareGroupHeartbeatParams,
  type ShareGroupHeartbeatResult,
} from './share-group-coordinator.js'
import { ShareStateLifecycle } from './share-state-lifecycle.js'
import type { ShareStatePersister } from './share-state-persister.js'

export class ShareGroups {
  readonly coordinator: ShareGroupCoordinator
  /** The groups' share-partition state in the share coordinator: initialized and deleted. */
  readonly state: ShareStateLifecycle
  readonly #context: CoordinatorContext
  /** Whether a group id names a KIP-848 consumer group (which a share group may not share). */
  readonly #isConsumerGroup: (groupId: string) => boolean
  readonly #groupDeleted: Array<(groupId: string) => void> = []

  constructor(context: CoordinatorContext, config: ShareGroupConfig, topics: TopicsView, logger: Logger, isConsumerGroup: (groupId: string) => boolean, timeouts?: (groupId: string) => GroupTimeouts) {
    this.#context = context
    this.#isConsumerGroup = isConsumerGroup
    const write = (groupId: string, records: readonly CoordinatorWrite[]) => context.store.storeRecords(groupId, records, context.now())
    this.coordinator = new ShareGroupCoordinator({ config, topics, logger: logger.child('share'), timeouts, write })
    this.state = new ShareStateLifecycle(write, topics, logger.child('share-state'))
  }

  /** The share coordinator's client, once the broker has built it: partitions are initialized from then on. */
  usePersister(persister: ShareStatePersister): void {
    this.state.usePersister(persister)
  }

  has(groupId: string): boolean {
    return this.coordinator.groups.has(groupId)
  }

  /**
   * A share group coordinated here with what keeps its share-partitions' state (initialized,
   * deleted): for the admin's offset requests. Null for no such group.
   */
  stateOf(groupId: string): { group: ShareGroup; state: ShareStateLifecycle } | null {
    const group = this.coordinator.groups.get(groupId)
    return group === undefined ? null : { group, state: this.state }
  }

  /**
   * Kafka's first step of DeleteGroups for share groups: the state of each share group's
   * share-partitions is deleted in the share coordinator before the group's tombstones. Answers
   * the groups that may not be deleted, with why (a share group with members, a refusal of the
   * share coordinator); other groups, share or not, go on to the group coordinator's deleteGroups.
   */
  async deleteStates(groupIds: readonly string[]): Promise<Map<string, number>> {
    const refused = new Map<string, number>()
    await Promise.all(
      groupIds.map(async (groupId) => {
        if (!this.has(groupId) || this.#context.validateGroup(groupId, true) !== KafkaErrorCodes.NONE) return
        const errorCode = await this.deleteState(groupId)
        if (errorCode !== KafkaErrorCodes.NONE) refused.set(groupId, errorCode)
      }),
    )
    return refused
  }

  onGroupDeleted(listener: (groupId: string) => void): void {
    this.#groupDeleted.push(listener)
  }

  /** ShareGroupHeartbeat: a classic or consumer group of the same id answers GROUP_ID_NOT_FOUND, as Kafka does. */
  heartbeat(params: ShareGroupHeartbeatParams): MaybeAsync<ShareGroupHeartbeatResult> {
    const error = this.#context.validateGroup(params.groupId, false)
    if (error !== KafkaErrorCodes.NONE) return failedHeartbeat(error, null)
    if (this.#isConsumerGroup(params.groupId) || this.#context.groups.has(params.groupId)) {
      return failedHeartbeat(KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Group ${params.groupId} is not a share group.`)
    }
    return andThen(this.coordinator.heartbeat(params), (result) => {
      // Kafka answers the heartbeat first and initializes the new partitions' state after it.
      const group = this.coordinator.groups.get(params.groupId)
      if (result.errorCode === KafkaErrorCodes.NONE && group !== undefined) this.state.maybeInitialize(group)
      return result
    })
  }

  /** ShareGroupDescribe: the group, or an error code (GROUP_ID_NOT_FOUND, NOT_COORDINATOR, ...). */
  describe(groupId: string): DescribedShareGroup | { errorCode: number; errorMessage: string | null } {
    const error = this.#context.validateGroup(groupId, false)
    if (error !== KafkaErrorCodes.NONE) return { errorCode: error, errorMessage: null }
    const described = this.coordinator.describe(groupId)
    if (described === null) {
      const kind = this.#isConsumerGroup(groupId) || this.#context.groups.has(groupId) ? 'is not a share group' : 'not found'
      return { errorCode: KafkaErrorCodes.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} ${kind}.` }
    }
    return described
  }

  /**
   * The first step of a share group's deletion, as Kafka's: the state of every share-partition
   * the group started is deleted in the share coordinator, wherever it is. NONE when the group
   * may then be deleted (delete), else why not (NON_EMPTY_GROUP, or the share coordinator's
   * refusal: the group stays and can be deleted again).
   */
  async deleteState(groupId: string): Promise<number> {
    const group = this.coordinator.groups.get(groupId)
    if (group === undefined) return KafkaErrorCodes.GROUP_ID_NOT_FOUND
    if (group.members.size > 0) return KafkaErrorCodes.NON_EMPTY_GROUP
    return this.state.deleteAll(group)
  }

  /**
   * Deletes an empty share group, answered once the tombstones are appended, as a classic
   * group's deletion is. Its share-partitions' state was deleted first (deleteState); the
   * partitions held in memory go through the listeners (SharePartitionManager.groupDeleted).
   */
  delete(groupId: string): number {
    const context = this.#context
    const deleted = this.coordinator.delete(groupId, (tombstones) => {
      const written = context.store.storeRecords(groupId, tombstones, context.now(), 'at-append')
      return typeof written === 'number' ? written : KafkaErrorCodes.NONE
    })
    if (deleted !== KafkaErrorCodes.NONE) return deleted
    context.logger.info('deleted share group', { group: groupId })
    for (const listener of this.#groupDeleted) listener(groupId)
    return deleted
  }

  /** The records of the share groups of one __consumer_offsets partition, for its snapshot. */
  recordsOf(partition: number): SnapshotRecord[] {
    return snapshotRecordsOf(this.#context, this.coordinator.groups.values(), partition, (group) => this.coordinator.liveRecords(group))
  }
}

/** A ShareGroupHeartbeat answer that carries only an error. */
export function failedHeartbeat(errorCode: number, errorMessage: string | null): ShareGroupHeartbeatResult {
  return { errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null }
}
