/**
 * The broker's per-batch work on produce, without records: walk the batches of a partition's
 * records (framing checks) and read the header fields it validates (magic, attributes, counts,
 * producer fields, timestamps). Allocation-free accessors over the frame.
 */
import {
  batchAttributes,
  batchBaseSequence,
  batchBaseTimestamp,
  batchLastOffsetDelta,
  batchMagic,
  batchMaxTimestamp,
  batchPositions,
  batchProducerEpoch,
  batchProducerId,
  batchRecordsCount,
  nextBatch,
} from '../../../src/protocol/record-batch.js'
import { check, runCases } from './bench-util.js'
import { batch64KiB } from './fixtures.js'

const { batch, records } = batch64KiB()
// 16 batches back to back, as a follower fetch or a multi-batch produce might carry.
const many = Buffer.concat(Array.from({ length: 16 }, () => batch))

function readHeader(buffer: Buffer, position: number): number {
  return (
    batchMagic(buffer, position) +
    batchAttributes(buffer, position) +
    batchLastOffsetDelta(buffer, position) +
    batchRecordsCount(buffer, position) +
    batchProducerId(buffer, position) +
    batchProducerEpoch(buffer, position) +
    batchBaseSequence(buffer, position) +
    (batchMaxTimestamp(buffer, position) - batchBaseTimestamp(buffer, position))
  )
}

function walk(buffer: Buffer): number {
  let sum = 0
  let position = 0
  while (position < buffer.length) {
    const next = nextBatch(buffer, position, buffer.length)
    sum += readHeader(buffer, position)
    position = next
  }
  return sum
}

const expected = 2 + 0 + (records - 1) + records + 1000 + 0 + 0 + (records - 1)
check(readHeader(batch, 0) === expected, 'header fields read back')
check([...batchPositions(many)].length === 16 && walk(many) === expected * 16, '16 batches walked')

let sink = 0
runCases('record batch header', [
  { name: 'read validated header fields (one 64 KiB batch)', fn: () => void (sink += readHeader(batch, 0)), items: 1, unit: 'batches' },
  { name: 'nextBatch + header fields, 16 batches', fn: () => void (sink += walk(many)), items: 16, unit: 'batches' },
])
check(sink !== 0, 'results were consumed')
