import { describe, expect, it } from 'vitest'
import { BatchBuffers } from '../../../src/client/batch-buffers.js'

describe('BatchBuffers', () => {
  it('hands back the buffer last given when it is large enough, else a new power-of-two one', () => {
    const buffers = new BatchBuffers(2)
    const first = buffers.take(40_000)
    expect(first.length).toBe(64 * 1024)
    const larger = buffers.take(70_000)
    expect(larger.length).toBe(128 * 1024)
    buffers.give(first)
    expect(buffers.take(50_000)).toBe(first)
    // Too small for this drain: dropped, and a new one comes.
    buffers.give(first)
    const fresh = buffers.take(100_000)
    expect(fresh).not.toBe(first)
    expect(buffers.take(10)).not.toBe(first)
  })

  it('keeps at most its limit of idle buffers, and none after clear', () => {
    const buffers = new BatchBuffers(2)
    const [a, b, c] = [buffers.take(1), buffers.take(1), buffers.take(1)]
    buffers.give(a)
    buffers.give(b)
    buffers.give(c)
    expect(buffers.take(1)).toBe(b)
    expect(buffers.take(1)).toBe(a)
    expect([a, b, c]).not.toContain(buffers.take(1))
    buffers.give(a)
    buffers.clear()
    expect(buffers.take(1)).not.toBe(a)
  })
})
