/**
 * Connection limits of one broker, shared by all its Kafka listeners, with Kafka's names and
 * semantics:
 *
 * - max.connections (over all listeners) and max.connections.per.ip, with
 *   max.connections.per.ip.overrides: a connection over a limit is closed at once, before any
 *   byte of it is read, as Kafka closes a connection that raises TooManyConnectionsException.
 *   (Kafka's acceptor instead stops accepting while the broker-wide limit is reached; Node cannot
 *   leave a connection in the kernel's backlog for one listener, so here both limits close.)
 * - max.connection.creation.rate (KIP-612): new connections beyond the rate are accepted but not
 *   read until their turn comes, so a reconnect storm is spread over time instead of costing a
 *   burst of request parsing. A delayed connection already holds its slot under the limits above.
 *
 * Refusals are counted per limit for /metrics and logged at most once per LOG_INTERVAL_MS, with the
 * number refused since the last line, so a client hammering a full broker cannot flood the log.
 */
import type { Logger } from '../common/logger.js'

/** The limit that refused a connection, named by its setting. */
export type ConnectionRefusal = 'max.connections' | 'max.connections.per.ip'

export interface ConnectionLimits {
  readonly maxConnections: number
  readonly maxConnectionsPerIp: number
  /** Addresses whose per-IP limit differs from maxConnectionsPerIp. */
  readonly perIpOverrides: ReadonlyMap<string, number>
  /** New connections per second; Kafka's Int.MaxValue default means unthrottled. */
  readonly maxCreationRate: number
}

const UNLIMITED = 2147483647
const LOG_INTERVAL_MS = 10_000

export class ConnectionQuotas {
  readonly #limits: ConnectionLimits
  readonly #logger: Logger
  readonly #now: () => number
  readonly #perIp = new Map<string, number>()
  #total = 0
  readonly #refused: Record<ConnectionRefusal, number> = { 'max.connections': 0, 'max.connections.per.ip': 0 }
  #throttled = 0
  /** Token bucket for the creation rate: one second's worth of burst, refilled continuously. */
  #tokens: number
  #tokensAt: number
  #lastLogAt = -Infinity
  #unloggedRefusals = 0

  constructor(limits: ConnectionLimits, logger: Logger, now: () => number = Date.now) {
    this.#limits = limits
    this.#logger = logger
    this.#now = now
    this.#tokens = limits.maxCreationRate
    this.#tokensAt = now()
  }

  /** Connections holding a slot now (served or waiting out the creation rate). */
  get connectionCount(): number {
    return this.#total
  }

  /** Connections refused so far, per limit. */
  refusals(): Readonly<Record<ConnectionRefusal, number>> {
    return this.#refused
  }

  /** Connections whose first read was delayed by max.connection.creation.rate so far. */
  get throttledCount(): number {
    return this.#throttled
  }

  /**
   * Takes a slot for a connection from `address` (normalized, see normalizeAddress), or names the
   * limit that refuses it. A taken slot must be given back with release() when the socket closes.
   */
  acquire(address: string, listener: string): ConnectionRefusal | null {
    const fromIp = this.#perIp.get(address) ?? 0
    const refusal: ConnectionRefusal | null =
      this.#total >= this.#limits.maxConnections ? 'max.connections'
      : fromIp >= (this.#limits.perIpOverrides.get(address) ?? this.#limits.maxConnectionsPerIp) ? 'max.connections.per.ip'
      : null
    if (refusal !== null) {
      this.#refused[refusal]++
      this.#logRefusal(refusal, address, listener)
      return refusal
    }
    this.#total++
    this.#perIp.set(address, fromIp + 1)
    return null
  }

  release(address: string): void {
    this.#total--
    const fromIp = (this.#perIp.get(address) ?? 1) - 1
    // Dropped at zero so a stream of one-off clients does not grow the map.
    if (fromIp <= 0) this.#perIp.delete(address)
    else this.#perIp.set(address, fromIp)
  }

  /**
   * How long (ms) a just-accepted connection waits before it is read, under
   * max.connection.creation.rate; 0 when it may be served now. Each call uses up its turn.
   */
  acceptDelayMs(): number {
    const rate = this.#limits.maxCreationRate
    if (rate >= UNLIMITED) return 0
    const now = this.#now()
    this.#tokens = Math.min(rate, this.#tokens + ((now - this.#tokensAt) * rate) / 1000)
    this.#tokensAt = now
    this.#tokens -= 1
    if (this.#tokens >= 0) return 0
    this.#throttled++
    // Negative tokens are turns already promised to earlier connections: queue behind them.
    return Math.ceil((-this.#tokens * 1000) / rate)
  }

  #logRefusal(refusal: ConnectionRefusal, address: string, listener: string): void {
    const now = this.#now()
    if (now - this.#lastLogAt < LOG_INTERVAL_MS) {
      this.#unloggedRefusals++
      return
    }
    const limit = refusal === 'max.connections' ? this.#limits.maxConnections : (this.#limits.perIpOverrides.get(address) ?? this.#limits.maxConnectionsPerIp)
    this.#logger.warn(`closing new connection from ${address} on ${listener}: ${refusal} (${limit}) reached; raise it or close idle clients`, {
      refusedSinceLastLog: this.#unloggedRefusals,
      connections: this.#total,
    })
    this.#lastLogAt = now
    this.#unloggedRefusals = 0
  }
}
