/**
 * Classic members of a KIP-848 consumer group (Kafka's online migration): consumers that still
 * speak the classic protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) in a group the
 * coordinator assigns itself, as Kafka's GroupMetadataManager serves them.
 *
 * - JoinGroup stands for a consumer-group heartbeat: the member's subscription and the
 *   partitions it says it owns (the embedded ConsumerProtocol subscription) go through the same
 *   steps (group epoch, target assignment, reconciliation). The answer carries the member epoch
 *   as the generation and no leader: the coordinator assigns, no member does.
 * - SyncGroup answers the partitions the member may own now, in the classic ConsumerProtocol
 *   assignment encoding. Partitions it must give up are left out, so a cooperative client
 *   revokes them and rejoins; partitions another member still holds come with a later rejoin.
 * - Heartbeat checks the generation against the member epoch and answers
 *   REBALANCE_IN_PROGRESS when the member must rejoin to move on: the group epoch is ahead of
 *   it, it holds partitions it must revoke, or partitions it waits for have been released.
 * - LeaveGroup removes the member; the others rebalance, or, when only classic members remain,
 *   the group goes back to the classic protocol (group-migration.ts).
 *
 * Event loop thread only. The GroupCoordinator checks the group id and this broker's
 * coordination first, and routes here only for a consumer group with members.
 */
import { randomUUID } from 'node:crypto'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { decodeSubscription, encodeAssignment } from '../protocol/messages/consumer-protocol.js'
import type { Assignment } from './assignment.js'
import type { ConsumerGroup, ConsumerGroupMember } from './consumer-group.js'
import { MemberState } from './consumer-group.js'
import type { ConsumerGroupCoordinator, TopicsView } from './consumer-group-coordinator.js'
import type {
  HeartbeatParams,
  JoinGroupParams,
  JoinGroupResult,
  LeaveGroupResult,
  LeavingMember,
  SyncGroupParams,
  SyncGroupResult,
} from './coordinator-results.js'
import { CONSUMER_PROTOCOL_TYPE } from './group.js'
import { joinError, syncError } from './group-membership.js'
import { type MaybeAsync, andThen } from './maybe-async.js'
import type { Logger } from '../common/logger.js'

export class ConsumerGroupClassicMembers {
  readonly #coordinator: ConsumerGroupCoordinator
  readonly #topics: TopicsView
  readonly #logger: Logger

  constructor(coordinator: ConsumerGroupCoordinator, topics: TopicsView, logger: Logger) {
    this.#coordinator = coordinator
    this.#topics = topics
    this.#logger = logger
  }

