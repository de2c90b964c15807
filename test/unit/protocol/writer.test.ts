import { describe, expect, test } from 'vitest'
import { ErrorCodes, SamsaError } from '../../../src/common/errors.js'
import { Reader } from '../../../src/protocol/reader.js'
import { sizeOfUnsignedVarint, sizeOfVarint, sizeOfVarlong, sizeOfVarlongNumber } from '../../../src/protocol/varint.js'
import { Writer, flattenChunks } from '../../../src/protocol/writer.js'

describe('primitives', () => {
  test('writes what Reader reads back, at the boundaries of every type', () => {
    const w = new Writer(8)
    w.writeInt8(-128).writeInt8(127).writeInt16(-32768).writeInt16(32767).writeUint16(65535)
    w.writeInt32(-2147483648).writeInt32(2147483647).writeUint32(4294967295)
    w.writeInt64(-(2n ** 63n)).writeInt64(2n ** 63n - 1n).writeFloat64(Math.PI).writeBoolean(true).writeBoolean(false)
    const r = new Reader(w.toBuffer())
    expect([r.readInt8(), r.readInt8(), r.readInt16(), r.readInt16(), r.readUint16()]).toEqual([-128, 127, -32768, 32767, 65535])
    expect([r.readInt32(), r.readInt32(), r.readUint32()]).toEqual([-2147483648, 2147483647, 4294967295])
    expect([r.readInt64(), r.readInt64()]).toEqual([-(2n ** 63n), 2n ** 63n - 1n])
    expect([r.readFloat64(), r.readBoolean(), r.readBoolean()]).toEqual([Math.PI, true, false])
    expect(r.remaining).toBe(0)
  })

  test('unsigned varints take the bytes sizeOfUnsignedVarint says', () => {
    for (const value of [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1]) {
      const bytes = new Writer().writeUnsignedVarint(value).toBuffer()
      expect(bytes.length).toBe(sizeOfUnsignedVarint(value))
      expect(new Reader(bytes).readUnsignedVarint()).toBe(value)
    }
  })

  test('zig-zag varints and varlongs round-trip with the sizes the size helpers give', () => {
    for (const value of [0, -1, 1, -64, 64, 2147483647, -2147483648]) {
      const bytes = new Writer().writeVarint(value).toBuffer()
      expect(bytes.length).toBe(sizeOfVarint(value))
      expect(new Reader(bytes).readVarint()).toBe(value)
    }
    for (const value of [0n, -1n, 1n, 2n ** 63n - 1n, -(2n ** 63n), 1_700_000_000_000n]) {
      const bytes = new Writer().writeVarlong(value).toBuffer()
      expect(bytes.length).toBe(sizeOfVarlong(value))
      expect(new Reader(bytes).readVarlong()).toBe(value)
    }
    for (const value of [0, -1, 63, -64, 64, 1_700_000_000_000, -(2 ** 50), 2 ** 51]) {
      const bytes = new Writer().writeVarlongNumber(value).toBuffer()
      expect(bytes).toEqual(new Writer().writeVarlong(BigInt(value)).toBuffer())
      expect(bytes.length).toBe(sizeOfVarlongNumber(value))
      expect(new Reader(bytes).readVarlongAsNumber()).toBe(value)
    }
  })

  test('strings: classic INT16 and compact N+1 lengths, null markers, UTF-8', () => {
    const w = new Writer()
    w.writeString('héllo').writeNullableString(null).writeCompactString('').writeCompactNullableString(null)
    expect(w.toBuffer().toString('hex')).toBe(`0006${Buffer.from('héllo').toString('hex')}ffff0100`)
  })

  test('refuses strings over 32767 bytes', () => {
    expect(() => new Writer().writeString('x'.repeat(32768))).toThrow(SamsaError)
    expect(() => new Writer().writeCompactString('é'.repeat(16384))).toThrow(/32768 bytes exceeds the 32767-byte limit/)
  })

  test('bytes: INT32 and compact lengths, null markers', () => {
    const w = new Writer()
    w.writeBytes(Buffer.from([1])).writeNullableBytes(null).writeCompactBytes(Buffer.from([2, 3])).writeCompactNullableBytes(null)
    expect(w.toBuffer().toString('hex')).toBe('0000000101ffffffff03020300')
  })

  test('UUIDs must be canonical 22-character display forms', () => {
    const bytes = new Writer().writeUuid('_____________________w').toBuffer()
    expect(bytes.toString('hex')).toBe('ff'.repeat(16))
    for (const bad of ['', 'AAAA', '_____________________x', '______________________', 'AAAAAAAAAAAAAAAAAAAA+A']) {
      expect(() => new Writer().writeUuid(bad), bad).toThrow(SamsaError)
    }
  })

  test('array lengths and empty tagged fields', () => {
    const w = new Writer().writeArrayLength(null).writeArrayLength(2).writeCompactArrayLength(null).writeCompactArrayLength(2)
    w.writeEmptyTaggedFields()
    expect(w.toBuffer().toString('hex')).toBe('ffffffff00000002000300')
  })
})

