/**
 * One KIP-848 consumer group (Kafka's ConsumerGroup): its members with their subscriptions,
 * the group epoch, the target assignment the coordinator computed for an epoch, and which
 * member currently owns each partition.
 *
 * The epochs, as KIP-848 defines them:
 * - the group epoch goes up whenever what the assignment depends on changes (a member joins or
 *   leaves, a subscription changes, a subscribed topic gains partitions or appears);
 * - the assignment epoch is the group epoch the target assignment was computed for;
 * - each member's epoch is the assignment epoch it has reconciled to. A member moves to the new
 *   epoch only once it has given up the partitions the target takes from it, and it receives a
 *   partition only once the previous owner has given it up (see current-assignment.ts).
 *
 * States, derived rather than stored (Kafka's ConsumerGroupState): Empty (no members),
 * Assigning (the target assignment is older than the group epoch), Reconciling (some member
 * has not reached the assignment epoch), Stable; Dead once deleted.
 *
 * This class holds data and its invariants; the protocol (heartbeats, timers, persistence)
 * lives in consumer-group-coordinator.ts. Event loop thread only.
 */
import type { Assignment } from './assignment.js'

/** Kafka's MemberState, with its record values (ConsumerGroupCurrentMemberAssignmentValue.State). */
export const MemberState = {
  STABLE: 0,
  UNREVOKED_PARTITIONS: 1,
  UNRELEASED_PARTITIONS: 2,
  UNKNOWN: 127,
} as const
export type MemberStateValue = (typeof MemberState)[keyof typeof MemberState]

/** The epoch a member sends to leave; -2 for a static member that will come back. */
export const LEAVE_GROUP_MEMBER_EPOCH = -1
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2

export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' | 'Dead'

/**
 * What a member that speaks the classic protocol inside a consumer group (KIP-848's online
 * migration) needs kept: its session timeout and the protocols of its last JoinGroup (a
 * downgrade back to a classic group gives them to the classic rebalance). Kafka's
 * ClassicMemberMetadata, written with the member's record.
 */
export interface ClassicMemberMetadata {
  readonly sessionTimeoutMs: number
  readonly supportedProtocols: ReadonlyArray<{ readonly name: string; readonly metadata: Buffer }>
}

/** Whether a classic member's JoinGroup changed what its record keeps (so the record is written again). */
export function sameClassicMemberMetadata(a: ClassicMemberMetadata | null, b: ClassicMemberMetadata): boolean {
  if (a === null || a.sessionTimeoutMs !== b.sessionTimeoutMs || a.supportedProtocols.length !== b.supportedProtocols.length) return false
  return a.supportedProtocols.every((p, i) => p.name === b.supportedProtocols[i]!.name && p.metadata.equals(b.supportedProtocols[i]!.metadata))
}

export class ConsumerGroupMember {
  readonly memberId: string
  instanceId: string | null = null
  rackId: string | null = null
  clientId = ''
  clientHost = ''
  subscribedTopicNames: readonly string[] = []
  subscribedTopicRegex: string | null = null
  serverAssignor: string | null = null
  rebalanceTimeoutMs = -1
  /** Set for a member that uses the classic protocol (JoinGroup, SyncGroup, Heartbeat); null for a consumer-protocol member. */
  classic: ClassicMemberMetadata | null = null
  memberEpoch = 0
  previousMemberEpoch = -1
  state: MemberStateValue = MemberState.STABLE
  /** What the member owns and may consume now. */
  assigned: Assignment = new Map()
  /** What the member still owns but must give up before it moves on. */
  pendingRevocation: Assignment = new Map()
  /** Session expiry (group.consumer.session.timeout.ms after its last heartbeat). */
  sessionTimer: NodeJS.Timeout | null = null
  /** Removes the member when it does not revoke within its rebalance timeout. */
  rebalanceTimer: NodeJS.Timeout | null = null

  constructor(memberId: string) {
    this.memberId = memberId
  }

  clearTimers(): void {
    if (this.sessionTimer !== null) clearTimeout(this.sessionTimer)
    if (this.rebalanceTimer !== null) clearTimeout(this.rebalanceTimer)
    this.sessionTimer = null
    this.rebalanceTimer = null
  }
}

