/**
 * The group coordinator's door to KIP-848 consumer groups: the checks every consumer-group
 * request makes against the other kinds of group (a group id has one type, as in Kafka), the
 * conversion of a group from one protocol to the other (an empty one here, a live one through
 * group-migration.ts), the classic members a consumer group serves
 * (consumer-group-classic-members.ts), and what the coordinator's
 * snapshots, deletions and offset commits need of consumer groups. The protocol itself
 * (heartbeats, assignment, reconciliation) is the ConsumerGroupCoordinator's.
 *
 * Event loop thread only.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { type CoordinatorContext, snapshotRecordsOf } from './coordinator-context.js'
import { groupMetadataRecordKey } from './coordinator-records.js'
import type { ConsumerGroup } from './consumer-group.js'
import { ConsumerGroupClassicMembers } from './consumer-group-classic-members.js'
import {
  type ConsumerGroupConfig,
  ConsumerGroupCoordinator,
  type ConsumerGroupHeartbeatParams,
  type ConsumerGroupHeartbeatResult,
  type DescribedConsumerGroup,
  type GroupTimeouts,
  type TopicsView,
} from './consumer-group-coordinator.js'
import type { SnapshotRecord } from './coordinator-snapshot.js'
import type { GroupMigration } from './group-migration.js'
import type { MaybeAsync } from './maybe-async.js'

export class ConsumerGroups {
  readonly coordinator: ConsumerGroupCoordinator
  /** The members of consumer groups that speak the classic protocol. */
  readonly classicMembers: ConsumerGroupClassicMembers
  readonly #context: CoordinatorContext
  readonly #migration: GroupMigration
  /** Whether a group id names a share group (which a consumer group may not share). */
  readonly #isShareGroup: (groupId: string) => boolean

  constructor(context: CoordinatorContext, config: ConsumerGroupConfig, topics: TopicsView, migration: GroupMigration, isShareGroup: (groupId: string) => boolean, timeouts?: (groupId: string) => GroupTimeouts) {
    this.#context = context
    this.#migration = migration
    this.#isShareGroup = isShareGroup
    this.coordinator = new ConsumerGroupCoordinator({
      config,
      topics,
      logger: context.logger,
      timeouts,
      write: (groupId, records) => context.store.storeRecords(groupId, records, context.now()),
      downgrade: (group, leaving, records) => migration.maybeDowngrade(group, leaving, records),
    })
    this.classicMembers = new ConsumerGroupClassicMembers(this.coordinator, topics, context.logger)
  }

  /** The consumer group of that id when it has members: classic requests for it are served as its classic members. */
  live(groupId: string): ConsumerGroup | undefined {
    const group = this.coordinator.groups.get(groupId)
    return group !== undefined && group.members.size > 0 ? group : undefined
  }

  get groups(): ReadonlyMap<string, ConsumerGroup> {
    return this.coordinator.groups
  }

  has(groupId: string): boolean {
    return this.coordinator.groups.has(groupId)
  }

  /**
   * ConsumerGroupHeartbeat (KIP-848). A classic group of the same id becomes a consumer group
   * and keeps its offsets: at once when it is empty, by online upgrade (group-migration.ts) when
   * it has members and the policy allows; otherwise the answer is GROUP_ID_NOT_FOUND.
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
    if (classic !== undefined && !consumer.groups.has(params.groupId) && !classic.is('Empty')) {
      if (params.memberEpoch !== 0) return failedHeartbeat(KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Group ${params.groupId} is not a consumer group.`)
      const refused = this.#migration.upgradeRefusal(classic)
      if (refused !== null) {
        context.logger.info('refused to upgrade a classic group to a consumer group', { group: params.groupId, reason: refused })
        return failedHeartbeat(KafkaErrorCodes.GROUP_ID_NOT_FOUND, refused)
      }
      const upgraded = this.#migration.upgrade(classic)
      if (typeof upgraded === 'number' && upgraded !== KafkaErrorCodes.NONE) return failedHeartbeat(upgraded, null)
    } else if (classic !== undefined && !consumer.groups.has(params.groupId)) {
      if (classic.pendingMembers.size > 0) return failedHeartbeat(KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Group ${params.groupId} is not a consumer group.`)
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
   * Before a classic JoinGroup for a group without a live consumer group: an empty consumer
   * group of that id becomes a classic group, as Kafka converts it. NONE when the join may go on.
   */
  beforeClassicJoin(groupId: string): number {
    const group = this.coordinator.groups.get(groupId)
    if (group === undefined) return KafkaErrorCodes.NONE
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
    return snapshotRecordsOf(this.#context, this.coordinator.groups.values(), partition, (group) => this.coordinator.liveRecords(group))
  }
}

/** A ConsumerGroupHeartbeat answer that carries only an error. */
export function failedHeartbeat(errorCode: number, errorMessage: string | null): ConsumerGroupHeartbeatResult {
  return { errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null }
}
