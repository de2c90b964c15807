/**
 * One classic consumer group: its state in Kafka's state machine, its members (dynamic and
 * static), the generation and chosen protocol, and its committed offsets.
 *
 * States and the transitions Kafka allows (anything else is a bug and throws):
 *
 *   Empty               → PreparingRebalance            (a member joins)
 *   PreparingRebalance  → CompletingRebalance | Empty   (joins complete, with or without members)
 *   CompletingRebalance → Stable                        (the leader's assignment is stored)
 *   CompletingRebalance | Stable → PreparingRebalance   (membership or metadata changes)
 *   any state           → Dead                          (deleted, or its offsets expired)
 *
 * - Empty: no members; may still hold committed offsets (also the state of groups that only
 *   commit offsets, such as admin tools or consumers that assign partitions themselves).
 * - PreparingRebalance: waiting for members to (re)join; JoinGroup requests are parked.
 * - CompletingRebalance: joined; waiting for the leader's assignment in SyncGroup.
 * - Stable: every member has its assignment; heartbeats keep the members alive.
 * - Dead: gone; requests that still find it are told to look for the coordinator again.
 *
 * This class holds the data and its invariants; the rules of the protocol (who may do what in
 * which state, timers, persistence) live in GroupCoordinator. Event loop thread only.
 */
import { decodeSubscription } from '../protocol/messages/consumer-protocol.js'
import type { CommittedOffset } from './coordinator-results.js'
import type { MemberMetadata, MemberProtocol } from './member.js'

/** An offset commit in the log that waits for replication before the group takes it in. */
export interface PendingOffsetCommit {
  readonly topic: string
  readonly partition: number
  committed: CommittedOffset
}

/**
 * An offset committed inside a transaction (TxnOffsetCommit): it waits for the transaction's
 * COMMIT marker before the group takes it in, and is dropped at an ABORT marker. Its
 * `committed.recordOffset` is set once its record is in the log.
 */
export interface PendingTxnOffsetCommit {
  readonly producerId: number
  readonly topic: string
  readonly partition: number
  committed: CommittedOffset
  /** The commit of the same partition in the same transaction that this one replaces, if any. */
  readonly replaces: PendingTxnOffsetCommit | undefined
}

/** Whether `candidate` was written to the log after `current` (Kafka's olderThan, reversed). */
function isNewerRecord(current: CommittedOffset | undefined, candidate: CommittedOffset): boolean {
  return current === undefined || (current.recordOffset ?? -1) < (candidate.recordOffset ?? -1) || candidate.recordOffset === undefined
}

function pendingKey(topic: string, partition: number): string {
  return `${topic}/${partition}`
}

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

export const GROUP_STATES: readonly GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']

const validPreviousStates: Record<GroupState, readonly GroupState[]> = {
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  Empty: ['PreparingRebalance'],
}