export class ConsumerGroup {
  readonly groupId: string
  groupEpoch = 0
  assignmentEpoch = 0
  /** The assignor that computed the target assignment last (ConsumerGroupDescribe's assignorName). */
  assignorName = ''
  readonly members = new Map<string, ConsumerGroupMember>()
  /** group.instance.id → member id of the static member that holds it. */
  readonly staticMembers = new Map<string, string>()
  /** member id → the partitions the coordinator wants it to own at the assignment epoch. */
  readonly targetAssignment = new Map<string, Assignment>()
  /**
   * topic id → partition → epoch of the member that owns it now (assigned or pending
   * revocation). A partition present here cannot be given to another member yet.
   */
  readonly #partitionEpochs = new Map<string, Map<number, number>>()
  /**
   * The subscribed topics as last resolved: name → id and partition count. A change bumps the
   * group epoch (Kafka's subscription metadata).
   */
  subscriptionMetadata = new Map<string, { readonly topicId: string; readonly partitions: number }>()
  /** Which metadata version the subscription metadata was computed from. */
  metadataVersion = -1
  /** Set once the group is deleted or unloaded. */
  dead = false

  constructor(groupId: string) {
    this.groupId = groupId
  }

  get state(): ConsumerGroupState {
    if (this.dead) return 'Dead'
    if (this.members.size === 0) return 'Empty'
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning'
    for (const member of this.members.values()) {
      if (member.memberEpoch !== this.assignmentEpoch || member.state !== MemberState.STABLE) return 'Reconciling'
    }
    return 'Stable'
  }

  staticMember(instanceId: string | null): ConsumerGroupMember | undefined {
    if (instanceId === null) return undefined
    const memberId = this.staticMembers.get(instanceId)
    return memberId === undefined ? undefined : this.members.get(memberId)
  }

  /** Adds or replaces a member; its owned partitions take their place in the epochs map. */
  updateMember(member: ConsumerGroupMember, previous?: ConsumerGroupMember): void {
    if (previous !== undefined) this.#releasePartitions(previous)
    this.members.set(member.memberId, member)
    if (member.instanceId !== null) this.staticMembers.set(member.instanceId, member.memberId)
    this.#ownPartitions(member)
  }

  /** The epochs map must follow a member's ownership; call after its assignment changed. */
  replaceOwnership(before: { assigned: Assignment; pendingRevocation: Assignment }, member: ConsumerGroupMember): void {
    this.#release(before.assigned)
    this.#release(before.pendingRevocation)
    this.#ownPartitions(member)
  }

  removeMember(memberId: string): ConsumerGroupMember | undefined {
    const member = this.members.get(memberId)
    if (member === undefined) return undefined
    member.clearTimers()
    this.members.delete(memberId)
    this.targetAssignment.delete(memberId)
    if (member.instanceId !== null && this.staticMembers.get(member.instanceId) === memberId) this.staticMembers.delete(member.instanceId)
    this.#releasePartitions(member)
    return member
  }

  /** The epoch of the member that owns the partition, or -1 when nobody does. */
  currentPartitionEpoch(topicId: string, partition: number): number {
    return this.#partitionEpochs.get(topicId)?.get(partition) ?? -1
  }

  #ownPartitions(member: ConsumerGroupMember): void {
    for (const assignment of [member.assigned, member.pendingRevocation]) {
      for (const [topicId, partitions] of assignment) {
        let epochs = this.#partitionEpochs.get(topicId)
        if (epochs === undefined) this.#partitionEpochs.set(topicId, (epochs = new Map()))
        for (const p of partitions) epochs.set(p, member.memberEpoch)
      }
    }
  }

  #releasePartitions(member: ConsumerGroupMember): void {
    this.#release(member.assigned)
    this.#release(member.pendingRevocation)
  }

  #release(assignment: Assignment): void {
    for (const [topicId, partitions] of assignment) {
      const epochs = this.#partitionEpochs.get(topicId)
      if (epochs === undefined) continue
      for (const p of partitions) epochs.delete(p)
      if (epochs.size === 0) this.#partitionEpochs.delete(topicId)
    }
  }

  /** Whether every member but those in `except` speaks the classic protocol (and at least one remains). */
  allMembersUseClassicProtocolExcept(except: ReadonlySet<string>): boolean {
    let remaining = 0
    for (const member of this.members.values()) {
      if (except.has(member.memberId)) continue
      if (member.classic === null) return false
      remaining++
    }
    return remaining > 0
  }

  /**
   * The protocol names (assignors) every classic member but those in `except` offers; null when
   * there is no such member. A downgrade needs one, as a classic rebalance picks among them.
   */
  commonClassicProtocols(except: ReadonlySet<string>): Set<string> | null {
    let common: string[] | null = null
    for (const member of this.members.values()) {
      if (member.classic === null || except.has(member.memberId)) continue
      const names: string[] = member.classic.supportedProtocols.map((p) => p.name)
      common = common === null ? names : common.filter((name: string) => names.includes(name))
    }
    return common === null ? null : new Set(common)
  }

  /** Every topic name some member subscribes to by name. */
  subscribedTopicNames(): Set<string> {
    const names = new Set<string>()
    for (const member of this.members.values()) for (const name of member.subscribedTopicNames) names.add(name)
    return names
  }
}
