/**
 * Online migration between the classic and the KIP-848 consumer protocol
 * (group.consumer.migration.policy), as Kafka 4.x does it:
 *
 * - Upgrade: the first ConsumerGroupHeartbeat for a classic group with members turns it into a
 *   consumer group when the policy allows it (upgrade, bidirectional), the group uses the
 *   "consumer" protocol type with readable subscriptions, and it fits group.consumer.max.size.
 *   Each classic member stays, as a classic member of the consumer group, at the classic
 *   generation as its member epoch, owning what its last SyncGroup gave it (which is also its
 *   target, so nothing moves until the newcomer bumps the group epoch). Requests of the classic
 *   members waiting in JoinGroup or SyncGroup are answered REBALANCE_IN_PROGRESS: they rejoin,
 *   into the consumer group. The group's GroupMetadata record is deleted and the consumer
 *   group's records written in one batch, so a restart finds the consumer group.
 * - Downgrade: when the last consumer-protocol member leaves (LeaveGroup-like heartbeat,
 *   session timeout, fence) and only classic members remain, the policy allowing it
 *   (downgrade, bidirectional) and the members fitting group.max.size, the group becomes a
 *   classic group again at the group epoch as its generation, each member with its current
 *   partitions, and it rebalances at once (the classic protocol assigns on the client side).
 *
 * A refused upgrade answers GROUP_ID_NOT_FOUND with Kafka's message; a refused downgrade leaves
 * the group a consumer group. Empty groups convert whatever the policy (consumer-groups.ts), as
 * in Kafka. Event loop thread only.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { decodeAssignment, decodeSubscription, encodeAssignment } from '../protocol/messages/consumer-protocol.js'
import { type Assignment, addPartition, copyAssignment, toTopicPartitions } from './assignment.js'
import { ConsumerGroup, ConsumerGroupMember, MemberState } from './consumer-group.js'
import type { ConsumerGroupCoordinator, MigrationPolicy, TopicsView } from './consumer-group-coordinator.js'
import type { CoordinatorContext } from './coordinator-context.js'
import { groupMetadataRecordKey } from './coordinator-records.js'
import { CONSUMER_PROTOCOL_TYPE, Group } from './group.js'
import type { GroupMembership } from './group-membership.js'
import type { MaybeAsync } from './maybe-async.js'
import { MemberMetadata } from './member.js'
import type { CoordinatorWrite } from './offsets-partition.js'

export interface GroupMigrationOptions {
  readonly policy: MigrationPolicy
  /** group.consumer.max.size: an upgrade must fit. */
  readonly consumerMaxSize: number
  /** group.max.size: a downgrade must fit. */
  readonly classicMaxSize: number
}

export class GroupMigration {
  readonly #context: CoordinatorContext
  readonly #options: GroupMigrationOptions
  readonly #topics: TopicsView
  #consumer: ConsumerGroupCoordinator | null = null
  #membership: GroupMembership | null = null

  constructor(context: CoordinatorContext, options: GroupMigrationOptions, topics: TopicsView) {
    this.#context = context
    this.#options = options
    this.#topics = topics
  }

  /** The two protocols' coordinators, once both exist (each is built knowing this migration). */
  connect(consumer: ConsumerGroupCoordinator, membership: GroupMembership): void {
    this.#consumer = consumer
    this.#membership = membership
  }

  get upgradeEnabled(): boolean {
    return this.#options.policy === 'upgrade' || this.#options.policy === 'bidirectional'
  }

  get downgradeEnabled(): boolean {
    return this.#options.policy === 'downgrade' || this.#options.policy === 'bidirectional'
  }

  /** Kafka's validateOnlineUpgrade: null when the classic group may become a consumer group, else the message. */
  upgradeRefusal(classic: Group): string | null {
    const groupId = classic.groupId
    if (!this.upgradeEnabled) return `Cannot upgrade classic group ${groupId} to consumer group because the online upgrade is disabled.`
    if (classic.protocolType !== CONSUMER_PROTOCOL_TYPE || !everySubscriptionReadable(classic)) {
      return `Cannot upgrade classic group ${groupId} to consumer group because the group does not use the consumer embedded protocol.`
    }
    if (classic.members.size > this.#options.consumerMaxSize) {
      return `Cannot upgrade classic group ${groupId} to consumer group because the group size exceeds the consumer group maximum size.`
    }
    return null
  }

