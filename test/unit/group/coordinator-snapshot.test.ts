import { describe, expect, it } from 'vitest'
import { decodeSnapshot, encodeSnapshot } from '../../../src/group/coordinator-snapshot.js'

const records = Array.from({ length: 25_000 }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: Buffer.from(`value-${i}`) }))

describe('coordinator snapshot file', () => {
  it('round-trips its header and every record across several batches', () => {
    const bytes = encodeSnapshot({ endOffset: 1234, lastBatchBaseOffset: 1200, lastBatchCrc: 0xdeadbeef, records }, 1)
    const snapshot = decodeSnapshot(bytes)
    expect(snapshot.endOffset).toBe(1234)
    expect(snapshot.lastBatchBaseOffset).toBe(1200)
    expect(snapshot.lastBatchCrc).toBe(0xdeadbeef)
    expect(snapshot.records).toHaveLength(25_000)
    expect(snapshot.records[24_999]!.value.toString()).toBe('value-24999')
  })

  it('rejects a file with the wrong magic, a flipped bit, or a cut-off end', () => {
    const bytes = encodeSnapshot({ endOffset: 10, lastBatchBaseOffset: 9, lastBatchCrc: 1, records: records.slice(0, 10) }, 1)
    expect(() => decodeSnapshot(Buffer.from('not a snapshot at all, really'))).toThrow(/magic/)
    const flipped = Buffer.from(bytes)
    flipped[flipped.length - 3]! ^= 0x40
    expect(() => decodeSnapshot(flipped)).toThrow(/CRC/)
    expect(() => decodeSnapshot(bytes.subarray(0, bytes.length - 5))).toThrow(/partial/)
  })
})
