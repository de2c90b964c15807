import { describe, expect, it } from 'vitest'
import { partitionForKey } from '../../../src/protocol/partitioner.js'
import { decodeRecordBatch } from '../../../src/protocol/records.js'
import { BATCH_ROW } from '../../../src/workers/tasks/encode-batches.js'
import {
  type EmbeddedRecordsRejection,
  type EncodeEmbeddedRecordsTask,
  type EncodedEmbeddedRecords,
  encodeEmbeddedRecords,
} from '../../../src/workers/tasks/encode-embedded-records.js'

function task(body: unknown, options: Partial<EncodeEmbeddedRecordsTask> = {}): EncodeEmbeddedRecordsTask {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return { body: Buffer.from(text), format: 'json', partitionCount: 4, partition: -1, stickyPartition: 2, ...options }
}

function encoded(t: EncodeEmbeddedRecordsTask): EncodedEmbeddedRecords {
  const result = encodeEmbeddedRecords(t)
  if (result.rejected) throw new Error(`rejected: ${result.message}`)
  return result
}

function rejection(t: EncodeEmbeddedRecordsTask): EmbeddedRecordsRejection {
  const result = encodeEmbeddedRecords(t)
  if (!result.rejected) throw new Error('accepted')
  return result
}

/** Batches as { partition, records: [{ key, value }] } with keys and values as UTF-8 text. */
function batches(result: EncodedEmbeddedRecords) {
  const out = []
  const data = Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength)
  for (let row = 0; row < result.batches.length; row += BATCH_ROW) {
    const decoded = decodeRecordBatch(data.subarray(result.batches[row + 1], result.batches[row + 2]))
    out.push({
      partition: result.batches[row]!,
      records: decoded.records.map((r) => ({ key: r.key?.toString('utf8') ?? null, value: r.value?.toString('utf8') ?? null, offsetDelta: r.offsetDelta })),
    })
  }
  return out
}

function partitionsOf(result: EncodedEmbeddedRecords): number[] {
  return [...new Int32Array(result.partitions.buffer, result.partitions.byteOffset, result.count)]
}

