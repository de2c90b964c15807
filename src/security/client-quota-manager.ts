/**
 * Client quota enforcement, as Kafka's ClientQuotaManager does it: each request is recorded
 * against the measurement its quota names (see client-quota-precedence.ts for who shares one),
 * and when the measured rate is over the quota the client is told to back off by
 * throttle_time_ms and its connection is muted (not read) for that long, so a client that
 * ignores the hint is held to the rate anyway.
 *
 * - producer_byte_rate: bytes of Produce requests (the whole request, as Kafka counts it);
 * - consumer_byte_rate: record bytes of Fetch responses to consumers (followers are exempt);
 * - request_percentage: time spent in handlers, as a percentage of one thread over the window
 *   (Kafka measures request-handler thread time; a Node broker's nearest equivalent is the
 *   handler's synchronous time plus its asynchronous completion, which is what we have).
 *
 * Throttle time = (rate - quota) / quota * measured span, capped at the whole window
 * (quota.window.num x quota.window.size.seconds), as in Kafka. Measurements are sliding windows
 * of quota.window.size.seconds, quota.window.num of them; an idle one is dropped after an hour.
 *
 * Costs nothing while no quota is set: `active` is false and the request path skips it.
 */
import type { Logger } from '../common/logger.js'
import { WindowedRate } from '../replication/replication-quota.js'
import { type QuotaKey, entityKey } from './client-quota-entity.js'
import { resolveQuota } from './client-quota-precedence.js'
import type { SecurityStore } from './security-store.js'

export interface ClientQuotaOptions {
  /** quota.window.num */
  readonly samples: number
  /** quota.window.size.seconds, in ms */
  readonly windowMs: number
}

interface Measurement {
  readonly rate: WindowedRate
  lastUsedMs: number
}

const IDLE_MEASUREMENT_MS = 3_600_000

export class ClientQuotaManager {
  readonly #options: ClientQuotaOptions
  readonly #store: SecurityStore
  readonly #logger: Logger
  readonly #measurements = new Map<string, Measurement>()
  readonly #unsubscribe: () => void
  #quotas: ReadonlyMap<string, Readonly<Partial<Record<QuotaKey, number>>>> = new Map()
  #active = false
  #lastSweepMs = 0
  /** Requests answered with a throttle time, for /metrics and tests. */
  throttledCount = 0

  constructor(options: ClientQuotaOptions, store: SecurityStore, logger: Logger) {
    this.#options = options
    this.#store = store
    this.#logger = logger
    this.#reload()
    this.#unsubscribe = store.onChange(() => this.#reload())
  }

  /** Whether any quota is set (when not, nothing needs recording). */
  get active(): boolean {
    return this.#active
  }

  close(): void {
    this.#unsubscribe()
  }

  /**
   * Records `amount` of `key` for this user and client id and returns how long the client must
   * be throttled (0 when within its quota or when none applies).
   */
  record(key: QuotaKey, user: string, clientId: string, amount: number, nowMs: number): number {
    const quota = resolveQuota(this.#quotas, key, user, clientId)
    if (quota === null) return 0
    const id = `${key}\u0000${quota.userTag}\u0000${quota.clientTag}`
    let measurement = this.#measurements.get(id)
    if (measurement === undefined) {
      measurement = { rate: new WindowedRate(this.#options.samples, this.#options.windowMs), lastUsedMs: nowMs }
      this.#measurements.set(id, measurement)
      this.#sweep(nowMs)
    }
    measurement.lastUsedMs = nowMs
    measurement.rate.record(amount, nowMs)
    const rate = measurement.rate.rate(nowMs)
    if (rate <= quota.limit) return 0
    // A zero quota stops the client for the whole window.
    const maxThrottleMs = this.#options.samples * this.#options.windowMs
    const throttleMs = quota.limit <= 0 ? maxThrottleMs : Math.min(maxThrottleMs, Math.round(((rate - quota.limit) / quota.limit) * measurement.rate.spanMs(nowMs)))
    if (throttleMs > 0) this.throttledCount++
    return throttleMs
  }

  #reload(): void {
    const quotas = new Map<string, Readonly<Partial<Record<QuotaKey, number>>>>()
    for (const { entity, values } of this.#store.quotas()) quotas.set(entityKey(entity), values)
    this.#quotas = quotas
    this.#active = quotas.size > 0
    // Measurements keep their history across a quota change, as Kafka's sensors do.
    this.#logger.debug('client quotas loaded', { entities: quotas.size })
  }

  #sweep(nowMs: number): void {
    if (nowMs - this.#lastSweepMs < 60_000) return
    this.#lastSweepMs = nowMs
    for (const [id, measurement] of this.#measurements) if (nowMs - measurement.lastUsedMs > IDLE_MEASUREMENT_MS) this.#measurements.delete(id)
  }
}
