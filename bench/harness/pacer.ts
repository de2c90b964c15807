/**
 * Wakes a fixed-rate sender when its next message is due, finer than Node's timers allow,
 * without spinning.
 *
 * Node's timers count whole milliseconds: `setTimeout(f, 1)` runs f 1-2 ms later. A sender
 * paced by them sends in bursts a millisecond or more apart, so a message waits up to that long
 * before it even reaches the producer, and a batch that fills mid-burst closes only at the next
 * burst: at 215 k msg/s per producer that was 0-1.3 ms of send delay on every message, added to
 * its latency (OpenMessaging Benchmark paces each message with a rate limiter, to the
 * microsecond). Spinning on setImmediate would pace finely but burn a core.
 *
 * So when the next wake-up is less than a couple of milliseconds away, the pacer yields to the
 * event loop once (setImmediate: pending I/O, acknowledgements included, is handled first) and
 * then sleeps the rest of the way in Atomics.wait, which blocks the thread in the kernel
 * without using CPU. Wake-ups are at least `intervalMs` apart (0.25 ms: about 4,000 a second,
 * each a few µs), so a fast sender sends every quarter millisecond instead of every
 * millisecond. While it sleeps the thread handles no I/O; an acknowledgement waits at most
 * `intervalMs` for it. Longer waits (low rates) use plain timers.
 *
 * `sleptMs` is the time spent blocked: the event loop counts it as busy, so the caller
 * subtracts it when it reports how busy the thread really was. Not thread-safe; one per thread.
 */

/** Waits at or above this use setTimeout (which fires up to ~1 ms late) for all but the last ~1 ms. */
const TIMER_THRESHOLD_MS = 2

export class Pacer {
  readonly intervalMs: number
  readonly #cell = new Int32Array(new SharedArrayBuffer(4))
  #sleptMs = 0
  #lastWake = -Infinity

  constructor(intervalMs = 0.25) {
    if (!(intervalMs > 0 && intervalMs < TIMER_THRESHOLD_MS)) throw new RangeError(`a pacing interval lies in (0, ${TIMER_THRESHOLD_MS}) ms, not ${intervalMs}`)
    this.intervalMs = intervalMs
  }

  /** Milliseconds spent blocked in sleeps so far. */
  get sleptMs(): number {
    return this.#sleptMs
  }

  /**
   * Calls `wake` once, `delayMs` from now (performance.now() clock) or at least `intervalMs`
   * after the previous wake-up, whichever is later.
   */
  after(delayMs: number, wake: () => void): void {
    const now = performance.now()
    const at = Math.max(now + Math.max(0, delayMs), this.#lastWake + this.intervalMs)
    if (at - now >= TIMER_THRESHOLD_MS) {
      setTimeout(() => this.#sleepUntil(at, wake), Math.floor(at - now) - 1)
    } else {
      setImmediate(() => this.#sleepUntil(at, wake))
    }
  }

  #sleepUntil(at: number, wake: () => void): void {
    const before = performance.now()
    let now = before
    // Nobody ever notifies the cell: each wait is a sleep that uses no CPU. It may end a little
    // early (the kernel's clock is not performance.now()'s), so it repeats until `at`.
    while (now < at) {
      Atomics.wait(this.#cell, 0, 0, at - now)
      now = performance.now()
    }
    this.#sleptMs += now - before
    this.#lastWake = now
    wake()
  }
}
