/**
 * Share groups' membership (KIP-932): members join, heartbeat and leave with
 * ShareGroupHeartbeat; the coordinator bumps the group epoch on each change of members,
 * subscriptions or partition counts and assigns partitions itself. Unlike a consumer group, a
 * partition may go to several members at once (records, not partitions, are what members share,
 * through the share-partition's locks), and nothing is revoked first: a member takes its new
 * assignment, and its epoch, at its next heartbeat.
 *
 * The assignment follows Kafka's SimpleAssignor for share groups: for each topic, when members
 * are fewer than partitions the partitions are dealt round-robin to them; when members are more,
 * each member gets one partition, dealt round-robin, so every partition has members and every
 * member a partition.
 *
 * Membership is kept in memory: after a restart a member's heartbeat gets UNKNOWN_MEMBER_ID and
 * it rejoins with epoch 0 (the Java client does so at once). What must survive, the
 * share-partitions' state, is persisted by the share-partition manager.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from '../../common/logger.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { GroupTimeouts, TopicsView } from '../consumer-group-coordinator.js'

export interface ShareGroupConfig {
  readonly sessionTimeoutMs: number
  readonly heartbeatIntervalMs: number
  readonly maxSize: number
}

export interface ShareGroupHeartbeatParams {
  readonly groupId: string
  readonly memberId: string
  readonly memberEpoch: number
  readonly rackId: string | null
  readonly subscribedTopicNames: readonly string[] | null
  readonly clientId: string
  readonly clientHost: string
}

export interface ShareGroupHeartbeatResult {
  readonly errorCode: number
  readonly errorMessage: string | null
  readonly memberId: string | null
  readonly memberEpoch: number
  readonly heartbeatIntervalMs: number
  readonly assignment: { topicPartitions: Array<{ topicId: string; partitions: number[] }> } | null
}

export interface DescribedShareGroup {
  readonly groupId: string
  readonly groupState: string
  readonly groupEpoch: number
  readonly assignmentEpoch: number
  readonly assignorName: string
  readonly members: Array<{
    memberId: string
    rackId: string | null
    memberEpoch: number
    clientId: string
    clientHost: string
    subscribedTopicNames: string[]
    assignment: { topicPartitions: Array<{ topicId: string; topicName: string; partitions: number[] }> }
  }>
}

interface ShareGroupMember {
  readonly memberId: string
  memberEpoch: number
  rackId: string | null
  clientId: string
  clientHost: string
  subscribedTopicNames: string[]
  /** topic id → partitions, the target assignment for this member. */
  assignment: Map<string, number[]>
  sessionTimer: NodeJS.Timeout | null
}

export class ShareGroup {
  readonly groupId: string
  groupEpoch = 0
  assignmentEpoch = 0
  readonly members = new Map<string, ShareGroupMember>()
  /** Partition counts of the subscribed topics when the assignment was made ("name:count,..."). */
  topicsSignature = ''

  constructor(groupId: string) {
    this.groupId = groupId
  }

  /** Kafka's share-group states: Empty without members, Stable with them. */
  get state(): 'Empty' | 'Stable' {
    return this.members.size === 0 ? 'Empty' : 'Stable'
  }
}

class HeartbeatError extends Error {
  readonly errorCode: number
  constructor(errorCode: number, message: string) {
    super(message)
    this.errorCode = errorCode
  }
}

export const SHARE_ASSIGNOR_NAME = 'simple'

export class ShareGroupCoordinator {
  readonly #config: ShareGroupConfig
  readonly #topics: TopicsView
  readonly #logger: Logger
  readonly #timeouts: (groupId: string) => GroupTimeouts
  readonly groups = new Map<string, ShareGroup>()
  readonly #removedListeners: Array<(groupId: string, memberId: string) => void> = []

  /** `timeouts`: a group's share.session.timeout.ms and share.heartbeat.interval.ms; `config`'s without. */
  constructor(options: { config: ShareGroupConfig; topics: TopicsView; logger: Logger; timeouts?: (groupId: string) => GroupTimeouts }) {
    this.#config = options.config
    this.#topics = options.topics
    this.#logger = options.logger
    this.#timeouts = options.timeouts ?? (() => this.#config)
  }

