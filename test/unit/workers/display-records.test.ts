import { describe, expect, it } from 'vitest'
import { CompressionCodecs, encodeRecordBatch, type RecordInput } from '../../../src/protocol/index.js'
import { compress, type CompressionCodec } from '../../../src/storage/codecs.js'
import { crc32c } from '../../../src/storage/native.js'
import { displayRecords, type DisplayRecordsTask } from '../../../src/workers/tasks/display-records.js'
import { decodeRecordFrame } from '../../../src/workers/tasks/record-frame.js'

const TIME = 1_760_000_000_000

/** A stored batch: offsets from `baseOffset`, record i at TIME + i. */
function batch(baseOffset: number, records: RecordInput[], options: { compression?: number; isControl?: boolean } = {}): Buffer {
  return encodeRecordBatch(
    {
      baseOffset,
      baseTimestamp: TIME,
      compression: options.compression,
      isControl: options.isControl,
      records: records.map((record, i) => ({ timestampDelta: i, ...record })),
    },
    { compress: (codec, data) => compress(codec as CompressionCodec, data), crc32c },
  )
}

const text = (value: string): Buffer => Buffer.from(value)

/** A task over the given partitions' batches, in order. */
function task(parts: Array<{ partition: number; fetchOffset: number; batches: Buffer[] }>, format: DisplayRecordsTask['format'], output: DisplayRecordsTask['output']): DisplayRecordsTask {
  const rows: number[] = []
  let end = 0
  for (const part of parts) {
    end += part.batches.reduce((sum, b) => sum + b.length, 0)
    rows.push(part.partition, part.fetchOffset, end)
  }
  return { data: Buffer.concat(parts.flatMap((p) => p.batches)), parts: rows, format, output }
}

