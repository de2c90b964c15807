import { expect, test } from 'vitest'
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../../../src/protocol/messages/consumer-protocol.js'

test('a subscription carries its own INT16 version and is never flexible', () => {
  const bytes = encodeSubscription({ topics: ['a'], userData: null }, 0)
  expect(bytes.toString('hex')).toBe('0000' + '00000001' + '000161' + 'ffffffff')
  expect(decodeSubscription(bytes)).toEqual({
    version: 0,
    value: { topics: ['a'], userData: null, ownedPartitions: [], generationId: -1, rackId: null },
  })
})

test('v3 subscriptions round-trip owned partitions, generation and rack', () => {
  const value = {
    topics: ['orders', 'payments'],
    userData: Buffer.from([1, 2]),
    ownedPartitions: [{ topic: 'orders', partitions: [0, 2] }],
    generationId: 5,
    rackId: 'rack-1',
  }
  expect(decodeSubscription(encodeSubscription(value))).toEqual({ version: 3, value })
})

test('a newer version than we know is read as the newest we know, ignoring what follows', () => {
  const v3 = encodeSubscription({ topics: ['t'], userData: null, rackId: 'r' }, 3)
  const future = Buffer.concat([v3, Buffer.from('extra fields of v4')])
  future.writeInt16BE(4, 0)
  expect(decodeSubscription(future)).toMatchObject({ version: 4, value: { topics: ['t'], rackId: 'r' } })
})

test('a negative version or truncated body is SAMSA_PROTOCOL', () => {
  expect(() => decodeSubscription(Buffer.from('ffff', 'hex'))).toThrow(/version -1 is negative/)
  expect(() => decodeAssignment(Buffer.from('0000000000', 'hex'))).toThrow(/ConsumerProtocolAssignment v0/)
  expect(() => decodeAssignment(Buffer.alloc(0))).toThrow(/int16 needs 2 bytes/)
})

test('assignments round-trip, user data as a view of the input', () => {
  const bytes = encodeAssignment({ assignedPartitions: [{ topic: 'orders', partitions: [1, 3] }], userData: Buffer.from('ud') })
  const decoded = decodeAssignment(bytes)
  expect(decoded.version).toBe(3)
  expect(decoded.value.assignedPartitions).toEqual([{ topic: 'orders', partitions: [1, 3] }])
  expect(decoded.value.userData?.buffer).toBe(bytes.buffer)
})
