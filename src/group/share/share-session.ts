/**
 * Share sessions (KIP-932), kept apart from Fetch's KIP-227 sessions: one per (group, member) on
 * each broker a member fetches from. Epoch 0 opens one with the partitions the request names;
 * each later request carries the epoch the broker expects (then the next one, wrapping past
 * 2^31-1 to 1) and names only the partitions it adds; ForgottenTopicsData drops some; -1 closes
 * the session, and the member's acquired records are released.
 *
 * The cache is bounded, as Kafka's is (group.share.max.share.sessions): a session past the cap
 * is refused with SHARE_SESSION_LIMIT_REACHED. Sessions go when their member closes them, leaves
 * its group or is expired by the coordinator (remove), and, because that news reaches only the
 * coordinator's broker, when nobody has used them for SESSION_IDLE_EVICTION_MS: a churn of
 * members that never close their sessions cannot fill the cache for good.
 *
 * A session also belongs to the connection that opened it, as in Kafka 4.1+: when that
 * connection closes (the consumer crashed or was killed), its sessions go at once and the
 * manager releases the records their members held, so the others get them without waiting for
 * the acquisition locks to time out. A member that opens its session again on a new connection
 * moves it there, and the old connection's close leaves it alone.
 */
import { KafkaErrorCodes } from '../../protocol/error-codes.js'

export interface SessionPartition {
  readonly topicId: string
  readonly partition: number
}

export interface ShareSession {
  readonly groupId: string
  readonly memberId: string
  /** The epoch the next request must carry. */
  epoch: number
  /** Keyed `topicId:partition`, in the order they were added. */
  readonly partitions: Map<string, SessionPartition>
  /** When a request last used the session (ms), for idle eviction. */
  lastUsedMs: number
  /** The connection that opened the session (connectionKey), or null when none is known. */
  connection: string | null
}

/** A connection's identity across listeners (each listener numbers its connections from 1). */
export function connectionKey(listenerName: string, connectionId: number): string {
  return `${listenerName}/${connectionId}`
}

export type SessionOutcome =
  | { readonly errorCode: 0; readonly session: ShareSession; readonly closing: boolean }
  | { readonly errorCode: number; readonly errorMessage: string }

export const FINAL_EPOCH = -1
export const INITIAL_EPOCH = 0

export function partitionKey(topicId: string, partition: number): string {
  return `${topicId}:${partition}`
}

/**
 * How long an unused share session is kept: Kafka's eviction time for idle fetch sessions
 * (MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS), far past any member's heartbeat and session
 * timeouts, so only the sessions of members that are gone are evicted.
 */
export const SESSION_IDLE_EVICTION_MS = 120_000

/** Kafka's default for group.share.max.share.sessions. */
export const DEFAULT_MAX_SHARE_SESSIONS = 2000

export interface ShareSessionCacheOptions {
  /** group.share.max.share.sessions. */
  readonly maxSessions?: number
  readonly idleEvictionMs?: number
  readonly now?: () => number
}

export class ShareSessionCache {
  /** In least-recently-used order: a session used again moves to the end. */
  readonly #sessions = new Map<string, ShareSession>()
  readonly #maxSessions: number
  readonly #idleEvictionMs: number
  readonly #now: () => number

  constructor(options: ShareSessionCacheOptions = {}) {
    this.#maxSessions = options.maxSessions ?? DEFAULT_MAX_SHARE_SESSIONS
    this.#idleEvictionMs = options.idleEvictionMs ?? SESSION_IDLE_EVICTION_MS
    this.#now = options.now ?? Date.now
  }

  #key(groupId: string, memberId: string): string {
    return `${groupId}\u0000${memberId}`
  }

  get size(): number {
    return this.#sessions.size
  }

  /**
   * Checks a request's epoch against the member's session and applies it: opens (0), advances
   * (the expected epoch) or closes (-1). `opening` says whether the request may open one
   * (ShareFetch may, ShareAcknowledge may not); `connection` is the connection a new session
   * is tied to.
   */
  update(
    groupId: string,
    memberId: string,
    epoch: number,
    added: readonly SessionPartition[],
    forgotten: readonly SessionPartition[],
    opening: boolean,
    connection: string | null = null,
  ): SessionOutcome {
    const key = this.#key(groupId, memberId)
    const now = this.#now()
    this.#evictIdle(now)
    if (epoch === INITIAL_EPOCH) {
      if (!opening) return { errorCode: KafkaErrorCodes.INVALID_SHARE_SESSION_EPOCH, errorMessage: 'A ShareAcknowledge request cannot open a share session (epoch 0).' }
      // A member opening its session again replaces it and takes no more room.
      if (!this.#sessions.has(key) && this.#sessions.size >= this.#maxSessions) {
        return {
          errorCode: KafkaErrorCodes.SHARE_SESSION_LIMIT_REACHED,
          errorMessage: `This broker holds ${this.#sessions.size} share sessions, its limit (group.share.max.share.sessions); retry once members leave.`,
        }
      }
      const session: ShareSession = { groupId, memberId, epoch: 1, partitions: new Map(), lastUsedMs: now, connection }
      for (const p of added) session.partitions.set(partitionKey(p.topicId, p.partition), p)
      this.#sessions.delete(key)
      this.#sessions.set(key, session)
      return { errorCode: 0, session, closing: false }
    }
    const session = this.#sessions.get(key)
    if (session === undefined) return { errorCode: KafkaErrorCodes.SHARE_SESSION_NOT_FOUND, errorMessage: `No share session for member ${memberId} of group ${groupId} on this broker.` }
    if (epoch === FINAL_EPOCH) {
      this.#sessions.delete(key)
      return { errorCode: 0, session, closing: true }
    }
    if (epoch !== session.epoch) {
      return { errorCode: KafkaErrorCodes.INVALID_SHARE_SESSION_EPOCH, errorMessage: `The share session epoch is ${epoch}; this broker expected ${session.epoch}.` }
    }
    session.epoch = session.epoch === 0x7fffffff ? 1 : session.epoch + 1
    session.lastUsedMs = now
    this.#sessions.delete(key)
    this.#sessions.set(key, session)
    for (const p of added) session.partitions.set(partitionKey(p.topicId, p.partition), p)
    for (const p of forgotten) session.partitions.delete(partitionKey(p.topicId, p.partition))
    return { errorCode: 0, session, closing: false }
  }

  /** Drops the member's session (it left the group or was expired). */
  remove(groupId: string, memberId: string): boolean {
    return this.#sessions.delete(this.#key(groupId, memberId))
  }

  /** Drops the sessions nobody used for the idle eviction time; the oldest come first. */
  #evictIdle(now: number): void {
    for (const [key, session] of this.#sessions) {
      if (now - session.lastUsedMs < this.#idleEvictionMs) return
      this.#sessions.delete(key)
    }
  }

  /** Drops the sessions opened on a connection that has closed, and answers them. */
  removeConnection(connection: string): ShareSession[] {
    const removed: ShareSession[] = []
    for (const [key, session] of this.#sessions) {
      if (session.connection !== connection) continue
      this.#sessions.delete(key)
      removed.push(session)
    }
    return removed
  }

  /** Drops every session of a group (the group was deleted). */
  removeGroup(groupId: string): void {
    for (const [key, session] of this.#sessions) if (session.groupId === groupId) this.#sessions.delete(key)
  }
}
