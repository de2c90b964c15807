import { afterEach, describe, expect, it, vi } from 'vitest'
import { CLOSE_POLICY_VIOLATION, Outbox } from '../../../src/gateway/ws/outbox.js'
import type { SendResult, WebSocketSession } from '../../../src/gateway/uws.js'

/**
 * A socket that buffers everything it is sent until `flush`, and drops sends once over
 * maxBackpressure as uWS does. `stuck` plays uWS missing a writable event: flush only happens
 * through a cork (which retries the write).
 */
class FakeSocket implements WebSocketSession<unknown> {
  readonly state = {}
  readonly remoteAddress = '127.0.0.1'
  readonly delivered: string[] = []
  readonly pending: string[] = []
  closed = false
  endedWith: [number, string] | null = null
  /** Bytes the kernel would take now. */
  window = 0
  constructor(readonly maxBackpressure: number) {}
  get bufferedAmount(): number {
    return this.pending.reduce((n, m) => n + m.length, 0)
  }
  send(message: string | Uint8Array): SendResult {
    if (this.bufferedAmount > this.maxBackpressure) return 'dropped'
    this.pending.push(String(message))
    this.#write()
    return this.pending.length === 0 ? 'sent' : 'queued'
  }
  cork(fn: () => void): void {
    fn()
    this.#write()
  }
  /** uWS's writable event: it writes what it buffered, then calls the drain handler. */
  writable(outbox: Outbox): void {
    this.#write()
    outbox.drain()
  }
  end(code: number, reason: string): void {
    this.endedWith = [code, reason]
    this.closed = true
  }
  #write(): void {
    while (this.pending.length > 0 && this.pending[0]!.length <= this.window) {
      const next = this.pending.shift()!
      this.window -= next.length
      this.delivered.push(next)
    }
  }
}

const frame = (tag: string, size = 100): string => tag.padEnd(size, '.')

afterEach(() => {
  vi.useRealTimers()
})

describe('Outbox', () => {
  it('holds frames while the socket is over its limit and sends them in order on drain', async () => {
    const socket = new FakeSocket(1000)
    const outbox = new Outbox(socket, 250, 10, () => expect.unreachable('nothing is dropped'))
    for (let i = 0; i < 5; i++) outbox.send(frame(`f${i}`), false)
    // Three frames reached uWS (the third took it over the limit), two wait in the outbox.
    expect(socket.pending.map((m) => m.slice(0, 2))).toEqual(['f0', 'f1', 'f2'])
    expect(outbox.ready).toBe(false)
    let woken = false
    void outbox.whenReady().then(() => (woken = true))

    socket.window = 1000
    socket.writable(outbox)
    expect(socket.delivered.map((m) => m.slice(0, 2))).toEqual(['f0', 'f1', 'f2', 'f3', 'f4'])
    await Promise.resolve()
    expect(woken).toBe(true)
    expect(outbox.stats).toMatchObject({ framesSent: 5, droppedFrames: 0, queuedFrames: 0, pauses: 1, maxBufferedAmount: 300 })
  })

  it('closes a client that lets too many frames pile up with 1008', () => {
    const socket = new FakeSocket(1000)
    const outbox = new Outbox(socket, 100, 3, () => undefined)
    for (let i = 0; i < 10; i++) outbox.send(frame(`f${i}`), false)
    expect(socket.endedWith).toEqual([CLOSE_POLICY_VIOLATION, expect.stringContaining('does not read its socket')])
    expect(socket.bufferedAmount).toBeLessThanOrEqual(200)
  })

  it('retries a write uWS left standing and wakes the waiting stream when it went through', async () => {
    vi.useFakeTimers()
    const socket = new FakeSocket(1000)
    const outbox = new Outbox(socket, 50, 10, () => undefined)
    outbox.send(frame('a'), false)
    outbox.send(frame('b'), false)
    let woken = false
    void outbox.whenReady().then(() => (woken = true))
    // The kernel has room again, but no drain comes: the watchdog's cork writes.
    socket.window = 1000
    await vi.advanceTimersByTimeAsync(60)
    expect(socket.delivered.map((m) => m[0])).toEqual(['a', 'b'])
    expect(woken).toBe(true)
    expect(outbox.stats.kicks).toBe(1)
  })

  it('stops the watchdog and wakes waiters when closed', async () => {
    vi.useFakeTimers()
    const socket = new FakeSocket(1000)
    const outbox = new Outbox(socket, 50, 10, () => undefined)
    outbox.send(frame('a'), false)
    const waiting = outbox.whenReady()
    outbox.close()
    await waiting
    expect(vi.getTimerCount()).toBe(0)
    expect(outbox.closed).toBe(true)
  })
})
