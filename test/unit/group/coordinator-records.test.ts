import { describe, expect, it } from 'vitest'
import {
  decodeCoordinatorRecord,
  groupMetadataRecordKey,
  groupMetadataRecordValue,
  offsetCommitRecordKey,
  offsetCommitRecordValue,
} from '../../../src/group/coordinator-records.js'

describe('__consumer_offsets record formats', () => {
  it("writes an offset commit key as Kafka's OffsetCommitKey v1: version, group, topic, partition", () => {
    const key = offsetCommitRecordKey('g', 'tp', 3)
    expect(key.toString('hex')).toBe(['0001', '0001', '67', '0002', '7470', '00000003'].join(''))
  })

  it('writes OffsetCommitValue v3: version, offset, leader epoch, metadata, commit timestamp', () => {
    const value = offsetCommitRecordValue(42, 7, 'm', 1000)
    expect(value.toString('hex')).toBe(['0003', '000000000000002a', '00000007', '0001', '6d', '00000000000003e8'].join(''))
  })

  it('writes GroupMetadataKey v2 and reads GroupMetadataValue v3 back', () => {
    expect(groupMetadataRecordKey('g').toString('hex')).toBe('0002000167')
    const value = groupMetadataRecordValue({
      protocolType: 'consumer',
      generation: 4,
      protocol: 'range',
      leader: 'm1',
      currentStateTimestamp: 99n,
      members: [{ memberId: 'm1', groupInstanceId: 'i1', clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeout: 300, sessionTimeout: 100, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]) }],
    })
    expect(value.readInt16BE(0)).toBe(3)
    const record = decodeCoordinatorRecord(groupMetadataRecordKey('g'), value)
    expect(record.type).toBe('group')
    if (record.type !== 'group') return
    expect(record.group).toBe('g')
    expect(record.value).toMatchObject({ protocolType: 'consumer', generation: 4, protocol: 'range', leader: 'm1', currentStateTimestamp: 99n })
    expect(record.value!.members[0]).toMatchObject({ memberId: 'm1', groupInstanceId: 'i1', rebalanceTimeout: 300, sessionTimeout: 100 })
    expect([...record.value!.members[0]!.subscription]).toEqual([1, 2])
  })

  it('decodes tombstones and key version 0 (written by old Kafka brokers)', () => {
    expect(decodeCoordinatorRecord(groupMetadataRecordKey('gone'), null)).toEqual({ type: 'group', group: 'gone', value: null })
    const v0key = Buffer.from(offsetCommitRecordKey('g', 't', 1))
    v0key.writeInt16BE(0, 0)
    const record = decodeCoordinatorRecord(v0key, offsetCommitRecordValue(5, -1, '', 1))
    expect(record).toMatchObject({ type: 'offset', key: { group: 'g', topic: 't', partition: 1 }, value: { offset: 5n, leaderEpoch: -1 } })
  })

  it('reads OffsetCommitValue v1, which carries an expiry timestamp', () => {
    const v1 = Buffer.from('0001' + '0000000000000009' + '0000' + '0000000000000001' + '0000000000000002', 'hex')
    const record = decodeCoordinatorRecord(offsetCommitRecordKey('g', 't', 0), v1)
    expect(record).toMatchObject({ type: 'offset', value: { offset: 9n, metadata: '', commitTimestamp: 1n, expireTimestamp: 2n, leaderEpoch: -1 } })
  })

  it('skips newer record types and rejects keys that do not parse', () => {
    const newer = Buffer.from('000300016700', 'hex')
    expect(decodeCoordinatorRecord(newer, Buffer.alloc(4))).toEqual({ type: 'other' })
    expect(() => decodeCoordinatorRecord(null, null)).toThrow(/no key version/)
    expect(() => decodeCoordinatorRecord(Buffer.from('00010005', 'hex'), null)).toThrow()
  })
})