  /**
   * Converts a classic group with members into a consumer group hosting them (Kafka's
   * convertToConsumerGroup). Returns a Kafka error code; on NONE the consumer group is live.
   */
  upgrade(classic: Group): MaybeAsync<number> {
    const consumer = this.#consumer!
    const group = this.#fromClassicGroup(classic)
    const records: CoordinatorWrite[] = [{ key: groupMetadataRecordKey(classic.groupId), value: null }]
    for (const r of consumer.liveRecords(group)) records.push({ key: r.key, value: r.value })
    const written = this.#context.store.storeRecords(classic.groupId, records, this.#context.now(), 'at-append')
    if (typeof written === 'number' && written !== KafkaErrorCodes.NONE) return written
    // Waiting JoinGroup/SyncGroup requests rejoin, into the consumer group.
    this.#membership!.shutdown(classic, KafkaErrorCodes.REBALANCE_IN_PROGRESS)
    const members = classic.members.size
    emptyClassicGroup(classic, this.#context.now())
    consumer.adopt([group])
    this.#context.logger.info('upgraded a classic group to a consumer group; its members stay as classic members', {
      group: classic.groupId,
      members,
      groupEpoch: group.groupEpoch,
    })
    return written
  }

  /**
   * Kafka's validateOnlineDowngrade and convertToClassicGroup, asked before `leaving` is removed
   * from a consumer group: when only classic members would remain, the group becomes a classic
   * group (its consumer-group records tombstoned into `records`) and rebalances. Returns whether
   * it did.
   */
  maybeDowngrade(group: ConsumerGroup, leaving: ConsumerGroupMember, records: CoordinatorWrite[]): boolean {
    if (!this.downgradeEnabled || this.#membership === null) return false
    if (!group.allMembersUseClassicProtocolExcept(new Set([leaving.memberId]))) return false
    if (group.members.size - 1 > this.#options.classicMaxSize) return false
    // A classic rebalance picks a protocol every member offers; without one it stays a consumer group.
    if ((group.commonClassicProtocols(new Set([leaving.memberId]))?.size ?? 0) === 0) return false
    const context = this.#context
    const now = context.now()
    let classic = context.groups.get(group.groupId)
    if (classic === undefined || !classic.is('Empty') || !classic.isEmpty) {
      if (classic !== undefined) return false
      classic = new Group(group.groupId, 'Empty', now)
      context.groups.set(group.groupId, classic)
    }
    for (const r of this.#consumer!.tombstones(group)) records.push(r)
    classic.generationId = group.groupEpoch
    const assignments = new Map<string, Buffer>()
    for (const m of group.members.values()) {
      if (m.memberId === leaving.memberId) continue
      const member = new MemberMetadata({
        memberId: m.memberId,
        groupInstanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.classic!.sessionTimeoutMs,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols: m.classic!.supportedProtocols,
      })
      member.assignment = encodeAssignment({ assignedPartitions: this.#named(m.assigned), userData: null })
      assignments.set(m.memberId, member.assignment)
      classic.add(member)
    }
    this.#consumer!.forget(group.groupId)
    classic.transitionTo('PreparingRebalance', now)
    classic.protocolName = classic.selectProtocol()
    classic.transitionTo('CompletingRebalance', now)
    classic.transitionTo('Stable', now)
    classic.subscribedTopics = classic.computeSubscribedTopics()
    void Promise.resolve(context.store.storeGroup(classic, assignments, now)).catch((error: unknown) =>
      context.logger.warn('could not store a downgraded group', { group: group.groupId, error }),
    )
    context.logger.info('downgraded a consumer group to a classic group: only classic members remain', {
      group: group.groupId,
      members: classic.members.size,
      generation: classic.generationId,
    })
    this.#membership.scheduleLoadedMembers(classic)
    this.#membership.rebalance(classic, `Downgrade group ${group.groupId} from consumer to classic.`)
    return true
  }

  /** Kafka's ConsumerGroup.fromClassicGroup. */
  #fromClassicGroup(classic: Group): ConsumerGroup {
    const group = new ConsumerGroup(classic.groupId)
    group.groupEpoch = classic.generationId
    group.assignmentEpoch = classic.generationId
    for (const m of classic.members.values()) {
      const subscription = decodeSubscription(m.metadata(classic.protocolName ?? m.protocols[0]?.name ?? null)).value
      const member = new ConsumerGroupMember(m.memberId)
      member.instanceId = m.groupInstanceId
      member.rackId = subscription.rackId
      member.clientId = m.clientId
      member.clientHost = m.clientHost
      member.subscribedTopicNames = [...subscription.topics]
      member.rebalanceTimeoutMs = m.rebalanceTimeoutMs
      member.memberEpoch = classic.generationId
      member.previousMemberEpoch = classic.generationId
      member.state = MemberState.STABLE
      member.assigned = this.#assignmentOf(m.assignment)
      member.classic = { sessionTimeoutMs: m.sessionTimeoutMs, supportedProtocols: m.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })) }
      group.updateMember(member)
      // Target = what it owns, so the group is stable until the newcomer bumps its epoch.
      group.targetAssignment.set(m.memberId, copyAssignment(member.assigned))
    }
    return group
  }

  /** A classic assignment's partitions by topic id; empty when there is none (mid-rebalance) or a topic is gone. */
  #assignmentOf(bytes: Buffer): Assignment {
    const assignment: Assignment = new Map()
    if (bytes.length === 0) return assignment
    try {
      for (const t of decodeAssignment(bytes).value.assignedPartitions) {
        const topic = this.#topics.topic(t.topic)
        if (topic !== undefined) for (const p of t.partitions) addPartition(assignment, topic.topicId, p)
      }
    } catch {
      // An unreadable assignment gives the member nothing; it gets partitions when it rejoins.
    }
    return assignment
  }

  #named(assignment: Assignment): Array<{ topic: string; partitions: number[] }> {
    return toTopicPartitions(assignment).flatMap((t) => {
      const topic = this.#topics.topicById(t.topicId)
      return topic === undefined ? [] : [{ topic: topic.name, partitions: t.partitions }]
    })
  }
}

function everySubscriptionReadable(classic: Group): boolean {
  try {
    for (const m of classic.members.values()) decodeSubscription(m.metadata(classic.protocolName ?? m.protocols[0]?.name ?? null))
    return true
  } catch {
    return false
  }
}

/** What is left of a classic group once its members moved to the consumer group: the holder of its offsets. */
function emptyClassicGroup(classic: Group, now: number): void {
  for (const memberId of [...classic.members.keys()]) classic.remove(memberId)
  for (const memberId of [...classic.pendingMembers.keys()]) classic.removePendingMember(memberId)
  classic.protocolType = null
  classic.protocolName = null
  classic.leaderId = null
  classic.persistedMetadata = null
  classic.subscribedTopics = null
  if (!classic.is('Empty')) {
    if (!classic.is('PreparingRebalance')) classic.transitionTo('PreparingRebalance', now)
    classic.transitionTo('Empty', now)
  }
}
