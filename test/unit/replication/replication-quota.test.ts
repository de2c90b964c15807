import { describe, expect, it } from 'vitest'
import { LONG_MAX } from '../../../src/common/config/config-def.js'
import { applyBrokerConfigOperations, ConfigOperations } from '../../../src/common/config/config-operations.js'
import { parseDynamicBrokerConfigs } from '../../../src/common/config/dynamic-broker-config.js'
import { parseTopicOverrides } from '../../../src/common/config/topic-config.js'
import { ReplicationQuota, WindowedRate, namesReplica } from '../../../src/replication/replication-quota.js'

describe('WindowedRate', () => {
  it('divides by at least samples - 1 windows, so one early burst does not read as a high rate', () => {
    const rate = new WindowedRate(11, 1000)
    rate.record(1_000_000, 0)
    expect(rate.rate(0)).toBe(100_000)
    // 2.5 s in: still 10 whole windows plus the part of the current one.
    expect(rate.rate(2500)).toBeCloseTo(1_000_000 / 10.5, 3)
  })

  it('spans the real time once more than samples - 1 windows have passed', () => {
    const rate = new WindowedRate(3, 1000)
    for (let t = 0; t < 2500; t += 500) rate.record(100, t)
    // 500 bytes since t=0, 2.5 s ago (more than the 2-window minimum).
    expect(rate.rate(2500)).toBeCloseTo(200, 6)
  })

  it('forgets samples that started `samples` windows ago or earlier', () => {
    const rate = new WindowedRate(3, 1000)
    rate.record(6000, 0)
    expect(rate.rate(2999)).toBeGreaterThan(0)
    expect(rate.rate(3000)).toBe(0)
  })
})

describe('namesReplica', () => {
  it("matches 'partition:brokerId' entries for this broker, or '*'", () => {
    expect(namesReplica(['0:1', '0:2', '3:1'], 0, 1)).toBe(true)
    expect(namesReplica(['0:1', '0:2', '3:1'], 3, 1)).toBe(true)
    expect(namesReplica(['0:1', '0:2', '3:1'], 0, 3)).toBe(false)
    expect(namesReplica(['0:1'], 1, 1)).toBe(false)
    expect(namesReplica(['*'], 7, 9)).toBe(true)
    expect(namesReplica([], 0, 1)).toBe(false)
  })
})

describe('ReplicationQuota', () => {
  const partition = (index: number, leader: string[], follower: string[] = []) => ({
    index,
    config: { 'leader.replication.throttled.replicas': leader, 'follower.replication.throttled.replicas': follower },
  })

  it('throttles the partitions its side of the topic setting names for its broker', () => {
    const leader = new ReplicationQuota('leader', 1)
    const follower = new ReplicationQuota('follower', 4)
    const moving = partition(0, ['0:1', '0:2'], ['0:4'])
    expect(leader.isThrottled(moving)).toBe(true)
    expect(follower.isThrottled(moving)).toBe(true)
    expect(leader.isThrottled(partition(1, ['0:1']))).toBe(false)
    expect(new ReplicationQuota('leader', 4).isThrottled(moving)).toBe(false)
    expect(new ReplicationQuota('follower', 1).isThrottled(moving)).toBe(false)
  })

  it('is never exceeded while unbounded, and is exceeded once the rate passes the bound', () => {
    const quota = new ReplicationQuota('leader', 1, { samples: 3, windowMs: 1000 })
    quota.record(10_000_000, 0)
    expect(quota.bound).toBe(LONG_MAX)
    expect(quota.isQuotaExceeded(0)).toBe(false)

    const bounded = new ReplicationQuota('leader', 1, { samples: 3, windowMs: 1000 })
    bounded.bound = 200_000
    bounded.record(300_000, 0) // 150 kB/s over the 2-window minimum
    expect(bounded.isQuotaExceeded(0)).toBe(false)
    bounded.record(200_000, 100) // 250 kB/s
    expect(bounded.isQuotaExceeded(100)).toBe(true)
    // 1.5 s later 500 kB over 2.5 s is back at the bound (not over it); later still, below it.
    expect(bounded.isQuotaExceeded(1500)).toBe(false)
    expect(bounded.isQuotaExceeded(3000)).toBe(false)
  })

  it('averages the bound over time when fetches are taken only while under it', () => {
    const quota = new ReplicationQuota('follower', 2, { samples: 11, windowMs: 1000 })
    quota.bound = 200_000
    let sent = 0
    // A fetcher asking every 50 ms for up to 64 kB, as long as the quota allows.
    for (let t = 0; t < 60_000; t += 50) {
      if (quota.isQuotaExceeded(t)) continue
      quota.record(65_536, t)
      sent += 65_536
    }
    // The first 10 s may burst (samples - 1 windows' worth); from then on the bound holds.
    const bytesPerSecond = sent / 60
    expect(bytesPerSecond).toBeGreaterThan(200_000)
    expect(bytesPerSecond).toBeLessThan(200_000 * 1.3)
  })
})

describe('throttle settings', () => {
  it("accepts partition:brokerId lists and '*' for the throttled replicas, and refuses anything else", () => {
    expect(parseTopicOverrides([['leader.replication.throttled.replicas', '0:1,0:2, 1:3']])).toEqual({ 'leader.replication.throttled.replicas': ['0:1', '0:2', '1:3'] })
    expect(parseTopicOverrides([['follower.replication.throttled.replicas', '*']])).toEqual({ 'follower.replication.throttled.replicas': ['*'] })
    expect(parseTopicOverrides([['follower.replication.throttled.replicas', '']])).toEqual({ 'follower.replication.throttled.replicas': [] })
    expect(() => parseTopicOverrides([['leader.replication.throttled.replicas', '0:1,*']])).toThrow(/'\*' is not partition:brokerId/)
    expect(() => parseTopicOverrides([['leader.replication.throttled.replicas', '0-1']])).toThrow(/partition:brokerId/)
  })

  it('applies broker operations to the dynamic rates only, validated', () => {
    const set = (name: string, value: string) => ({ name, operation: ConfigOperations.SET, value })
    const del = (name: string) => ({ name, operation: ConfigOperations.DELETE, value: null })
    const next = applyBrokerConfigOperations({}, [set('leader.replication.throttled.rate', '200000'), set('follower.replication.throttled.rate', ' 100 ')])
    expect(next).toEqual({ 'leader.replication.throttled.rate': '200000', 'follower.replication.throttled.rate': '100' })
    expect(parseDynamicBrokerConfigs(next)).toEqual({ 'leader.replication.throttled.rate': 200000, 'follower.replication.throttled.rate': 100 })
    // --verify deletes three settings, one of which Samsa does not have: a no-op.
    expect(applyBrokerConfigOperations(next, [del('leader.replication.throttled.rate'), del('replica.alter.log.dirs.io.max.bytes.per.second')]))
      .toEqual({ 'follower.replication.throttled.rate': '100' })
    expect(() => applyBrokerConfigOperations({}, [set('leader.replication.throttled.rate', '-1')])).toThrow(/at least 0/)
    expect(() => applyBrokerConfigOperations({}, [set('log.retention.hours', '1')])).toThrow(/cannot be changed while the broker runs/)
    expect(() => applyBrokerConfigOperations({}, [{ name: 'leader.replication.throttled.rate', operation: ConfigOperations.APPEND, value: '1' }])).toThrow(/not a list/)
    expect(parseDynamicBrokerConfigs({})['leader.replication.throttled.rate']).toBe(LONG_MAX)
  })
})