describe('displayRecords task', () => {
  const orders = batch(10, [
    { key: text('"k1"'), value: text('{"id":1}'), headers: [{ key: 'trace', value: text('abc') }] },
    { key: null, value: text('not json') },
    { key: text('"k3"'), value: null },
  ])

  it('shows records in the json form, reporting a value that is not JSON instead of failing', () => {
    const result = displayRecords(task([{ partition: 2, fetchOffset: 10, batches: [orders] }], 'json', 'records'))
    expect(result.nextOffsets).toEqual([13])
    expect(result.records).toEqual([
      { partition: 2, offset: '10', timestamp: TIME, key: 'k1', value: { id: 1 }, headers: [{ key: 'trace', value: 'abc' }] },
      {
        partition: 2,
        offset: '11',
        timestamp: TIME + 1,
        key: null,
        value: null,
        headers: [],
        valueError: expect.stringMatching(/^the value is not JSON: /),
        valueBase64: text('not json').toString('base64'),
      },
      { partition: 2, offset: '12', timestamp: TIME + 2, key: 'k3', value: null, headers: [] },
    ])
  })

  it('shows keys, values and header values as base64 in the binary form and as UTF-8 in the text form', () => {
    const [binary] = displayRecords(task([{ partition: 0, fetchOffset: 10, batches: [orders] }], 'binary', 'records')).records!
    expect(binary).toMatchObject({ key: text('"k1"').toString('base64'), value: text('{"id":1}').toString('base64'), headers: [{ key: 'trace', value: text('abc').toString('base64') }] })
    const [, second] = displayRecords(task([{ partition: 0, fetchOffset: 10, batches: [orders] }], 'text', 'records')).records!
    expect(second).toMatchObject({ key: null, value: 'not json' })
  })

  it('leaves out records before the fetch offset and control batches, but moves past both', () => {
    const marker = batch(13, [{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { isControl: true })
    const result = displayRecords(task([{ partition: 0, fetchOffset: 11, batches: [orders, marker] }], 'text', 'records'))
    expect(result.records!.map((r) => r.offset)).toEqual(['11', '12'])
    expect(result.count).toBe(2)
    expect(result.nextOffsets).toEqual([14])
  })

  it('decompresses compressed batches and keeps partitions apart', () => {
    const values = Array.from({ length: 50 }, (_, i) => ({ value: text(`event ${i} `.repeat(20)) }))
    const gzip = batch(0, values, { compression: CompressionCodecs.GZIP })
    const zstd = batch(100, values.slice(0, 5), { compression: CompressionCodecs.ZSTD })
    const result = displayRecords(task([{ partition: 0, fetchOffset: 0, batches: [gzip] }, { partition: 1, fetchOffset: 100, batches: [zstd] }], 'text', 'records'))
    expect(result.nextOffsets).toEqual([50, 105])
    expect(result.records!.filter((r) => r.partition === 0).map((r) => r.value)).toEqual(values.map((v) => v.value.toString()))
    expect(result.records!.filter((r) => r.partition === 1).map((r) => r.offset)).toEqual(['100', '101', '102', '103', '104'])
  })

  it('answers with the JSON text of the records when asked for json output', () => {
    const asObjects = displayRecords(task([{ partition: 0, fetchOffset: 10, batches: [orders] }], 'json', 'records')).records
    const asJson = displayRecords(task([{ partition: 0, fetchOffset: 10, batches: [orders] }], 'json', 'json')).json!
    expect(JSON.parse(asJson)).toEqual(JSON.parse(JSON.stringify(asObjects)))
  })

  it('encodes the JSON text inside an envelope as UTF-8 bytes when asked for json-bytes', () => {
    const result = displayRecords({ ...task([{ partition: 0, fetchOffset: 10, batches: [orders] }], 'json', 'json-bytes'), envelope: ['{"records":', ',"end":true}'] })
    const asJson = displayRecords(task([{ partition: 0, fetchOffset: 10, batches: [orders] }], 'json', 'json')).json!
    expect(Buffer.from(result.jsonBytes!).toString('utf8')).toBe(`{"records":${asJson},"end":true}`)
  })

  it('writes a binary record frame that decodes back to the raw keys, values and headers', () => {
    const other = batch(7, [{ key: text('x'), value: Buffer.from([0, 255, 1]), headers: [{ key: 'n', value: null }, { key: 'é', value: text('v') }] }])
    const result = displayRecords(task([{ partition: 0, fetchOffset: 11, batches: [orders] }, { partition: 3, fetchOffset: 7, batches: [other] }], 'json', 'frame'))
    expect(result.count).toBe(3)
    const records = decodeRecordFrame(result.frame!)
    expect(records.map((r) => [r.partition, r.offset, r.timestamp])).toEqual([
      [0, 11n, BigInt(TIME + 1)],
      [0, 12n, BigInt(TIME + 2)],
      [3, 7n, BigInt(TIME)],
    ])
    expect(records[0]!.key).toBeNull()
    expect(Buffer.from(records[0]!.value!).toString()).toBe('not json')
    expect(records[1]!.value).toBeNull()
    expect(Buffer.from(records[2]!.value!)).toEqual(Buffer.from([0, 255, 1]))
    expect(records[2]!.headers.map((h) => [h.key, h.value === null ? null : Buffer.from(h.value).toString()])).toEqual([
      ['n', null],
      ['é', 'v'],
    ])
  })

  it('fails the read with the position of a corrupt batch', () => {
    const corrupt = Buffer.from(orders)
    corrupt[corrupt.length - 1]! ^= 0xff
    expect(() => displayRecords(task([{ partition: 0, fetchOffset: 0, batches: [corrupt] }], 'json', 'records'))).toThrow(/record batch at byte 0.*CRC mismatch/)
  })
})

describe('decodeRecordFrame', () => {
  it('refuses a frame cut short, naming where', () => {
    const frame = displayRecords(task([{ partition: 0, fetchOffset: 0, batches: [batch(0, [{ value: text('hello') }])] }], 'binary', 'frame')).frame!
    expect(() => decodeRecordFrame(frame.subarray(0, frame.length - 2))).toThrow(/cut short at byte/)
  })
})
