/**
 * The KIP-848 half of the group coordinator: ConsumerGroupHeartbeat and ConsumerGroupDescribe
 * for consumer groups (Kafka's GroupMetadataManager, consumer-group part). The coordinator,
 * not a client, computes the assignment; members reconcile to it one heartbeat at a time, so a
 * member that keeps its partitions never stops consuming them during a rebalance.
 *
 * One heartbeat, in Kafka's order:
 *   1. find or create the group and the member (epoch 0 joins; a static member rejoining with
 *      its group.instance.id takes its predecessor's place and partitions, without a rebalance);
 *   2. take in what changed (subscription, regex, assignor, rebalance timeout); a change of what
 *      the assignment depends on bumps the group epoch;
 *   3. when the group epoch is ahead of the target assignment, the assignor computes a new
 *      target for every member;
 *   4. reconcile the member towards its target (current-assignment.ts) and answer with its epoch
 *      and, when it changed or the member asked in full, its partitions.
 * Every change is written to __consumer_offsets in Kafka's record formats
 * (consumer-group-records.ts) and the answer waits for the write, so what a member was told
 * survives a restart or a coordinator move; steady heartbeats write nothing.
 *
 * Timers: a member that does not heartbeat within group.consumer.session.timeout.ms is removed
 * (a static member that left with epoch -2 too); a member that does not give up partitions
 * within its rebalance timeout is removed (fenced), so the others can have them.
 *
 * Beside it: the request checks (consumer-group-heartbeat-request.ts), the records it writes
 * (consumer-group-record-helpers.ts), ConsumerGroupDescribe (consumer-group-describe.ts) and who
 * may commit or fetch offsets (consumer-group-offset-checks.ts).
 *
 * Event loop thread only. The caller (GroupCoordinator) checks that this broker coordinates the
 * group before it calls in.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from '../common/logger.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { assignmentsEqual, copyAssignment, fromTopicPartitions, toTopicPartitions } from './assignment.js'
import {
  ConsumerGroup,
  ConsumerGroupMember,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  MemberState,
  sameClassicMemberMetadata,
} from './consumer-group.js'
import { type DescribedConsumerGroup, describeConsumerGroup } from './consumer-group-describe.js'
import {
  type ConsumerGroupHeartbeatParams,
  type ConsumerGroupHeartbeatResult,
  HeartbeatError,
  checkMemberEpoch,
  errorResult,
  validateConsumerGroupHeartbeat,
} from './consumer-group-heartbeat-request.js'
import { validateConsumerGroupOffsetCommit, validateConsumerGroupOffsetFetch } from './consumer-group-offset-checks.js'
import { consumerGroupLiveRecords, currentAssignmentRecord, memberMetadataRecord, memberTombstones } from './consumer-group-record-helpers.js'
import { consumerGroupKeys, consumerGroupValues } from './consumer-group-records.js'
import type { SnapshotRecord } from './coordinator-snapshot.js'
import { type OwnedPartitions, reconcile } from './current-assignment.js'
import { type MaybeAsync, andThen } from './maybe-async.js'
import type { CoordinatorWrite } from './offsets-partition.js'
import { serverAssignors } from './server-assignors.js'
import { InvalidTopicRegexError, compileTopicRegex } from './topic-regex.js'

export type { ConsumerGroupHeartbeatParams, ConsumerGroupHeartbeatResult } from './consumer-group-heartbeat-request.js'
export type { DescribedConsumerGroup } from './consumer-group-describe.js'

export type AssignorName = 'uniform' | 'range'
export type MigrationPolicy = 'disabled' | 'upgrade' | 'downgrade' | 'bidirectional'

export interface ConsumerGroupConfig {
  readonly sessionTimeoutMs: number
  readonly heartbeatIntervalMs: number
  readonly maxSize: number
  /** The server-side assignors, the first the default. */
  readonly assignors: readonly AssignorName[]
  readonly migrationPolicy: MigrationPolicy
}

/** What the coordinator needs of the topics: names, ids and partition counts. */
export interface TopicsView {
  topic(name: string): { readonly topicId: string; readonly partitions: number } | undefined
  topicById(topicId: string): { readonly name: string; readonly partitions: number } | undefined
  topics(): Iterable<{ readonly name: string; readonly topicId: string; readonly partitions: number; readonly internal: boolean }>
}


