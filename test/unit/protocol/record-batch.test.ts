import { describe, expect, test } from 'vitest'
import { ErrorCodes, SamsaError } from '../../../src/common/errors.js'
import { crc32c } from '../../../src/protocol/crc32c.js'
import {
  CompressionCodecs,
  RECORD_BATCH_OVERHEAD,
  batchAttributes,
  batchBaseOffset,
  batchBaseSequence,
  batchBaseTimestamp,
  batchCompression,
  batchCrc,
  batchCrcIsValid,
  batchHasDeleteHorizon,
  batchIsControl,
  batchIsTransactional,
  batchLastOffset,
  batchLastOffsetDelta,
  batchLength,
  batchMagic,
  batchMaxTimestamp,
  batchPartitionLeaderEpoch,
  batchPositions,
  batchProducerEpoch,
  batchProducerId,
  batchRecordsCount,
  batchSize,
  batchTimestampType,
  computeBatchCrc,
  nextBatch,
  setBatchBaseOffset,
  setBatchPartitionLeaderEpoch,
} from '../../../src/protocol/record-batch.js'
import { encodeRecordBatch } from '../../../src/protocol/records.js'

function sampleBatch(overrides: Partial<Parameters<typeof encodeRecordBatch>[0]> = {}): Buffer {
  return encodeRecordBatch({
    baseOffset: 100,
    partitionLeaderEpoch: 3,
    baseTimestamp: 1_700_000_000_000,
    producerId: 4242,
    producerEpoch: 7,
    baseSequence: 11,
    records: [{ value: Buffer.from('a') }, { value: Buffer.from('b'), timestampDelta: 5 }, { key: null, value: null }],
    ...overrides,
  })
}

describe('header accessors', () => {
  test('read every field of an encoded batch in place', () => {
    const prefix = Buffer.alloc(5)
    const buffer = Buffer.concat([prefix, sampleBatch({ isTransactional: true, timestampType: 1 })])
    const at = 5
    expect(batchBaseOffset(buffer, at)).toBe(100)
    expect(batchSize(buffer, at)).toBe(buffer.length - 5)
    expect(batchLength(buffer, at)).toBe(buffer.length - 5 - 12)
    expect(batchPartitionLeaderEpoch(buffer, at)).toBe(3)
    expect(batchMagic(buffer, at)).toBe(2)
    expect(batchAttributes(buffer, at)).toBe(0x18)
    expect(batchCompression(buffer, at)).toBe(CompressionCodecs.NONE)
    expect(batchTimestampType(buffer, at)).toBe(1)
    expect(batchIsTransactional(buffer, at)).toBe(true)
    expect(batchIsControl(buffer, at)).toBe(false)
    expect(batchHasDeleteHorizon(buffer, at)).toBe(false)
    expect(batchLastOffsetDelta(buffer, at)).toBe(2)
    expect(batchLastOffset(buffer, at)).toBe(102)
    expect(batchBaseTimestamp(buffer, at)).toBe(1_700_000_000_000)
    expect(batchMaxTimestamp(buffer, at)).toBe(1_700_000_000_005)
    expect(batchProducerId(buffer, at)).toBe(4242)
    expect(batchProducerEpoch(buffer, at)).toBe(7)
    expect(batchBaseSequence(buffer, at)).toBe(11)
    expect(batchRecordsCount(buffer, at)).toBe(3)
    expect(batchCrc(buffer, at)).toBe(crc32c(buffer.subarray(at + 21)))
  })

  test('reading a field past the end of the buffer is a RangeError, not a silent zero', () => {
    const short = sampleBatch().subarray(0, 55)
    expect(() => batchRecordsCount(short, 0)).toThrow(RangeError)
    expect(() => batchBaseSequence(short, 0)).toThrow(/outside a buffer of 55 bytes/)
    expect(batchProducerEpoch(short, 0)).toBe(7)
  })

  test('-1 producer fields read back as -1', () => {
    const buffer = sampleBatch({ producerId: -1, producerEpoch: -1, baseSequence: -1 })
    expect(batchProducerId(buffer, 0)).toBe(-1)
    expect(batchProducerEpoch(buffer, 0)).toBe(-1)
    expect(batchBaseSequence(buffer, 0)).toBe(-1)
  })

  test('INT64 fields beyond 2^53 throw rather than lose precision', () => {
    const buffer = sampleBatch({ baseOffset: 2n ** 60n })
    expect(() => batchBaseOffset(buffer, 0)).toThrow(/baseOffset 1152921504606846976 is beyond 2\^53/)
    const negative = sampleBatch({ producerId: -(2n ** 62n) })
    expect(() => batchProducerId(negative, 0)).toThrow(SamsaError)
    expect(batchProducerId(sampleBatch({ producerId: 2 ** 53 - 1 }), 0)).toBe(2 ** 53 - 1)
  })

  test('rewriting baseOffset and partitionLeaderEpoch keeps the CRC valid', () => {
    const buffer = sampleBatch()
    setBatchBaseOffset(buffer, 0, 123_456_789_012)
    setBatchPartitionLeaderEpoch(buffer, 0, 99)
    expect(batchBaseOffset(buffer, 0)).toBe(123_456_789_012)
    expect(batchPartitionLeaderEpoch(buffer, 0)).toBe(99)
    expect(batchCrcIsValid(buffer, 0)).toBe(true)
  })

  test('any change to bytes under the CRC is detected, with the injected CRC too', () => {
    const buffer = sampleBatch()
    buffer[buffer.length - 1]! ^= 1
    expect(batchCrcIsValid(buffer, 0)).toBe(false)
    expect(computeBatchCrc(buffer, 0, (bytes) => crc32c(bytes))).not.toBe(batchCrc(buffer, 0))
    const calls: number[] = []
    batchCrcIsValid(buffer, 0, (bytes) => {
      calls.push(bytes.length)
      return 0
    })
    expect(calls).toEqual([buffer.length - 21])
  })
})

