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
 * Every change is written to __consumer_offsets in Kafka's share-group record formats
 * (share-group-records.ts) and the answer waits for the write, as Kafka 4.2 does: the group
 * epoch, each member's subscription, target assignment and current epoch. So after a restart or
 * a coordinator move the loader (share-group-loader.ts) brings the group back as it was: an
 * empty group is still listed, the epoch goes on from where it was, and a member that heartbeats
 * with its epoch keeps going. Steady heartbeats write nothing.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { Logger } from '../../common/logger.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { GroupTimeouts, TopicsView } from '../consumer-group-coordinator.js'
import type { SnapshotRecord } from '../coordinator-snapshot.js'
import { type MaybeAsync, andThen } from '../maybe-async.js'
import type { CoordinatorWrite } from '../offsets-partition.js'
import { shareGroupKeys, shareGroupValues, type TopicPartitions } from './share-group-records.js'
import { ShareStatePartitions } from './share-state-partitions.js'

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

export interface ShareGroupMember {
  readonly memberId: string
  memberEpoch: number
  /** The epoch before the last bump (Kafka keeps it in ShareGroupCurrentMemberAssignment). */
  previousMemberEpoch: number
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
  /** Set once the group is deleted or unloaded: late timers and writes leave it alone. */
  dead = false
  /** The share-partitions whose state the group started (ShareGroupStatePartitionMetadata). */
  statePartitions = new ShareStatePartitions()

  constructor(groupId: string) {
    this.groupId = groupId
  }

  /** Kafka's share-group states: Empty without members, Stable with them. */
  get state(): 'Empty' | 'Stable' {
    return this.members.size === 0 ? 'Empty' : 'Stable'
  }
}

/** Kafka's MemberState.STABLE: a share-group member is never mid-revocation. */
const STABLE_MEMBER_STATE = 0

class HeartbeatError extends Error {
  readonly errorCode: number
  constructor(errorCode: number, message: string) {
    super(message)
    this.errorCode = errorCode
  }
}

export const SHARE_ASSIGNOR_NAME = 'simple'

export interface ShareGroupCoordinatorOptions {
  readonly config: ShareGroupConfig
  readonly topics: TopicsView
  /** Appends records to the group's __consumer_offsets partition; a Kafka error code once replicated. */
  readonly write: (groupId: string, records: readonly CoordinatorWrite[]) => MaybeAsync<number>
  readonly logger: Logger
  /** A group's share.session.timeout.ms and share.heartbeat.interval.ms (its group configs); `config`'s without. */
  readonly timeouts?: (groupId: string) => GroupTimeouts
}

export class ShareGroupCoordinator {
  readonly #config: ShareGroupConfig
  readonly #topics: TopicsView
  readonly #write: ShareGroupCoordinatorOptions['write']
  readonly #logger: Logger
  readonly #timeouts: (groupId: string) => GroupTimeouts
  readonly groups = new Map<string, ShareGroup>()
  readonly #removedListeners: Array<(groupId: string, memberId: string) => void> = []

  constructor(options: ShareGroupCoordinatorOptions) {
    this.#config = options.config
    this.#topics = options.topics
    this.#write = options.write
    this.#logger = options.logger
    this.#timeouts = options.timeouts ?? (() => this.#config)
  }

  /** Told when a member leaves or is expired, so the records it holds go back to the others. */
  onMemberRemoved(listener: (groupId: string, memberId: string) => void): void {
    this.#removedListeners.push(listener)
  }

  /** One heartbeat; the answer waits until what it changed is replicated. */
  heartbeat(params: ShareGroupHeartbeatParams): MaybeAsync<ShareGroupHeartbeatResult> {
    const records: CoordinatorWrite[] = []
    let result: ShareGroupHeartbeatResult
    try {
      result = this.#heartbeat(params, records)
    } catch (error) {
      if (!(error instanceof HeartbeatError)) throw error
      return errorResult(error.errorCode, error.message)
    }
    if (records.length === 0) return result
    return andThen(this.#write(params.groupId, records), (errorCode) =>
      errorCode === KafkaErrorCodes.NONE ? result : errorResult(errorCode, 'The group coordinator could not store the share group state.'),
    )
  }

