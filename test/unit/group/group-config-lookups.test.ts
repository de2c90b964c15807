import { describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../../src/common/config/broker-config.js'
import { groupConfigLookups } from '../../../src/group/group-config-lookups.js'

describe('groupConfigLookups', () => {
  it("answers a group's effective values, follows a change of its overrides, and reuses what it derived while they stay", () => {
    const overrides = new Map<string, Readonly<Record<string, string>>>()
    const none = Object.freeze({})
    const lookups = groupConfigLookups({ groupConfigs: (groupId) => overrides.get(groupId) ?? none }, BrokerConfig.load(), 2000)

    expect(lookups.consumerTimeouts('g')).toEqual({ sessionTimeoutMs: 45000, heartbeatIntervalMs: 5000 })
    expect(lookups.shareAutoOffsetReset('g')).toEqual({ type: 'latest', text: 'latest' })
    expect(lookups.sharePartitionConfig('g')).toEqual({ lockDurationMs: 30000, deliveryCountLimit: 5, maxRecordLocks: 2000 })

    overrides.set('g', Object.freeze({ 'share.auto.offset.reset': 'earliest', 'share.delivery.count.limit': '3', 'share.isolation.level': 'read_committed' }))
    expect(lookups.shareAutoOffsetReset('g')).toEqual({ type: 'earliest', text: 'earliest' })
    expect(lookups.shareIsolationLevel('g')).toBe('read_committed')
    expect(lookups.sharePartitionConfig('g').deliveryCountLimit).toBe(3)
    expect(lookups.sharePartitionConfig('g')).toBe(lookups.sharePartitionConfig('g'))
    expect(lookups.shareAutoOffsetReset('other')).toEqual({ type: 'latest', text: 'latest' })
    overrides.set('h', Object.freeze({ 'share.auto.offset.reset': 'by_duration:PT30M' }))
    expect(lookups.shareAutoOffsetReset('h')).toEqual({ type: 'by_duration', text: 'by_duration:PT30M', durationMs: 1_800_000 })
  })
})
