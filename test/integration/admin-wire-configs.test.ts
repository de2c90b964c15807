/**
 * DescribeConfigs, AlterConfigs, IncrementalAlterConfigs and DescribeCluster over a raw connection
 * to a real broker process, at every version: sources and synonyms as Kafka reports them, Kafka's
 * error codes for bad input, and proof through DescribeConfigs that a refused request changed
 * nothing. This broker runs with delete.topic.enable=false and a few static settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { ZERO_UUID } from '../../src/protocol/uuid.js'
import { WireConnection } from '../helpers/admin-wire.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'

const TOPIC = 2
const BROKER = 4
const BROKER_LOGGER = 8
const STATIC = 4
const DEFAULT = 5
const DYNAMIC_TOPIC = 1
const SET = 0
const DELETE = 1
const APPEND = 2
const SUBTRACT = 3

let broker: BrokerProcess
let wire: WireConnection

beforeAll(async () => {
  broker = await startBroker({ settings: { 'delete.topic.enable': false, 'log.retention.hours': 24, 'node.id': 7 } })
  wire = await WireConnection.connect(broker.host, broker.port)
  const created = await wire.request(ApiKeys.CreateTopics, 7, {
    topics: ['configured', 'altered', 'incremental', 'deletion-disabled'].map((name) => ({
      name,
      numPartitions: 1,
      replicationFactor: 1,
      assignments: [],
      configs: name === 'configured' ? [{ name: 'retention.ms', value: '60000' }, { name: 'cleanup.policy', value: 'compact' }] : [],
    })),
    timeoutMs: 0,
  })
  expect(created.topics.map((t) => t.errorCode)).toEqual([0, 0, 0, 0])
})

afterAll(async () => {
  wire?.close()
  await broker?.stop()
})

/** name → [value, source] of a topic's settings, via DescribeConfigs v4. */
async function topicConfigs(topic: string): Promise<Record<string, [string | null, number]>> {
  const response = await wire.request(ApiKeys.DescribeConfigs, 4, {
    resources: [{ resourceType: TOPIC, resourceName: topic, configurationKeys: null }],
  })
  expect(response.results[0]!.errorCode).toBe(E.NONE)
  return Object.fromEntries(response.results[0]!.configs.map((c) => [c.name, [c.value, c.configSource]]))
}

