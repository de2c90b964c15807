/**
 * One member of a classic group, as the coordinator knows it: identity (member id, and for a
 * static member its group.instance.id), the client it runs in, its timeouts, the protocols it
 * offered in its last JoinGroup with their metadata, the assignment the leader gave it, and the
 * JoinGroup/SyncGroup requests of its that wait for the rebalance to get further.
 *
 * Owned by its Group and used on the event loop thread only. Byte fields are private copies:
 * request buffers are views into socket chunks that do not outlive the request.
 */
import type { JoinGroupResult, SyncGroupResult } from './coordinator-results.js'

export interface MemberProtocol {
  readonly name: string
  readonly metadata: Buffer
}

export type JoinCallback = (result: JoinGroupResult) => void
export type SyncCallback = (result: SyncGroupResult) => void

const EMPTY = Buffer.alloc(0)

export class MemberMetadata {
  memberId: string
  readonly groupInstanceId: string | null
  clientId: string
  clientHost: string
  rebalanceTimeoutMs: number
  sessionTimeoutMs: number
  protocolType: string
  protocols: readonly MemberProtocol[]
  /** What the leader assigned in the current generation (empty until SyncGroup completes). */
  assignment: Buffer = EMPTY
  /** A JoinGroup waiting for the rebalance to complete. */
  awaitingJoin: JoinCallback | null = null
  /** A SyncGroup waiting for the leader's assignment. */
  awaitingSync: SyncCallback | null = null
  /**
   * Joined during the current rebalance and has not received a JoinGroup answer yet. Such a
   * member cannot heartbeat (it has no generation), so it is given NEW_MEMBER_JOIN_TIMEOUT_MS
   * instead of its session timeout, like Kafka.
   */
  isNew = false
  /** The session timer: fires when the member has neither heartbeated nor joined in time. */
  sessionTimer: NodeJS.Timeout | null = null
  /** The duration the session timer was armed with (so a heartbeat can re-arm it in place). */
  sessionTimerMs = 0

  constructor(init: {
    memberId: string
    groupInstanceId: string | null
    clientId: string
    clientHost: string
    rebalanceTimeoutMs: number
    sessionTimeoutMs: number
    protocolType: string
    protocols: readonly MemberProtocol[]
  }) {
    this.memberId = init.memberId
    this.groupInstanceId = init.groupInstanceId
    this.clientId = init.clientId
    this.clientHost = init.clientHost
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs
    this.sessionTimeoutMs = init.sessionTimeoutMs
    this.protocolType = init.protocolType
    this.protocols = init.protocols
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null
  }

  /** The metadata this member offered for `protocol` (empty if it did not offer it). */
  metadata(protocol: string | null): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY
  }

  /** The member's most preferred protocol among `candidates` (its protocols are in preference order). */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.protocols.find((p) => candidates.has(p.name))
    if (choice === undefined) throw new Error(`member ${this.memberId} supports none of the candidate protocols`)
    return choice.name
  }

  /** True when `protocols` are exactly what the member offered last time (names, order, bytes). */
  matches(protocols: readonly MemberProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false
    return protocols.every((p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata))
  }

  /** Answers the waiting JoinGroup, if any. Returns whether there was one. */
  completeJoin(result: JoinGroupResult): boolean {
    const callback = this.awaitingJoin
    if (callback === null) return false
    this.awaitingJoin = null
    callback(result)
    return true
  }

  /** Answers the waiting SyncGroup, if any. Returns whether there was one. */
  completeSync(result: SyncGroupResult): boolean {
    const callback = this.awaitingSync
    if (callback === null) return false
    this.awaitingSync = null
    callback(result)
    return true
  }

  clearSessionTimer(): void {
    if (this.sessionTimer !== null) clearTimeout(this.sessionTimer)
    this.sessionTimer = null
  }
}

/** Copies protocol metadata out of a request's buffers. */
export function copyProtocols(protocols: ReadonlyArray<{ name: string; metadata: Uint8Array }>): MemberProtocol[] {
  return protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) }))
}
