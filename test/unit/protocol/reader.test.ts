import { describe, expect, test } from 'vitest'
import { ErrorCodes, SamsaError } from '../../../src/common/errors.js'
import { Reader } from '../../../src/protocol/reader.js'

function reader(hex: string): Reader {
  return new Reader(Buffer.from(hex.replaceAll(' ', ''), 'hex'))
}

function protocolErrorOf(fn: () => unknown): SamsaError {
  try {
    fn()
  } catch (error) {
    expect(SamsaError.is(error, ErrorCodes.PROTOCOL)).toBe(true)
    return error as SamsaError
  }
  throw new Error('expected a SAMSA_PROTOCOL error')
}

describe('fixed-width integers', () => {
  test('reads signed and unsigned boundary values big-endian', () => {
    const r = reader('80 7f ff 8000 7fff ffff 80000000 7fffffff ffffffff ffffffff')
    expect(r.readInt8()).toBe(-128)
    expect(r.readInt8()).toBe(127)
    expect(r.readInt8()).toBe(-1)
    expect(r.readInt16()).toBe(-32768)
    expect(r.readInt16()).toBe(32767)
    expect(r.readUint16()).toBe(65535)
    expect(r.readInt32()).toBe(-2147483648)
    expect(r.readInt32()).toBe(2147483647)
    expect(r.readUint32()).toBe(4294967295)
    expect(r.readInt32()).toBe(-1)
    expect(r.remaining).toBe(0)
  })

  test('reads int64 as bigint across the whole range', () => {
    const r = reader('8000000000000000 7fffffffffffffff ffffffffffffffff 0020000000000001')
    expect(r.readInt64()).toBe(-(2n ** 63n))
    expect(r.readInt64()).toBe(2n ** 63n - 1n)
    expect(r.readInt64()).toBe(-1n)
    expect(r.readInt64()).toBe(2n ** 53n + 1n)
  })

  test('reads float64 and booleans (any non-zero byte is true)', () => {
    const b = Buffer.alloc(11)
    b.writeDoubleBE(-1.5, 0)
    b[8] = 0
    b[9] = 1
    b[10] = 0x7f
    const r = new Reader(b)
    expect(r.readFloat64()).toBe(-1.5)
    expect(r.readBoolean()).toBe(false)
    expect(r.readBoolean()).toBe(true)
    expect(r.readBoolean()).toBe(true)
  })

  test('a read past the end throws SAMSA_PROTOCOL naming the type and the counts', () => {
    const error = protocolErrorOf(() => reader('0001 02').readInt32())
    expect(error.message).toMatch(/int32 needs 4 bytes at offset 0, 3 remain/)
    expect(() => reader('').readInt8()).toThrow(/int8/)
    expect(() => reader('00').readInt16()).toThrow(/int16/)
    expect(() => reader('00000000000000').readInt64()).toThrow(/int64/)
  })

  test('respects an end before the end of the buffer', () => {
    const r = new Reader(Buffer.from('0001020304050607', 'hex'), 2, 5)
    expect(r.readInt16()).toBe(0x0203)
    expect(r.remaining).toBe(1)
    expect(() => r.readInt16()).toThrow(/2 bytes at offset 4, 1 remain/)
  })
})

describe('varints', () => {
  test('reads unsigned varints of 1 to 5 bytes up to 2^32-1', () => {
    const r = reader('00 7f 8001 ff7f 808001 ffffffff0f')
    expect(r.readUnsignedVarint()).toBe(0)
    expect(r.readUnsignedVarint()).toBe(127)
    expect(r.readUnsignedVarint()).toBe(128)
    expect(r.readUnsignedVarint()).toBe(16383)
    expect(r.readUnsignedVarint()).toBe(16384)
    expect(r.readUnsignedVarint()).toBe(4294967295)
  })

  test('rejects an unsigned varint longer than 5 bytes or above 32 bits', () => {
    expect(() => reader('ffffffff1f').readUnsignedVarint()).toThrow(/longer than 5 bytes or exceeds 32 bits/)
    expect(() => reader('ffffffffff01').readUnsignedVarint()).toThrow(SamsaError)
  })

  test('a truncated varint throws instead of reading past the end', () => {
    expect(() => reader('80 80').readUnsignedVarint()).toThrow(/unsigned varint needs 3 bytes/)
    expect(() => reader('ff').readVarlong()).toThrow(/varlong/)
  })

  test('reads zig-zag varints', () => {
    const r = reader('00 01 02 03 feffffff0f ffffffff0f')
    expect(r.readVarint()).toBe(0)
    expect(r.readVarint()).toBe(-1)
    expect(r.readVarint()).toBe(1)
    expect(r.readVarint()).toBe(-2)
    expect(r.readVarint()).toBe(2147483647)
    expect(r.readVarint()).toBe(-2147483648)
  })

  test('reads zig-zag varlongs to the int64 limits, as bigint and as number', () => {
    const max = reader('feffffffffffffffff01')
    expect(max.readVarlong()).toBe(2n ** 63n - 1n)
    const min = reader('ffffffffffffffffff01')
    expect(min.readVarlong()).toBe(-(2n ** 63n))
    expect(reader('01').readVarlongAsNumber()).toBe(-1)
    expect(reader('d00f').readVarlongAsNumber()).toBe(1000)
    // 2^48 needs 8 bytes and goes through the bigint path; still a safe integer.
    expect(reader('8080808080808001').readVarlongAsNumber()).toBe(2 ** 48)
  })

  test('refuses a varlong beyond 2^53 as a number rather than round it', () => {
    const r = reader('feffffffffffffffff01')
    expect(() => r.readVarlongAsNumber()).toThrow(/outside the safe integer range/)
    expect(r.offset).toBe(0)
  })

  test('rejects a varlong longer than 10 bytes', () => {
    expect(() => reader('ffffffffffffffffffff01').readVarlong()).toThrow(/longer than 10 bytes/)
  })
})

