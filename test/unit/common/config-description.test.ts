import { describe, expect, it } from 'vitest'
import { BrokerConfig, brokerConfigDefs } from '../../../src/common/config/broker-config.js'
import { ConfigSources, describeBrokerConfigs, describeTopicConfigs } from '../../../src/common/config/config-description.js'
import { topicConfigSynonyms } from '../../../src/common/config/config-synonyms.js'
import { topicConfigDefs } from '../../../src/common/config/topic-config.js'

const byName = <T extends { name: string }>(entries: readonly T[]): Record<string, T> => Object.fromEntries(entries.map((e) => [e.name, e]))

describe('describeTopicConfigs', () => {
  it('reports an untouched broker as DEFAULT_CONFIG, with the broker default that decides it', () => {
    const configs = byName(describeTopicConfigs(BrokerConfig.load(), {}))
    expect(Object.keys(configs).sort()).toEqual(Object.keys(topicConfigDefs).sort())
    expect(configs['retention.ms']).toMatchObject({
      value: '604800000',
      source: ConfigSources.DEFAULT_CONFIG,
      isDefault: true,
      readOnly: false,
      sensitive: false,
      type: 5,
      synonyms: [{ name: 'log.retention.hours', value: '168', source: ConfigSources.DEFAULT_CONFIG }],
    })
    expect(configs['flush.ms']!.value).toBe('9223372036854775807')
    expect(configs['flush.ms']!.synonyms).toEqual([{ name: 'log.flush.scheduler.interval.ms', value: '9223372036854775807', source: ConfigSources.DEFAULT_CONFIG }])
    expect(configs['cleanup.policy']).toMatchObject({ value: 'delete', type: 7 })
    expect(configs['min.cleanable.dirty.ratio']).toMatchObject({ value: '0.5', type: 6 })
    expect(configs['preallocate']).toMatchObject({ value: 'false', type: 1 })
  })

  it("lists a topic override first, then the broker's static setting, then its default", () => {
    const broker = BrokerConfig.load({ set: ['log.retention.minutes=30', 'message.max.bytes=2000000'] })
    const configs = byName(describeTopicConfigs(broker, { 'retention.ms': '1000', 'cleanup.policy': 'compact, delete' }))
    expect(configs['retention.ms']).toMatchObject({ value: '1000', source: ConfigSources.DYNAMIC_TOPIC_CONFIG, isDefault: false })
    expect(configs['retention.ms']!.synonyms).toEqual([
      { name: 'retention.ms', value: '1000', source: ConfigSources.DYNAMIC_TOPIC_CONFIG },
      { name: 'log.retention.minutes', value: '30', source: ConfigSources.STATIC_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '168', source: ConfigSources.DEFAULT_CONFIG },
    ])
    expect(configs['cleanup.policy']!.value).toBe('compact,delete')
    expect(configs['max.message.bytes']).toMatchObject({ value: '2000000', source: ConfigSources.STATIC_BROKER_CONFIG, isDefault: true })
  })

  it('names a broker setting behind every topic setting but the throttled-replica lists, which are per topic only', () => {
    const topicOnly = new Set(['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'])
    for (const [topicName, synonyms] of Object.entries(topicConfigSynonyms)) {
      if (topicOnly.has(topicName)) expect(synonyms, topicName).toEqual([])
      else expect(synonyms.length, topicName).toBeGreaterThan(0)
      for (const name of synonyms) expect(Object.hasOwn(brokerConfigDefs, name), name).toBe(true)
    }
  })

  it("derives the same effective values as the broker's topic defaults", () => {
    const broker = BrokerConfig.load({ set: ['log.roll.ms=123456', 'log.flush.interval.ms=777', 'log.cleaner.min.cleanable.ratio=0.25'] })
    const configs = byName(describeTopicConfigs(broker, {}))
    const defaults = broker.topicDefaults() as Record<string, unknown>
    expect(configs['segment.ms']!.value).toBe(String(defaults['segment.ms']))
    expect(configs['segment.ms']!.value).toBe('123456')
    expect(configs['flush.ms']!.value).toBe('777')
    expect(configs['min.cleanable.dirty.ratio']!.value).toBe('0.25')
  })
})

describe('describeBrokerConfigs', () => {
  it('reports every broker setting as read-only, static when given at start', () => {
    const configs = byName(describeBrokerConfigs(BrokerConfig.load({ set: ['log.retention.hours=24'], dataDir: '/tmp/samsa-x' })))
    expect(Object.keys(configs).sort()).toEqual(Object.keys(brokerConfigDefs).sort())
    expect(Object.values(configs).every((c) => c.readOnly)).toBe(true)
    expect(configs['log.retention.hours']).toMatchObject({ value: '24', source: ConfigSources.STATIC_BROKER_CONFIG, isDefault: false })
    expect(configs['log.retention.hours']!.synonyms).toEqual([
      { name: 'log.retention.hours', value: '24', source: ConfigSources.STATIC_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '168', source: ConfigSources.DEFAULT_CONFIG },
    ])
    // log.retention.ms is unset; its value comes from the hours setting, its synonyms say so.
    expect(configs['log.retention.ms']).toMatchObject({ value: null, source: ConfigSources.STATIC_BROKER_CONFIG, isDefault: true })
    expect(configs['log.dirs']).toMatchObject({ value: '/tmp/samsa-x', source: ConfigSources.STATIC_BROKER_CONFIG })
    expect(configs['num.partitions']).toMatchObject({ value: '1', source: ConfigSources.DEFAULT_CONFIG, type: 3 })
    expect(configs['num.partitions']!.documentation).toMatch(/partitions/)
  })
})