describe('output parts and external chunks', () => {
  test('without external chunks the output is one Buffer', () => {
    const { chunks, byteLength } = new Writer().writeInt32(7).finish()
    expect(chunks).toHaveLength(1)
    expect(byteLength).toBe(4)
    expect(chunks[0]).toEqual(Buffer.from([0, 0, 0, 7]))
  })

  test('an external chunk ends the current part and is carried by reference', () => {
    const plan = { byteLength: 1000, name: 'read plan' }
    const w = new Writer()
    w.writeInt16(1).writeExternal(plan).writeInt16(2).writeExternal({ byteLength: 0 }).writeExternal(plan)
    const { chunks, byteLength } = w.finish()
    expect(byteLength).toBe(2 + 1000 + 2 + 1000)
    expect(chunks).toHaveLength(4)
    expect(chunks[1]).toBe(plan)
    expect(chunks[3]).toBe(plan)
    expect(chunks[2]).toEqual(Buffer.from([0, 2]))
  })

  test('parts after an external chunk share the same backing memory (one allocation for all metadata)', () => {
    const w = new Writer(256)
    for (let i = 0; i < 8; i++) w.writeInt32(i).writeExternal({ byteLength: 65536 })
    const { chunks } = w.finish()
    const buffers = chunks.filter((chunk): chunk is Buffer => chunk instanceof Uint8Array)
    expect(buffers).toHaveLength(8)
    expect(new Set(buffers.map((buffer) => buffer.buffer)).size).toBe(1)
  })

  test('growing keeps earlier parts intact and moves only the unsealed bytes', () => {
    const w = new Writer(4)
    w.writeInt32(0x01020304).writeExternal({ byteLength: 3 })
    for (let i = 0; i < 1000; i++) w.writeInt32(i)
    const { chunks, byteLength } = w.finish()
    expect(byteLength).toBe(4 + 3 + 4000)
    expect(chunks[0]).toEqual(Buffer.from([1, 2, 3, 4]))
    const tail = chunks[2] as Buffer
    expect(tail.readInt32BE(3996)).toBe(999)
  })

  test('setInt32At patches a length prefix in any part', () => {
    const w = new Writer(4)
    w.writeInt32(0).writeExternal({ byteLength: 10 })
    const second = w.byteLength
    w.writeInt32(0)
    for (let i = 0; i < 100; i++) w.writeInt8(i)
    w.setInt32At(0, 111).setInt32At(second, 222)
    const { chunks } = w.finish()
    expect((chunks[0] as Buffer).readInt32BE(0)).toBe(111)
    expect((chunks[2] as Buffer).readInt32BE(0)).toBe(222)
    expect(() => new Writer().writeInt16(1).setInt32At(0, 1)).toThrow(RangeError)
  })

  test('toBuffer flattens byte-array chunks and chunks that offer toBuffers()', () => {
    const plan = { byteLength: 3, toBuffers: () => [Buffer.from([7]), Buffer.from([8, 9])] }
    const w = new Writer().writeInt8(1).writeExternal(Buffer.alloc(5000, 2)).writeExternal(plan).writeInt8(3)
    const flat = w.toBuffer()
    expect(flat.length).toBe(1 + 5000 + 3 + 1)
    expect([...flat.subarray(5001)]).toEqual([7, 8, 9, 3])
    expect(() => flattenChunks([{ byteLength: 1 }])).toThrow(TypeError)
  })
})

test('encoding errors are SAMSA_PROTOCOL', () => {
  try {
    new Writer().writeUuid('nope')
    expect.unreachable()
  } catch (error) {
    expect(SamsaError.is(error, ErrorCodes.PROTOCOL)).toBe(true)
  }
})

describe('INT64 from numbers', () => {
  test('safe integers take the fast path and match the bigint encoding', () => {
    for (const value of [0, -1, 1, 2 ** 32, -(2 ** 32), 2 ** 32 - 1, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1_700_000_000_000]) {
      const fromNumber = new Writer().writeInt64(value).toBuffer()
      expect(fromNumber, String(value)).toEqual(new Writer().writeInt64(BigInt(value)).toBuffer())
      expect(new Reader(fromNumber).readInt64()).toBe(BigInt(value))
    }
  })

  test('bigints beyond 2^53 keep their exact value', () => {
    for (const value of [2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      const bytes = new Writer().writeInt64(value).toBuffer()
      expect(bytes.readBigInt64BE(0)).toBe(value)
      expect(new Reader(bytes).readInt64()).toBe(value)
    }
  })

  test('numbers that are not safe integers are refused', () => {
    for (const value of [1.5, Number.NaN, 2 ** 60, Infinity]) {
      expect(() => new Writer().writeInt64(value), String(value)).toThrow(/is not a safe integer; pass a bigint/)
    }
  })
})
