import { afterAll, describe, expect, it } from 'vitest'
import { crc32c } from '../../../src/protocol/crc32c.js'
import { KafkaErrorCodes } from '../../../src/protocol/error-codes.js'
import { partitionForKey } from '../../../src/protocol/partitioner.js'
import { CRC_OFFSET, batchBaseSequence, batchCompression, batchProducerEpoch, batchProducerId } from '../../../src/protocol/record-batch.js'
import { type DecodedRecordBatch, decodeRecordBatch, encodeRecordBatch } from '../../../src/protocol/records.js'
import { CompressionCodec, compress as compressBytes, decompress } from '../../../src/storage/codecs.js'
import { WorkerPool } from '../../../src/workers/pool.js'
import {
  BATCH_INFO_ROW,
  BATCH_LAST_OFFSET,
  RECORD_KEY_LENGTH,
  RECORD_KEY_START,
  RECORD_OFFSET,
  RECORD_ROW,
  RECORD_TIMESTAMP,
  RECORD_VALUE_LENGTH,
  RECORD_VALUE_START,
  RECORD_HEADERS_START,
  RECORD_HEADER_COUNT,
  decodeBatches,
  readHeaders,
} from '../../../src/workers/tasks/decode-batches.js'
import { BATCH_ROW, type EncodedBatches, batchAt, encodeBatches, initialOutputBytes } from '../../../src/workers/tasks/encode-batches.js'
import { isRecompressFailure, recompress } from '../../../src/workers/tasks/recompress.js'
import { RecordSetBuilder, type RecordToPack } from '../../../src/workers/tasks/record-set.js'

const codecs = [CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd]
const decodeOptions = { decompress: decompress as (codec: number, data: Buffer, max: number) => Buffer }
const compress = compressBytes as (codec: number, data: Buffer) => Buffer

function pack(records: RecordToPack[]) {
  const builder = new RecordSetBuilder(() => 1_700_000_000_000)
  for (const record of records) builder.append(record)
  return builder.build()
}

function batchesOf(result: EncodedBatches): Array<{ partition: number; recordCount: number; decoded: DecodedRecordBatch }> {
  const out = []
  for (let i = 0; i < result.batches.length / BATCH_ROW; i++) {
    const { partition, recordCount, batch } = batchAt(result, i)
    out.push({ partition, recordCount, decoded: decodeRecordBatch(batch, decodeOptions) })
  }
  return out
}

const sample: RecordToPack[] = [
  { key: 'user-1', value: 'hello', timestamp: 1_700_000_000_000 },
  { key: null, value: Buffer.from([0, 1, 2, 255]), timestamp: 1_700_000_000_005, headers: [['trace', 'abc'], ['empty', null], ['trace', 'def']] },
  { key: 'user-2', value: null, timestamp: 1_699_999_999_000 },
  { value: 'x'.repeat(300), partition: 0, timestamp: 1_700_000_100_000, headers: { 'content-type': 'text/plain' } },
]

