/**
 * Requests handled and their total time, per request type, as Kafka's RequestMetrics
 * (RequestsPerSec, TotalTimeMs): the request processor records each request once, when its
 * response is ready, and /metrics reads the totals. Fetch is split as Kafka splits it, into
 * FetchConsumer and FetchFollower.
 *
 * The time is a histogram with fixed buckets (milliseconds, from half a millisecond to half a
 * minute, which covers an acks=1 produce and a fetch parked for its whole max wait), kept as
 * plain numbers: one bucket search over 15 bounds and three additions per request, no objects.
 * The time runs from the moment the broker starts on the request to the moment its response is
 * ready to write; it leaves out the time the request waited behind earlier ones on its
 * connection and the time the response takes to go out.
 *
 * Not thread-safe: the event loop thread only.
 */
import { ApiKeys, apiKeyName } from '../protocol/api-keys.js'

/** Upper bounds of the time buckets, in milliseconds (Prometheus adds +Inf). */
export const REQUEST_TIME_BUCKETS_MS: readonly number[] = Object.freeze([0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000])

/** One request type's totals. */
export class RequestTypeMetrics {
  readonly request: string
  count = 0
  totalTimeMs = 0
  /** Requests per bucket (not cumulative); the last slot counts those above every bound. */
  readonly buckets = new Float64Array(REQUEST_TIME_BUCKETS_MS.length + 1)

  constructor(request: string) {
    this.request = request
  }

  record(ms: number): void {
    this.count++
    this.totalTimeMs += ms
    let i = 0
    while (i < REQUEST_TIME_BUCKETS_MS.length && ms > REQUEST_TIME_BUCKETS_MS[i]!) i++
    this.buckets[i]!++
  }
}

export class RequestMetrics {
  /** By API key; Fetch's slot holds consumer fetches. Made on first use. */
  readonly #byApiKey: Array<RequestTypeMetrics | undefined> = []
  #fetchFollower: RequestTypeMetrics | undefined

  /** Counts one request of `apiKey` (from a follower broker, for Fetch) that took `ms`. */
  record(apiKey: number, fromFollower: boolean, ms: number): void {
    if (apiKey === ApiKeys.Fetch && fromFollower) {
      ;(this.#fetchFollower ??= new RequestTypeMetrics('FetchFollower')).record(ms)
      return
    }
    let metrics = this.#byApiKey[apiKey]
    if (metrics === undefined) {
      metrics = new RequestTypeMetrics(apiKey === ApiKeys.Fetch ? 'FetchConsumer' : apiKeyName(apiKey))
      this.#byApiKey[apiKey] = metrics
    }
    metrics.record(ms)
  }

  /** Every request type seen so far. */
  *types(): IterableIterator<RequestTypeMetrics> {
    for (const metrics of this.#byApiKey) if (metrics !== undefined) yield metrics
    if (this.#fetchFollower !== undefined) yield this.#fetchFollower
  }
}
