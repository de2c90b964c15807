/**
 * The classic group protocol, as Kafka's GroupCoordinator runs it: JoinGroup, SyncGroup,
 * Heartbeat and LeaveGroup on a group the coordinator has already looked up, and the timers that
 * drive a rebalance (the delayed join, the initial rebalance delay, session expiry of members,
 * the deadline for SyncGroup).
 *
 * A rebalance, in short: a member joining or leaving, or a member changing its metadata, moves
 * the group to PreparingRebalance; JoinGroup requests then wait until every known member has
 * rejoined or the rebalance timeout passes (members that did not rejoin are dropped, unless
 * static). The next generation starts: the chosen protocol is the one every member supports that
 * most members prefer; the leader gets every member's metadata and computes the assignment
 * (client side); its SyncGroup stores the assignment in __consumer_offsets and, once the ISR
 * has it, relays each member its part. Heartbeats carry REBALANCE_IN_PROGRESS to members while the group rebalances.
 *
 * Event loop thread only: every transition runs to completion between two I/O callbacks, which
 * is what Kafka's per-group lock provides.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from '../common/logger.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type {
  HeartbeatParams,
  JoinGroupMember,
  JoinGroupParams,
  JoinGroupResult,
  LeaveGroupResult,
  LeavingMember,
  SyncGroupParams,
  SyncGroupResult,
} from './coordinator-results.js'
import type { Group } from './group.js'
import type { GroupStore } from './group-store.js'
import { andThen } from './maybe-async.js'
import { type JoinCallback, MemberMetadata, type MemberProtocol, copyProtocols } from './member.js'

/**
 * How long a member that joined without a generation may wait for the rebalance before it is
 * dropped (it cannot heartbeat yet). Kafka's GroupCoordinator.NewMemberJoinTimeoutMs.
 */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000

export interface MembershipConfig {
  readonly initialRebalanceDelayMs: number
}

const EMPTY = Buffer.alloc(0)

export function joinError(memberId: string, errorCode: number): JoinGroupResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] }
}

/** The client's own reason for joining (JoinGroup v8+, KIP-800), for the rebalance log line. */
function reasonSuffix(params: JoinGroupParams): string {
  return params.reason === null || params.reason === '' ? '' : `; the client says: ${params.reason}`
}

export function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY }
}

export class GroupMembership {
  readonly #store: GroupStore
  readonly #config: MembershipConfig
  readonly #logger: Logger
  readonly #now: () => number
  /** Called when a group may have become removable (Empty with nothing stored). */
  readonly #onMaybeUnused: (group: Group) => void

  constructor(store: GroupStore, config: MembershipConfig, logger: Logger, now: () => number, onMaybeUnused: (group: Group) => void) {
    this.#store = store
    this.#config = config
    this.#logger = logger
    this.#now = now
    this.#onMaybeUnused = onMaybeUnused
  }

  /** JoinGroup on an existing group (the coordinator creates it for first-time members). */
  joinGroup(group: Group, params: JoinGroupParams): Promise<JoinGroupResult> {
    return new Promise<JoinGroupResult>((respond) => {
      if (params.memberId === '') this.#doNewMemberJoin(group, params, respond)
      else this.#doCurrentMemberJoin(group, params, respond)
      if (group.is('PreparingRebalance')) this.#tryCompleteJoin(group)
    })
  }