describe('encodeBatches', () => {
  it('writes batches the protocol decoder reads record for record, with every codec', () => {
    for (const compression of codecs) {
      const result = encodeBatches({ records: pack(sample), partitionCount: 1, compression })
      const [only, ...rest] = batchesOf(result)
      expect(rest).toHaveLength(0)
      const batch = only!.decoded
      expect(batch.compression).toBe(compression)
      expect(batch.records).toHaveLength(4)
      expect(batch.baseTimestamp).toBe(1_700_000_000_000n)
      expect(batch.maxTimestamp).toBe(1_700_000_100_000n)
      expect(batch.lastOffsetDelta).toBe(3)
      expect(batch.producerId).toBe(-1n)
      expect(batch.baseSequence).toBe(-1)
      const [a, b, c, d] = batch.records
      expect(a!.key!.toString()).toBe('user-1')
      expect(a!.value!.toString()).toBe('hello')
      expect(b!.key).toBeNull()
      expect([...b!.value!]).toEqual([0, 1, 2, 255])
      expect(b!.timestampDelta).toBe(5)
      expect(b!.headers.map((h) => [h.key, h.value?.toString() ?? null])).toEqual([['trace', 'abc'], ['empty', null], ['trace', 'def']])
      expect(c!.value).toBeNull()
      expect(c!.timestampDelta).toBe(-1000)
      expect(d!.value!.toString()).toBe('x'.repeat(300))
      expect(d!.headers[0]!.key).toBe('content-type')
      expect(batch.records.map((r) => r.offsetDelta)).toEqual([0, 1, 2, 3])
    }
  })

  it('puts keyed records where the Java partitioner does and lets an explicit partition win', () => {
    const records: RecordToPack[] = []
    for (let i = 0; i < 200; i++) records.push({ key: `key-${i}`, value: `v${i}` })
    records.push({ key: 'key-0', value: 'explicit', partition: 6 })
    const result = encodeBatches({ records: pack(records), partitionCount: 7, compression: 0, reportPartitions: true })
    const assigned = new Int32Array(result.partitions!.buffer, result.partitions!.byteOffset, records.length)
    for (let i = 0; i < 200; i++) expect(assigned[i]).toBe(partitionForKey(Buffer.from(`key-${i}`), 7))
    expect(assigned[200]).toBe(6)
    let total = 0
    for (const { partition, decoded } of batchesOf(result)) {
      for (const record of decoded.records) {
        const key = record.key!.toString()
        if (record.value!.toString() === 'explicit') expect(partition).toBe(6)
        else expect(partition).toBe(partitionForKey(Buffer.from(key), 7))
        total++
      }
      // Input order is kept within a partition.
      const values = decoded.records.map((r) => Number(r.value!.toString().slice(1))).filter((v) => !Number.isNaN(v))
      expect(values).toEqual([...values].sort((x, y) => x - y))
    }
    expect(total).toBe(201)
  })

  it('sends keyless records to one partition until about batchBytes went there, then to the next', () => {
    const records: RecordToPack[] = Array.from({ length: 100 }, (_, i) => ({ value: 'y'.repeat(88) + String(i).padStart(12, '0') }))
    const result = encodeBatches({ records: pack(records), partitionCount: 4, compression: 0, batchBytes: 1000, stickyPartition: 1, reportPartitions: true })
    const assigned = [...new Int32Array(result.partitions!.buffer, 0, 100)]
    // 100-byte values plus framing: 9 records fill 1000 bytes, then the next partition takes over.
    expect(assigned.slice(0, 9)).toEqual(Array(9).fill(1))
    expect(assigned[9]).toBe(2)
    expect(new Set(assigned)).toEqual(new Set([0, 1, 2, 3]))
    for (const { decoded } of batchesOf(result)) expect(decoded.records.length).toBeLessThanOrEqual(10)
    expect(result.stickyPartition).toBeGreaterThanOrEqual(0)
  })

  it('splits a partition into batches at batchBytes, a larger record alone in its own', () => {
    const records: RecordToPack[] = [
      ...Array.from({ length: 30 }, () => ({ value: 'z'.repeat(100), partition: 0 })),
      { value: 'w'.repeat(5000), partition: 0 },
    ]
    const batches = batchesOf(encodeBatches({ records: pack(records), partitionCount: 1, compression: 0, batchBytes: 1200 }))
    expect(batches.map((b) => b.recordCount)).toEqual([10, 10, 10, 1])
  })

  it('numbers idempotent batches from each partition\'s next sequence', () => {
    const records: RecordToPack[] = [
      ...Array.from({ length: 5 }, () => ({ value: 'a', partition: 0 })),
      ...Array.from({ length: 3 }, () => ({ value: 'b', partition: 1 })),
    ]
    const result = encodeBatches({ records: pack(records), partitionCount: 2, compression: CompressionCodec.Lz4, producerId: 4242, producerEpoch: 3, baseSequences: [10, 2_147_483_646] })
    const [p0, p1] = [batchAt(result, 0), batchAt(result, 1)]
    expect(batchProducerId(p0.batch, 0)).toBe(4242)
    expect(batchProducerEpoch(p0.batch, 0)).toBe(3)
    expect(batchBaseSequence(p0.batch, 0)).toBe(10)
    expect(batchBaseSequence(p1.batch, 0)).toBe(2_147_483_646)
    expect(decodeRecordBatch(p1.batch, decodeOptions).records).toHaveLength(3)
  })

  it('encodes from a builder\'s views into a buffer the caller lends, and again after the builder is cleared', () => {
    const builder = new RecordSetBuilder(() => 1_700_000_000_000)
    const lent = Buffer.alloc(64 * 1024, 0xee)
    for (const round of [0, 1]) {
      for (let i = 0; i < 50; i++) builder.append({ key: i % 2 === 0 ? null : `k${round}-${i}`, value: `round ${round} value ${i} `.repeat(4), partition: i % 3 })
      const records = builder.view()
      expect(initialOutputBytes(records, 3, 0)).toBeLessThanOrEqual(lent.length)
      const result = encodeBatches({ records, partitionCount: 3, compression: 0 }, lent)
      builder.clear()
      // Written into the lent buffer, and every record reads back from it.
      expect(result.data).toBe(lent)
      const values = batchesOf(result).flatMap(({ partition, decoded }) => decoded.records.map((r) => [partition, r.value!.toString()] as const))
      expect(values).toHaveLength(50)
      for (const [partition, value] of values) {
        const i = Number(value.split(' ')[3])
        expect(partition).toBe(i % 3)
        expect(value).toBe(`round ${round} value ${i} `.repeat(4))
      }
    }
    expect(builder.count).toBe(0)
    // A buffer too small for the records is not used.
    const small = Buffer.alloc(100)
    expect(encodeBatches({ records: pack(sample), partitionCount: 1, compression: 0 }, small).data).not.toBe(small)
  })

  it('refuses a partition outside the topic', () => {
    expect(() => encodeBatches({ records: pack([{ value: 'v', partition: 3 }]), partitionCount: 3, compression: 0 })).toThrow(/partition 3/)
  })
})