  /** Told when a member leaves or is expired, so the records it holds go back to the others. */
  onMemberRemoved(listener: (groupId: string, memberId: string) => void): void {
    this.#removedListeners.push(listener)
  }

  heartbeat(params: ShareGroupHeartbeatParams): ShareGroupHeartbeatResult {
    try {
      return this.#heartbeat(params)
    } catch (error) {
      if (!(error instanceof HeartbeatError)) throw error
      return { errorCode: error.errorCode, errorMessage: error.message, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null }
    }
  }

  #heartbeat(params: ShareGroupHeartbeatParams): ShareGroupHeartbeatResult {
    if (params.groupId === '') throw new HeartbeatError(KafkaErrorCodes.INVALID_REQUEST, 'GroupId can\'t be empty.')
    if (params.memberEpoch < -1) throw new HeartbeatError(KafkaErrorCodes.INVALID_REQUEST, `MemberEpoch is invalid: ${params.memberEpoch}.`)
    if (params.memberEpoch !== 0 && params.memberId === '') throw new HeartbeatError(KafkaErrorCodes.INVALID_REQUEST, 'MemberId can\'t be empty.')
    if (params.memberEpoch === 0 && (params.subscribedTopicNames === null || params.subscribedTopicNames.length === 0)) {
      throw new HeartbeatError(KafkaErrorCodes.INVALID_REQUEST, 'SubscribedTopicNames must be set in first request.')
    }
    if (params.memberEpoch === -1) return this.#leave(params)

    let group = this.groups.get(params.groupId)
    let member = group?.members.get(params.memberId)
    if (params.memberEpoch === 0) {
      if (group === undefined) {
        group = new ShareGroup(params.groupId)
        this.groups.set(params.groupId, group)
      }
      if (member === undefined) {
        if (group.members.size >= this.#config.maxSize) {
          throw new HeartbeatError(KafkaErrorCodes.GROUP_MAX_SIZE_REACHED, `The share group has reached its maximum capacity of ${this.#config.maxSize} members.`)
        }
        member = {
          memberId: params.memberId === '' ? randomUUID() : params.memberId,
          memberEpoch: 0,
          rackId: params.rackId,
          clientId: params.clientId,
          clientHost: params.clientHost,
          subscribedTopicNames: [...params.subscribedTopicNames!],
          assignment: new Map(),
          sessionTimer: null,
        }
        group.members.set(member.memberId, member)
        this.#logger.info('share-group member joined', { group: group.groupId, member: member.memberId, members: group.members.size })
        this.#bumpGroupEpoch(group)
      } else {
        // A member that lost its epoch (a lost response) joins again as itself.
        member.memberEpoch = 0
      }
    } else {
      if (group === undefined || member === undefined) {
        throw new HeartbeatError(KafkaErrorCodes.UNKNOWN_MEMBER_ID, `Member ${params.memberId} is not a member of share group ${params.groupId}.`)
      }
      if (params.memberEpoch !== member.memberEpoch) {
        throw new HeartbeatError(KafkaErrorCodes.FENCED_MEMBER_EPOCH, `The share group member has an invalid epoch ${params.memberEpoch}: it is ${member.memberEpoch}.`)
      }
    }
    member.clientId = params.clientId
    member.clientHost = params.clientHost
    if (params.rackId !== null) member.rackId = params.rackId
    if (params.subscribedTopicNames !== null && !sameNames(params.subscribedTopicNames, member.subscribedTopicNames)) {
      member.subscribedTopicNames = [...params.subscribedTopicNames]
      this.#bumpGroupEpoch(group)
    }
    // A topic created, deleted or given more partitions changes the assignment too.
    if (this.#topicsSignature(group) !== group.topicsSignature) this.#bumpGroupEpoch(group)
    this.#scheduleSession(group, member)

    const requestEpoch = params.memberEpoch
    if (member.memberEpoch !== group.groupEpoch) member.memberEpoch = group.groupEpoch
    const sendAssignment = requestEpoch !== member.memberEpoch
    return {
      errorCode: KafkaErrorCodes.NONE,
      errorMessage: null,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      heartbeatIntervalMs: this.#timeouts(group.groupId).heartbeatIntervalMs,
      assignment: sendAssignment
        ? { topicPartitions: [...member.assignment].map(([topicId, partitions]) => ({ topicId, partitions: [...partitions] })) }
        : null,
    }
  }

