import { describe, expect, it } from 'vitest'
import { LatencyRecorder } from '../../../bench/harness/latency-recorder.js'
import { CorruptBatchError, PartitionTracker, scanPartitionRecords } from '../../../bench/harness/record-scan.js'
import { crc32c } from '../../../src/protocol/crc32c.js'
import { CompressionCodecs, TimestampTypes } from '../../../src/protocol/record-batch.js'
import { type RecordInput, encodeRecordBatch } from '../../../src/protocol/records.js'
import { compress, decompress } from '../../../src/storage/codecs.js'

const BASE_TS = 1_700_000_000_000

function batch(baseOffset: number, count: number, options: { compression?: number; timestampType?: number; control?: boolean; skipOffset?: number } = {}): Buffer {
  const records: RecordInput[] = []
  for (let i = 0; i < count; i++) {
    const offsetDelta = options.skipOffset !== undefined && i >= options.skipOffset ? i + 1 : i
    records.push({ key: i % 2 === 0 ? null : Buffer.from(`k${i}`), value: Buffer.alloc(100 + i, i), timestampDelta: i, offsetDelta, headers: i === 1 ? [{ key: 'h', value: Buffer.from('v') }] : [] })
  }
  return encodeRecordBatch(
    {
      baseOffset,
      baseTimestamp: BASE_TS,
      records,
      ...(options.compression !== undefined && { compression: options.compression }),
      ...(options.timestampType !== undefined && { timestampType: options.timestampType }),
      ...(options.control === true && { isControl: true }),
    },
    { compress: (codec, data) => compress(codec as 3, data) },
  )
}

const noInflate = (): Buffer => {
  throw new Error('no compressed batch expected')
}
const inflate = (codec: number, section: Buffer): Buffer => decompress(codec as 3, section, 1 << 20)

describe('scanPartitionRecords', () => {
  it('counts every record of consecutive batches and records end-to-end latency from each record timestamp', () => {
    const tracker = new PartitionTracker(0, 't', 3, 100)
    const recorder = new LatencyRecorder()
    const records = Buffer.concat([batch(100, 5), batch(105, 3)])
    const received = scanPartitionRecords(records, tracker, recorder, BASE_TS + 10, crc32c, noInflate)
    expect(received).toBe(8)
    expect(tracker.nextOffset).toBe(108)
    expect(tracker.received).toBe(8)
    expect(tracker.missing).toBe(0)
    expect(tracker.duplicates).toBe(0)
    expect(recorder.count).toBe(8)
    // Record i of each batch has timestamp BASE_TS + i: latency 10 - i ms; the largest is 10 ms.
    expect(recorder.max).toBe(10_000)
  })

  it('leaves a cut-off last batch for the next fetch', () => {
    const tracker = new PartitionTracker(0, 't', 0, 0)
    const whole = batch(0, 4)
    const next = batch(4, 4)
    const received = scanPartitionRecords(Buffer.concat([whole, next.subarray(0, next.length - 7)]), tracker, new LatencyRecorder(), BASE_TS, crc32c, noInflate)
    expect(received).toBe(4)
    expect(tracker.nextOffset).toBe(4)
  })

  it('counts offsets that never arrived and messages that arrive twice', () => {
    const tracker = new PartitionTracker(0, 't', 0, 0)
    const recorder = new LatencyRecorder()
    scanPartitionRecords(Buffer.concat([batch(0, 5), batch(8, 2)]), tracker, recorder, BASE_TS, crc32c, noInflate)
    expect(tracker.missing).toBe(3)
    expect(tracker.received).toBe(7)
    // The same bytes fetched again: all repeats, nothing new.
    expect(scanPartitionRecords(batch(8, 2), tracker, recorder, BASE_TS, crc32c, noInflate)).toBe(0)
    expect(tracker.duplicates).toBe(2)
    // A gap inside a batch (offset deltas 0,1,3,4) counts too.
    const inner = new PartitionTracker(0, 't', 1, 0)
    scanPartitionRecords(batch(0, 4, { skipOffset: 2 }), inner, recorder, BASE_TS, crc32c, noInflate)
    expect(inner.missing).toBe(1)
    expect(inner.nextOffset).toBe(5)
  })

  it('ignores records before the start offset without calling them repeats', () => {
    const tracker = new PartitionTracker(0, 't', 0, 3)
    expect(scanPartitionRecords(batch(0, 5), tracker, new LatencyRecorder(), BASE_TS, crc32c, noInflate)).toBe(2)
    expect(tracker.duplicates).toBe(0)
    expect(tracker.nextOffset).toBe(5)
  })

  it('reads compressed batches through the inflate function it is given', () => {
    const tracker = new PartitionTracker(0, 't', 0, 0)
    const recorder = new LatencyRecorder()
    expect(scanPartitionRecords(batch(0, 20, { compression: CompressionCodecs.LZ4 }), tracker, recorder, BASE_TS + 50, crc32c, inflate)).toBe(20)
    expect(recorder.count).toBe(20)
    expect(recorder.max).toBe(50_000)
  })

  it('skips control batches but moves past their offsets, and measures no latency for LogAppendTime', () => {
    const tracker = new PartitionTracker(0, 't', 0, 0)
    const recorder = new LatencyRecorder()
    scanPartitionRecords(Buffer.concat([batch(0, 2), batch(2, 1, { control: true }), batch(3, 2, { timestampType: TimestampTypes.LOG_APPEND_TIME })]), tracker, recorder, BASE_TS, crc32c, noInflate)
    expect(tracker.received).toBe(4)
    expect(tracker.nextOffset).toBe(5)
    expect(tracker.missing).toBe(0)
    expect(tracker.logAppendTime).toBe(2)
    expect(recorder.count).toBe(2)
  })

  it('refuses a batch whose CRC does not match its bytes', () => {
    const corrupt = batch(0, 3)
    corrupt[corrupt.length - 1]! ^= 0xff
    expect(() => scanPartitionRecords(corrupt, new PartitionTracker(0, 't', 0, 0), new LatencyRecorder(), BASE_TS, crc32c, noInflate)).toThrow(CorruptBatchError)
  })
})
