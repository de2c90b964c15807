/**
 * Replication throttles (KIP-73): a byte-rate bound on the traffic that copies throttled replicas
 * to followers outside the ISR, one on each side of the copy. A leader counts the bytes it sends
 * to such followers against leader.replication.throttled.rate and leaves those partitions out
 * of follower fetch responses while it is over; a follower counts what it fetches of them against
 * follower.replication.throttled.rate and leaves them out of its fetch requests while it is over.
 *
 * Which replicas are throttled comes from the topic settings leader.replication.throttled.replicas
 * and follower.replication.throttled.replicas: lists of "partition:brokerId" (or "*" for every
 * partition of the topic), where a leader looks for entries naming itself, as does a follower.
 * kafka-reassign-partitions --throttle names the current replicas of a moving partition in the
 * leader list and the replicas being added in the follower list, so a reassignment's copy is
 * bounded while the replicas already in sync are not.
 *
 * The rate is Kafka's windowed rate: bytes in up to `samples` windows of `windowMs`, divided by
 * the time they span but never less than `samples - 1` windows, so a quiet broker does not read
 * as fast after one fetch and the first seconds of a copy get a burst of about (samples - 1)
 * windows' worth before the bound bites. As in Kafka, a fetch taken while under the bound is
 * sent whole (up to replica.fetch.max.bytes per partition): the bound holds on average, not per
 * response.
 */
import { LONG_MAX } from '../common/config/config-def.js'
import type { TopicConfig } from '../common/config/topic-config.js'

/** Kafka's replication.quota.window.num and replication.quota.window.size.seconds defaults. */
export const DEFAULT_QUOTA_SAMPLES = 11
export const DEFAULT_QUOTA_WINDOW_MS = 1000

/** A rate over sliding sample windows, as Kafka's Rate over a SampledStat. */
export class WindowedRate {
  readonly #samples: number
  readonly #windowMs: number
  /** Oldest first; each covers [startMs, startMs + windowMs). */
  readonly #windows: Array<{ readonly startMs: number; bytes: number }> = []

  constructor(samples: number, windowMs: number) {
    if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`samples must be a positive integer, not ${samples}`)
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, not ${windowMs}`)
    this.#samples = samples
    this.#windowMs = windowMs
  }

  record(bytes: number, nowMs: number): void {
    this.#purge(nowMs)
    const last = this.#windows.at(-1)
    if (last !== undefined && nowMs - last.startMs < this.#windowMs) last.bytes += bytes
    else {
      this.#windows.push({ startMs: nowMs, bytes })
      if (this.#windows.length > this.#samples) this.#windows.shift()
    }
  }

  /** Bytes per second at `nowMs`. */
  rate(nowMs: number): number {
    this.#purge(nowMs)
    const first = this.#windows[0]
    if (first === undefined) return 0
    let total = 0
    for (const window of this.#windows) total += window.bytes
    const elapsed = Math.max(0, nowMs - first.startMs)
    // Never fewer than samples - 1 whole windows: one early fetch must not read as a high rate.
    const minimum = (this.#samples - 1) * this.#windowMs
    const span = elapsed >= minimum ? elapsed : minimum + (elapsed % this.#windowMs)
    return span === 0 ? 0 : (total * 1000) / span
  }

  /**
   * The time the rate is measured over at `nowMs` (never less than samples - 1 windows), which a
   * throttle time is computed against: (rate - bound) / bound * span, as Kafka's ClientQuotaManager does.
   */
  spanMs(nowMs: number): number {
    this.#purge(nowMs)
    const first = this.#windows[0]
    const elapsed = first === undefined ? 0 : Math.max(0, nowMs - first.startMs)
    const minimum = (this.#samples - 1) * this.#windowMs
    return elapsed >= minimum ? elapsed : minimum + (elapsed % this.#windowMs)
  }

  /** Drops windows that started `samples` windows ago or earlier, as Kafka expires samples. */
  #purge(nowMs: number): void {
    const expireAge = this.#samples * this.#windowMs
    while (this.#windows.length > 0 && nowMs - this.#windows[0]!.startMs >= expireAge) this.#windows.shift()
  }
}

/** Which side of the copy a quota bounds, and so which topic setting names its replicas. */
export type ReplicationQuotaType = 'leader' | 'follower'

const THROTTLED_REPLICAS = {
  leader: 'leader.replication.throttled.replicas',
  follower: 'follower.replication.throttled.replicas',
} as const satisfies Record<ReplicationQuotaType, keyof TopicConfig>

/** What a quota needs of a partition: its index and its topic's effective settings. */
export interface ThrottleCandidate {
  readonly index: number
  readonly config: Pick<TopicConfig, (typeof THROTTLED_REPLICAS)[ReplicationQuotaType]>
}

/** Whether `list` (a throttled-replicas setting) names partition `partition` on broker `brokerId`. */
export function namesReplica(list: readonly string[], partition: number, brokerId: number): boolean {
  if (list.length === 0) return false
  const entry = `${partition}:${brokerId}`
  return list.some((item) => item === '*' || item === entry)
}

/** One broker's leader or follower replication quota (Kafka's ReplicationQuotaManager). */
export class ReplicationQuota {
  readonly type: ReplicationQuotaType
  readonly #brokerId: number
  readonly #rate: WindowedRate
  /** Bytes per second; LONG_MAX (Kafka's Long.MAX_VALUE) is unbounded. */
  #bound = LONG_MAX

  constructor(type: ReplicationQuotaType, brokerId: number, options: { readonly samples?: number; readonly windowMs?: number } = {}) {
    this.type = type
    this.#brokerId = brokerId
    this.#rate = new WindowedRate(options.samples ?? DEFAULT_QUOTA_SAMPLES, options.windowMs ?? DEFAULT_QUOTA_WINDOW_MS)
  }

  /** The bound in bytes per second (leader/follower.replication.throttled.rate). */
  get bound(): number {
    return this.#bound
  }

  set bound(bytesPerSecond: number) {
    this.#bound = bytesPerSecond
  }

  /** Whether `partition`'s topic names it on this broker in this side's throttled-replicas list. */
  isThrottled(partition: ThrottleCandidate): boolean {
    return namesReplica(partition.config[THROTTLED_REPLICAS[this.type]], partition.index, this.#brokerId)
  }

  /** Over the bound now; an unbounded quota never is. */
  isQuotaExceeded(nowMs = Date.now()): boolean {
    return this.#bound < LONG_MAX && this.#rate.rate(nowMs) > this.#bound
  }

  /** Counts bytes of throttled replicas that were sent (leader) or fetched (follower). */
  record(bytes: number, nowMs = Date.now()): void {
    if (bytes > 0) this.#rate.record(bytes, nowMs)
  }

  /** The measured rate, bytes per second. */
  rate(nowMs = Date.now()): number {
    return this.#rate.rate(nowMs)
  }
}

/** A broker's two replication quotas. */
export interface ReplicationQuotas {
  readonly leader: ReplicationQuota
  readonly follower: ReplicationQuota
}

export function replicationQuotas(brokerId: number, options: { readonly samples?: number; readonly windowMs?: number } = {}): ReplicationQuotas {
  return { leader: new ReplicationQuota('leader', brokerId, options), follower: new ReplicationQuota('follower', brokerId, options) }
}