describe('decodeBatches', () => {
  it('gives the offsets, timestamps, keys, values and headers of every record', () => {
    for (const compression of codecs) {
      const first = encodeRecordBatch(
        { baseOffset: 100, baseTimestamp: 1000, compression, records: [{ key: Buffer.from('k'), value: Buffer.from('v1'), headers: [{ key: 'h', value: Buffer.from('x') }] }, { value: null, timestampDelta: 7 }] },
        { compress },
      )
      const second = encodeRecordBatch({ baseOffset: 102, baseTimestamp: 2000, records: [{ key: null, value: Buffer.from('v3') }] })
      const fetched = Buffer.concat([first, second, second.subarray(0, 30)])
      const decoded = decodeBatches({ records: fetched })
      expect(decoded.recordCount).toBe(3)
      expect(decoded.batches).toHaveLength(2 * BATCH_INFO_ROW)
      expect(decoded.batches[BATCH_LAST_OFFSET]).toBe(101)
      const rows = new Float64Array(decoded.records.buffer, decoded.records.byteOffset, 3 * RECORD_ROW)
      const field = (record: number, column: number): number => rows[record * RECORD_ROW + column]!
      const bytes = (record: number, start: number, length: number): string | null =>
        field(record, length) < 0 ? null : decoded.data.subarray(field(record, start), field(record, start) + field(record, length)).toString()
      expect([0, 1, 2].map((r) => field(r, RECORD_OFFSET))).toEqual([100, 101, 102])
      expect([0, 1, 2].map((r) => field(r, RECORD_TIMESTAMP))).toEqual([1000, 1007, 2000])
      expect([0, 1, 2].map((r) => bytes(r, RECORD_KEY_START, RECORD_KEY_LENGTH))).toEqual(['k', null, null])
      expect([0, 1, 2].map((r) => bytes(r, RECORD_VALUE_START, RECORD_VALUE_LENGTH))).toEqual(['v1', null, 'v3'])
      const headers = readHeaders(decoded.data, field(0, RECORD_HEADERS_START), field(0, RECORD_HEADER_COUNT))
      expect(headers.map(([k, v]) => [k, v?.toString()])).toEqual([['h', 'x']])
    }
  })

  it('fails on a corrupt batch, naming where', () => {
    const batch = encodeRecordBatch({ baseTimestamp: 0, records: [{ value: Buffer.from('v') }] })
    batch[batch.length - 1] ^= 0xff
    expect(() => decodeBatches({ records: batch })).toThrow(/CRC mismatch/)
  })

  it('stops a decompression bomb at the limit', () => {
    const bomb = encodeRecordBatch({ baseTimestamp: 0, compression: CompressionCodec.Zstd, records: [{ value: Buffer.alloc(8 << 20) }] }, { compress })
    expect(() => decodeBatches({ records: bomb, maxDecompressedBytes: 1 << 20 })).toThrow(/decompress/)
  })
})

