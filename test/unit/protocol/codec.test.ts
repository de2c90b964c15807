import { describe, expect, test } from 'vitest'
import { ErrorCodes, SamsaError } from '../../../src/common/errors.js'
import { RECORDS_BY_REFERENCE_BYTES } from '../../../src/protocol/codec.js'
import { defineMessage } from '../../../src/protocol/message.js'
import { Reader } from '../../../src/protocol/reader.js'
import { field } from '../../../src/protocol/schema.js'
import { Writer } from '../../../src/protocol/writer.js'

const example = defineMessage({
  name: 'ExampleRequest',
  apiKey: 1000,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    name: field.string(),
    count: field.int32({ versions: '1+', default: -1 }),
    ids: field.array(field.int32(), { nullableVersions: '1+' }),
    inner: field.struct({ a: field.int16(), b: field.string({ nullableVersions: '0+', default: null }) }),
    note: field.string({ versions: '2+', nullableVersions: '2+', taggedVersions: '2+', tag: 3, default: null }),
    weight: field.int64({ versions: '3+', taggedVersions: '3+', tag: 1, default: 0n }),
    strictFlag: field.bool({ versions: '3+', default: false, strict: true }),
  },
})

function hex(writer: Writer): string {
  return writer.toBuffer().toString('hex')
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

const value = { name: 'ab', count: 5, ids: [1], inner: { a: 7, b: null }, note: 'n', weight: 9n }

describe('flexible and classic versions of one description', () => {
  test('v0 uses INT16 strings and INT32 arrays and drops fields it lacks', () => {
    expect(hex(example.encode(value, 0))).toBe('0002616200000001000000010007ffff')
  })

  test('v2 uses compact lengths and a tagged-field section per struct', () => {
    // name, count, ids, inner{a, b, tags}, tags{ tag 3: "n" }
    expect(hex(example.encode(value, 2))).toBe('03616200000005020000000100070000' + '01030202' + '6e')
  })

  test('v3 writes tagged fields in ascending tag order', () => {
    const out = hex(example.encode(value, 3))
    // ..., strictFlag false, then 2 tagged fields: tag 1 (8 bytes), tag 3 (2 bytes).
    expect(out.endsWith('00' + '02' + '0108' + '0000000000000009' + '0302026e')).toBe(true)
  })

  test('decoding a version without a field yields its default', () => {
    const decoded = example.decode(example.encode(value, 0).toBuffer(), 0)
    expect(decoded).toEqual({ name: 'ab', count: -1, ids: [1], inner: { a: 7, b: null }, note: null, weight: 0n, strictFlag: false })
  })

  test('decoded objects list every field in description order, whatever the version', () => {
    for (const version of [0, 1, 2, 3]) {
      const decoded = example.decode(example.encode(value, version).toBuffer(), version)
      expect(Object.keys(decoded)).toEqual(['name', 'count', 'ids', 'inner', 'note', 'weight', 'strictFlag'])
    }
  })
})

describe('tagged fields', () => {
  test('a tagged field equal to its default is not written', () => {
    const out = hex(example.encode({ ...value, note: null, weight: 0n }, 3))
    expect(out.endsWith('0000')).toBe(true) // strictFlag false, then zero tagged fields
  })

  test('unknown tags are skipped, known ones decoded, in any order', () => {
    const w = new Writer()
    w.writeCompactString('x').writeInt32(1).writeCompactArrayLength(0).writeInt16(2).writeCompactNullableString(null)
    w.writeEmptyTaggedFields() // inner's tags
    w.writeBoolean(true) // strictFlag
    w.writeUnsignedVarint(3)
    w.writeUnsignedVarint(3).writeUnsignedVarint(2).writeCompactString('z')
    w.writeUnsignedVarint(99).writeUnsignedVarint(4).writeInt32(-1) // unknown tag 99
    w.writeUnsignedVarint(1).writeUnsignedVarint(8).writeInt64(42n)
    const reader = new Reader(w.toBuffer())
    const decoded = example.decode(reader, 3)
    expect(decoded.note).toBe('z')
    expect(decoded.weight).toBe(42n)
    expect(decoded.strictFlag).toBe(true)
    expect(reader.remaining).toBe(0)
  })

  test('a known tagged field may carry trailing bytes a newer writer added', () => {
    const w = new Writer()
    w.writeCompactString('x').writeInt32(1).writeCompactArrayLength(0).writeInt16(2).writeCompactNullableString(null)
    w.writeEmptyTaggedFields().writeBoolean(false)
    w.writeUnsignedVarint(1).writeUnsignedVarint(1).writeUnsignedVarint(10).writeInt64(5n).writeInt16(0)
    expect(example.decode(w.toBuffer(), 3).weight).toBe(5n)
  })

  test('a malformed tagged field is reported with its name', () => {
    const w = new Writer()
    w.writeCompactString('x').writeInt32(1).writeCompactArrayLength(0).writeInt16(2).writeCompactNullableString(null)
    w.writeEmptyTaggedFields().writeBoolean(false)
    w.writeUnsignedVarint(1).writeUnsignedVarint(1).writeUnsignedVarint(3).writeInt16(0).writeInt8(0)
    expect(protocolErrorOf(() => example.decode(w.toBuffer(), 3)).message).toMatch(/ExampleRequest v3: weight: int64 needs 8 bytes/)
  })
})

describe('nullability', () => {
  test('nullable arrays encode null as -1 (classic) or 0 (compact)', () => {
    expect(hex(example.encode({ ...value, ids: null }, 1)).slice(16, 24)).toBe('ffffffff')
    expect(example.decode(example.encode({ ...value, ids: null }, 2).toBuffer(), 2).ids).toBeNull()
  })

  test('null where the version does not allow it fails on encode and on decode, naming the field', () => {
    expect(protocolErrorOf(() => example.encode({ ...value, ids: null }, 0)).message).toBe(
      'ExampleRequest v0: ids: null is not allowed in version 0',
    )
    expect(protocolErrorOf(() => example.encode({ ...value, name: null as never }, 2)).message).toMatch(/name: null is not allowed/)
    const bytes = Buffer.from('000161ffffffff0007ffff', 'hex')
    expect(protocolErrorOf(() => example.decode(bytes, 0)).message).toBe('ExampleRequest v0: ids: null is not allowed in version 0')
  })

  test('nullable structs carry an INT8 marker', () => {
    const withStruct = defineMessage({
      name: 'NullableStruct',
      validVersions: '0',
      flexibleVersions: 'none',
      fields: { s: field.struct({ x: field.int8() }, { nullableVersions: '0+' }) },
    })
    expect(hex(withStruct.encode({ s: null }, 0))).toBe('ff')
    expect(hex(withStruct.encode({ s: { x: 4 } }, 0))).toBe('0104')
    expect(withStruct.decode(Buffer.from('ff', 'hex'), 0).s).toBeNull()
    expect(withStruct.decode(Buffer.from('0104', 'hex'), 0).s).toEqual({ x: 4 })
    expect(protocolErrorOf(() => withStruct.decode(Buffer.from('0204', 'hex'), 0)).message).toMatch(/marker is 2/)
  })
})

describe('fields a version cannot carry', () => {
  test('are dropped silently when not strict', () => {
    expect(example.encode({ ...value, count: 99 }, 0).toBuffer()).toEqual(example.encode({ ...value, count: -1 }, 0).toBuffer())
  })

  test('throw when strict and not at their default', () => {
    expect(protocolErrorOf(() => example.encode({ ...value, strictFlag: true }, 2)).message).toBe(
      'ExampleRequest v2: strictFlag: version 2 cannot carry a value other than the default',
    )
    expect(() => example.encode({ ...value, strictFlag: false }, 2)).not.toThrow()
  })
})

describe('errors name the path of the field', () => {
  test('inside arrays of structs', () => {
    const nested = defineMessage({
      name: 'Nested',
      validVersions: '0',
      flexibleVersions: 'none',
      fields: { topics: field.array({ name: field.string(), partitions: field.array({ index: field.int32(), name: field.string() }) }) },
    })
    const w = new Writer().writeInt32(1).writeString('t').writeInt32(2).writeInt32(0).writeString('').writeInt32(1).writeInt16(-2)
    expect(protocolErrorOf(() => nested.decode(w.toBuffer(), 0)).message).toBe(
      'Nested v0: topics[0].partitions[1].name: string length -2 at offset 21 is negative',
    )
  })

  test('unsupported versions are refused', () => {
    expect(protocolErrorOf(() => example.decode(Buffer.alloc(10), 4)).message).toBe('ExampleRequest version 4 is not supported (0-3)')
    expect(() => example.encode(value, -1)).toThrow(/version -1 is not supported/)
  })
})

describe('records fields', () => {
  const carrier = defineMessage({
    name: 'Carrier',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: { records: field.records({ nullableVersions: '0+' }) },
  })

  test('decode to a view of the frame', () => {
    const frame = Buffer.from('0000000301020304', 'hex')
    const decoded = carrier.decode(frame, 0)
    expect(decoded.records?.buffer).toBe(frame.buffer)
    expect([...decoded.records!]).toEqual([1, 2, 3])
  })

  test('small Buffers are copied, large ones and external chunks carried by reference', () => {
    const small = Buffer.alloc(10, 1)
    expect(carrier.encode({ records: small }, 1).finish().chunks).toHaveLength(1)
    const large = Buffer.alloc(RECORDS_BY_REFERENCE_BYTES, 2)
    const out = carrier.encode({ records: large }, 1).finish()
    expect(out.chunks[1]).toBe(large)
    const plan = { byteLength: 70000 }
    const planOut = carrier.encode({ records: plan }, 1).finish()
    expect(planOut.chunks[1]).toBe(plan)
    // Compact length 70001 as a 3-byte varint, the chunk, then the struct's empty tag section.
    expect(planOut.byteLength).toBe(3 + 70000 + 1)
    expect((planOut.chunks[0] as Buffer).toString('hex')).toBe('f1a204')
    expect((planOut.chunks[2] as Buffer).toString('hex')).toBe('00')
  })

  test('null records are -1 (classic) or 0 (compact)', () => {
    expect(hex(carrier.encode({ records: null }, 0))).toBe('ffffffff')
    expect(hex(carrier.encode({ records: null }, 1))).toBe('0000')
  })
})

test('each version is compiled once and reused', () => {
  expect(example.codec(2)).toBe(example.codec(2))
  expect(example.codec(2)).not.toBe(example.codec(3))
})

test('INT64 fields encode from numbers too, and -1 equals the default -1n for tagged fields', () => {
  const tagged = defineMessage({
    name: 'TaggedInt64',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: { offset: field.int64(), epoch: field.int64({ taggedVersions: '0+', tag: 0, default: -1n }) },
  })
  const fromNumbers = tagged.encode({ offset: 42, epoch: -1 }, 0).toBuffer()
  expect(fromNumbers).toEqual(tagged.encode({ offset: 42n, epoch: -1n }, 0).toBuffer())
  expect(fromNumbers.toString('hex')).toBe('000000000000002a00')
  expect(tagged.decode(fromNumbers, 0)).toEqual({ offset: 42n, epoch: -1n })
})