  #doNewMemberJoin(group: Group, params: JoinGroupParams, respond: JoinCallback): void {
    if (group.is('Dead')) return respond(joinError('', KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE))
    const protocols = copyProtocols(params.protocols)
    if (!group.supportsProtocols(params.protocolType, protocols)) {
      respond(joinError('', KafkaErrorCodes.INCONSISTENT_GROUP_PROTOCOL))
      return this.#onMaybeUnused(group)
    }
    const newMemberId = `${params.groupInstanceId ?? params.clientId}-${randomUUID()}`
    if (params.groupInstanceId !== null) {
      const oldMemberId = group.currentStaticMemberId(params.groupInstanceId)
      if (oldMemberId === undefined) this.#addMemberAndRebalance(group, params, protocols, newMemberId, respond)
      else this.#updateStaticMemberAndRebalance(group, params, protocols, oldMemberId, newMemberId, respond)
    } else if (params.requireKnownMemberId) {
      // KIP-394: hand out the id first, so a client that times out and retries does not leave
      // a trail of ghost members behind; it must come back with the id within the session timeout.
      const expiry = setTimeout(() => this.#onPendingMemberExpired(group, newMemberId), params.sessionTimeoutMs)
      expiry.unref()
      group.addPendingMember(newMemberId, expiry)
      respond(joinError(newMemberId, KafkaErrorCodes.MEMBER_ID_REQUIRED))
    } else {
      this.#addMemberAndRebalance(group, params, protocols, newMemberId, respond)
    }
  }

  #doCurrentMemberJoin(group: Group, params: JoinGroupParams, respond: JoinCallback): void {
    const { memberId } = params
    if (group.is('Dead')) return respond(joinError(memberId, KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE))
    const protocols = copyProtocols(params.protocols)
    if (!group.supportsProtocols(params.protocolType, protocols)) return respond(joinError(memberId, KafkaErrorCodes.INCONSISTENT_GROUP_PROTOCOL))
    if (group.isPendingMember(memberId)) {
      if (params.groupInstanceId !== null) return respond(joinError(memberId, KafkaErrorCodes.UNKNOWN_MEMBER_ID))
      return this.#addMemberAndRebalance(group, params, protocols, memberId, respond)
    }
    if (group.isStaticMemberFenced(params.groupInstanceId, memberId)) return respond(joinError(memberId, KafkaErrorCodes.FENCED_INSTANCE_ID))
    const instanceUnknown = params.groupInstanceId !== null && !group.hasStaticMember(params.groupInstanceId)
    if (!group.has(memberId) || instanceUnknown) return respond(joinError(memberId, KafkaErrorCodes.UNKNOWN_MEMBER_ID))
    const member = group.get(memberId)
    switch (group.state) {
      case 'PreparingRebalance':
        return this.#updateMemberAndRebalance(group, member, params, protocols, respond)
      case 'CompletingRebalance':
        // Same metadata: it missed our JoinGroup answer; tell it the current generation again.
        if (member.matches(protocols)) return respond(this.#joinResult(group, member, group.isLeader(memberId)))
        return this.#updateMemberAndRebalance(group, member, params, protocols, respond)
      case 'Stable':
        // A leader's JoinGroup always rebalances: it is how a leader asks for a new assignment
        // when something outside the member metadata changed (a topic gained partitions).
        if (group.isLeader(memberId) || !member.matches(protocols)) return this.#updateMemberAndRebalance(group, member, params, protocols, respond)
        return respond(this.#joinResult(group, member, false))
      default:
        return respond(joinError(memberId, KafkaErrorCodes.UNKNOWN_MEMBER_ID))
    }
  }

  #addMemberAndRebalance(group: Group, params: JoinGroupParams, protocols: MemberProtocol[], memberId: string, respond: JoinCallback): void {
    const member = new MemberMetadata({
      memberId,
      groupInstanceId: params.groupInstanceId,
      clientId: params.clientId,
      clientHost: params.clientHost,
      rebalanceTimeoutMs: params.rebalanceTimeoutMs,
      sessionTimeoutMs: params.sessionTimeoutMs,
      protocolType: params.protocolType,
      protocols,
    })
    member.isNew = true
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true
    group.add(member)
    member.awaitingJoin = respond
    this.#scheduleSession(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS)
    this.#maybePrepareRebalance(group, `Adding new member ${memberId} with group instance id ${params.groupInstanceId ?? 'None'}${reasonSuffix(params)}`)
  }