/** A group's session timeout and heartbeat interval, as its group configs set them (KIP-848). */
export interface GroupTimeouts {
  readonly sessionTimeoutMs: number
  readonly heartbeatIntervalMs: number
}

export interface ConsumerGroupCoordinatorOptions {
  readonly config: ConsumerGroupConfig
  /** consumer.session.timeout.ms and consumer.heartbeat.interval.ms of a group; `config`'s without. */
  readonly timeouts?: (groupId: string) => GroupTimeouts
  readonly topics: TopicsView
  /** Appends records to the group's __consumer_offsets partition; a Kafka error code once replicated. */
  readonly write: (groupId: string, records: readonly CoordinatorWrite[]) => MaybeAsync<number>
  readonly logger: Logger
  /**
   * Asked before a member is removed: true when the group became a classic group instead (the
   * last consumer-protocol member left; group-migration.ts), its records' tombstones pushed.
   */
  readonly downgrade?: (group: ConsumerGroup, leaving: ConsumerGroupMember, records: CoordinatorWrite[]) => boolean
}

/** How often a group re-resolves its subscribed topics (new topics, more partitions, regex matches). */
const METADATA_REFRESH_MS = 1000

export class ConsumerGroupCoordinator {
  readonly groups = new Map<string, ConsumerGroup>()
  readonly #config: ConsumerGroupConfig
  readonly #topics: TopicsView
  readonly #write: ConsumerGroupCoordinatorOptions['write']
  readonly #logger: Logger
  readonly #timeouts: (groupId: string) => GroupTimeouts
  /** The timeout each member's session timer was armed with, to re-arm it when a group config changes. */
  readonly #armedSessionMs = new WeakMap<ConsumerGroupMember, number>()
  readonly #downgrade: ConsumerGroupCoordinatorOptions['downgrade']
  readonly #regexes = new Map<string, RegExp>()
  /** When each group next re-resolves its subscription metadata. */
  readonly #refreshDeadline = new WeakMap<ConsumerGroup, number>()

  constructor(options: ConsumerGroupCoordinatorOptions) {
    this.#config = options.config
    this.#topics = options.topics
    this.#write = options.write
    this.#logger = options.logger
    this.#timeouts = options.timeouts ?? (() => this.#config)
    this.#downgrade = options.downgrade
  }

  get config(): ConsumerGroupConfig {
    return this.#config
  }

  /** Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid (consumer-group-heartbeat-request.ts). */
  static validate(params: ConsumerGroupHeartbeatParams, assignors: readonly string[]): { errorCode: number; message: string } | null {
    return validateConsumerGroupHeartbeat(params, assignors)
  }