  /** JoinGroup from a classic member: answered once what changed is written. */
  join(group: ConsumerGroup, params: JoinGroupParams, now: number): MaybeAsync<JoinGroupResult> {
    if (params.protocolType !== CONSUMER_PROTOCOL_TYPE || params.protocols.length === 0) {
      return joinError(params.memberId, KafkaErrorCodes.INCONSISTENT_GROUP_PROTOCOL)
    }
    if (params.memberId === '' && params.groupInstanceId === null && params.requireKnownMemberId) {
      // As for a classic group: the client learns its id first and joins again with it.
      return joinError(randomUUID(), KafkaErrorCodes.MEMBER_ID_REQUIRED)
    }
    let subscription
    try {
      subscription = decodeSubscription(Buffer.from(params.protocols[0]!.metadata)).value
    } catch {
      return joinError(params.memberId, KafkaErrorCodes.INCONSISTENT_GROUP_PROTOCOL)
    }
    const existing = params.memberId === '' ? undefined : group.members.get(params.memberId)
    if (existing !== undefined && existing.classic === null) return joinError(params.memberId, KafkaErrorCodes.UNKNOWN_MEMBER_ID)
    // Kafka's supportsClassicProtocols: the classic members must keep a protocol in common, or
    // the group could not go back to the classic protocol.
    const common = group.commonClassicProtocols(new Set([params.memberId]))
    if (common !== null && !params.protocols.some((p) => common.has(p.name))) return joinError(params.memberId, KafkaErrorCodes.INCONSISTENT_GROUP_PROTOCOL)
    const owned: Array<{ topicId: string; partitions: number[] }> = []
    for (const t of subscription.ownedPartitions) {
      const topic = this.#topics.topic(t.topic)
      if (topic !== undefined) owned.push({ topicId: topic.topicId, partitions: [...t.partitions] })
    }
    const protocolName = params.protocols[0]!.name
    const heartbeat = this.#coordinator.heartbeat(
      {
        groupId: group.groupId,
        memberId: params.memberId,
        memberEpoch: existing?.memberEpoch ?? 0,
        instanceId: params.groupInstanceId,
        rackId: subscription.rackId,
        rebalanceTimeoutMs: params.rebalanceTimeoutMs,
        subscribedTopicNames: subscription.topics,
        subscribedTopicRegex: null,
        serverAssignor: null,
        topicPartitions: owned,
        clientId: params.clientId,
        clientHost: params.clientHost,
        apiVersion: 0,
        classic: {
          sessionTimeoutMs: params.sessionTimeoutMs,
          // Copies: request buffers are views into socket chunks.
          supportedProtocols: params.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
        },
      },
      now,
    )
    return andThen(heartbeat, (result): JoinGroupResult => {
      if (result.errorCode !== KafkaErrorCodes.NONE) return joinError(params.memberId, result.errorCode)
      this.#logger.debug('classic member joined consumer group', { group: group.groupId, memberId: result.memberId, memberEpoch: result.memberEpoch })
      return {
        errorCode: KafkaErrorCodes.NONE,
        generationId: result.memberEpoch,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName,
        // No leader: the coordinator computed the assignment.
        leader: '',
        skipAssignment: false,
        memberId: result.memberId!,
        members: [],
      }
    })
  }

  /** SyncGroup from a classic member: its assignment as the coordinator has it now. */
  sync(group: ConsumerGroup, params: SyncGroupParams): SyncGroupResult {
    const { member, errorCode } = this.#member(group, params.memberId, params.groupInstanceId, params.generationId)
    if (member === undefined) return syncError(errorCode)
    const protocolName = member.classic!.supportedProtocols[0]?.name ?? null
    if ((params.protocolType !== null && params.protocolType !== CONSUMER_PROTOCOL_TYPE) || (params.protocolName !== null && params.protocolName !== protocolName)) {
      return syncError(KafkaErrorCodes.INCONSISTENT_GROUP_PROTOCOL)
    }
    this.#coordinator.touchSession(group, member)
    return {
      errorCode: KafkaErrorCodes.NONE,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName,
      assignment: encodeAssignment({ assignedPartitions: this.#named(member.assigned), userData: null }),
    }
  }

  /** Heartbeat from a classic member: NONE, or REBALANCE_IN_PROGRESS when it must rejoin. */
  heartbeat(group: ConsumerGroup, params: HeartbeatParams): number {
    const { member, errorCode } = this.#member(group, params.memberId, params.groupInstanceId, params.generationId)
    if (member === undefined) return errorCode
    this.#coordinator.touchSession(group, member)
    return mustRejoin(group, member) ? KafkaErrorCodes.REBALANCE_IN_PROGRESS : KafkaErrorCodes.NONE
  }

  /** LeaveGroup for classic members of a consumer group. */
  leave(group: ConsumerGroup, leaving: readonly LeavingMember[]): LeaveGroupResult {
    const members = leaving.map((m) => {
      const memberId = m.memberId !== '' ? m.memberId : m.groupInstanceId === null ? undefined : group.staticMembers.get(m.groupInstanceId)
      const member = memberId === undefined ? undefined : group.members.get(memberId)
      if (member === undefined || member.classic === null) return { ...m, errorCode: KafkaErrorCodes.UNKNOWN_MEMBER_ID }
      if (m.groupInstanceId !== null && member.instanceId !== m.groupInstanceId) return { ...m, errorCode: KafkaErrorCodes.FENCED_INSTANCE_ID }
      const written = this.#coordinator.removeClassicMember(group, member, `left (LeaveGroup${m.reason ? `: ${m.reason}` : ''})`)
      void Promise.resolve(written).catch((error: unknown) => this.#logger.warn('could not store a classic member leaving', { group: group.groupId, error }))
      return { ...m, errorCode: KafkaErrorCodes.NONE }
    })
    return { errorCode: KafkaErrorCodes.NONE, members }
  }

  /** The classic member a SyncGroup or Heartbeat names, checked as Kafka checks it. */
  #member(group: ConsumerGroup, memberId: string, instanceId: string | null, generationId: number): { member?: ConsumerGroupMember; errorCode: number } {
    // Kafka's validateConsumerGroupMember: a static member is found by its instance id, so the
    // instance a restart replaced is told it was fenced rather than asked to join again.
    const member = instanceId === null ? group.members.get(memberId) : group.staticMember(instanceId)
    if (member === undefined) return { errorCode: KafkaErrorCodes.UNKNOWN_MEMBER_ID }
    if (instanceId !== null && member.memberId !== memberId) return { errorCode: KafkaErrorCodes.FENCED_INSTANCE_ID }
    if (member.classic === null) return { errorCode: KafkaErrorCodes.UNKNOWN_MEMBER_ID }
    if (generationId !== member.memberEpoch) return { errorCode: KafkaErrorCodes.ILLEGAL_GENERATION }
    return { member, errorCode: KafkaErrorCodes.NONE }
  }

  #named(assignment: Assignment): Array<{ topic: string; partitions: number[] }> {
    const named: Array<{ topic: string; partitions: number[] }> = []
    for (const [topicId, partitions] of assignment) {
      const topic = this.#topics.topicById(topicId)
      if (topic !== undefined) named.push({ topic: topic.name, partitions: [...partitions].sort((a, b) => a - b) })
    }
    return named
  }
}

/**
 * Kafka's rule for a classic member of a consumer group: it rejoins when the group epoch moved
 * past it, when it must revoke partitions, or when partitions it waits for are free now.
 */
export function mustRejoin(group: ConsumerGroup, member: ConsumerGroupMember): boolean {
  if (member.memberEpoch < group.groupEpoch) return true
  if (member.state === MemberState.UNREVOKED_PARTITIONS) return true
  return member.state === MemberState.UNRELEASED_PARTITIONS && !waitingOnUnreleasedPartition(group, member)
}

/** Whether a partition of the member's target is still owned by another member. */
function waitingOnUnreleasedPartition(group: ConsumerGroup, member: ConsumerGroupMember): boolean {
  for (const [topicId, partitions] of group.targetAssignment.get(member.memberId) ?? new Map<string, Set<number>>()) {
    const assigned = member.assigned.get(topicId)
    for (const p of partitions) {
      if (assigned?.has(p) !== true && group.currentPartitionEpoch(topicId, p) !== -1) return true
    }
  }
  return false
}
