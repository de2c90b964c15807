import { expect, test } from 'vitest'
import {
  ControlRecordTypes,
  decodeControlRecordKey,
  decodeEndTxnMarker,
  encodeControlRecordKey,
  encodeEndTxnMarker,
  encodeEndTxnMarkerBatch,
} from '../../../src/protocol/control-records.js'
import { batchIsControl, batchIsTransactional } from '../../../src/protocol/record-batch.js'
import { decodeRecordBatch } from '../../../src/protocol/records.js'

test('control record keys and marker values have the documented layout', () => {
  expect(encodeControlRecordKey(ControlRecordTypes.COMMIT).toString('hex')).toBe('00000001')
  expect(encodeEndTxnMarker(5).toString('hex')).toBe('000000000005')
  expect(decodeControlRecordKey(Buffer.from('00000000', 'hex'))).toEqual({ version: 0, type: ControlRecordTypes.ABORT })
  expect(decodeEndTxnMarker(Buffer.from('000000000007', 'hex'))).toEqual({ version: 0, coordinatorEpoch: 7 })
})

test('short or null control keys and markers are SAMSA_PROTOCOL', () => {
  expect(() => decodeControlRecordKey(null)).toThrow(/needs 4/)
  expect(() => decodeControlRecordKey(Buffer.alloc(3))).toThrow(/3 bytes, needs 4/)
  expect(() => decodeEndTxnMarker(Buffer.alloc(5))).toThrow(/5 bytes, needs 6/)
})

test('a commit marker batch is a transactional control batch with one marker record', () => {
  const bytes = encodeEndTxnMarkerBatch({ producerId: 9n, producerEpoch: 3, commit: true, coordinatorEpoch: 4, timestamp: 1000, baseOffset: 50 })
  expect(batchIsControl(bytes, 0)).toBe(true)
  expect(batchIsTransactional(bytes, 0)).toBe(true)
  const batch = decodeRecordBatch(bytes)
  expect(batch).toMatchObject({ baseOffset: 50n, producerId: 9n, producerEpoch: 3, baseSequence: -1, lastOffsetDelta: 0 })
  expect(batch.records).toHaveLength(1)
  expect(decodeControlRecordKey(batch.records[0]!.key)).toEqual({ version: 0, type: ControlRecordTypes.COMMIT })
  expect(decodeEndTxnMarker(batch.records[0]!.value)).toEqual({ version: 0, coordinatorEpoch: 4 })
  const abort = decodeRecordBatch(encodeEndTxnMarkerBatch({ producerId: 9, producerEpoch: 3, commit: false, coordinatorEpoch: 4, timestamp: 1 }))
  expect(decodeControlRecordKey(abort.records[0]!.key).type).toBe(ControlRecordTypes.ABORT)
})