describe('strings and bytes', () => {
  test('reads classic and compact strings, nullable and not', () => {
    const r = reader('0003616263 ffff 04c3a97a ff00 00 01')
    expect(r.readString()).toBe('abc')
    expect(r.readNullableString()).toBeNull()
    expect(r.readCompactString()).toBe('éz')
    r.offset += 2
    expect(r.readCompactNullableString()).toBeNull()
    expect(r.readCompactString()).toBe('')
  })

  test('null where a value is required is malformed', () => {
    expect(() => reader('ffff').readString()).toThrow(/non-nullable string/)
    expect(() => reader('00').readCompactString()).toThrow(/non-nullable compact string/)
    expect(() => reader('ffffffff').readBytes()).toThrow(/non-nullable bytes/)
    expect(() => reader('00').readCompactBytes()).toThrow(/non-nullable compact bytes/)
  })

  test('negative lengths other than -1 are malformed', () => {
    expect(() => reader('fffe').readNullableString()).toThrow(/string length -2/)
    expect(() => reader('fffffffe').readNullableBytes()).toThrow(/bytes length -2/)
  })

  test('a length beyond the remaining bytes fails before anything is allocated', () => {
    expect(() => reader('7fff 61').readString()).toThrow(/string length 32767 exceeds the 1 bytes remaining/)
    // 2^31-1 bytes announced with 2 present: fails fast, no 2 GiB buffer.
    expect(() => reader('7fffffff 0000').readBytes()).toThrow(/bytes length 2147483647 exceeds the 2 bytes remaining/)
    expect(() => reader('ffffffff0f').readCompactBytes()).toThrow(/exceeds the 0 bytes remaining/)
  })

  test('compact strings are capped at 32767 bytes like Kafka', () => {
    expect(() => reader('818002').readCompactString()).toThrow(/exceeds the 32767-byte limit/)
  })

  test('bytes are views into the input, not copies', () => {
    const input = Buffer.from('00000003010203', 'hex')
    const bytes = new Reader(input).readBytes()
    expect([...bytes]).toEqual([1, 2, 3])
    input[4] = 9
    expect(bytes[0]).toBe(9)
  })

  test('reads UUIDs in the 22-character display form', () => {
    const r = reader('00000000000000000000000000000000 ffffffffffffffffffffffffffffffff')
    expect(r.readUuid()).toBe('AAAAAAAAAAAAAAAAAAAAAA')
    expect(r.readUuid()).toBe('_____________________w')
    expect(() => reader('0102').readUuid()).toThrow(/uuid needs 16 bytes/)
  })
})

describe('arrays and tagged fields', () => {
  test('array counts: -1 is null, others are checked against the bytes left', () => {
    expect(reader('ffffffff').readArrayLength(4)).toBe(-1)
    expect(reader('00').readCompactArrayLength(4)).toBe(-1)
    expect(reader('00000002 0000000000000000').readArrayLength(4)).toBe(2)
    expect(() => reader('00000003 0000000000000000').readArrayLength(4)).toThrow(
      /array of 3 elements \(at least 12 bytes\) exceeds the 8 bytes remaining/,
    )
    expect(() => reader('7fffffff').readArrayLength(1)).toThrow(/array of 2147483647 elements/)
    expect(() => reader('fffffffe').readArrayLength(1)).toThrow(/array length -2/)
  })

  test('zero-size elements are still bounded by the bytes left', () => {
    expect(() => reader('ffffffff0f').readCompactArrayLength(0)).toThrow(/array of 4294967294 elements/)
  })

  test('tagged fields: known tags are handed over with a bounded reader, unknown ones skipped', () => {
    // Two fields: tag 1 with 2 bytes, tag 5 with 1 byte; then one more byte.
    const r = reader('02 01 02 abcd 05 01 ee 99')
    const seen: Array<[number, string]> = []
    r.readTaggedFields((tag, field) => {
      seen.push([tag, field.readRawBytes(field.remaining).toString('hex')])
    }, undefined)
    expect(seen).toEqual([
      [1, 'abcd'],
      [5, 'ee'],
    ])
    expect(r.readInt8()).toBe(-103)
  })

  test('a tagged field larger than what remains is malformed', () => {
    expect(() => reader('01 00 05 0102').readTaggedFields()).toThrow(/tagged field 0 length 5 exceeds/)
    expect(() => reader('7f').readTaggedFields()).toThrow(/tagged field count 127 exceeds/)
  })
})

test('a reader window outside the buffer is a programming error', () => {
  expect(() => new Reader(Buffer.alloc(2), 0, 3)).toThrow(RangeError)
  expect(() => new Reader(Buffer.alloc(2), 3, 2)).toThrow(RangeError)
})
