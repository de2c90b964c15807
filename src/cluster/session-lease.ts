/**
 * A broker's session with etcd: one lease, kept alive, whose loss is reported the moment this
 * process can no longer be sure etcd still holds it.
 *
 * Why not the client's own keepalive: it declares a lease lost only after twice the TTL without
 * an answer, long after etcd has deleted the broker's keys and the controller has moved its
 * leaderships away. A leader that keeps acking in that window is the Jepsen-2013 bug
 * (cluster-design.md, "Liveness and fencing"). So the rule here is conservative:
 *
 *   a keepalive sent at local time t and answered with TTL T proves etcd holds the lease until at
 *   least t + T (etcd renewed it after we sent); past the latest such bound we call it lost.
 *
 * etcd can only keep a lease longer than that (a new etcd leader extends leases), never shorter,
 * so `isHeld()` true implies etcd has not expired the lease, on any machine whose monotonic clock
 * runs at the rate of etcd's. `isHeld()` is synchronous and reads the clock, so a process resumed
 * after SIGSTOP sees the truth before any timer has had a chance to run.
 *
 * Keepalives go out every TTL/3 (as etcd's Go client does; Kafka's default 9 s session → 3 s), and
 * a failed one is retried every 250 ms until the bound passes.
 */
import { performance } from 'node:perf_hooks'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { EtcdConnection } from './etcd-connection.js'

export type LeaseLossReason =
  /** etcd answered that the lease no longer exists (it expired, or someone revoked it). */
  | 'expired'
  /** No keepalive was answered in time to prove the lease is still alive. */
  | 'keepalive-timeout'

export type LeaseLostListener = (reason: LeaseLossReason) => void

const RETRY_MS = 250

export class SessionLease {
  readonly id: string
  /** The TTL etcd granted, in ms (whole seconds: etcd's unit). */
  readonly ttlMs: number
  readonly #connection: EtcdConnection
  readonly #listeners = new Set<LeaseLostListener>()
  /** performance.now() past which the lease may have expired in etcd. */
  #validUntil: number
  #deadlineTimer: NodeJS.Timeout | undefined
  #keepaliveTimer: NodeJS.Timeout | undefined
  #ended = false
  #lossReason: LeaseLossReason | undefined
  readonly #unhookClose: () => void

  private constructor(connection: EtcdConnection, id: string, ttlMs: number, grantedAt: number) {
    this.#connection = connection
    this.id = id
    this.ttlMs = ttlMs
    this.#validUntil = grantedAt + ttlMs
    this.#armDeadline()
    this.#scheduleKeepalive(ttlMs / 3)
    this.#unhookClose = connection.onClose(() => this.#stop())
  }

  /** Grants a lease of at least `ttlMs` (rounded up to whole seconds) and starts keeping it alive. */
  static async grant(connection: EtcdConnection, ttlMs: number): Promise<SessionLease> {
    const ttlSeconds = Math.max(1, Math.ceil(ttlMs / 1000))
    const sentAt = performance.now()
    const id = await connection.grantLease(ttlSeconds)
    return new SessionLease(connection, id, ttlSeconds * 1000, sentAt)
  }

  /** Whether etcd certainly still holds the lease. Synchronous: safe on the produce path. */
  isHeld(): boolean {
    return !this.#ended && performance.now() < this.#validUntil
  }

  /** Why the lease was lost, once it has been. */
  get lossReason(): LeaseLossReason | undefined {
    return this.#lossReason
  }

  /** Ms until the lease may expire if no further keepalive succeeds (0 once lost). */
  remainingMs(): number {
    return this.isHeld() ? this.#validUntil - performance.now() : 0
  }

  /** Called once, when the lease is lost (never after revoke()). Returns the unsubscribe function. */
  onLost(listener: LeaseLostListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Ends the session on purpose: stops keepalives and revokes, so its keys vanish at once. */
  async revoke(): Promise<void> {
    this.#stop()
    await this.#connection.revokeLease(this.id)
  }

  /**
   * Stops keepalives without revoking: the keys stay until the TTL runs out, as if this process
   * had died. Tests use it to simulate a crash inside one process.
   */
  abandon(): void {
    this.#stop()
  }

  #scheduleKeepalive(delayMs: number): void {
    if (this.#ended) return
    this.#keepaliveTimer = setTimeout(() => void this.#keepalive(), delayMs)
  }

  async #keepalive(): Promise<void> {
    const sentAt = performance.now()
    let ttlSeconds: number
    try {
      ttlSeconds = await this.#connection.keepAliveOnce(this.id)
    } catch (error) {
      if (this.#ended) return
      this.#connection.logger.warn('lease keepalive failed; retrying', { lease: this.id, remainingMs: Math.round(this.remainingMs()), error })
      this.#scheduleKeepalive(RETRY_MS)
      return
    }
    if (this.#ended) return
    if (ttlSeconds <= 0) {
      this.#lose('expired')
      return
    }
    this.#validUntil = Math.max(this.#validUntil, sentAt + ttlSeconds * 1000)
    this.#armDeadline()
    this.#scheduleKeepalive(this.ttlMs / 3)
  }

  #armDeadline(): void {
    clearTimeout(this.#deadlineTimer)
    this.#deadlineTimer = setTimeout(() => {
      if (!this.#ended && performance.now() >= this.#validUntil) this.#lose('keepalive-timeout')
      else this.#armDeadline()
    }, Math.max(0, this.#validUntil - performance.now()))
  }

  #lose(reason: LeaseLossReason): void {
    if (this.#ended) return
    this.#stop()
    this.#lossReason = reason
    this.#connection.logger.warn('etcd session lease lost', { lease: this.id, reason })
    // Best effort: if etcd still has the lease (we merely could not prove it), revoking it makes
    // our keys vanish now instead of at the TTL, so the others stop waiting for us.
    if (reason === 'keepalive-timeout') this.#connection.revokeLease(this.id).catch(() => {})
    for (const listener of [...this.#listeners]) listener(reason)
    this.#listeners.clear()
  }

  #stop(): void {
    this.#ended = true
    this.#unhookClose()
    clearTimeout(this.#deadlineTimer)
    clearTimeout(this.#keepaliveTimer)
  }
}

/** The error a caller gets for an operation that needs a lease this process no longer holds. */
export function leaseLostError(what: string, lease: SessionLease): SamsaError {
  return new SamsaError(ErrorCodes.CLUSTER, `${what}: the etcd session (lease ${lease.id}) was lost (${lease.lossReason ?? 'ended'}); register again first`)
}