  #leave(params: ShareGroupHeartbeatParams): ShareGroupHeartbeatResult {
    const group = this.groups.get(params.groupId)
    const member = group?.members.get(params.memberId)
    if (group === undefined || member === undefined) {
      throw new HeartbeatError(KafkaErrorCodes.UNKNOWN_MEMBER_ID, `Member ${params.memberId} is not a member of share group ${params.groupId}.`)
    }
    this.#removeMember(group, member, 'left the group')
    return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, memberId: member.memberId, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null }
  }

  #removeMember(group: ShareGroup, member: ShareGroupMember, why: string): void {
    if (member.sessionTimer !== null) clearTimeout(member.sessionTimer)
    group.members.delete(member.memberId)
    this.#logger.info('share-group member removed', { group: group.groupId, member: member.memberId, why, members: group.members.size })
    this.#bumpGroupEpoch(group)
    for (const listener of this.#removedListeners) listener(group.groupId, member.memberId)
  }

  #scheduleSession(group: ShareGroup, member: ShareGroupMember): void {
    if (member.sessionTimer !== null) clearTimeout(member.sessionTimer)
    const sessionTimeoutMs = this.#timeouts(group.groupId).sessionTimeoutMs
    member.sessionTimer = setTimeout(() => {
      member.sessionTimer = null
      if (group.members.get(member.memberId) === member) this.#removeMember(group, member, `no heartbeat for ${sessionTimeoutMs} ms`)
    }, sessionTimeoutMs)
    member.sessionTimer.unref()
  }

  #topicsSignature(group: ShareGroup): string {
    const names = new Set<string>()
    for (const member of group.members.values()) for (const name of member.subscribedTopicNames) names.add(name)
    return [...names].sort().map((name) => `${name}:${this.#topics.topic(name)?.partitions ?? 0}`).join(',')
  }

  /** A new group epoch and, with it, the target assignment of every member (SimpleAssignor). */
  #bumpGroupEpoch(group: ShareGroup): void {
    group.groupEpoch++
    group.assignmentEpoch = group.groupEpoch
    group.topicsSignature = this.#topicsSignature(group)
    for (const member of group.members.values()) member.assignment = new Map()
    const byTopic = new Map<string, ShareGroupMember[]>()
    for (const member of group.members.values()) {
      for (const name of member.subscribedTopicNames) {
        let members = byTopic.get(name)
        if (members === undefined) byTopic.set(name, (members = []))
        members.push(member)
      }
    }
    for (const [name, members] of byTopic) {
      const topic = this.#topics.topic(name)
      if (topic === undefined || topic.partitions === 0) continue
      members.sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
      const give = (member: ShareGroupMember, partition: number): void => {
        let partitions = member.assignment.get(topic.topicId)
        if (partitions === undefined) member.assignment.set(topic.topicId, (partitions = []))
        partitions.push(partition)
      }
      if (members.length <= topic.partitions) for (let p = 0; p < topic.partitions; p++) give(members[p % members.length]!, p)
      else for (let m = 0; m < members.length; m++) give(members[m]!, m % topic.partitions)
    }
  }

  describe(groupId: string): DescribedShareGroup | null {
    const group = this.groups.get(groupId)
    if (group === undefined) return null
    return {
      groupId,
      groupState: group.state,
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch,
      assignorName: SHARE_ASSIGNOR_NAME,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: [...m.subscribedTopicNames],
        assignment: {
          topicPartitions: [...m.assignment].map(([topicId, partitions]) => ({
            topicId,
            topicName: this.#topics.topicById(topicId)?.name ?? '',
            partitions: [...partitions],
          })),
        },
      })),
    }
  }

  /** Deletes an empty share group: NON_EMPTY_GROUP while it has members. */
  delete(groupId: string): number {
    const group = this.groups.get(groupId)
    if (group === undefined) return KafkaErrorCodes.GROUP_ID_NOT_FOUND
    if (group.members.size > 0) return KafkaErrorCodes.NON_EMPTY_GROUP
    this.groups.delete(groupId)
    return KafkaErrorCodes.NONE
  }

  shutdown(): void {
    for (const group of this.groups.values()) for (const member of group.members.values()) if (member.sessionTimer !== null) clearTimeout(member.sessionTimer)
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  const set = new Set(b)
  return a.every((name) => set.has(name))
}