describe('DescribeConfigs', () => {
  it('describes a topic at every version 0-4 with sources, synonyms, types and docs', async () => {
    for (let version = 0; version <= 4; version++) {
      const response = await wire.request(ApiKeys.DescribeConfigs, version, {
        resources: [{ resourceType: TOPIC, resourceName: 'configured', configurationKeys: ['retention.ms', 'segment.bytes', 'cleanup.policy', 'no.such.setting'] }],
        includeSynonyms: true,
        includeDocumentation: true,
      })
      const [result] = response.results
      expect(result).toMatchObject({ errorCode: E.NONE, resourceType: TOPIC, resourceName: 'configured' })
      const byName = Object.fromEntries(result!.configs.map((c) => [c.name, c]))
      expect(Object.keys(byName).sort()).toEqual(['cleanup.policy', 'retention.ms', 'segment.bytes'])
      expect(byName['retention.ms']).toMatchObject({ value: '60000', readOnly: false, isSensitive: false })
      expect(byName['segment.bytes']!.value).toBe('1073741824')
      if (version === 0) {
        expect([byName['retention.ms']!.isDefault, byName['segment.bytes']!.isDefault]).toEqual([false, true])
        continue
      }
      expect(byName['retention.ms']!.configSource).toBe(DYNAMIC_TOPIC)
      expect(byName['segment.bytes']!.configSource).toBe(DEFAULT)
      // The override, then log.retention.hours set at start (24), then its default (168).
      expect(byName['retention.ms']!.synonyms).toEqual([
        { name: 'retention.ms', value: '60000', source: DYNAMIC_TOPIC },
        { name: 'log.retention.hours', value: '24', source: STATIC },
        { name: 'log.retention.hours', value: '168', source: DEFAULT },
      ])
      expect(byName['cleanup.policy']!.synonyms[0]).toEqual({ name: 'cleanup.policy', value: 'compact', source: DYNAMIC_TOPIC })
      if (version >= 3) {
        expect([byName['retention.ms']!.configType, byName['segment.bytes']!.configType, byName['cleanup.policy']!.configType]).toEqual([5, 3, 7])
        expect(byName['retention.ms']!.documentation).toMatch(/\w+/)
      }
    }
  })

  it('reports a setting the broker was started with as STATIC_BROKER_CONFIG, on topics and on the broker', async () => {
    const configs = await topicConfigs('altered')
    expect(configs['retention.ms']).toEqual([String(24 * 3_600_000), STATIC])
    expect(configs['max.message.bytes']).toEqual(['1048588', DEFAULT])

    const response = await wire.request(ApiKeys.DescribeConfigs, 1, {
      resources: [{ resourceType: BROKER, resourceName: '7', configurationKeys: ['log.retention.hours', 'log.retention.ms', 'num.partitions', 'delete.topic.enable'] }],
      includeSynonyms: true,
    })
    const byName = Object.fromEntries(response.results[0]!.configs.map((c) => [c.name, c]))
    expect(byName['log.retention.hours']).toMatchObject({ value: '24', readOnly: true, configSource: STATIC })
    expect(byName['log.retention.hours']!.synonyms.map((s) => [s.name, s.value, s.source])).toEqual([
      ['log.retention.hours', '24', STATIC],
      ['log.retention.hours', '168', DEFAULT],
    ])
    expect(byName['log.retention.ms']).toMatchObject({ value: null, configSource: STATIC })
    expect(byName['num.partitions']).toMatchObject({ value: '1', configSource: DEFAULT })
    expect(byName['delete.topic.enable']).toMatchObject({ value: 'false', configSource: STATIC })
  })

  it('describes every setting for null or empty keys, and nothing for cluster defaults or broker loggers', async () => {
    const response = await wire.request(ApiKeys.DescribeConfigs, 2, {
      resources: [
        { resourceType: TOPIC, resourceName: 'configured', configurationKeys: null },
        { resourceType: BROKER, resourceName: '7', configurationKeys: [] },
        { resourceType: BROKER, resourceName: '', configurationKeys: null },
        { resourceType: BROKER_LOGGER, resourceName: '7', configurationKeys: null },
      ],
    })
    const [topicResult, brokerResult, clusterDefaults, loggers] = response.results
    expect(topicResult!.configs.length).toBeGreaterThan(20)
    expect(brokerResult!.configs.map((c) => c.name)).toContain('message.max.bytes')
    expect(brokerResult!.configs.every((c) => c.readOnly)).toBe(true)
    expect([clusterDefaults!.errorCode, clusterDefaults!.configs]).toEqual([E.NONE, []])
    expect([loggers!.errorCode, loggers!.configs]).toEqual([E.NONE, []])
  })

  it("answers bad resources with Kafka's codes, each on its own", async () => {
    const response = await wire.request(ApiKeys.DescribeConfigs, 4, {
      resources: [
        { resourceType: TOPIC, resourceName: 'missing', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'bad/name', configurationKeys: null },
        { resourceType: BROKER, resourceName: '8', configurationKeys: null },
        { resourceType: BROKER, resourceName: 'seven', configurationKeys: null },
        { resourceType: BROKER_LOGGER, resourceName: '', configurationKeys: null },
        { resourceType: 32, resourceName: '', configurationKeys: null },
        { resourceType: 99, resourceName: 'x', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'configured', configurationKeys: ['retention.ms'] },
        { resourceType: TOPIC, resourceName: 'configured', configurationKeys: ['retention.ms'] },
      ],
    })
    expect(response.results.map((r) => [r.resourceType, r.resourceName, r.errorCode, r.configs.length])).toEqual([
      [TOPIC, 'missing', E.UNKNOWN_TOPIC_OR_PARTITION, 0],
      [TOPIC, 'bad/name', E.INVALID_TOPIC_EXCEPTION, 0],
      [BROKER, '8', E.INVALID_REQUEST, 0],
      [BROKER, 'seven', E.INVALID_REQUEST, 0],
      [BROKER_LOGGER, '', E.INVALID_REQUEST, 0],
      [32, '', E.INVALID_REQUEST, 0],
      [99, 'x', E.INVALID_REQUEST, 0],
      [TOPIC, 'configured', E.NONE, 1],
    ])
  })
})

