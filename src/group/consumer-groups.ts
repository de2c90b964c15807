/**
 * The group coordinator's door to KIP-848 consumer groups: the checks every consumer-group
 * request makes against the other kinds of group (a group id has one type, as in Kafka), the
 * conversion of an empty group from one protocol to the other, and what the coordinator's
 * snapshots, deletions and offset commits need of consumer groups. The protocol itself
 * (heartbeats, assignment, reconciliation) is the ConsumerGroupCoordinator's.
 *
 * Event loop thread only.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { CoordinatorContext } from './coordinator-context.js'
import { groupMetadataRecordKey } from './coordinator-records.js'
import type { ConsumerGroup } from './consumer-group.js'
import {
  type ConsumerGroupConfig,
  ConsumerGroupCoordinator,
  type ConsumerGroupHeartbeatParams,
  type ConsumerGroupHeartbeatResult,
  type DescribedConsumerGroup,
  type TopicsView,
} from './consumer-group-coordinator.js'
import type { SnapshotRecord } from './coordinator-snapshot.js'
import type { MaybeAsync } from './maybe-async.js'

export class ConsumerGroups {
  readonly coordinator: ConsumerGroupCoordinator
  readonly #context: CoordinatorContext
  /** Whether a group id names a share group (which a consumer group may not share). */
  readonly #isShareGroup: (groupId: string) => boolean

  constructor(context: CoordinatorContext, config: ConsumerGroupConfig, topics: TopicsView, isShareGroup: (groupId: string) => boolean) {
    this.#context = context
    this.#isShareGroup = isShareGroup
    this.coordinator = new ConsumerGroupCoordinator({
      config,
      topics,
      logger: context.logger,
      write: (groupId, records) => context.store.storeRecords(groupId, records, context.now()),
    })
  }

  get groups(): ReadonlyMap<string, ConsumerGroup> {
    return this.coordinator.groups
  }

  has(groupId: string): boolean {
    return this.coordinator.groups.has(groupId)
  }

  /**
   * ConsumerGroupHeartbeat (KIP-848). A classic group of the same id answers GROUP_ID_NOT_FOUND
   * unless it is empty, in which case it becomes a consumer group and keeps its offsets.
   */
  heartbeat(params: ConsumerGroupHeartbeatParams): MaybeAsync<ConsumerGroupHeartbeatResult> {
    const context = this.#context
    const consumer = this.coordinator
    const invalid = ConsumerGroupCoordinator.validate(params, consumer.config.assignors)
    if (invalid !== null) return failedHeartbeat(invalid.errorCode, invalid.message)
    const error = context.validateGroup(params.groupId, false)
    if (error !== KafkaErrorCodes.NONE) return failedHeartbeat(error, null)
    if (this.#isShareGroup(params.groupId)) return failedHeartbeat(KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Group ${params.groupId} is not a consumer group.`)
    const classic = context.groups.get(params.groupId)
    if (classic !== undefined && !consumer.groups.has(params.groupId)) {
      if (!classic.is('Empty') || classic.pendingMembers.size > 0) return failedHeartbeat(KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Group ${params.groupId} is not a consumer group.`)
      if (params.memberEpoch !== 0) return failedHeartbeat(KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Consumer group ${params.groupId} not found.`)
      if (classic.persistedMetadata !== null) {
        // The empty classic group becomes a consumer group: its metadata goes, its offsets stay.
        const written = context.store.storeRecords(params.groupId, [{ key: groupMetadataRecordKey(params.groupId), value: null }], context.now(), 'at-append')
        if (typeof written === 'number' && written !== KafkaErrorCodes.NONE) return failedHeartbeat(written, null)
        classic.persistedMetadata = null
        classic.protocolType = null
        context.logger.info('converted an empty classic group to a consumer group', { group: params.groupId })
      }
    }
    return consumer.heartbeat(params, context.now())
  }

  /** ConsumerGroupDescribe: a classic group (or none) answers GROUP_ID_NOT_FOUND, as Kafka does. */
  describe(groupIds: readonly string[]): DescribedConsumerGroup[] {
    const failed = (groupId: string, errorCode: number, errorMessage: string | null): DescribedConsumerGroup => ({
      errorCode,
      errorMessage,
      groupId,
      groupState: '',
      groupEpoch: 0,
      assignmentEpoch: 0,
      assignorName: '',
      members: [],
    })
    return groupIds.map((groupId) => {
      const error = this.#context.validateGroup(groupId, false)
      if (error !== KafkaErrorCodes.NONE) return failed(groupId, error, null)
      const described = this.coordinator.describe(groupId)
      if (described !== null) return described
      if (this.#context.groups.has(groupId)) return failed(groupId, KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`)
      return failed(groupId, KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`)
    })
  }

  /**
   * Before a classic JoinGroup: an empty consumer group of that id becomes a classic group (as
   * Kafka converts it), a live one refuses the classic protocol. NONE when the join may go on.
   */
  beforeClassicJoin(groupId: string): number {
    const group = this.coordinator.groups.get(groupId)
    if (group === undefined) return KafkaErrorCodes.NONE
    if (group.members.size > 0) return KafkaErrorCodes.INCONSISTENT_GROUP_PROTOCOL
    return this.drop(group)
  }

  /** Removes an empty consumer group's records (deletion, or conversion to a classic group). */
  drop(group: ConsumerGroup): number {
    const context = this.#context
    const written = context.store.storeRecords(group.groupId, this.coordinator.tombstones(group), context.now(), 'at-append')
    if (typeof written === 'number' && written !== KafkaErrorCodes.NONE) return written
    this.coordinator.forget(group.groupId)
    context.logger.info('removed empty consumer group', { group: group.groupId })
    return KafkaErrorCodes.NONE
  }

  /** The records of the consumer groups of one __consumer_offsets partition, for its snapshot. */
  recordsOf(partition: number): SnapshotRecord[] {
    const records: SnapshotRecord[] = []
    for (const group of this.coordinator.groups.values()) {
      if (this.#context.store.partitionFor(group.groupId) === partition) records.push(...this.coordinator.liveRecords(group))
    }
    return records
  }
}

/** A ConsumerGroupHeartbeat answer that carries only an error. */
export function failedHeartbeat(errorCode: number, errorMessage: string | null): ConsumerGroupHeartbeatResult {
  return { errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null }
}
