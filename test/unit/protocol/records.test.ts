import { describe, expect, test } from 'vitest'
import { ErrorCodes, SamsaError } from '../../../src/common/errors.js'
import { crc32c } from '../../../src/protocol/crc32c.js'
import { CompressionCodecs } from '../../../src/protocol/record-batch.js'
import {
  assembleRecordBatch,
  decodeRecordBatch,
  decodeRecordBatches,
  decodeRecords,
  encodeRecordBatch,
  encodeRecords,
} from '../../../src/protocol/records.js'

function protocolErrorOf(fn: () => unknown): SamsaError {
  try {
    fn()
  } catch (error) {
    expect(SamsaError.is(error, ErrorCodes.PROTOCOL)).toBe(true)
    return error as SamsaError
  }
  throw new Error('expected a SAMSA_PROTOCOL error')
}

// A stand-in codec: "compresses" by reversing the bytes behind a 4-byte length header.
const fakeCompress = (codec: number, data: Buffer): Buffer => {
  expect(codec).toBe(CompressionCodecs.ZSTD)
  const out = Buffer.alloc(4 + data.length)
  out.writeUInt32BE(data.length, 0)
  data.copy(out, 4)
  out.subarray(4).reverse()
  return out
}
const fakeDecompress = (codec: number, data: Buffer, maxBytes: number): Buffer => {
  expect(codec).toBe(CompressionCodecs.ZSTD)
  const length = data.readUInt32BE(0)
  if (length > maxBytes) throw new Error(`would produce ${length} bytes`)
  return Buffer.from(data.subarray(4)).reverse()
}

describe('round trips', () => {
  test('records with keys, values, nulls, headers and deltas come back as written', () => {
    const input = {
      baseOffset: 0,
      baseTimestamp: 1_700_000_000_000,
      producerId: 77n,
      producerEpoch: 2,
      baseSequence: 0,
      records: [
        { key: Buffer.from('k1'), value: Buffer.from('v1'), headers: [{ key: 'h', value: Buffer.from('x') }] },
        { key: null, value: null, headers: [{ key: 'nul', value: null }, { key: 'ü', value: Buffer.alloc(0) }] },
        { value: Buffer.alloc(300, 7), timestampDelta: -5 },
        { value: Buffer.from('last'), timestampDelta: 1234567 },
      ],
    }
    const batch = decodeRecordBatch(encodeRecordBatch(input))
    expect(batch).toMatchObject({
      baseOffset: 0n,
      magic: 2,
      compression: 0,
      lastOffsetDelta: 3,
      baseTimestamp: 1_700_000_000_000n,
      maxTimestamp: 1_700_001_234_567n,
      producerId: 77n,
      producerEpoch: 2,
      baseSequence: 0,
      isTransactional: false,
      isControl: false,
      partitionLeaderEpoch: -1,
    })
    expect(batch.records.map((r) => [r.offsetDelta, r.timestampDelta])).toEqual([
      [0, 0],
      [1, 0],
      [2, -5],
      [3, 1234567],
    ])
    expect(batch.records[0]?.key?.toString()).toBe('k1')
    expect(batch.records[0]?.headers).toEqual([{ key: 'h', value: Buffer.from('x') }])
    expect(batch.records[1]).toMatchObject({ key: null, value: null })
    expect(batch.records[1]?.headers).toEqual([
      { key: 'nul', value: null },
      { key: 'ü', value: Buffer.alloc(0) },
    ])
    expect(batch.records[2]?.value).toEqual(Buffer.alloc(300, 7))
  })

  test('explicit offset deltas and lastOffsetDelta are kept', () => {
    const batch = decodeRecordBatch(
      encodeRecordBatch({ baseTimestamp: 0, records: [{ value: null, offsetDelta: 0 }, { value: null, offsetDelta: 5 }] }),
    )
    expect(batch.lastOffsetDelta).toBe(5)
    expect(batch.records.map((r) => r.offsetDelta)).toEqual([0, 5])
  })

  test('decoded values are views into the batch', () => {
    const bytes = encodeRecordBatch({ baseTimestamp: 0, records: [{ value: Buffer.from('view') }] })
    const value = decodeRecordBatch(bytes).records[0]!.value!
    expect(value.buffer).toBe(bytes.buffer)
  })

  test('the compressed path goes through the injected codec and counts records before compression', () => {
    const input = {
      compression: CompressionCodecs.ZSTD,
      baseTimestamp: 5,
      records: [{ value: Buffer.from('one') }, { value: Buffer.from('two') }],
    }
    const bytes = encodeRecordBatch(input, { compress: fakeCompress })
    const batch = decodeRecordBatch(bytes, { decompress: fakeDecompress })
    expect(batch.compression).toBe(CompressionCodecs.ZSTD)
    expect(batch.records.map((r) => r.value?.toString())).toEqual(['one', 'two'])
    // The same batch assembled from a section compressed elsewhere is byte-identical.
    const section = fakeCompress(CompressionCodecs.ZSTD, encodeRecords(input.records))
    expect(assembleRecordBatch(input, input.records, section)).toEqual(bytes)
  })

  test('the injected CRC function is used on both sides', () => {
    let calls = 0
    const counting = (bytes: Uint8Array) => {
      calls++
      return crc32c(bytes)
    }
    const bytes = encodeRecordBatch({ baseTimestamp: 0, records: [{ value: null }] }, { crc32c: counting })
    decodeRecordBatch(bytes, { crc32c: counting })
    expect(calls).toBe(2)
  })

  test('decodes every whole batch of a fetch-style records buffer and leaves out a cut-off tail', () => {
    const a = encodeRecordBatch({ baseOffset: 0, baseTimestamp: 0, records: [{ value: Buffer.from('a') }] })
    const b = encodeRecordBatch({ baseOffset: 1, baseTimestamp: 0, records: [{ value: Buffer.from('b') }] })
    const batches = decodeRecordBatches(Buffer.concat([a, b, b.subarray(0, 20)]))
    expect(batches.map((batch) => batch.baseOffset)).toEqual([0n, 1n])
  })
})