describe('AlterConfigs', () => {
  it("replaces all of a topic's overrides at every version 0-2", async () => {
    for (let version = 0; version <= 2; version++) {
      const response = await wire.request(ApiKeys.AlterConfigs, version, {
        resources: [{ resourceType: TOPIC, resourceName: 'altered', configs: [{ name: 'retention.ms', value: String(1000 + version) }, { name: 'segment.ms', value: '7200000' }] }],
        validateOnly: false,
      })
      expect(response.responses).toEqual([{ errorCode: E.NONE, errorMessage: null, resourceType: TOPIC, resourceName: 'altered' }])
      const configs = await topicConfigs('altered')
      expect(configs['retention.ms']).toEqual([String(1000 + version), DYNAMIC_TOPIC])
      expect(configs['segment.ms']).toEqual(['7200000', DYNAMIC_TOPIC])
    }
    // A setting left out goes back to the broker's value.
    await wire.request(ApiKeys.AlterConfigs, 2, {
      resources: [{ resourceType: TOPIC, resourceName: 'altered', configs: [{ name: 'segment.ms', value: '3600000' }] }],
      validateOnly: false,
    })
    const configs = await topicConfigs('altered')
    expect(configs['retention.ms']).toEqual([String(24 * 3_600_000), STATIC])
    expect(configs['segment.ms']).toEqual(['3600000', DYNAMIC_TOPIC])
  })

  it("answers bad resources with Kafka's codes and changes nothing", async () => {
    const before = await topicConfigs('altered')
    const resource = (resourceType: number, resourceName: string, configs: Array<[string, string | null]>) => ({
      resourceType,
      resourceName,
      configs: configs.map(([name, value]) => ({ name, value })),
    })
    const response = await wire.request(ApiKeys.AlterConfigs, 1, {
      resources: [
        resource(TOPIC, 'altered', [['retention.forever', '1']]),
        resource(TOPIC, 'configured', [['retention.ms', 'soon']]),
        resource(TOPIC, 'incremental', [['retention.ms', '1'], ['retention.ms', '2']]),
        resource(TOPIC, 'deletion-disabled', [['retention.ms', null]]),
        resource(TOPIC, 'missing', [['retention.ms', '1']]),
        resource(BROKER, '7', [['log.retention.hours', '1']]),
        resource(BROKER, '', [['log.retention.hours', '1']]),
        resource(BROKER_LOGGER, '7', [['samsa', 'DEBUG']]),
        resource(TOPIC, 'dup', [['retention.ms', '1']]),
        resource(TOPIC, 'dup', [['retention.ms', '2']]),
      ],
      validateOnly: false,
    })
    expect(response.responses.map((r) => [r.resourceName, r.errorCode])).toEqual([
      ['altered', E.INVALID_CONFIG],
      ['configured', E.INVALID_CONFIG],
      ['incremental', E.INVALID_REQUEST],
      ['deletion-disabled', E.INVALID_CONFIG],
      ['missing', E.UNKNOWN_TOPIC_OR_PARTITION],
      ['7', E.INVALID_REQUEST],
      ['', E.INVALID_REQUEST],
      ['7', E.INVALID_REQUEST],
      ['dup', E.INVALID_REQUEST],
    ])
    expect(response.responses[5]!.errorMessage).toMatch(/static/)
    expect(await topicConfigs('altered')).toEqual(before)
    expect((await topicConfigs('configured'))['retention.ms']).toEqual(['60000', DYNAMIC_TOPIC])
    expect((await topicConfigs('incremental'))['retention.ms']).toEqual([String(24 * 3_600_000), STATIC])
  })

  it('checks and changes nothing under validate_only', async () => {
    const response = await wire.request(ApiKeys.AlterConfigs, 2, {
      resources: [{ resourceType: TOPIC, resourceName: 'altered', configs: [{ name: 'max.message.bytes', value: '500' }] }],
      validateOnly: true,
    })
    expect(response.responses[0]!.errorCode).toBe(E.NONE)
    expect((await topicConfigs('altered'))['max.message.bytes']).toEqual(['1048588', DEFAULT])
  })
})

