import { describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../../src/common/config/broker-config.js'
import { ConfigSources, describeGroupConfigs } from '../../../src/common/config/config-description.js'
import { effectiveGroupConfig, groupConfigDefaults, validateGroupConfigs } from '../../../src/common/config/group-config.js'

const byName = <T extends { name: string }>(entries: readonly T[]): Record<string, T> => Object.fromEntries(entries.map((e) => [e.name, e]))

describe('group configs', () => {
  it("default to the broker's group.* settings, and to Kafka's defaults where the broker has none", () => {
    const broker = BrokerConfig.load({ set: ['group.share.record.lock.duration.ms=20000'] })
    expect(groupConfigDefaults(broker)).toEqual({
      'consumer.session.timeout.ms': 45000,
      'consumer.heartbeat.interval.ms': 5000,
      'share.session.timeout.ms': 45000,
      'share.heartbeat.interval.ms': 5000,
      'share.record.lock.duration.ms': 20000,
      'share.delivery.count.limit': 5,
      'share.auto.offset.reset': 'latest',
      'share.isolation.level': 'read_uncommitted',
    })
  })

  it("are refused with a message naming the problem: unknown name, bad value, outside the broker's bounds, session not above heartbeat", () => {
    const broker = BrokerConfig.load()
    const refusal = (overrides: Record<string, string>): string => {
      try {
        validateGroupConfigs(overrides, broker)
      } catch (error) {
        return (error as Error).message
      }
      throw new Error('expected a refusal')
    }
    expect(refusal({ 'session.timeout.ms': '1000' })).toMatch(/^Unknown group config name: session\.timeout\.ms\./)
    expect(refusal({ 'share.auto.offset.reset': 'by_duration:PT1X' })).toBe(
      "Invalid value 'by_duration:PT1X' for setting share.auto.offset.reset: the value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS.>'.",
    )
    expect(refusal({ 'share.delivery.count.limit': '11' })).toMatch(/share\.delivery\.count\.limit/)
    expect(refusal({ 'consumer.session.timeout.ms': '30000' })).toBe('consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms (45000).')
    expect(refusal({ 'share.record.lock.duration.ms': '90000' })).toBe('share.record.lock.duration.ms must be less than or equal to group.share.max.record.lock.duration.ms (60000).')
    expect(refusal({ 'share.heartbeat.interval.ms': '15000', 'share.session.timeout.ms': '15000' })).toMatch(/share\.session\.timeout\.ms must be/)
    expect(validateGroupConfigs({ 'share.auto.offset.reset': 'by_duration:P1DT12H' }, broker)['share.auto.offset.reset']).toBe('by_duration:P1DT12H')
    expect(validateGroupConfigs({ 'share.auto.offset.reset': 'earliest', 'share.isolation.level': 'read_committed' }, broker)).toMatchObject({
      'share.auto.offset.reset': 'earliest',
      'share.isolation.level': 'read_committed',
      'consumer.session.timeout.ms': 45000,
    })
  })

  it('keep the valid overrides of a stored set that no longer passes, as the broker restarted with narrower bounds', () => {
    const narrower = BrokerConfig.load()
    const stored = { 'consumer.session.timeout.ms': '2000', 'share.auto.offset.reset': 'earliest' }
    expect(effectiveGroupConfig(stored, narrower)).toMatchObject({ 'consumer.session.timeout.ms': 45000, 'share.auto.offset.reset': 'earliest' })
  })

  it('are described as DYNAMIC_GROUP_CONFIG when set, else by the broker setting behind them', () => {
    const broker = BrokerConfig.load({ set: ['group.consumer.heartbeat.interval.ms=6000'] })
    const configs = byName(describeGroupConfigs(broker, { 'share.auto.offset.reset': 'earliest' }))
    expect(configs['share.auto.offset.reset']).toMatchObject({
      value: 'earliest',
      source: ConfigSources.DYNAMIC_GROUP_CONFIG,
      isDefault: false,
      readOnly: false,
      synonyms: [
        { name: 'share.auto.offset.reset', value: 'earliest', source: ConfigSources.DYNAMIC_GROUP_CONFIG },
        { name: 'share.auto.offset.reset', value: 'latest', source: ConfigSources.DEFAULT_CONFIG },
      ],
    })
    expect(configs['consumer.heartbeat.interval.ms']).toMatchObject({
      value: '6000',
      source: ConfigSources.STATIC_BROKER_CONFIG,
      isDefault: true,
      type: 3,
      synonyms: [
        { name: 'group.consumer.heartbeat.interval.ms', value: '6000', source: ConfigSources.STATIC_BROKER_CONFIG },
        { name: 'group.consumer.heartbeat.interval.ms', value: '5000', source: ConfigSources.DEFAULT_CONFIG },
      ],
    })
    expect(configs['share.session.timeout.ms']).toMatchObject({ value: '45000', source: ConfigSources.DEFAULT_CONFIG })
    expect(Object.keys(configs)).toHaveLength(8)
  })
})