  heartbeat(params: ConsumerGroupHeartbeatParams, now: number): MaybeAsync<ConsumerGroupHeartbeatResult> {
    const records: CoordinatorWrite[] = []
    let result: ConsumerGroupHeartbeatResult
    try {
      result =
        params.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || params.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH
          ? this.#leave(params, records)
          : this.#heartbeat(params, records, now)
    } catch (error) {
      if (!(error instanceof HeartbeatError)) throw error
      // Records of a failed heartbeat are still written: a fence removes the member for good.
      const failed = errorResult(error.errorCode, error.message)
      return records.length === 0 ? failed : andThen(this.#write(params.groupId, records), () => failed)
    }
    if (records.length === 0) return result
    return andThen(this.#write(params.groupId, records), (errorCode) =>
      errorCode === KafkaErrorCodes.NONE ? result : errorResult(errorCode, 'The group coordinator could not store the group state.'),
    )
  }

  #heartbeat(params: ConsumerGroupHeartbeatParams, records: CoordinatorWrite[], now: number): ConsumerGroupHeartbeatResult {
    const { groupId, memberEpoch } = params
    // Checked before anything changes: a refused heartbeat leaves the group as it was.
    if (params.subscribedTopicRegex !== null && params.subscribedTopicRegex !== '') this.#regex(params.subscribedTopicRegex)
    let group = this.groups.get(groupId)
    if (group === undefined) {
      if (memberEpoch !== 0) throw new HeartbeatError(KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`)
      group = new ConsumerGroup(groupId)
      this.groups.set(groupId, group)
    }
    const memberId = params.memberId === '' ? randomUUID() : params.memberId
    if (group.members.size >= this.#config.maxSize && !group.members.has(memberId) && group.staticMember(params.instanceId) === undefined) {
      throw new HeartbeatError(KafkaErrorCodes.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.#config.maxSize} members.`)
    }
    const { member, isNew } = params.instanceId === null
      ? this.#dynamicMember(group, memberId, params)
      : this.#staticMember(group, memberId, params.instanceId, params, records)

    // 1. What changed.
    let bump = group.groupEpoch === 0 || isNew
    const subscriptionChanged =
      (params.subscribedTopicNames !== null && !sameNames(params.subscribedTopicNames, member.subscribedTopicNames)) ||
      (params.subscribedTopicRegex !== null && (params.subscribedTopicRegex || null) !== member.subscribedTopicRegex) ||
      (params.serverAssignor !== null && params.serverAssignor !== member.serverAssignor)
    const classicChanged = params.classic !== undefined && !sameClassicMemberMetadata(member.classic, params.classic)
    if (params.classic !== undefined) member.classic = params.classic
    const metadataChanged =
      classicChanged ||
      subscriptionChanged ||
      isNew ||
      (params.rackId !== null && params.rackId !== member.rackId) ||
      (params.rebalanceTimeoutMs !== -1 && params.rebalanceTimeoutMs !== member.rebalanceTimeoutMs) ||
      member.clientId !== params.clientId ||
      member.clientHost !== params.clientHost
    if (params.subscribedTopicNames !== null) member.subscribedTopicNames = [...params.subscribedTopicNames]
    if (params.subscribedTopicRegex !== null) member.subscribedTopicRegex = params.subscribedTopicRegex === '' ? null : params.subscribedTopicRegex
    if (params.serverAssignor !== null) member.serverAssignor = params.serverAssignor
    if (params.rackId !== null) member.rackId = params.rackId
    if (params.rebalanceTimeoutMs !== -1) member.rebalanceTimeoutMs = params.rebalanceTimeoutMs
    member.clientId = params.clientId
    member.clientHost = params.clientHost
    bump ||= subscriptionChanged
    if (metadataChanged) records.push(memberMetadataRecord(group, member))

    // 2. The subscribed topics as they are now; a difference bumps the group epoch too.
    if (bump || now >= (this.#refreshDeadline.get(group) ?? 0)) {
      bump = this.#refreshSubscriptionMetadata(group, records) || bump
      this.#refreshDeadline.set(group, now + METADATA_REFRESH_MS)
    }
    if (bump) {
      group.groupEpoch++
      records.push({ key: consumerGroupKeys.metadata(groupId), value: consumerGroupValues.metadata(group.groupEpoch) })
      this.#logger.info('bumped consumer group epoch', { group: groupId, groupEpoch: group.groupEpoch, members: group.members.size })
    }

    // 3. A new target when the group moved on.
    if (group.groupEpoch > group.assignmentEpoch) this.#computeTargetAssignment(group, records)

    // 4. Reconcile this member.
    const before = member.assigned
    this.#reconcile(group, member, params.topicPartitions, records)
    this.#scheduleSession(group, member)

    const fullRequest = memberEpoch === 0 || (params.rebalanceTimeoutMs !== -1 && params.subscribedTopicNames !== null && params.topicPartitions !== null)
    const changed = !assignmentsEqual(before, member.assigned)
    return {
      errorCode: KafkaErrorCodes.NONE,
      errorMessage: null,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      heartbeatIntervalMs: this.#timeouts(group.groupId).heartbeatIntervalMs,
      assignment: fullRequest || changed || isNew ? { topicPartitions: toTopicPartitions(member.assigned) } : null,
    }
  }

  #dynamicMember(group: ConsumerGroup, memberId: string, params: ConsumerGroupHeartbeatParams): { member: ConsumerGroupMember; isNew: boolean } {
    const existing = group.members.get(memberId)
    if (params.memberEpoch === 0) {
      if (existing === undefined) {
        const member = new ConsumerGroupMember(memberId)
        group.updateMember(member)
        return { member, isNew: true }
      }
      // A classic member's JoinGroup reports what it owns; it is reconciled from there.
      if (params.classic !== undefined) return { member: existing, isNew: false }
      // A member that rejoins has given up everything it owned (the protocol's rule after a
      // fence or an error); it is reconciled from nothing again.
      this.#resetMember(group, existing)
      return { member: existing, isNew: false }
    }
    if (existing === undefined) throw new HeartbeatError(KafkaErrorCodes.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${group.groupId}.`)
    checkMemberEpoch(existing, params.memberEpoch, params.topicPartitions)
    return { member: existing, isNew: false }
  }

  #staticMember(
    group: ConsumerGroup,
    memberId: string,
    instanceId: string,
    params: ConsumerGroupHeartbeatParams,
    records: CoordinatorWrite[],
  ): { member: ConsumerGroupMember; isNew: boolean } {
    const existing = group.staticMember(instanceId)
    if (params.memberEpoch === 0) {
      if (existing === undefined) {
        const member = new ConsumerGroupMember(memberId)
        member.instanceId = instanceId
        group.updateMember(member)
        return { member, isNew: true }
      }
      if (existing.memberId === memberId) {
        if (params.classic !== undefined) return { member: existing, isNew: false }
        this.#resetMember(group, existing)
        return { member: existing, isNew: false }
      }
      // Between consumer-protocol members the instance id must have been released (a leave with
      // epoch -2). A classic member cannot release it (its LeaveGroup removes it for good) and
      // rejoins under a new member id after a restart, so when either side speaks the classic
      // protocol the newcomer replaces the old member at once, as Kafka does.
      if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH && params.classic === undefined && existing.classic === null) {
        throw new HeartbeatError(
          KafkaErrorCodes.UNRELEASED_INSTANCE_ID,
          `Static member ${memberId} with instance id ${instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`,
        )
      }
      // The instance came back: the new member id takes the old one's partitions and target,
      // so nobody else sees a rebalance.
      const member = new ConsumerGroupMember(memberId)
      Object.assign(member, {
        instanceId,
        classic: params.classic === undefined ? null : existing.classic,
        rackId: existing.rackId,
        subscribedTopicNames: existing.subscribedTopicNames,
        subscribedTopicRegex: existing.subscribedTopicRegex,
        serverAssignor: existing.serverAssignor,
        rebalanceTimeoutMs: existing.rebalanceTimeoutMs,
        clientId: existing.clientId,
        clientHost: existing.clientHost,
        memberEpoch: 0,
        previousMemberEpoch: 0,
        state: MemberState.STABLE,
        assigned: copyAssignment(existing.assigned),
      })
      const target = group.targetAssignment.get(existing.memberId) ?? new Map()
      records.push(...memberTombstones(group, existing))
      group.removeMember(existing.memberId)
      group.updateMember(member)
      group.targetAssignment.set(memberId, target)
      records.push(memberMetadataRecord(group, member))
      records.push({ key: consumerGroupKeys.targetMember(group.groupId, memberId), value: consumerGroupValues.targetMember(toTopicPartitions(target)) })
      this.#logger.info('static member rejoined consumer group', { group: group.groupId, instanceId, memberId, previousMemberId: existing.memberId })
      return { member, isNew: false }
    }
    if (existing === undefined) throw new HeartbeatError(KafkaErrorCodes.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`)
    if (existing.memberId !== memberId) {
      throw new HeartbeatError(
        KafkaErrorCodes.FENCED_INSTANCE_ID,
        `Static member ${memberId} with instance id ${instanceId} was fenced by member ${existing.memberId}.`,
      )
    }
    checkMemberEpoch(existing, params.memberEpoch, params.topicPartitions)
    return { member: existing, isNew: false }
  }

  #leave(params: ConsumerGroupHeartbeatParams, records: CoordinatorWrite[]): ConsumerGroupHeartbeatResult {
    const group = this.groups.get(params.groupId)
    if (group === undefined) throw new HeartbeatError(KafkaErrorCodes.GROUP_ID_NOT_FOUND, `Consumer group ${params.groupId} not found.`)
    let member: ConsumerGroupMember | undefined
    if (params.instanceId !== null) {
      member = group.staticMember(params.instanceId)
      if (member === undefined) throw new HeartbeatError(KafkaErrorCodes.UNKNOWN_MEMBER_ID, `Instance id ${params.instanceId} is unknown.`)
      if (member.memberId !== params.memberId) {
        throw new HeartbeatError(
          KafkaErrorCodes.FENCED_INSTANCE_ID,
          `Static member ${params.memberId} with instance id ${params.instanceId} was fenced by member ${member.memberId}.`,
        )
      }
    } else {
      member = group.members.get(params.memberId)
      if (member === undefined) throw new HeartbeatError(KafkaErrorCodes.UNKNOWN_MEMBER_ID, `Member ${params.memberId} is not a member of group ${group.groupId}.`)
    }
    if (params.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      // A static member going away for a while (a restart): it keeps its partitions and target
      // until it comes back or its session times out; nobody else rebalances meanwhile.
      const before = { assigned: member.assigned, pendingRevocation: member.pendingRevocation }
      member.memberEpoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH
      member.pendingRevocation = new Map()
      group.replaceOwnership(before, member)
      if (member.rebalanceTimer !== null) clearTimeout(member.rebalanceTimer)
      member.rebalanceTimer = null
      records.push(currentAssignmentRecord(group, member))
      this.#logger.info('static member left consumer group temporarily', { group: group.groupId, memberId: member.memberId, instanceId: member.instanceId })
    } else {
      this.#removeMember(group, member, records, 'left')
    }
    return {
      errorCode: KafkaErrorCodes.NONE,
      errorMessage: null,
      memberId: params.memberId,
      memberEpoch: params.memberEpoch,
      heartbeatIntervalMs: 0,
      assignment: null,
    }
  }

