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
import type { GroupTimeouts, TopicsView } from '../consumer-group-coordinator.js'
import type { MaybeAsync } from '../maybe-async.js'
import {
  type DescribedShareGroup,
  type ShareGroupConfig,
  ShareGroupCoordinator,
  type ShareGroupHeartbeatParams,
  type ShareGroupHeartbeatResult,
} from './share-group-coordinator.js'

export class ShareGroups {
  readonly coordinator: ShareGroupCoordinator
  readonly #context: CoordinatorContext
  /** Whether a group id names a KIP-848 consumer group (which a share group may not share). */
  readonly #isConsumerGroup: (groupId: string) => boolean
  readonly #groupDeleted: Array<(groupId: string) => void> = []

  constructor(context: CoordinatorContext, config: ShareGroupConfig, topics: TopicsView, logger: Logger, isConsumerGroup: (groupId: string) => boolean, timeouts?: (groupId: string) => GroupTimeouts) {
    this.#context = context
    this.#isConsumerGroup = isConsumerGroup
    this.coordinator = new ShareGroupCoordinator({
      config,
      topics,
      logger: logger.child('share'),
      timeouts,
      write: (groupId, records) => context.store.storeRecords(groupId, records, context.now()),
    })
  }

  has(groupId: string): boolean {
    return this.coordinator.groups.has(groupId)
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
    return this.coordinator.heartbeat(params)
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
   * Deletes an empty share group, answered once the tombstones are appended, as a classic
   * group's deletion is. The share-partition state goes through the listeners
   * (SharePartitionManager.groupDeleted).
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