describe('encodeEmbeddedRecords (REST produce bodies into batches)', () => {
  it('stores json values as their JSON text and sends every keyless record of a request to the sticky partition, in one batch', () => {
    const result = encoded(task({ records: [{ value: { a: 1 } }, { value: 'text' }, { value: [1, null] }, { value: null }] }))
    expect(partitionsOf(result)).toEqual([2, 2, 2, 2])
    expect(batches(result)).toEqual([
      {
        partition: 2,
        records: [
          { key: null, value: '{"a":1}', offsetDelta: 0 },
          { key: null, value: '"text"', offsetDelta: 1 },
          { key: null, value: '[1,null]', offsetDelta: 2 },
          { key: null, value: null, offsetDelta: 3 },
        ],
      },
    ])
  })

  it('places keyed records with the Java partitioner (murmur2 of the key bytes) and keeps request order within a partition', () => {
    const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta']
    const result = encoded(task({ records: keys.map((k, i) => ({ key: k, value: i })) }, { partitionCount: 3 }))
    // json keys are stored as JSON text, so the hashed bytes are the quoted string.
    const expected = keys.map((k) => partitionForKey(Buffer.from(JSON.stringify(k)), 3))
    expect(partitionsOf(result)).toEqual(expected)
    for (const batch of batches(result)) {
      const values = batch.records.map((r) => Number(r.value))
      expect(values).toEqual([...values].sort((a, b) => a - b))
      expect(batch.records.map((r) => r.offsetDelta)).toEqual(batch.records.map((_, i) => i))
    }
    expect(batches(result).reduce((n, b) => n + b.records.length, 0)).toBe(keys.length)
  })

  it('decodes base64 keys and values in the binary format and hashes the decoded key bytes', () => {
    const key = Buffer.from([0, 1, 2, 250]).toString('base64')
    const value = Buffer.from('héllo').toString('base64')
    const result = encoded(task({ records: [{ key, value }] }, { format: 'binary', partitionCount: 7 }))
    expect(partitionsOf(result)).toEqual([partitionForKey(Buffer.from([0, 1, 2, 250]), 7)])
    const data = Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength)
    const record = decodeRecordBatch(data.subarray(result.batches[1], result.batches[2])).records[0]!
    expect(record.key).toEqual(Buffer.from([0, 1, 2, 250]))
    expect(record.value?.toString('utf8')).toBe('héllo')
  })

  it('gives the URL partition to every record, over keys and record partitions', () => {
    const result = encoded(task({ records: [{ key: 'k', value: 1 }, { value: 2, partition: 0 }] }, { partition: 3 }))
    expect(partitionsOf(result)).toEqual([3, 3])
  })

  it('honours a record\'s own partition', () => {
    const result = encoded(task({ records: [{ value: 1, partition: 1 }, { value: 2, partition: 0 }, { key: 'x', value: 3, partition: 1 }] }))
    expect(partitionsOf(result)).toEqual([1, 0, 1])
  })

  it.each([
    ['malformed JSON', task('{"records": [ {"value": 1 }'), 400, 400, /not valid JSON/],
    ['a body that is not an object', task([1, 2]), 422, 422, /JSON object/],
    ['no records array', task({ record: [] }), 422, 422, /"records" array/],
    ['an empty records array', task({ records: [] }), 422, 422, /empty/],
    ['a record that is not an object', task({ records: [{ value: 1 }, 5] }), 422, 422, /records\[1\]/],
    ['a partition outside the topic', task({ records: [{ value: 1, partition: 4 }] }), 404, 40402, /Partition 4 .* 0-3/],
    ['a fractional partition', task({ records: [{ value: 1, partition: 1.5 }] }), 422, 422, /integer/],
    ['a value with characters outside base64', task({ records: [{ value: 'aGVsbG8*' }] }, { format: 'binary' }), 422, 422, /records\[0\]\.value is not valid base64/],
    ['a key with a lone trailing sextet', task({ records: [{ key: 'aGVsb', value: null }] }, { format: 'binary' }), 422, 422, /records\[0\]\.key/],
    ['a binary value that is not a string', task({ records: [{ value: 12 }] }, { format: 'binary' }), 422, 422, /base64/],
  ])('refuses %s as a whole', (_name, t, status, errorCode, message) => {
    const result = rejection(t)
    expect(result).toMatchObject({ status, errorCode })
    expect(result.message).toMatch(message)
  })

  it('accepts unpadded base64, as Java\'s decoder does', () => {
    const result = encoded(task({ records: [{ value: 'aGk' }] }, { format: 'binary' }))
    expect(batches(result)[0]!.records[0]!.value).toBe('hi')
  })
  it('carries record headers (the WebSocket produce\'s extension): base64 values in the binary format, text in json, null kept', () => {
    const headersOf = (t: EncodeEmbeddedRecordsTask) => {
      const result = encoded(t)
      const data = Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength)
      return decodeRecordBatch(data.subarray(result.batches[1], result.batches[2])).records[0]!.headers.map((h) => [h.key, h.value?.toString('utf8') ?? null])
    }
    const headers = [{ key: 'trace', value: 'abc' }, { key: 'empty', value: null }]
    expect(headersOf(task({ records: [{ value: 1, headers }] }))).toEqual([['trace', 'abc'], ['empty', null]])
    expect(headersOf(task({ records: [{ value: null, headers: [{ key: 'b', value: Buffer.from('bytes').toString('base64') }] }] }, { format: 'binary' }))).toEqual([['b', 'bytes']])
    expect(rejection(task({ records: [{ value: 1, headers: { trace: 'abc' } }] }))).toMatchObject({ status: 422, message: expect.stringContaining('records[0].headers must be an array') })
    expect(rejection(task({ records: [{ value: 1, headers: [{ key: 'n', value: 5 }] }] }))).toMatchObject({ status: 422, message: expect.stringContaining('"n" has a number value') })
    expect(rejection(task({ records: [{ value: null, headers: [{ key: 'b', value: '***' }] }] }, { format: 'binary' }))).toMatchObject({ status: 422 })
  })
})