describe('IncrementalAlterConfigs', () => {
  const op = (name: string, configOperation: number, value: string | null = null) => ({ name, configOperation, value })

  it('sets, deletes, appends and subtracts at versions 0 and 1', async () => {
    for (let version = 0; version <= 1; version++) {
      const first = await wire.request(ApiKeys.IncrementalAlterConfigs, version, {
        resources: [{ resourceType: TOPIC, resourceName: 'incremental', configs: [op('retention.ms', SET, '5000'), op('cleanup.policy', APPEND, 'compact')] }],
        validateOnly: false,
      })
      expect(first.responses[0]!.errorCode).toBe(E.NONE)
      let configs = await topicConfigs('incremental')
      expect(configs['retention.ms']).toEqual(['5000', DYNAMIC_TOPIC])
      expect(configs['cleanup.policy']).toEqual(['delete,compact', DYNAMIC_TOPIC])

      const second = await wire.request(ApiKeys.IncrementalAlterConfigs, version, {
        resources: [{ resourceType: TOPIC, resourceName: 'incremental', configs: [op('retention.ms', DELETE), op('cleanup.policy', SUBTRACT, 'delete'), op('segment.bytes', DELETE)] }],
        validateOnly: false,
      })
      expect(second.responses[0]!.errorCode).toBe(E.NONE)
      configs = await topicConfigs('incremental')
      expect(configs['retention.ms']).toEqual([String(24 * 3_600_000), STATIC])
      expect(configs['cleanup.policy']).toEqual(['compact', DYNAMIC_TOPIC])
      await wire.request(ApiKeys.IncrementalAlterConfigs, version, {
        resources: [{ resourceType: TOPIC, resourceName: 'incremental', configs: [op('cleanup.policy', DELETE)] }],
        validateOnly: false,
      })
      expect((await topicConfigs('incremental'))['cleanup.policy']).toEqual(['delete', DEFAULT])
    }
  })

  it('lets a broker resource DELETE settings (there are no dynamic ones to delete), as replication-throttle cleanup does', async () => {
    const response = await wire.request(ApiKeys.IncrementalAlterConfigs, 1, {
      resources: [{ resourceType: BROKER, resourceName: '7', configs: [op('leader.replication.throttled.rate', DELETE, null), op('follower.replication.throttled.rate', DELETE, null)] }],
      validateOnly: false,
    })
    expect(response.responses.map((r) => [r.resourceName, r.errorCode])).toEqual([['7', E.NONE]])
  })

  it("answers bad resources with Kafka's codes and changes nothing", async () => {
    const before = await topicConfigs('incremental')
    const resource = (resourceType: number, resourceName: string, ...configs: Array<ReturnType<typeof op>>) => ({ resourceType, resourceName, configs })
    const response = await wire.request(ApiKeys.IncrementalAlterConfigs, 1, {
      resources: [
        resource(TOPIC, 'incremental', op('retention.ms', SET, '1'), op('retention.ms', SET, '2')),
        resource(TOPIC, 'configured', op('retention.ms', 7, '1')),
        resource(TOPIC, 'altered', op('retention.ms', SET, null)),
        resource(TOPIC, 'deletion-disabled', op('retention.ms', APPEND, '1')),
        resource(TOPIC, 'incremental', op('segment.ms', SET, '1'), op('no.such', SET, '1')),
        resource(TOPIC, 'bad name', op('retention.ms', SET, '1')),
        resource(TOPIC, 'missing', op('retention.ms', SET, '1')),
        resource(BROKER, '7', op('log.retention.hours', SET, '1')),
        resource(BROKER_LOGGER, '7', op('samsa', SET, 'DEBUG')),
        resource(16, 'metrics', op('interval.ms', SET, '1')),
      ],
      validateOnly: false,
    })
    expect(response.responses.map((r) => [r.resourceName, r.errorCode])).toEqual([
      ['configured', E.INVALID_REQUEST],
      ['altered', E.INVALID_REQUEST],
      ['deletion-disabled', E.INVALID_CONFIG],
      ['bad name', E.INVALID_TOPIC_EXCEPTION],
      ['missing', E.UNKNOWN_TOPIC_OR_PARTITION],
      ['7', E.INVALID_REQUEST],
      ['7', E.INVALID_REQUEST],
      ['metrics', E.INVALID_REQUEST],
      ['incremental', E.INVALID_REQUEST],
    ])
    expect(await topicConfigs('incremental')).toEqual(before)
    expect((await topicConfigs('deletion-disabled'))['retention.ms']).toEqual([String(24 * 3_600_000), STATIC])

    const oneBadSetting = await wire.request(ApiKeys.IncrementalAlterConfigs, 1, {
      resources: [resource(TOPIC, 'incremental', op('segment.ms', SET, '1'), op('no.such', SET, '1'))],
      validateOnly: false,
    })
    expect(oneBadSetting.responses[0]).toMatchObject({ errorCode: E.INVALID_CONFIG, errorMessage: expect.stringContaining('no.such') })
    const invalidValue = await wire.request(ApiKeys.IncrementalAlterConfigs, 1, {
      resources: [resource(TOPIC, 'incremental', op('cleanup.policy', APPEND, 'shred'))],
      validateOnly: false,
    })
    expect(invalidValue.responses[0]!.errorCode).toBe(E.INVALID_CONFIG)
    expect(await topicConfigs('incremental')).toEqual(before)
  })

  it('checks and changes nothing under validate_only', async () => {
    const response = await wire.request(ApiKeys.IncrementalAlterConfigs, 0, {
      resources: [{ resourceType: TOPIC, resourceName: 'incremental', configs: [op('max.message.bytes', SET, '500')] }],
      validateOnly: true,
    })
    expect(response.responses[0]!.errorCode).toBe(E.NONE)
    expect((await topicConfigs('incremental'))['max.message.bytes']).toEqual(['1048588', DEFAULT])
  })
})