describe('recompress', () => {
  const producerBatch = (compression: number) =>
    encodeRecordBatch(
      {
        baseTimestamp: 1_700_000_000_000,
        compression,
        producerId: 77,
        producerEpoch: 2,
        baseSequence: 40,
        records: Array.from({ length: 50 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`value ${i} `.repeat(10)), timestampDelta: i })),
      },
      { compress },
    )

  it('rewrites a batch in the target codec, keeping producer fields, sequence, timestamps and records', () => {
    for (const from of codecs) {
      for (const to of codecs) {
        const original = producerBatch(from)
        const [output] = recompress({ codec: to, maxDecompressedBytes: 1 << 20, batches: [original] })
        if (isRecompressFailure(output!)) throw new Error(output!.message)
        expect(batchCompression(output!, 0)).toBe(to)
        const before = decodeRecordBatch(original, decodeOptions)
        const after = decodeRecordBatch(output!, decodeOptions)
        expect({ ...after, crc: 0, batchLength: 0, attributes: 0, compression: 0 }).toEqual({ ...before, crc: 0, batchLength: 0, attributes: 0, compression: 0 })
      }
    }
  })

  it('refuses a bad CRC with CORRUPT_MESSAGE and a bomb with INVALID_RECORD, and still rewrites the good batch', () => {
    const corrupt = producerBatch(CompressionCodec.Gzip)
    corrupt.writeUInt32BE(corrupt.readUInt32BE(CRC_OFFSET) ^ 1, CRC_OFFSET)
    const bomb = encodeRecordBatch({ baseTimestamp: 0, compression: CompressionCodec.Gzip, records: [{ value: Buffer.alloc(4 << 20) }] }, { compress })
    const outputs = recompress({ codec: CompressionCodec.Zstd, maxDecompressedBytes: 1 << 20, batches: [corrupt, bomb, producerBatch(0)] })
    expect(isRecompressFailure(outputs[0]!) && outputs[0].errorCode).toBe(KafkaErrorCodes.CORRUPT_MESSAGE)
    expect(isRecompressFailure(outputs[1]!) && outputs[1].errorCode).toBe(KafkaErrorCodes.INVALID_RECORD)
    expect(isRecompressFailure(outputs[2]!)).toBe(false)
  })

  it('refuses records whose offsets are not 0, 1, 2, ... and garbage that will not decompress', () => {
    const shuffled = encodeRecordBatch({ baseTimestamp: 0, records: [{ value: Buffer.from('a'), offsetDelta: 1 }, { value: Buffer.from('b'), offsetDelta: 0 }] })
    const garbage = encodeRecordBatch({ baseTimestamp: 0, records: [{ value: Buffer.from('a') }] })
    const framed = Buffer.concat([garbage.subarray(0, 61), Buffer.from('definitely not snappy')])
    framed.writeInt32BE(framed.length - 12, 8)
    framed.writeInt16BE(CompressionCodec.Snappy, 21)
    framed.writeUInt32BE(crc32c(framed.subarray(21)), CRC_OFFSET)
    const outputs = recompress({ codec: CompressionCodec.Gzip, maxDecompressedBytes: 1 << 20, batches: [shuffled, framed] })
    expect(isRecompressFailure(outputs[0]!) && outputs[0].errorCode).toBe(KafkaErrorCodes.INVALID_RECORD)
    expect(isRecompressFailure(outputs[1]!) && outputs[1].errorCode).toBe(KafkaErrorCodes.CORRUPT_MESSAGE)
  })
})

describe('record tasks through the pool', () => {
  const pool = new WorkerPool({ maxThreads: 2 })
  afterAll(() => pool.close())

  it('encodes in a worker what the protocol decoder reads, and decodes it back in a worker', async () => {
    const records = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: `value-${i}`, timestamp: 1_700_000_000_000 + i }))
    const builder = new RecordSetBuilder()
    for (const record of records) builder.append(record)
    const encoded = await pool.run('encodeRecordBatches', { records: builder.build(), partitionCount: 3, compression: CompressionCodec.Zstd })
    const seen = new Map<string, number>()
    for (let i = 0; i < encoded.batches.length / BATCH_ROW; i++) {
      const { partition, batch } = batchAt(encoded, i)
      const decoded = await pool.run('decodeRecordBatches', { records: batch })
      const rows = new Float64Array(decoded.records.buffer, decoded.records.byteOffset, decoded.recordCount * RECORD_ROW)
      for (let r = 0; r < decoded.recordCount; r++) {
        const keyStart = rows[r * RECORD_ROW + RECORD_KEY_START]!
        const key = decoded.data.subarray(keyStart, keyStart + rows[r * RECORD_ROW + RECORD_KEY_LENGTH]!).toString()
        seen.set(key, partition)
      }
    }
    expect(seen.size).toBe(1000)
    for (const [key, partition] of seen) expect(partition).toBe(partitionForKey(Buffer.from(key), 3))
  })

  it('recompresses in a worker', async () => {
    const batch = encodeRecordBatch({ baseTimestamp: 5, records: [{ value: Buffer.from('hello') }] })
    const [output] = await pool.run('recompressBatches', { codec: CompressionCodec.Zstd, maxDecompressedBytes: 1 << 20, batches: [batch] })
    expect(Buffer.isBuffer(output)).toBe(true)
    expect(decodeRecordBatch(output as Buffer, decodeOptions).records[0]!.value!.toString()).toBe('hello')
  })
})