  #heartbeat(params: ShareGroupHeartbeatParams, records: CoordinatorWrite[]): ShareGroupHeartbeatResult {
    if (params.groupId === '') throw new HeartbeatError(KafkaErrorCodes.INVALID_REQUEST, 'GroupId can\'t be empty.')
    if (params.memberEpoch < -1) throw new HeartbeatError(KafkaErrorCodes.INVALID_REQUEST, `MemberEpoch is invalid: ${params.memberEpoch}.`)
    if (params.memberEpoch !== 0 && params.memberId === '') throw new HeartbeatError(KafkaErrorCodes.INVALID_REQUEST, 'MemberId can\'t be empty.')
    if (params.memberEpoch === 0 && (params.subscribedTopicNames === null || params.subscribedTopicNames.length === 0)) {
      throw new HeartbeatError(KafkaErrorCodes.INVALID_REQUEST, 'SubscribedTopicNames must be set in first request.')
    }
    if (params.memberEpoch === -1) return this.#leave(params, records)

    let group = this.groups.get(params.groupId)
    let member = group?.members.get(params.memberId)
    let isNew = false
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
          previousMemberEpoch: 0,
          rackId: params.rackId,
          clientId: params.clientId,
          clientHost: params.clientHost,
          subscribedTopicNames: [...params.subscribedTopicNames!],
          assignment: new Map(),
          sessionTimer: null,
        }
        group.members.set(member.memberId, member)
        isNew = true
        this.#logger.info('share-group member joined', { group: group.groupId, member: member.memberId, members: group.members.size })
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
    const subscriptionChanged = params.subscribedTopicNames !== null && !sameNames(params.subscribedTopicNames, member.subscribedTopicNames)
    const metadataChanged =
      subscriptionChanged || member.clientId !== params.clientId || member.clientHost !== params.clientHost || (params.rackId !== null && params.rackId !== member.rackId)
    member.clientId = params.clientId
    member.clientHost = params.clientHost
    if (params.rackId !== null) member.rackId = params.rackId
    if (subscriptionChanged) member.subscribedTopicNames = [...params.subscribedTopicNames!]
    if (isNew || metadataChanged) records.push(this.#memberRecord(group, member))
    if (isNew || subscriptionChanged) this.#bumpGroupEpoch(group, records)
    // A topic created, deleted or given more partitions changes the assignment too.
    if (this.#topicsSignature(group) !== group.topicsSignature) this.#bumpGroupEpoch(group, records)
    this.#scheduleSession(group, member)

    const requestEpoch = params.memberEpoch
    if (member.memberEpoch !== group.groupEpoch) {
      member.previousMemberEpoch = member.memberEpoch
      member.memberEpoch = group.groupEpoch
      records.push(this.#currentAssignmentRecord(group, member))
    }
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

  #leave(params: ShareGroupHeartbeatParams, records: CoordinatorWrite[]): ShareGroupHeartbeatResult {
    const group = this.groups.get(params.groupId)
    const member = group?.members.get(params.memberId)
    if (group === undefined || member === undefined) {
      throw new HeartbeatError(KafkaErrorCodes.UNKNOWN_MEMBER_ID, `Member ${params.memberId} is not a member of share group ${params.groupId}.`)
    }
    this.#removeMember(group, member, 'left the group', records)
    return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, memberId: member.memberId, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null }
  }

  #removeMember(group: ShareGroup, member: ShareGroupMember, why: string, records: CoordinatorWrite[]): void {
    if (member.sessionTimer !== null) clearTimeout(member.sessionTimer)
    group.members.delete(member.memberId)
    this.#logger.info('share-group member removed', { group: group.groupId, member: member.memberId, why, members: group.members.size })
    // Kafka's order: the member's records go, then the group moves to a new epoch without it.
    for (const key of this.#memberKeys(group.groupId, member.memberId)) records.push({ key, value: null })
    this.#bumpGroupEpoch(group, records)
    for (const listener of this.#removedListeners) listener(group.groupId, member.memberId)
  }

  #scheduleSession(group: ShareGroup, member: ShareGroupMember): void {
    if (member.sessionTimer !== null) clearTimeout(member.sessionTimer)
    const sessionTimeoutMs = this.#timeouts(group.groupId).sessionTimeoutMs
    member.sessionTimer = setTimeout(() => {
      member.sessionTimer = null
      if (!group.dead && group.members.get(member.memberId) === member) this.#expire(group, member, sessionTimeoutMs)
    }, sessionTimeoutMs)
    member.sessionTimer.unref()
  }

  /** A member that stopped heartbeating: removed, and its removal written in the background. */
  #expire(group: ShareGroup, member: ShareGroupMember, sessionTimeoutMs: number): void {
    const records: CoordinatorWrite[] = []
    this.#removeMember(group, member, `no heartbeat for ${sessionTimeoutMs} ms`, records)
    void Promise.resolve(this.#write(group.groupId, records)).catch((error: unknown) => this.#logger.warn('could not store a share-group member removal', { group: group.groupId, error }))
  }

  #topicsSignature(group: ShareGroup): string {
    const names = new Set<string>()
    for (const member of group.members.values()) for (const name of member.subscribedTopicNames) names.add(name)
    return [...names].sort().map((name) => `${name}:${this.#topics.topic(name)?.partitions ?? 0}`).join(',')
  }

  /**
   * A new group epoch and, with it, the target assignment of every member (SimpleAssignor);
   * the new epoch, the targets that changed and the assignment epoch go into `records`.
   */
  #bumpGroupEpoch(group: ShareGroup, records: CoordinatorWrite[]): void {
    group.groupEpoch++
    group.assignmentEpoch = group.groupEpoch
    group.topicsSignature = this.#topicsSignature(group)
    records.push({ key: shareGroupKeys.metadata(group.groupId), value: shareGroupValues.metadata(group.groupEpoch, metadataHash(group.topicsSignature)) })
    const before = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]))
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
    for (const member of group.members.values()) {
      if (!sameAssignment(before.get(member.memberId), member.assignment)) {
        records.push({ key: shareGroupKeys.targetMember(group.groupId, member.memberId), value: shareGroupValues.targetMember(topicPartitions(member.assignment)) })
      }
    }
    records.push({ key: shareGroupKeys.targetMetadata(group.groupId), value: shareGroupValues.targetMetadata(group.assignmentEpoch) })
  }

  #memberRecord(group: ShareGroup, member: ShareGroupMember): CoordinatorWrite {
    return {
      key: shareGroupKeys.member(group.groupId, member.memberId),
      value: shareGroupValues.member({ rackId: member.rackId, clientId: member.clientId, clientHost: member.clientHost, subscribedTopicNames: [...member.subscribedTopicNames].sort() }),
    }
  }

  #currentAssignmentRecord(group: ShareGroup, member: ShareGroupMember): CoordinatorWrite {
    return {
      key: shareGroupKeys.currentAssignment(group.groupId, member.memberId),
      value: shareGroupValues.currentAssignment({
        memberEpoch: member.memberEpoch,
        previousMemberEpoch: member.previousMemberEpoch,
        state: STABLE_MEMBER_STATE,
        assignedPartitions: topicPartitions(member.assignment),
      }),
    }
  }

  #memberKeys(groupId: string, memberId: string): Buffer[] {
    return [shareGroupKeys.currentAssignment(groupId, memberId), shareGroupKeys.targetMember(groupId, memberId), shareGroupKeys.member(groupId, memberId)]
  }

  /** The records that describe the group now: for snapshots of its partition. */
  liveRecords(group: ShareGroup): SnapshotRecord[] {
    const records: SnapshotRecord[] = [{ key: shareGroupKeys.metadata(group.groupId), value: shareGroupValues.metadata(group.groupEpoch, metadataHash(group.topicsSignature)) }]
    for (const member of group.members.values()) {
      records.push(this.#memberRecord(group, member) as SnapshotRecord)
      records.push({ key: shareGroupKeys.targetMember(group.groupId, member.memberId), value: shareGroupValues.targetMember(topicPartitions(member.assignment)) })
      records.push(this.#currentAssignmentRecord(group, member) as SnapshotRecord)
    }
    records.push({ key: shareGroupKeys.targetMetadata(group.groupId), value: shareGroupValues.targetMetadata(group.assignmentEpoch) })
    if (!group.statePartitions.isEmpty) records.push({ key: shareGroupKeys.statePartitions(group.groupId), value: shareGroupValues.statePartitions(group.statePartitions.toRecord()) })
    return records
  }

  /**
   * Takes in groups loaded from the log. Their members get a fresh session, as if they had just
   * heartbeated; a group whose subscribed topics changed while nobody coordinated it (the hash
   * differs) gets a new assignment at its next heartbeat.
   */
  adopt(groups: Iterable<{ group: ShareGroup; metadataHash: bigint }>): void {
    for (const { group, metadataHash: hash } of groups) {
      const signature = this.#topicsSignature(group)
      // No signature for a changed group: its next heartbeat sees a difference and reassigns.
      group.topicsSignature = metadataHash(signature) === hash ? signature : ''
      this.groups.set(group.groupId, group)
      for (const member of group.members.values()) this.#scheduleSession(group, member)
    }
  }

  /** Drops a group from memory (deleted, or its partition moved away). */
  forget(groupId: string): void {
    const group = this.groups.get(groupId)
    if (group === undefined) return
    for (const member of group.members.values()) if (member.sessionTimer !== null) clearTimeout(member.sessionTimer)
    group.dead = true
    this.groups.delete(groupId)
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

  /**
   * Deletes an empty share group: NON_EMPTY_GROUP while it has members. Its tombstones are
   * written first (`writeTombstones` answers NONE once they are appended, else the Kafka error),
   * and the group leaves memory only when they are in the log.
   */
  delete(groupId: string, writeTombstones: (records: readonly CoordinatorWrite[]) => number): number {
    const group = this.groups.get(groupId)
    if (group === undefined) return KafkaErrorCodes.GROUP_ID_NOT_FOUND
    if (group.members.size > 0) return KafkaErrorCodes.NON_EMPTY_GROUP
    // The group's own records (its share-state partitions' first: their state is deleted by
    // now); an empty group has no member records left.
    const tombstones = [shareGroupKeys.statePartitions(groupId), shareGroupKeys.targetMetadata(groupId), shareGroupKeys.metadata(groupId)].map((key) => ({ key, value: null }))
    const errorCode = writeTombstones(tombstones)
    if (errorCode === KafkaErrorCodes.NONE) this.forget(groupId)
    return errorCode
  }

  shutdown(): void {
    for (const group of this.groups.values()) for (const member of group.members.values()) if (member.sessionTimer !== null) clearTimeout(member.sessionTimer)
  }
}

function errorResult(errorCode: number, errorMessage: string): ShareGroupHeartbeatResult {
  return { errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null }
}

function topicPartitions(assignment: ReadonlyMap<string, number[]>): TopicPartitions {
  return [...assignment].map(([topicId, partitions]) => ({ topicId, partitions: [...partitions] }))
}

function sameAssignment(a: ReadonlyMap<string, number[]> | undefined, b: ReadonlyMap<string, number[]>): boolean {
  if (a === undefined || a.size !== b.size) return false
  for (const [topicId, partitions] of b) {
    const other = a.get(topicId)
    if (other === undefined || other.length !== partitions.length || other.some((p, i) => p !== partitions[i])) return false
  }
  return true
}

/**
 * The MetadataHash Kafka 4.1+ keeps in ShareGroupMetadataValue: a 64-bit digest of the
 * subscribed topics and their partition counts, so a loaded group tells whether they changed
 * while it was not coordinated. Samsa's digest is of its own signature string; only Samsa reads it.
 */
export function metadataHash(topicsSignature: string): bigint {
  if (topicsSignature === '') return 0n
  return createHash('sha256').update(topicsSignature).digest().readBigInt64BE(0)
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  const set = new Set(b)
  return a.every((name) => set.has(name))
}