  #updateMemberAndRebalance(group: Group, member: MemberMetadata, params: JoinGroupParams, protocols: MemberProtocol[], respond: JoinCallback): void {
    group.updateMember(member, protocols, params.rebalanceTimeoutMs, params.sessionTimeoutMs)
    this.#setAwaitingJoin(member, respond)
    this.#maybePrepareRebalance(group, `Updating metadata for member ${member.memberId} during ${group.state}${reasonSuffix(params)}`)
  }

  /**
   * A static member came back (new process, same group.instance.id) without its member id: it
   * takes its old place under a new id. In a Stable group whose protocol does not change, it
   * gets the current generation back without a rebalance (its assignment is unchanged).
   */
  #updateStaticMemberAndRebalance(
    group: Group,
    params: JoinGroupParams,
    protocols: MemberProtocol[],
    oldMemberId: string,
    newMemberId: string,
    respond: JoinCallback,
  ): void {
    const instanceId = params.groupInstanceId!
    const currentLeader = group.leaderId ?? ''
    const member = group.get(oldMemberId)
    // Requests the old incarnation still has waiting are fenced at once.
    member.completeJoin(joinError(oldMemberId, KafkaErrorCodes.FENCED_INSTANCE_ID))
    member.completeSync(syncError(KafkaErrorCodes.FENCED_INSTANCE_ID))
    group.replaceStaticMember(instanceId, oldMemberId, newMemberId)
    const old = { protocols: member.protocols, rebalanceTimeoutMs: member.rebalanceTimeoutMs, sessionTimeoutMs: member.sessionTimeoutMs }
    group.updateMember(member, protocols, params.rebalanceTimeoutMs, params.sessionTimeoutMs)
    this.#scheduleSession(group, member)
    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== group.selectProtocol()) {
          member.awaitingJoin = respond
          return this.#maybePrepareRebalance(group, `Group's selected protocol changes as static member ${newMemberId} (instance ${instanceId}) rejoined with other protocols`)
        }
        const assignment = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]))
        andThen(this.#store.storeGroup(group, assignment, this.#now()), (error) => {
          if (error !== KafkaErrorCodes.NONE) {
            // The new member id is not durable: the old one stays (unless the group was
            // unloaded meanwhile, which leaves nothing to restore).
            if (!group.is('Dead')) {
              group.updateMember(member, old.protocols, old.rebalanceTimeoutMs, old.sessionTimeoutMs)
              group.replaceStaticMember(instanceId, newMemberId, oldMemberId)
              this.#scheduleSession(group, member)
            }
            return respond({ ...this.#joinResult(group, member, false), memberId: '', leader: currentLeader, errorCode: error })
          }
          // KIP-814 (v9+): a returning leader learns it leads but must not reassign; older
          // versions are told the old leader id so that no member computes a new assignment
          // (a Stable group would not relay it).
          const skip = params.supportSkippingAssignment && group.isLeader(newMemberId)
          this.#logger.info('static member rejoined a stable group without a rebalance', { group: group.groupId, instance: instanceId, member: newMemberId })
          return respond({ ...this.#joinResult(group, member, skip), leader: skip ? newMemberId : currentLeader, skipAssignment: skip })
        })
        return
      }
      case 'CompletingRebalance':
        member.awaitingJoin = respond
        return this.#maybePrepareRebalance(group, `Updating metadata for static member ${newMemberId} with instance id ${instanceId}`)
      case 'PreparingRebalance':
        member.awaitingJoin = respond
        return
      default:
        return respond(joinError(newMemberId, KafkaErrorCodes.UNKNOWN_MEMBER_ID))
    }
  }

  syncGroup(group: Group, params: SyncGroupParams): Promise<SyncGroupResult> | SyncGroupResult {
    const { memberId } = params
    if (group.is('Dead')) return syncError(KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE)
    if (group.isStaticMemberFenced(params.groupInstanceId, memberId)) return syncError(KafkaErrorCodes.FENCED_INSTANCE_ID)
    if (!group.has(memberId)) return syncError(KafkaErrorCodes.UNKNOWN_MEMBER_ID)
    if (params.generationId !== group.generationId) return syncError(KafkaErrorCodes.ILLEGAL_GENERATION)
    if (params.protocolType !== null && params.protocolType !== group.protocolType) return syncError(KafkaErrorCodes.INCONSISTENT_GROUP_PROTOCOL)
    if (params.protocolName !== null && params.protocolName !== group.protocolName) return syncError(KafkaErrorCodes.INCONSISTENT_GROUP_PROTOCOL)
    const member = group.get(memberId)
    switch (group.state) {
      case 'PreparingRebalance':
        return syncError(KafkaErrorCodes.REBALANCE_IN_PROGRESS)
      case 'Stable':
        this.#removePendingSyncMember(group, memberId)
        this.#scheduleSession(group, member)
        return { errorCode: KafkaErrorCodes.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment }
      case 'CompletingRebalance':
        return new Promise<SyncGroupResult>((respond) => {
          if (member.awaitingSync !== null) member.completeSync(syncError(KafkaErrorCodes.REBALANCE_IN_PROGRESS))
          member.awaitingSync = respond
          this.#removePendingSyncMember(group, memberId)
          if (group.isLeader(memberId)) this.#completeAssignment(group, params)
        })
      default:
        return syncError(KafkaErrorCodes.UNKNOWN_MEMBER_ID)
    }
  }

  /**
   * The leader's SyncGroup: store the assignment, then, once the ISR has it, relay each member
   * its part. Members waiting meanwhile keep waiting; if the group moved on in between (a member
   * joined, or the partition was unloaded), the stored generation is over and nothing is relayed.
   */
  #completeAssignment(group: Group, params: SyncGroupParams): void {
    const given = new Map(params.assignments.map((a) => [a.memberId, a.assignment]))
    const assignment = new Map<string, Buffer>()
    for (const memberId of group.members.keys()) assignment.set(memberId, Buffer.from(given.get(memberId) ?? EMPTY))
    const missing = [...group.members.keys()].filter((id) => !given.has(id))
    if (missing.length > 0) this.#logger.warn('the leader assigned nothing to some members', { group: group.groupId, members: missing })
    const generation = group.generationId
    andThen(this.#store.storeGroup(group, assignment, this.#now()), (error) => {
      if (!group.is('CompletingRebalance') || group.generationId !== generation) return
      if (error !== KafkaErrorCodes.NONE) {
        this.#resetAndPropagateAssignmentError(group, error)
        this.#maybePrepareRebalance(group, `Error storing the assignment of generation ${group.generationId}`)
        return
      }
      for (const member of group.members.values()) member.assignment = assignment.get(member.memberId) ?? EMPTY
      this.#propagateAssignment(group, KafkaErrorCodes.NONE)
      group.transitionTo('Stable', this.#now())
      this.#logger.info('assignment received from the leader; group is stable', {
        group: group.groupId,
        generation: group.generationId,
        members: group.members.size,
        static: group.staticMembers.size,
      })
    })
  }

  heartbeat(group: Group, params: HeartbeatParams): number {
    if (group.is('Dead')) return KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE
    if (group.isStaticMemberFenced(params.groupInstanceId, params.memberId)) return KafkaErrorCodes.FENCED_INSTANCE_ID
    if (!group.has(params.memberId)) return KafkaErrorCodes.UNKNOWN_MEMBER_ID
    if (params.generationId !== group.generationId) return KafkaErrorCodes.ILLEGAL_GENERATION
    const member = group.get(params.memberId)
    switch (group.state) {
      case 'CompletingRebalance':
      case 'Stable':
        this.#scheduleSession(group, member)
        return KafkaErrorCodes.NONE
      case 'PreparingRebalance':
        this.#scheduleSession(group, member)
        return KafkaErrorCodes.REBALANCE_IN_PROGRESS
      default:
        return KafkaErrorCodes.UNKNOWN_MEMBER_ID
    }
  }

  /** Kafka's "member still counts as alive" check, used when an offset commit arrives. */
  touch(group: Group, memberId: string): void {
    const member = group.members.get(memberId)
    if (member !== undefined) this.#scheduleSession(group, member)
  }

  leaveGroup(group: Group, leaving: readonly LeavingMember[]): LeaveGroupResult {
    if (group.is('Dead')) return { errorCode: KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE, members: [] }
    const members = leaving.map((m) => ({ ...m, errorCode: this.#leave(group, m) }))
    return { errorCode: KafkaErrorCodes.NONE, members }
  }

  #leave(group: Group, leaving: LeavingMember): number {
    const reason = leaving.reason ?? 'the member left the group'
    if (leaving.memberId === '') {
      // Administrative removal by group.instance.id (kafka-consumer-groups --delete-member style).
      const current = leaving.groupInstanceId === null ? undefined : group.currentStaticMemberId(leaving.groupInstanceId)
      if (current === undefined) return KafkaErrorCodes.UNKNOWN_MEMBER_ID
      this.removeMemberAndUpdateGroup(group, group.get(current), reason)
      return KafkaErrorCodes.NONE
    }
    if (group.removePendingMember(leaving.memberId)) {
      if (group.is('PreparingRebalance')) this.#tryCompleteJoin(group)
      return KafkaErrorCodes.NONE
    }
    if (group.isStaticMemberFenced(leaving.groupInstanceId, leaving.memberId)) return KafkaErrorCodes.FENCED_INSTANCE_ID
    const member = group.members.get(leaving.memberId)
    if (member === undefined) return KafkaErrorCodes.UNKNOWN_MEMBER_ID
    this.#logger.info('member left the group', { group: group.groupId, member: leaving.memberId, reason })
    this.removeMemberAndUpdateGroup(group, member, reason)
    return KafkaErrorCodes.NONE
  }

  /** Removes a member (left, expired, or removed by an admin) and rebalances the rest. */
  removeMemberAndUpdateGroup(group: Group, member: MemberMetadata, reason: string): void {
    // A member still waiting in JoinGroup is told to rejoin if it is still alive.
    member.completeJoin(joinError(member.memberId, KafkaErrorCodes.UNKNOWN_MEMBER_ID))
    member.completeSync(syncError(KafkaErrorCodes.UNKNOWN_MEMBER_ID))
    group.remove(member.memberId)
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        return this.#maybePrepareRebalance(group, reason)
      case 'PreparingRebalance':
        return this.#tryCompleteJoin(group)
      default:
        return
    }
  }

  /** Starts the timers of members loaded from the log: they must heartbeat to stay. */
  scheduleLoadedMembers(group: Group): void {
    for (const member of group.members.values()) this.#scheduleSession(group, member)
  }

  /** Stops every timer of the group and answers its waiting requests with `errorCode`. */
  shutdown(group: Group, errorCode: number): void {
    if (group.joinTimer !== null) clearTimeout(group.joinTimer)
    if (group.syncTimer !== null) clearTimeout(group.syncTimer)
    group.joinTimer = group.syncTimer = null
    for (const memberId of [...group.pendingMembers.keys()]) group.removePendingMember(memberId)
    for (const member of group.members.values()) {
      member.clearSessionTimer()
      member.completeJoin(joinError(member.memberId, errorCode))
      member.completeSync(syncError(errorCode))
    }
  }

  /** Starts a rebalance of a group whose members came from elsewhere (a consumer group downgraded; group-migration.ts). */
  rebalance(group: Group, reason: string): void {
    this.#maybePrepareRebalance(group, reason)
  }

  #maybePrepareRebalance(group: Group, reason: string): void {
    if (group.canRebalance) this.#prepareRebalance(group, reason)
  }

  #prepareRebalance(group: Group, reason: string): void {
    // Members waiting in SyncGroup for an assignment that will not come are told to rejoin.
    if (group.is('CompletingRebalance')) this.#resetAndPropagateAssignmentError(group, KafkaErrorCodes.REBALANCE_IN_PROGRESS)
    this.#clearSyncTimer(group)
    const wasEmpty = group.is('Empty')
    group.transitionTo('PreparingRebalance', this.#now())
    this.#logger.info('preparing to rebalance group', { group: group.groupId, generation: group.generationId, reason })
    if (wasEmpty) {
      // Kafka's InitialDelayedJoin: give the other members of a starting application time to
      // arrive, so the group does not rebalance once per member.
      const delay = this.#config.initialRebalanceDelayMs
      this.#scheduleInitialJoin(group, delay, Math.max(group.rebalanceTimeoutMs - delay, 0))
    } else {
      this.#scheduleJoin(group, group.rebalanceTimeoutMs)
      this.#tryCompleteJoin(group)
    }
  }

  #scheduleJoin(group: Group, timeoutMs: number): void {
    this.#clearJoinTimer(group)
    group.joinIsInitial = false
    group.joinTimer = setTimeout(() => this.#onCompleteJoin(group), timeoutMs)
    group.joinTimer.unref()
  }

  #scheduleInitialJoin(group: Group, delayMs: number, remainingMs: number): void {
    this.#clearJoinTimer(group)
    group.joinIsInitial = true
    group.joinTimer = setTimeout(() => {
      group.joinTimer = null
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false
        const delay = Math.min(this.#config.initialRebalanceDelayMs, remainingMs)
        this.#scheduleInitialJoin(group, delay, Math.max(remainingMs - delay, 0))
      } else {
        this.#onCompleteJoin(group)
      }
    }, delayMs)
    group.joinTimer.unref()
  }

  /** Completes the join phase early once every member is back (not during the initial delay). */
  #tryCompleteJoin(group: Group): void {
    if (group.is('PreparingRebalance') && !group.joinIsInitial && group.hasAllMembersJoined) this.#onCompleteJoin(group)
  }

  #onCompleteJoin(group: Group): void {
    this.#clearJoinTimer(group)
    if (!group.is('PreparingRebalance')) return
    for (const member of group.notYetRejoinedMembers()) {
      // Static members keep their place: their session timeout decides whether they are gone.
      if (member.isStatic) continue
      this.#logger.info('removing a member that did not rejoin in time', { group: group.groupId, member: member.memberId })
      group.remove(member.memberId)
    }
    if (!group.maybeElectNewJoinedLeader() && !group.isEmpty) {
      // Only static members that did not rejoin are left: wait for them or their expiry.
      this.#logger.warn('no member rejoined; waiting another rebalance timeout', { group: group.groupId })
      this.#scheduleJoin(group, group.rebalanceTimeoutMs)
      return
    }
    const now = this.#now()
    group.initNextGeneration(now)
    if (group.is('Empty')) {
      this.#logger.info('group is now empty', { group: group.groupId, generation: group.generationId })
      // Nobody waits for this write (the last member has its LeaveGroup answer already).
      andThen(this.#store.storeGroup(group, new Map(), now), (error) => {
        if (error !== KafkaErrorCodes.NONE) this.#logger.warn('could not store the empty group', { group: group.groupId, errorCode: error })
        this.#onMaybeUnused(group)
      })
      return
    }
    this.#logger.info('stabilized group', { group: group.groupId, generation: group.generationId, protocol: group.protocolName, members: group.members.size })
    for (const member of group.members.values()) {
      member.completeJoin(this.#joinResult(group, member, group.isLeader(member.memberId)))
      this.#scheduleSession(group, member)
      member.isNew = false
    }
    const generation = group.generationId
    group.syncTimer = setTimeout(() => this.#onExpirePendingSync(group, generation), group.rebalanceTimeoutMs)
    group.syncTimer.unref()
  }

  /** Members that got the new generation but never sent SyncGroup are dropped. */
  #onExpirePendingSync(group: Group, generation: number): void {
    group.syncTimer = null
    if (generation !== group.generationId) return
    if (!group.is('CompletingRebalance') && !group.is('Stable')) return
    if (group.pendingSyncMembers.size === 0) return
    const missing = [...group.pendingSyncMembers]
    this.#logger.info('removing members that did not send SyncGroup in time', { group: group.groupId, members: missing })
    for (const memberId of missing) {
      const member = group.members.get(memberId)
      if (member !== undefined) {
        member.completeSync(syncError(KafkaErrorCodes.UNKNOWN_MEMBER_ID))
        group.remove(memberId)
      }
    }
    this.#prepareRebalance(group, `members ${missing.join(', ')} did not sync in time`)
  }

  #onSessionExpired(group: Group, member: MemberMetadata): void {
    member.sessionTimer = null
    if (group.members.get(member.memberId) !== member) return
    // Members waiting in a rebalance are alive by definition; the rebalance reschedules them.
    // New members have only the join timeout.
    if (!member.isNew && (member.isAwaitingJoin || member.isAwaitingSync)) return
    this.#logger.info('member session expired; removing it from the group', { group: group.groupId, member: member.memberId, sessionTimeoutMs: member.sessionTimeoutMs })
    this.removeMemberAndUpdateGroup(group, member, `session of ${member.memberId} expired`)
  }

  #onPendingMemberExpired(group: Group, memberId: string): void {
    if (!group.removePendingMember(memberId)) return
    if (group.is('PreparingRebalance')) this.#tryCompleteJoin(group)
    this.#onMaybeUnused(group)
  }

  #scheduleSession(group: Group, member: MemberMetadata, timeoutMs = member.sessionTimeoutMs): void {
    // Re-arming the same timer (refresh) costs no allocation: heartbeats are the hot path here.
    if (member.sessionTimer !== null && member.sessionTimerMs === timeoutMs) {
      member.sessionTimer.refresh()
      return
    }
    member.clearSessionTimer()
    member.sessionTimerMs = timeoutMs
    member.sessionTimer = setTimeout(() => this.#onSessionExpired(group, member), timeoutMs)
    member.sessionTimer.unref()
  }

  #removePendingSyncMember(group: Group, memberId: string): void {
    group.pendingSyncMembers.delete(memberId)
    if (group.pendingSyncMembers.size === 0) this.#clearSyncTimer(group)
  }

  #resetAndPropagateAssignmentError(group: Group, errorCode: number): void {
    for (const member of group.members.values()) member.assignment = EMPTY
    this.#propagateAssignment(group, errorCode)
  }

  #propagateAssignment(group: Group, errorCode: number): void {
    for (const member of group.members.values()) {
      const result = { errorCode, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment }
      // A member whose session ran out while it waited here must get a fresh session.
      if (member.completeSync(result)) this.#scheduleSession(group, member)
    }
  }

  #setAwaitingJoin(member: MemberMetadata, respond: JoinCallback): void {
    // An earlier JoinGroup of this member (from a connection it gave up on) is answered first.
    member.completeJoin(joinError(member.memberId, KafkaErrorCodes.REBALANCE_IN_PROGRESS))
    member.awaitingJoin = respond
  }

  #joinResult(group: Group, member: MemberMetadata, withMembers: boolean): JoinGroupResult {
    const members: JoinGroupMember[] = withMembers
      ? [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(group.protocolName) }))
      : []
    return {
      errorCode: KafkaErrorCodes.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members,
    }
  }

  #clearJoinTimer(group: Group): void {
    if (group.joinTimer !== null) clearTimeout(group.joinTimer)
    group.joinTimer = null
  }

  #clearSyncTimer(group: Group): void {
    if (group.syncTimer !== null) clearTimeout(group.syncTimer)
    group.syncTimer = null
  }
}
