/**
 * Share sessions (KIP-932), kept apart from Fetch's KIP-227 sessions: one per (group, member) on
 * each broker a member fetches from. Epoch 0 opens one with the partitions the request names;
 * each later request carries the epoch the broker expects (then the next one, wrapping past
 * 2^31-1 to 1) and names only the partitions it adds; ForgottenTopicsData drops some; -1 closes
 * the session, and the member's acquired records are released.
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
}

export type SessionOutcome =
  | { readonly errorCode: 0; readonly session: ShareSession; readonly closing: boolean }
  | { readonly errorCode: number; readonly errorMessage: string }

export const FINAL_EPOCH = -1
export const INITIAL_EPOCH = 0

export function partitionKey(topicId: string, partition: number): string {
  return `${topicId}:${partition}`
}

export class ShareSessionCache {
  readonly #sessions = new Map<string, ShareSession>()

  #key(groupId: string, memberId: string): string {
    return `${groupId}\u0000${memberId}`
  }

  get size(): number {
    return this.#sessions.size
  }

  /**
   * Checks a request's epoch against the member's session and applies it: opens (0), advances
   * (the expected epoch) or closes (-1). `opening` says whether the request may open one
   * (ShareFetch may, ShareAcknowledge may not).
   */
  update(groupId: string, memberId: string, epoch: number, added: readonly SessionPartition[], forgotten: readonly SessionPartition[], opening: boolean): SessionOutcome {
    const key = this.#key(groupId, memberId)
    if (epoch === INITIAL_EPOCH) {
      if (!opening) return { errorCode: KafkaErrorCodes.INVALID_SHARE_SESSION_EPOCH, errorMessage: 'A ShareAcknowledge request cannot open a share session (epoch 0).' }
      const session: ShareSession = { groupId, memberId, epoch: 1, partitions: new Map() }
      for (const p of added) session.partitions.set(partitionKey(p.topicId, p.partition), p)
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
    for (const p of added) session.partitions.set(partitionKey(p.topicId, p.partition), p)
    for (const p of forgotten) session.partitions.delete(partitionKey(p.topicId, p.partition))
    return { errorCode: 0, session, closing: false }
  }

  /** Drops the member's session (it left the group or was expired). */
  remove(groupId: string, memberId: string): boolean {
    return this.#sessions.delete(this.#key(groupId, memberId))
  }

  /** Drops every session of a group (the group was deleted). */
  removeGroup(groupId: string): void {
    for (const [key, session] of this.#sessions) if (session.groupId === groupId) this.#sessions.delete(key)
  }
}
