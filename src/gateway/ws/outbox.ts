/**
 * Outbox: every frame a WebSocket session sends goes through here, so that nothing is ever
 * dropped and a slow client costs bounded memory.
 *
 * uWS buffers what the kernel does not take, and once a socket's buffered amount is over the
 * route's maxBackpressure it *drops* further sends (send returns 2) without telling the client.
 * So the outbox writes to uWS only while the buffered amount is at or below `limit` (a fraction
 * of maxBackpressure): a frame sent then cannot be dropped, since uWS only refuses a send that
 * finds the buffer already over maxBackpressure, and `limit` plus the largest frame stays well
 * below it. Frames that arrive while the socket is over `limit` wait here, in order, and go out
 * on `drain`.
 *
 * Who may fill the queue: the record stream reads the log only when the outbox is `ready`
 * (nothing queued, buffer at or below the limit), so it adds at most one frame beyond the limit;
 * the other frames (produce acks, errors, commit answers) answer client messages. A client that
 * keeps sending while never reading its socket would grow the queue without end, so past
 * `maxQueuedFrames` the outbox closes the connection with 1008 (policy violation) and a reason
 * saying why.
 *
 * Event loop only; one per session.
 */
import type { WebSocketSession } from '../uws.js'

/** WebSocket close code 1008: the client broke a rule (here: it does not read what it asked for). */
export const CLOSE_POLICY_VIOLATION = 1008
/** First and longest interval of the stalled-write check (#watch). */
const WATCHDOG_MS = 50
const WATCHDOG_MAX_MS = 1000

export interface OutboxStats {
  /** Bytes uWS holds for the socket right now. */
  readonly bufferedAmount: number
  /** The largest buffered amount seen right after a send. */
  readonly maxBufferedAmount: number
  readonly queuedFrames: number
  readonly framesSent: number
  /** Sends uWS refused (over maxBackpressure). Always 0 unless something is wrong. */
  readonly droppedFrames: number
  /** Times the stream had to stop reading the log because the client was slow. */
  readonly pauses: number
  /** Times buffered bytes stood still and uWS was made to retry writing them. */
  readonly kicks: number
}

export class Outbox {
  readonly #session: WebSocketSession<unknown>
  readonly #limit: number
  readonly #maxQueuedFrames: number
  readonly #queue: Array<{ message: string | Uint8Array; binary: boolean }> = []
  readonly #readyListeners: Array<() => void> = []
  readonly #onDropped: () => void
  #maxBufferedAmount = 0
  #framesSent = 0
  #droppedFrames = 0
  #pauses = 0
  #kicks = 0
  #closed = false
  /** While bytes wait in uWS: the check that they keep moving (see #watch). */
  #watchdog: NodeJS.Timeout | null = null
  #lastBuffered = 0

  /**
   * `limit`: buffered bytes above which frames wait; `onDropped`: told if uWS ever drops a frame
   * (a bug: the session should log it and close).
   */
  constructor(session: WebSocketSession<unknown>, limit: number, maxQueuedFrames: number, onDropped: () => void) {
    this.#session = session
    this.#limit = limit
    this.#maxQueuedFrames = maxQueuedFrames
    this.#onDropped = onDropped
  }

  /** True when the record stream may read more: nothing waits here and the socket is below the limit. */
  get ready(): boolean {
    return !this.#closed && this.#queue.length === 0 && this.#session.bufferedAmount <= this.#limit
  }

  /** Resolves when `ready` (at once if it is), or at `close` (the waiter then sees it closed). */
  whenReady(): Promise<void> {
    if (this.ready || this.#closed) return Promise.resolve()
    this.#pauses++
    return new Promise((resolve) => this.#readyListeners.push(resolve))
  }

  /** Sends `message` now, or queues it behind earlier frames while the client is slow. */
  send(message: string | Uint8Array, binary: boolean): void {
    if (this.#closed) return
    if (this.#queue.length === 0 && this.#session.bufferedAmount <= this.#limit) {
      // Corked, because sends come from promise callbacks (a worker's decode, a produce's ack),
      // outside uWS's own callbacks: uncorked, uWS leaves such a write in its cork buffer until
      // its next socket event, which on a quiet socket is the next ping, a minute later
      // (measured: 6 of 100 subscribers held their last frames for ~100 s).
      this.#session.cork(() => this.#write(message, binary))
      return
    }
    if (this.#queue.length >= this.#maxQueuedFrames) {
      this.close()
      this.#session.end(CLOSE_POLICY_VIOLATION, `the client does not read its socket: over ${this.#maxQueuedFrames} frames wait to be sent`)
      return
    }
    this.#queue.push({ message, binary })
  }

  /** uWS's drain: sends what waits while there is room, then wakes the stream if it may read. */
  drain(): void {
    if (this.#closed) return
    this.#session.cork(() => {
      while (this.#queue.length > 0 && this.#session.bufferedAmount <= this.#limit) {
        const next = this.#queue.shift()!
        this.#write(next.message, next.binary)
      }
    })
    if (this.ready) for (const resolve of this.#readyListeners.splice(0)) resolve()
  }

  /** Drops what waits and stops sending (the socket closed). */
  close(): void {
    this.#closed = true
    if (this.#watchdog !== null) clearTimeout(this.#watchdog)
    this.#watchdog = null
    this.#queue.length = 0
    for (const resolve of this.#readyListeners.splice(0)) resolve()
  }

  get closed(): boolean {
    return this.#closed
  }

  get stats(): OutboxStats {
    return {
      bufferedAmount: this.#session.bufferedAmount,
      maxBufferedAmount: this.#maxBufferedAmount,
      queuedFrames: this.#queue.length,
      framesSent: this.#framesSent,
      droppedFrames: this.#droppedFrames,
      pauses: this.#pauses,
      kicks: this.#kicks,
    }
  }

  #write(message: string | Uint8Array, binary: boolean): void {
    const result = this.#session.send(message, binary)
    if (result === 'dropped') {
      if (this.#session.closed) return
      this.#droppedFrames++
      this.#onDropped()
      return
    }
    this.#framesSent++
    const buffered = this.#session.bufferedAmount
    if (buffered > this.#maxBufferedAmount) this.#maxBufferedAmount = buffered
    if (buffered > 0 && this.#watchdog === null) this.#watch()
  }

  /**
   * While bytes wait in uWS, checks every so often that they move. This build of uWS sometimes
   * misses a socket's writable event: its buffered bytes then wait for the next ping (about 100 s
   * later: measured with 100 subscribers, 5-15 of them held their last frames that long) and no
   * drain comes. An empty cork makes uWS try the write again; `drain()` then sends what waits
   * here and wakes the stream if there is room. A client that really reads nothing is checked less and
   * less often (up to once a second), since each check is a failed write.
   */
  #watch(intervalMs = WATCHDOG_MS): void {
    this.#lastBuffered = this.#session.bufferedAmount
    this.#watchdog = setTimeout(() => {
      this.#watchdog = null
      if (this.#closed) return
      const buffered = this.#session.bufferedAmount
      const stalled = buffered > 0 && buffered === this.#lastBuffered
      if (stalled) {
        this.#kicks++
        this.#session.cork(() => undefined)
      }
      this.drain()
      if (this.#watchdog === null && this.#session.bufferedAmount > 0) this.#watch(stalled ? Math.min(intervalMs * 2, WATCHDOG_MAX_MS) : WATCHDOG_MS)
    }, intervalMs)
  }
}