describe('untrusted input', () => {
  const good = encodeRecordBatch({ baseTimestamp: 0, records: [{ key: Buffer.from('k'), value: Buffer.from('value') }] })

  function withCrc(bytes: Buffer): Buffer {
    bytes.writeUInt32BE(crc32c(bytes.subarray(21)), 17)
    return bytes
  }

  test('a CRC mismatch is rejected unless verification is off', () => {
    const bad = Buffer.from(good)
    bad[bad.length - 2]! ^= 0xff // a byte of the value
    expect(protocolErrorOf(() => decodeRecordBatch(bad)).message).toMatch(/CRC mismatch: the batch says 0x[0-9a-f]{8}, its bytes give/)
    expect(decodeRecordBatch(bad, { verifyCrc: false }).records).toHaveLength(1)
  })

  test('only magic 2 is decoded', () => {
    const old = Buffer.from(good)
    old[16] = 1
    expect(protocolErrorOf(() => decodeRecordBatch(old)).message).toMatch(/magic 1 is not supported/)
  })

  test('a record count that cannot fit, or does not use all bytes, is rejected', () => {
    const tooMany = Buffer.from(good)
    tooMany.writeInt32BE(1_000_000, 57)
    expect(protocolErrorOf(() => decodeRecordBatch(withCrc(tooMany))).message).toMatch(/recordsCount 1000000 cannot fit/)
    const negative = Buffer.from(good)
    negative.writeInt32BE(-1, 57)
    expect(protocolErrorOf(() => decodeRecordBatch(withCrc(negative))).message).toMatch(/recordsCount -1 is negative/)
    const tooFew = Buffer.from(good)
    tooFew.writeInt32BE(0, 57)
    expect(protocolErrorOf(() => decodeRecordBatch(withCrc(tooFew))).message).toMatch(/bytes follow the 0 records/)
  })

  test('record, key and header lengths are checked against what remains', () => {
    expect(() => decodeRecords(Buffer.from([0x7e, 0, 0, 0, 0, 0, 0]), 1)).toThrow(/record length 63 is invalid/)
    // length 6: attributes, ts 0, offset 0, key len 100 (zig-zag 200 = c8 01) overruns
    expect(() => decodeRecords(Buffer.from([0x0c, 0, 0, 0, 0xc8, 0x01, 0]), 1)).toThrow(/^record 0: key length 100 exceeds the 1 bytes remaining$/)
    // key length -2
    expect(() => decodeRecords(Buffer.from([0x0c, 0, 0, 0, 0x03, 0x01, 0]), 1)).toThrow(/key length -2 is negative/)
    // header count 50 in a 7-byte record
    expect(() => decodeRecords(Buffer.from([0x0c, 0, 0, 0, 0x01, 0x01, 0x64]), 1)).toThrow(/header count 50 is invalid/)
  })

  test("a record whose fields do not fill its declared length is rejected", () => {
    // Declares 8 bytes, fields take 6, then 2 padding bytes.
    expect(() => decodeRecords(Buffer.from([0x10, 0, 0, 0, 0x01, 0x01, 0, 0, 0]), 1)).toThrow(/declares 8 bytes but its fields take 6/)
  })

  test('compressed batches need a decompress function and stay within the size bound', () => {
    const compressed = encodeRecordBatch(
      { compression: CompressionCodecs.ZSTD, baseTimestamp: 0, records: [{ value: Buffer.alloc(1000) }] },
      { compress: fakeCompress },
    )
    expect(protocolErrorOf(() => decodeRecordBatch(compressed)).message).toMatch(/no decompress function/)
    expect(protocolErrorOf(() => decodeRecordBatch(compressed, { decompress: fakeDecompress, maxDecompressedBytes: 100 })).message).toMatch(
      /decompressing the records \(codec 4\) failed: would produce \d+ bytes/,
    )
    const liar = () => Buffer.alloc(200)
    expect(protocolErrorOf(() => decodeRecordBatch(compressed, { decompress: liar, maxDecompressedBytes: 100 })).message).toMatch(
      /decompressed to 200 bytes, over the 100-byte limit/,
    )
  })

  test('unknown compression codecs are rejected', () => {
    const odd = Buffer.from(good)
    odd.writeInt16BE(7, 21)
    expect(protocolErrorOf(() => decodeRecordBatch(withCrc(odd), { decompress: fakeDecompress })).message).toMatch(/codec 7 is unknown/)
  })

  test('encoding with a codec but no compress function is refused', () => {
    expect(() => encodeRecordBatch({ compression: 1, baseTimestamp: 0, records: [] })).toThrow(/needs a compress function/)
  })
})