describe('walking the batches of a records buffer', () => {
  const one = sampleBatch()
  const two = sampleBatch({ baseOffset: 103, records: [{ value: Buffer.from('c') }] })
  const records = Buffer.concat([one, two])

  test('yields each batch start and stops at the end', () => {
    expect([...batchPositions(records)]).toEqual([0, one.length])
    expect(nextBatch(records, 0)).toBe(one.length)
  })

  test('a cut-off last batch is an error unless a partial tail is allowed', () => {
    const cut = records.subarray(0, records.length - 3)
    expect(() => [...batchPositions(cut)]).toThrow(/only \d+ bytes follow/)
    expect([...batchPositions(cut, 0, cut.length, true)]).toEqual([0])
    const stub = records.subarray(0, one.length + 7)
    expect(() => [...batchPositions(stub)]).toThrow(/7 bytes at offset \d+ are too few/)
    expect([...batchPositions(stub, 0, stub.length, true)]).toEqual([0])
  })

  test('a batchLength too small for a header, or huge, fails without reading on', () => {
    const small = Buffer.from(one)
    small.writeInt32BE(10, 8)
    expect(() => nextBatch(small, 0)).toThrow(/batchLength 10, less than the 49-byte minimum/)
    expect(() => nextBatch(small, 0, small.length, true)).toThrow(SamsaError)
    const huge = Buffer.from(one)
    huge.writeInt32BE(0x7fffffff, 8)
    try {
      nextBatch(huge, 0)
      expect.unreachable()
    } catch (error) {
      expect(SamsaError.is(error, ErrorCodes.PROTOCOL)).toBe(true)
      expect((error as Error).message).toMatch(/batchLength 2147483647 but only \d+ bytes follow/)
    }
  })

  test('an empty batch (no records) is exactly the header', () => {
    const empty = sampleBatch({ records: [] })
    expect(empty.length).toBe(RECORD_BATCH_OVERHEAD)
    expect(batchRecordsCount(empty, 0)).toBe(0)
    expect(batchLastOffsetDelta(empty, 0)).toBe(-1)
  })
})
