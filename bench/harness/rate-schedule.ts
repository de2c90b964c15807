/**
 * The fixed-rate send schedule, and with it the coordinated-omission correction.
 *
 * Message i of a fixed-rate producer is *intended* to leave at start + i / rate, whatever
 * happened before it. The producer sends every message whose intended time has come, and
 * latency is measured from that intended time, never from when the message actually left:
 * when the broker (or the generator) stalls, the messages that should have gone out during the
 * stall are still sent, late, and their latency includes the wait. Measuring from the actual
 * send would hide exactly the stalls a fixed-rate test exists to find (Gil Tene's "coordinated
 * omission"; wrk2 and OpenMessaging Benchmark schedule the same way).
 *
 * How late each message actually left (send delay) is reported separately, so a generator
 * that cannot keep up is visible as such rather than as broker latency alone.
 *
 * Pure arithmetic on a caller-supplied clock (milliseconds, any origin); not thread-safe.
 */
export class FixedRateSchedule {
  readonly messagesPerSecond: number
  readonly startMs: number
  readonly #intervalMs: number

  constructor(messagesPerSecond: number, startMs: number) {
    if (!(messagesPerSecond > 0)) throw new RangeError(`a fixed rate must be above 0 msg/s, not ${messagesPerSecond}`)
    this.messagesPerSecond = messagesPerSecond
    this.startMs = startMs
    this.#intervalMs = 1000 / messagesPerSecond
  }

  /** The time message `index` (from 0) is meant to leave. */
  intendedTime(index: number): number {
    return this.startMs + index * this.#intervalMs
  }

  /** How many messages are due at `nowMs`: those whose intended time is at or before it. */
  dueBy(nowMs: number): number {
    if (nowMs < this.startMs) return 0
    return Math.floor((nowMs - this.startMs) / this.#intervalMs) + 1
  }

  /** Milliseconds from `nowMs` until message `index` is due (0 when it already is). */
  delayUntil(index: number, nowMs: number): number {
    return Math.max(0, this.intendedTime(index) - nowMs)
  }
}
