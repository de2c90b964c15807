/**
 * The benchmark consumer's cost per message: counting and timing the records of a fetched
 * 64 KiB batch of 100-byte messages with the light varint scan (CRC-32C included, through the
 * addon as the consumer does), against decoding every record into objects (what a client's
 * poll would do). Both must count every record before anything is timed.
 */
import { LatencyRecorder } from '../../harness/latency-recorder.js'
import { PartitionTracker, scanPartitionRecords } from '../../harness/record-scan.js'
import { type RecordInput, decodeRecordBatch, encodeRecordBatch } from '../../../src/protocol/records.js'
import { crc32c } from '../../../src/storage/native.js'
import { type Case, check, runCases } from '../protocol/bench-util.js'

const COUNT = 560
const baseTimestamp = Date.now()
const records: RecordInput[] = Array.from({ length: COUNT }, (_, i) => ({ value: Buffer.alloc(100, i), timestampDelta: i % 7 }))
const batch = encodeRecordBatch({ baseOffset: 0, baseTimestamp, records }, { crc32c })
const recorder = new LatencyRecorder()
const noInflate = (): Buffer => {
  throw new Error('uncompressed')
}
const scan = (): number => scanPartitionRecords(batch, new PartitionTracker(0, 't', 0, 0), recorder, baseTimestamp + 3, crc32c, noInflate)

check(scan() === COUNT, 'the scan counts every record')
check(decodeRecordBatch(batch).records.length === COUNT, 'the decoder returns every record')

const cases: Case[] = [
  { name: `scan (count + e2e latency), ${COUNT} × 100 B`, fn: scan, items: COUNT, unit: 'records' },
  { name: `decode into record objects, ${COUNT} × 100 B`, fn: () => void decodeRecordBatch(batch), items: COUNT, unit: 'records' },
]
runCases('consumer record accounting', cases)
