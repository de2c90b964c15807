/**
 * Topic administration through kafkajs 2.2.4's admin client (CreateTopics v3, DeleteTopics v1,
 * CreatePartitions v1, DescribeConfigs v2, AlterConfigs v1, Metadata v6) and kcat's -L, against
 * a real broker process; and proof that changed configs take effect on live partitions at once:
 * max.message.bytes refuses and then admits a batch, retention.ms removes old segments.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import kafkajs from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'

const { ConfigResourceTypes, Kafka, logLevel } = kafkajs
const run = promisify(execFile)

let broker: BrokerProcess
let kafka: InstanceType<typeof Kafka>
let admin: ReturnType<InstanceType<typeof Kafka>['admin']>

beforeAll(async () => {
  // Retention runs every half second here, so the retention test sees its effect quickly.
  broker = await startBroker({ settings: { 'log.retention.check.interval.ms': 500 } })
  kafka = new Kafka({ clientId: 'admin-kafkajs-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } })
  admin = kafka.admin()
  await admin.connect()
})

afterAll(async () => {
  await admin?.disconnect()
  await broker?.stop()
})

async function topicConfig(topic: string, names: string[]): Promise<Record<string, string>> {
  const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }], includeSynonyms: false })
  return Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]))
}

describe('kafkajs admin', () => {
  it('creates topics with configs, reports existing ones, and validates without creating', async () => {
    expect(await admin.createTopics({
      topics: [{ topic: 'orders', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
    })).toBe(true)
    expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] })).toBe(false)
    expect(await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'only-checked', numPartitions: 2 }] })).toBe(true)
    const names = await admin.listTopics()
    expect(names).toContain('orders')
    expect(names).not.toContain('only-checked')
    expect(await topicConfig('orders', ['retention.ms'])).toEqual({ 'retention.ms': '3600000' })
  })

  it("surfaces Kafka's errors for a replication factor above the broker count and a bad config", async () => {
    const failure = await admin
      .createTopics({ topics: [{ topic: 'replicated', numPartitions: 1, replicationFactor: 3 }, { topic: 'misconfigured', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] })
      .catch((error: unknown) => error as { errors: Array<{ type: string; topic: string }> })
    expect(Object.fromEntries((failure as { errors: Array<{ topic: string; type: string }> }).errors.map((e) => [e.topic, e.type]))).toEqual({
      replicated: 'INVALID_REPLICATION_FACTOR',
      misconfigured: 'INVALID_CONFIG',
    })
    const names = await admin.listTopics()
    expect(names.filter((n) => n === 'replicated' || n === 'misconfigured')).toEqual([])
  })

  it('reports partitions led by this broker and grows them with createPartitions', async () => {
    const before = await admin.fetchTopicMetadata({ topics: ['orders'] })
    expect(before.topics[0]!.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr]).sort()).toEqual([
      [0, 1, [1], [1]],
      [1, 1, [1], [1]],
      [2, 1, [1], [1]],
    ])
    await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 5 }] })
    const after = await admin.fetchTopicMetadata({ topics: ['orders'] })
    expect(after.topics[0]!.partitions).toHaveLength(5)
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 2 }] })).rejects.toMatchObject({ type: 'INVALID_PARTITIONS' })
  })

  it('describes configs with synonyms and the cluster through Metadata', async () => {
    const described = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configNames: ['retention.ms', 'max.message.bytes'] }],
      includeSynonyms: true,
    })
    const entries = Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e]))
    expect(entries['retention.ms']).toMatchObject({ configValue: '3600000', isDefault: false, configSource: 1 })
    expect(entries['retention.ms']!.configSynonyms.map((s) => s.configName)).toEqual(['retention.ms', 'log.retention.hours'])
    expect(entries['max.message.bytes']).toMatchObject({ configValue: '1048588', isDefault: true, configSource: 5 })

    const cluster = await admin.describeCluster()
    expect(cluster.brokers).toEqual([{ nodeId: 1, host: broker.host, port: broker.port }])
    expect(cluster.controller).toBe(1)
    expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('deletes topics', async () => {
    await admin.createTopics({ topics: [{ topic: 'short-lived' }] })
    await admin.deleteTopics({ topics: ['short-lived'] })
    expect(await admin.listTopics()).not.toContain('short-lived')
    await expect(admin.deleteTopics({ topics: ['short-lived'] })).rejects.toBeDefined()
  })
})

describe('kcat', () => {
  it('lists the topics, partitions, leader and replicas with -L', async () => {
    const { stdout } = await run('kcat', ['-b', broker.bootstrap, '-L', '-J', '-t', 'orders'])
    const listing = JSON.parse(stdout) as {
      brokers: Array<{ id: number; name: string }>
      topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }> }> }>
    }
    expect(listing.brokers).toEqual([{ id: 1, name: broker.bootstrap }])
    expect(listing.topics[0]!.topic).toBe('orders')
    expect(listing.topics[0]!.partitions.map((p) => [p.partition, p.leader, p.replicas.map((r) => r.id), p.isrs.map((r) => r.id)])).toEqual([
      [0, 1, [1], [1]],
      [1, 1, [1], [1]],
      [2, 1, [1], [1]],
      [3, 1, [1], [1]],
      [4, 1, [1], [1]],
    ])
  })
})

describe('config changes take effect on live partitions', () => {
  it('refuses a batch over a lowered max.message.bytes and admits it once raised', async () => {
    await admin.createTopics({ topics: [{ topic: 'limited', numPartitions: 1 }] })
    const producer = kafka.producer({ retry: { retries: 0 }, allowAutoTopicCreation: false })
    await producer.connect()
    try {
      const big = { value: Buffer.alloc(4000, 7) }
      await producer.send({ topic: 'limited', acks: 1, messages: [big] })

      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'limited', configEntries: [{ name: 'max.message.bytes', value: '2000' }] }] })
      await expect(producer.send({ topic: 'limited', acks: 1, messages: [big] })).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' })
      await producer.send({ topic: 'limited', acks: 1, messages: [{ value: Buffer.alloc(100, 1) }] })

      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'limited', configEntries: [{ name: 'max.message.bytes', value: '100000' }] }] })
      await producer.send({ topic: 'limited', acks: 1, messages: [big] })
      const [offsets] = await admin.fetchTopicOffsets('limited')
      expect(offsets!.high).toBe('3')
    } finally {
      await producer.disconnect()
    }
  })

  it('deletes old segments once retention.ms is lowered', async () => {
    // Small segments, so the records below fill several closed segments.
    await admin.createTopics({ topics: [{ topic: 'retained', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '1024' }] }] })
    const producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
    const dayAgo = String(Date.now() - 86_400_000)
    for (let i = 0; i < 10; i++) {
      await producer.send({ topic: 'retained', acks: 1, messages: [{ value: Buffer.alloc(400, i), timestamp: dayAgo }] })
    }
    await producer.disconnect()
    const [before] = await admin.fetchTopicOffsets('retained')
    expect([before!.low, before!.high]).toEqual(['0', '10'])

    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'retained', configEntries: [{ name: 'segment.bytes', value: '1024' }, { name: 'retention.ms', value: '3600000' }] }] })
    // Retention runs on the broker's schedule (every 500 ms here); wait for its effect.
    let low = '0'
    for (let attempt = 0; attempt < 100 && low === '0'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      low = (await admin.fetchTopicOffsets('retained'))[0]!.low
    }
    expect(Number(low)).toBeGreaterThan(0)
    expect((await admin.fetchTopicOffsets('retained'))[0]!.high).toBe('10')
  })
})