/** The consumer protocol type; groups of this type have subscriptions the broker can read. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer'

export class Group {
  readonly groupId: string
  #state: GroupState
  /** When the group last changed state (ms); offsets of an Empty group expire from here. */
  currentStateTimestamp: number
  protocolType: string | null = null
  protocolName: string | null = null
  generationId = 0
  leaderId: string | null = null
  readonly members = new Map<string, MemberMetadata>()
  /** group.instance.id → member id of the static member that holds it. */
  readonly staticMembers = new Map<string, string>()
  /** Members told MEMBER_ID_REQUIRED that have not joined with their id yet, with their expiry. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>()
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>()
  /** How many members offer each protocol (to check a newcomer shares one with everyone). */
  readonly #supportedProtocols = new Map<string, number>()
  /** A member joined while the first rebalance waits (extends group.initial.rebalance.delay.ms). */
  newMemberAdded = false
  /** Topics the members subscribe to, when the protocol is "consumer" and readable; else null. */
  subscribedTopics: ReadonlySet<string> | null = null
  /** Committed offsets: topic → partition → offset. Holds exactly what the log holds. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>()
  /**
   * Commits written to the log that are not replicated yet, per "topic/partition" (Kafka's
   * pendingOffsetCommits): they count as offsets the group holds, expiry leaves their partitions
   * alone, and a deletion meanwhile cancels them, so a late acknowledgement cannot bring back an
   * offset that a later tombstone removed.
   */
  readonly #pendingCommits = new Map<string, Set<PendingOffsetCommit>>()
  /**
   * Offsets committed inside transactions that have not ended, per producer id and then per
   * "topic/partition" (Kafka's pendingTransactionalOffsetCommits). A later commit of the same
   * partition in the same transaction replaces the earlier one.
   */
  readonly #pendingTxnCommits = new Map<number, Map<string, PendingTxnOffsetCommit>>()
  /** The GroupMetadataValue last written to (or loaded from) the log, for snapshots. */
  persistedMetadata: Buffer | null = null
  /** The delayed join of the current rebalance (Kafka's DelayedJoin / InitialDelayedJoin). */
  joinTimer: NodeJS.Timeout | null = null
  /** The join timer is the initial delay (which never completes early) rather than a DelayedJoin. */
  joinIsInitial = false
  /** Removes members that do not send SyncGroup within the rebalance timeout. */
  syncTimer: NodeJS.Timeout | null = null

  constructor(groupId: string, state: GroupState, now: number) {
    this.groupId = groupId
    this.#state = state
    this.currentStateTimestamp = now
  }

  get state(): GroupState {
    return this.#state
  }

  is(state: GroupState): boolean {
    return this.#state === state
  }

  /** Whether a rebalance may start from the current state. */
  get canRebalance(): boolean {
    return validPreviousStates.PreparingRebalance.includes(this.#state)
  }

  transitionTo(state: GroupState, now: number): void {
    if (!validPreviousStates[state].includes(this.#state)) {
      throw new Error(`group ${this.groupId} cannot go from ${this.#state} to ${state}`)
    }
    this.#state = state
    this.currentStateTimestamp = now
  }

  get isEmpty(): boolean {
    return this.members.size === 0
  }

  has(memberId: string): boolean {
    return this.members.has(memberId)
  }

  get(memberId: string): MemberMetadata {
    const member = this.members.get(memberId)
    if (member === undefined) throw new Error(`group ${this.groupId} has no member ${memberId}`)
    return member
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId)
  }

  hasStaticMember(groupInstanceId: string | null): boolean {
    return groupInstanceId !== null && this.staticMembers.has(groupInstanceId)
  }

  currentStaticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId)
  }

  /** A request from `memberId` under `groupInstanceId` when another member now holds that id. */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false
    const current = this.staticMembers.get(groupInstanceId)
    return current !== undefined && current !== memberId
  }

  /** The largest rebalance timeout among the members: how long a rebalance waits for them. */
  get rebalanceTimeoutMs(): number {
    let timeout = 0
    for (const member of this.members.values()) timeout = Math.max(timeout, member.rebalanceTimeoutMs)
    return timeout
  }

  get numMembersAwaitingJoin(): number {
    let count = 0
    for (const member of this.members.values()) if (member.isAwaitingJoin) count++
    return count
  }

  /** Every member has rejoined and nobody told MEMBER_ID_REQUIRED is still on the way. */
  get hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoin && this.pendingMembers.size === 0
  }

  add(member: MemberMetadata): void {
    if (this.members.size === 0) this.protocolType = member.protocolType
    if (this.leaderId === null) this.leaderId = member.memberId
    this.members.set(member.memberId, member)
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId)
    this.#countProtocols(member.protocols, 1)
    this.removePendingMember(member.memberId)
  }

  remove(memberId: string): MemberMetadata | undefined {
    const member = this.members.get(memberId)
    if (member === undefined) return undefined
    member.clearSessionTimer()
    this.members.delete(memberId)
    this.#countProtocols(member.protocols, -1)
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId)
    }
    this.pendingSyncMembers.delete(memberId)
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null
    return member
  }

  addPendingMember(memberId: string, expiry: NodeJS.Timeout): void {
    this.pendingMembers.set(memberId, expiry)
  }

  removePendingMember(memberId: string): boolean {
    const timer = this.pendingMembers.get(memberId)
    if (timer === undefined) return false
    clearTimeout(timer)
    this.pendingMembers.delete(memberId)
    return true
  }

  /** Replaces a member's protocols and timeouts (a rejoin). */
  updateMember(member: MemberMetadata, protocols: readonly MemberProtocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number): void {
    this.#countProtocols(member.protocols, -1)
    member.protocols = protocols
    member.rebalanceTimeoutMs = rebalanceTimeoutMs
    member.sessionTimeoutMs = sessionTimeoutMs
    this.#countProtocols(protocols, 1)
  }

  /**
   * Gives a static member's place to a new member id (the instance restarted). Requests still
   * waiting under the old id are answered FENCED_INSTANCE_ID by the caller-supplied callbacks.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): MemberMetadata {
    const member = this.get(oldMemberId)
    this.members.delete(oldMemberId)
    member.memberId = newMemberId
    this.members.set(newMemberId, member)
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId
    this.staticMembers.set(groupInstanceId, newMemberId)
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId)
    return member
  }

  /**
   * Whether a newcomer (or a rejoining member) can be in this group: same protocol type, and at
   * least one protocol every current member also offers.
   */
  supportsProtocols(protocolType: string, protocols: readonly MemberProtocol[]): boolean {
    if (this.isEmpty) return protocolType.length > 0 && protocols.length > 0
    return protocolType === this.protocolType && protocols.some((p) => this.#supportedProtocols.get(p.name) === this.members.size)
  }

  /** Kafka's vote: among protocols every member supports, each member votes its favourite. */
  selectProtocol(): string {
    if (this.isEmpty) throw new Error(`group ${this.groupId} has no members to select a protocol`)
    const candidates = new Set<string>()
    for (const [name, count] of this.#supportedProtocols) if (count === this.members.size) candidates.add(name)
    const votes = new Map<string, number>()
    for (const member of this.members.values()) {
      const vote = member.vote(candidates)
      votes.set(vote, (votes.get(vote) ?? 0) + 1)
    }
    let best = ''
    let bestVotes = -1
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name
        bestVotes = count
      }
    }
    return best
  }

  /**
   * If the leader did not rejoin, hands leadership to a member that did. Returns false when no
   * member rejoined at all.
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false
    const leader = this.members.get(this.leaderId)
    if (leader !== undefined && leader.isAwaitingJoin) return true
    for (const member of this.members.values()) {
      if (member.isAwaitingJoin) {
        this.leaderId = member.memberId
        return true
      }
    }
    return false
  }

  /** Members that were in the group but have not rejoined the current rebalance. */
  notYetRejoinedMembers(): MemberMetadata[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin)
  }

  /** Starts the next generation: CompletingRebalance with a chosen protocol, or Empty. */
  initNextGeneration(now: number): void {
    this.generationId++
    if (!this.isEmpty) {
      this.protocolName = this.selectProtocol()
      this.transitionTo('CompletingRebalance', now)
    } else {
      this.protocolName = null
      this.transitionTo('Empty', now)
    }
    this.subscribedTopics = this.computeSubscribedTopics()
    this.pendingSyncMembers.clear()
    for (const memberId of this.members.keys()) this.pendingSyncMembers.add(memberId)
  }

  /**
   * The topics the members subscribe to, read from their consumer-protocol subscriptions; null
   * when the group is not a consumer group or a subscription does not parse.
   */
  computeSubscribedTopics(): ReadonlySet<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE || this.protocolName === null) return null
    const topics = new Set<string>()
    try {
      for (const member of this.members.values()) {
        for (const topic of decodeSubscription(member.metadata(this.protocolName)).value.topics) topics.add(topic)
      }
    } catch {
      return null
    }
    return topics
  }

  /** Whether the group consumes `topic` (unknown subscriptions count as consuming everything). */
  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics === null || this.subscribedTopics.has(topic)
  }

  committed(topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(topic)?.get(partition)
  }

  setCommitted(topic: string, partition: number, committed: CommittedOffset): void {
    let partitions = this.offsets.get(topic)
    if (partitions === undefined) {
      partitions = new Map()
      this.offsets.set(topic, partitions)
    }
    partitions.set(partition, committed)
  }

  /**
   * Removes a committed offset; commits of it still replicating, and those of open transactions,
   * are cancelled (a removal wins), as Kafka's removeOffsets does.
   */
  removeCommitted(topic: string, partition: number): boolean {
    const key = pendingKey(topic, partition)
    this.#pendingCommits.delete(key)
    for (const [producerId, pending] of this.#pendingTxnCommits) {
      if (pending.delete(key) && pending.size === 0) this.#pendingTxnCommits.delete(producerId)
    }
    const partitions = this.offsets.get(topic)
    if (partitions === undefined || !partitions.delete(partition)) return false
    if (partitions.size === 0) this.offsets.delete(topic)
    return true
  }

  /** Offsets committed or on their way into the log (also inside open transactions). */
  get hasOffsets(): boolean {
    return this.offsets.size > 0 || this.#pendingCommits.size > 0 || this.#pendingTxnCommits.size > 0
  }

  /** Notes a commit of `committed` written to the log, to apply once it is replicated. */
  prepareOffsetCommit(topic: string, partition: number, committed: CommittedOffset): PendingOffsetCommit {
    const pending: PendingOffsetCommit = { topic, partition, committed }
    const key = pendingKey(topic, partition)
    let set = this.#pendingCommits.get(key)
    if (set === undefined) this.#pendingCommits.set(key, (set = new Set()))
    set.add(pending)
    return pending
  }

  /**
   * The commit's write settled: a replicated one becomes the committed offset unless a removal
   * cancelled it meanwhile, or a transactional commit written after it in the log was committed
   * meanwhile; a failed one is forgotten.
   */
  completeOffsetCommit(pending: PendingOffsetCommit, replicated: boolean): void {
    const key = pendingKey(pending.topic, pending.partition)
    const set = this.#pendingCommits.get(key)
    if (set === undefined || !set.delete(pending)) return
    if (set.size === 0) this.#pendingCommits.delete(key)
    if (replicated && isNewerRecord(this.committed(pending.topic, pending.partition), pending.committed)) {
      this.setCommitted(pending.topic, pending.partition, pending.committed)
    }
  }

  /** Notes an offset committed inside the open transaction of `producerId`, before it is written. */
  prepareTxnOffsetCommit(producerId: number, topic: string, partition: number, committed: CommittedOffset): PendingTxnOffsetCommit {
    let byPartition = this.#pendingTxnCommits.get(producerId)
    if (byPartition === undefined) this.#pendingTxnCommits.set(producerId, (byPartition = new Map()))
    const key = pendingKey(topic, partition)
    const pending: PendingTxnOffsetCommit = { producerId, topic, partition, committed, replaces: byPartition.get(key) }
    byPartition.set(key, pending)
    return pending
  }

  /**
   * The write of a transactional commit failed: it is forgotten and the commit it replaced (an
   * earlier one of the same transaction, in the log) counts again, unless a later commit of the
   * same transaction replaced it meanwhile. (Kafka's failPendingTxnOffsetCommit forgets both;
   * a fenced zombie's refused commit must not erase what the transaction wrote before.)
   */
  failTxnOffsetCommit(pending: PendingTxnOffsetCommit): void {
    const byPartition = this.#pendingTxnCommits.get(pending.producerId)
    const key = pendingKey(pending.topic, pending.partition)
    if (byPartition?.get(key) !== pending) return
    if (pending.replaces !== undefined) return void byPartition.set(key, pending.replaces)
    byPartition.delete(key)
    if (byPartition.size === 0) this.#pendingTxnCommits.delete(pending.producerId)
  }

  /**
   * The transaction of `producerId` ended (its marker is in this group's __consumer_offsets
   * partition): on COMMIT its offsets become committed, each unless a commit written later in
   * the log already holds the partition; on ABORT they are dropped. Returns how many it applied.
   */
  completeTxnOffsetCommits(producerId: number, commit: boolean): number {
    const byPartition = this.#pendingTxnCommits.get(producerId)
    if (byPartition === undefined) return 0
    this.#pendingTxnCommits.delete(producerId)
    if (!commit) return 0
    let applied = 0
    for (const pending of byPartition.values()) {
      // A commit whose record never reached the log is not part of the transaction.
      if (pending.committed.recordOffset === undefined) continue
      if (!isNewerRecord(this.committed(pending.topic, pending.partition), pending.committed)) continue
      this.setCommitted(pending.topic, pending.partition, pending.committed)
      applied++
    }
    return applied
  }

  /** Whether offsets of this group wait inside open transactions. */
  get hasPendingTxnOffsets(): boolean {
    return this.#pendingTxnCommits.size > 0
  }

  /** Producers with offsets pending in an open transaction of this group. */
  get producersWithPendingTxnOffsets(): Iterable<number> {
    return this.#pendingTxnCommits.keys()
  }

  /** Partitions with offsets pending in open transactions (a deletion tombstones these too). */
  *pendingTxnCommitPartitions(): Iterable<{ topic: string; partition: number }> {
    const seen = new Set<string>()
    for (const byPartition of this.#pendingTxnCommits.values()) {
      for (const [key, { topic, partition }] of byPartition) {
        if (seen.has(key)) continue
        seen.add(key)
        yield { topic, partition }
      }
    }
  }

  /**
   * Whether a commit of the partition is on its way: replicating, or inside an open
   * transaction. OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT then (KIP-447).
   */
  hasUnstableOffset(topic: string, partition: number): boolean {
    const key = pendingKey(topic, partition)
    if (this.#pendingCommits.has(key)) return true
    for (const byPartition of this.#pendingTxnCommits.values()) if (byPartition.has(key)) return true
    return false
  }

  /** The partitions with a commit still replicating. */
  *pendingCommitPartitions(): Iterable<{ topic: string; partition: number }> {
    for (const set of this.#pendingCommits.values()) {
      for (const { topic, partition } of set) {
        yield { topic, partition }
        break
      }
    }
  }

  hasPendingCommit(topic: string, partition: number): boolean {
    return this.#pendingCommits.has(pendingKey(topic, partition))
  }

  #countProtocols(protocols: readonly MemberProtocol[], delta: number): void {
    for (const { name } of protocols) {
      const count = (this.#supportedProtocols.get(name) ?? 0) + delta
      if (count === 0) this.#supportedProtocols.delete(name)
      else this.#supportedProtocols.set(name, count)
    }
  }
}