describe('DeleteTopics with delete.topic.enable=false', () => {
  it('refuses every topic, TOPIC_DELETION_DISABLED from v3 and INVALID_REQUEST before', async () => {
    const v3 = await wire.request(ApiKeys.DeleteTopics, 3, { topicNames: ['deletion-disabled', 'missing'], timeoutMs: 1000 })
    expect(v3.responses.map((r) => [r.name, r.errorCode])).toEqual([
      ['deletion-disabled', E.TOPIC_DELETION_DISABLED],
      ['missing', E.TOPIC_DELETION_DISABLED],
    ])
    const v1 = await wire.request(ApiKeys.DeleteTopics, 1, { topicNames: ['deletion-disabled'], timeoutMs: 1000 })
    expect(v1.responses[0]!.errorCode).toBe(E.INVALID_REQUEST)
    const metadata = await wire.request(ApiKeys.Metadata, 12, { topics: [{ name: 'deletion-disabled', topicId: ZERO_UUID }], allowAutoTopicCreation: false })
    expect(metadata.topics[0]!.errorCode).toBe(E.NONE)
  })
})

describe('DescribeCluster', () => {
  it('describes the cluster at v0 and v1, with authorized operations when asked', async () => {
    const metadata = await wire.request(ApiKeys.Metadata, 12, { topics: [], allowAutoTopicCreation: false })
    for (let version = 0; version <= 1; version++) {
      const response = await wire.request(ApiKeys.DescribeCluster, version, { includeClusterAuthorizedOperations: version === 1, endpointType: 1 })
      expect(response).toMatchObject({
        errorCode: E.NONE,
        clusterId: metadata.clusterId,
        controllerId: 7,
        brokers: [{ brokerId: 7, host: broker.host, port: broker.port, rack: null }],
      })
      expect(response.clusterAuthorizedOperations).toBe(version === 1 ? [5, 7, 8, 9, 10, 11, 12].reduce((b, op) => b | (1 << op), 0) : -2147483648)
    }
  })

  it('refuses controller endpoints (MISMATCHED_ENDPOINT_TYPE) and unknown ones (UNSUPPORTED_ENDPOINT_TYPE)', async () => {
    const controllers = await wire.request(ApiKeys.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 })
    expect([controllers.errorCode, controllers.brokers]).toEqual([E.MISMATCHED_ENDPOINT_TYPE, []])
    const unknown = await wire.request(ApiKeys.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 9 })
    expect(unknown.errorCode).toBe(E.UNSUPPORTED_ENDPOINT_TYPE)
  })
})