  /** Removes a member (it left, its session expired, or it did not revoke in time) and rebalances the rest. */
  #removeMember(group: ConsumerGroup, member: ConsumerGroupMember, records: CoordinatorWrite[], why: string): void {
    if (this.#downgrade?.(group, member, records) === true) return
    records.push(...memberTombstones(group, member))
    group.removeMember(member.memberId)
    group.groupEpoch++
    records.push({ key: consumerGroupKeys.metadata(group.groupId), value: consumerGroupValues.metadata(group.groupEpoch) })
    this.#refreshSubscriptionMetadata(group, records)
    this.#computeTargetAssignment(group, records)
    this.#logger.info(`consumer group member ${why}`, { group: group.groupId, memberId: member.memberId, groupEpoch: group.groupEpoch, members: group.members.size })
  }

  #resetMember(group: ConsumerGroup, member: ConsumerGroupMember): void {
    const before = { assigned: member.assigned, pendingRevocation: member.pendingRevocation }
    member.memberEpoch = 0
    member.previousMemberEpoch = 0
    member.state = MemberState.STABLE
    member.assigned = new Map()
    member.pendingRevocation = new Map()
    group.replaceOwnership(before, member)
  }

  #reconcile(group: ConsumerGroup, member: ConsumerGroupMember, owned: OwnedPartitions, records: CoordinatorWrite[]): void {
    const target = group.targetAssignment.get(member.memberId) ?? new Map()
    const next = reconcile(member, group.assignmentEpoch, target, (t, p) => group.currentPartitionEpoch(t, p), owned)
    if (next === member) return
    const changed =
      next.memberEpoch !== member.memberEpoch ||
      next.state !== member.state ||
      !assignmentsEqual(next.assigned, member.assigned) ||
      !assignmentsEqual(next.pendingRevocation, member.pendingRevocation)
    if (!changed) return
    const before = { assigned: member.assigned, pendingRevocation: member.pendingRevocation }
    member.memberEpoch = next.memberEpoch
    member.previousMemberEpoch = next.previousMemberEpoch
    member.state = next.state
    member.assigned = next.assigned
    member.pendingRevocation = next.pendingRevocation
    group.replaceOwnership(before, member)
    records.push(currentAssignmentRecord(group, member))
    if (member.state === MemberState.UNREVOKED_PARTITIONS) this.#scheduleRebalanceTimeout(group, member)
    else if (member.rebalanceTimer !== null) {
      clearTimeout(member.rebalanceTimer)
      member.rebalanceTimer = null
    }
  }

  /**
   * Re-resolves the topics the members subscribe to (names that exist, and every non-internal
   * topic a member's regex matches); returns whether they differ from before (a new topic, a
   * deleted one, more partitions), writing the new metadata when they do.
   */
  #refreshSubscriptionMetadata(group: ConsumerGroup, records: CoordinatorWrite[]): boolean {
    const next = new Map<string, { topicId: string; partitions: number }>()
    for (const name of group.subscribedTopicNames()) {
      const topic = this.#topics.topic(name)
      if (topic !== undefined) next.set(name, { topicId: topic.topicId, partitions: topic.partitions })
    }
    const regexes = new Set<string>()
    for (const member of group.members.values()) if (member.subscribedTopicRegex !== null) regexes.add(member.subscribedTopicRegex)
    if (regexes.size > 0) {
      const compiled = [...regexes].map((r) => this.#regexOrNull(r)).filter((r): r is RegExp => r !== null)
      for (const topic of this.#topics.topics()) {
        if (topic.internal || next.has(topic.name)) continue
        if (compiled.some((r) => r.test(topic.name))) next.set(topic.name, { topicId: topic.topicId, partitions: topic.partitions })
      }
    }
    const same =
      next.size === group.subscriptionMetadata.size &&
      [...next].every(([name, t]) => {
        const old = group.subscriptionMetadata.get(name)
        return old !== undefined && old.topicId === t.topicId && old.partitions === t.partitions
      })
    if (same) return false
    group.subscriptionMetadata = next
    records.push({
      key: consumerGroupKeys.partitionMetadata(group.groupId),
      value: consumerGroupValues.partitionMetadata({
        epoch: group.groupEpoch + 1,
        topics: [...next].map(([topicName, t]) => ({ topicId: t.topicId, topicName, numPartitions: t.partitions, partitionRacks: [] })),
      }),
    })
    return true
  }

  /** Computes every member's target for the current group epoch; writes the targets that changed. */
  #computeTargetAssignment(group: ConsumerGroup, records: CoordinatorWrite[]): void {
    const assignorName = this.#chooseAssignor(group)
    const members = new Map<string, Set<string>>()
    const topics = new Map<string, number>()
    for (const member of group.members.values()) {
      const subscribed = new Set<string>()
      for (const [name, t] of group.subscriptionMetadata) {
        if (member.subscribedTopicNames.includes(name) || (member.subscribedTopicRegex !== null && this.#regexOrNull(member.subscribedTopicRegex)?.test(name) === true)) {
          subscribed.add(t.topicId)
          topics.set(t.topicId, t.partitions)
        }
      }
      members.set(member.memberId, subscribed)
    }
    const target = serverAssignors[assignorName]({ members, topics, previous: group.targetAssignment })
    for (const [memberId, assignment] of target) {
      const previous = group.targetAssignment.get(memberId)
      if (previous === undefined || !assignmentsEqual(previous, assignment)) {
        records.push({ key: consumerGroupKeys.targetMember(group.groupId, memberId), value: consumerGroupValues.targetMember(toTopicPartitions(assignment)) })
      }
      group.targetAssignment.set(memberId, assignment)
    }
    group.assignmentEpoch = group.groupEpoch
    group.assignorName = assignorName
    records.push({ key: consumerGroupKeys.targetMetadata(group.groupId), value: consumerGroupValues.targetMetadata(group.assignmentEpoch) })
  }

  /** Kafka's choice: the assignor most members ask for, else the first configured. */
  #chooseAssignor(group: ConsumerGroup): AssignorName {
    const votes = new Map<AssignorName, number>()
    for (const member of group.members.values()) {
      const name = member.serverAssignor as AssignorName | null
      if (name !== null && this.#config.assignors.includes(name)) votes.set(name, (votes.get(name) ?? 0) + 1)
    }
    let best: AssignorName = this.#config.assignors[0]!
    let bestVotes = 0
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name
        bestVotes = count
      }
    }
    return best
  }

  #scheduleSession(group: ConsumerGroup, member: ConsumerGroupMember): void {
    const sessionTimeoutMs = member.classic?.sessionTimeoutMs ?? this.#timeouts(group.groupId).sessionTimeoutMs
    if (member.sessionTimer !== null && this.#armedSessionMs.get(member) === sessionTimeoutMs) {
      member.sessionTimer.refresh()
      return
    }
    if (member.sessionTimer !== null) clearTimeout(member.sessionTimer)
    member.sessionTimer = setTimeout(() => this.#expire(group, member, 'session timed out'), sessionTimeoutMs)
    member.sessionTimer.unref()
    this.#armedSessionMs.set(member, sessionTimeoutMs)
  }

  #scheduleRebalanceTimeout(group: ConsumerGroup, member: ConsumerGroupMember): void {
    if (member.rebalanceTimer !== null) return
    const timeout = member.rebalanceTimeoutMs > 0 ? member.rebalanceTimeoutMs : this.#timeouts(group.groupId).sessionTimeoutMs
    const epoch = member.memberEpoch
    member.rebalanceTimer = setTimeout(() => {
      member.rebalanceTimer = null
      // Still holding partitions others wait for, at the same epoch: fenced.
      if (member.state === MemberState.UNREVOKED_PARTITIONS && member.memberEpoch === epoch) this.#expire(group, member, 'did not revoke within its rebalance timeout')
    }, timeout)
    member.rebalanceTimer.unref()
  }

  #expire(group: ConsumerGroup, member: ConsumerGroupMember, why: string): void {
    if (group.dead || group.members.get(member.memberId) !== member) return
    const records: CoordinatorWrite[] = []
    this.#removeMember(group, member, records, `removed: ${why}`)
    void Promise.resolve(this.#write(group.groupId, records)).catch((error: unknown) => this.#logger.warn('could not store a member removal', { group: group.groupId, error }))
  }


  #regex(pattern: string): RegExp {
    let compiled = this.#regexes.get(pattern)
    if (compiled !== undefined) return compiled
    try {
      compiled = compileTopicRegex(pattern)
    } catch (error) {
      if (error instanceof InvalidTopicRegexError) throw new HeartbeatError(KafkaErrorCodes.INVALID_REGULAR_EXPRESSION, error.message)
      throw error
    }
    this.#regexes.set(pattern, compiled)
    return compiled
  }

  #regexOrNull(pattern: string): RegExp | null {
    try {
      return this.#regex(pattern)
    } catch {
      return null
    }
  }

  /** The group's state for ConsumerGroupDescribe. */
  describe(groupId: string): DescribedConsumerGroup | null {
    const group = this.groups.get(groupId)
    return group === undefined ? null : describeConsumerGroup(group, this.#topics, this.#config.assignors[0]!)
  }

  /** Kafka's ConsumerGroup.validateOffsetCommit (consumer-group-offset-checks.ts): NONE when the commit may go ahead. */
  validateOffsetCommit(group: ConsumerGroup, memberId: string, memberEpoch: number, apiVersion: number, commit?: { transactional: true; groupInstanceId: string | null }): number {
    return validateConsumerGroupOffsetCommit(group, memberId, memberEpoch, apiVersion, commit)
  }

  /** Kafka's ConsumerGroup.validateOffsetFetch (consumer-group-offset-checks.ts): NONE when the fetch may go ahead. */
  validateOffsetFetch(group: ConsumerGroup, memberId: string | null, memberEpoch: number): number {
    return validateConsumerGroupOffsetFetch(group, memberId, memberEpoch)
  }

  /** The records that describe the group now (snapshots, and tombstones for a deletion). */
  liveRecords(group: ConsumerGroup): SnapshotRecord[] {
    return consumerGroupLiveRecords(group)
  }

  /** Tombstones for every record of an empty group (deletion, or conversion to a classic group). */
  tombstones(group: ConsumerGroup): CoordinatorWrite[] {
    return this.liveRecords(group).map((r) => ({ key: r.key, value: null }))
  }

  /** Takes in groups loaded from the log: their members get a fresh session, as if they had just heartbeated. */
  adopt(groups: Iterable<ConsumerGroup>): void {
    for (const group of groups) {
      this.groups.set(group.groupId, group)
      for (const member of group.members.values()) {
        this.#scheduleSession(group, member)
        if (member.state === MemberState.UNREVOKED_PARTITIONS) this.#scheduleRebalanceTimeout(group, member)
      }
    }
  }

  /** Drops a group from memory (deleted, converted, or its partition moved away). */
  forget(groupId: string): void {
    const group = this.groups.get(groupId)
    if (group === undefined) return
    for (const member of group.members.values()) member.clearTimers()
    group.dead = true
    this.groups.delete(groupId)
  }

  shutdown(): void {
    for (const group of this.groups.values()) for (const member of group.members.values()) member.clearTimers()
  }

  /** A classic member's Heartbeat or SyncGroup proves it alive (consumer-group-classic-members.ts). */
  touchSession(group: ConsumerGroup, member: ConsumerGroupMember): void {
    this.#scheduleSession(group, member)
  }

  /** A classic member's LeaveGroup: removed, and the others rebalance (or the group downgrades). */
  removeClassicMember(group: ConsumerGroup, member: ConsumerGroupMember, why: string): MaybeAsync<number> {
    const records: CoordinatorWrite[] = []
    this.#removeMember(group, member, records, why)
    return this.#write(group.groupId, records)
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  const set = new Set(b)
  return a.every((x) => set.has(x))
}

/** For the loader and tests: an assignment from a record's topic partitions. */
export { fromTopicPartitions }
