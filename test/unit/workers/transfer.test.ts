import { describe, expect, it } from 'vitest'
import { exclusive, ownsItsBuffer, prepareTransfer, restoreBuffers } from '../../../src/workers/transfer.js'

describe('exclusive buffers', () => {
  it('a buffer that spans its whole ArrayBuffer is moved as is', () => {
    const owned = Buffer.allocUnsafeSlow(100)
    expect(ownsItsBuffer(owned)).toBe(true)
    expect(exclusive(owned)).toBe(owned)
  })

  it('a view into a larger buffer is copied, so the rest of that buffer is not taken along', () => {
    const frame = Buffer.from('header|payload|trailer')
    const view = frame.subarray(7, 14)
    const copy = exclusive(view)
    expect(copy).not.toBe(view)
    expect(Buffer.from(copy).toString()).toBe('payload')
    expect(copy.buffer.byteLength).toBe(7)
  })

  it("small Buffers from Node's shared pool are never moved", () => {
    const pooled = Buffer.from('tiny')
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length)
    expect(ownsItsBuffer(pooled)).toBe(false)
  })
})

describe('empty and detached views', () => {
  it('an empty view gets its own empty buffer', () => {
    const empty = Buffer.from('abc').subarray(1, 1)
    const copy = exclusive(empty)
    expect(copy.byteLength).toBe(0)
    expect(ownsItsBuffer(copy)).toBe(true)
  })

  it('a view whose buffer was already moved is refused with a clear error', () => {
    const moved = Buffer.allocUnsafeSlow(16)
    structuredClone(moved.buffer, { transfer: [moved.buffer] })
    expect(() => exclusive(moved)).toThrow(/already moved to a worker thread/)
  })
})

describe('prepareTransfer', () => {
  it('collects each distinct ArrayBuffer once and leaves the caller objects unchanged', () => {
    const owned = Buffer.allocUnsafeSlow(8)
    const view = Buffer.from('0123456789').subarray(2, 5)
    const input = { codec: 1, payloads: [owned, view, owned] }
    const transferList = new Set<ArrayBuffer>()
    const prepared = prepareTransfer(input, transferList)
    expect(prepared).not.toBe(input)
    expect(input.payloads[1]).toBe(view)
    expect(prepared.codec).toBe(1)
    expect(prepared.payloads[0]).toBe(owned)
    expect(prepared.payloads[1]).not.toBe(view)
    expect([...transferList]).toEqual([owned.buffer, prepared.payloads[1].buffer])
  })

  it('returns values without views untouched', () => {
    const input = { codec: 1, names: ['a'] }
    const transferList = new Set<ArrayBuffer>()
    expect(prepareTransfer(input, transferList)).toBe(input)
    expect(transferList.size).toBe(0)
  })
})

describe('restoreBuffers', () => {
  it('turns received Uint8Arrays back into Buffer views without copying', () => {
    const bytes = new Uint8Array([1, 2, 3])
    const restored = restoreBuffers([bytes, { code: 'X', message: 'y' }])
    expect(Buffer.isBuffer(restored[0])).toBe(true)
    expect((restored[0] as Buffer).buffer).toBe(bytes.buffer)
    expect(restored[1]).toEqual({ code: 'X', message: 'y' })
  })
})
