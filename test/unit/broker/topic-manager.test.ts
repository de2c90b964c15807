import { readdirSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../../src/common/config/broker-config.js'
import { createLogger } from '../../../src/common/logger.js'
import { soleBrokerView } from '../../../src/broker/cluster-view.js'
import { TopicManager } from '../../../src/broker/topic-manager.js'
import { FileMetadataStore } from '../../../src/metadata/file-metadata-store.js'
import { TopicError } from '../../../src/metadata/metadata-store.js'
import { ReplicaManager } from '../../../src/replication/replica-manager.js'
import { LogManager } from '../../../src/storage/index.js'
import { tempDir } from '../../helpers/temp-dir.js'

const logger = createLogger('test', 'silent')
const opened: LogManager[] = []

afterEach(async () => {
  for (const logs of opened.splice(0)) await logs.close()
})

async function topicManager(settings: string[] = []): Promise<{ topics: TopicManager; replicas: ReplicaManager; dir: string }> {
  const dir = tempDir('samsa-topics-')
  const config = BrokerConfig.load({ dataDir: dir, set: settings })
  const metadata = await FileMetadataStore.open(dir, config.nodeId)
  const logs = await LogManager.open(dir)
  opened.push(logs)
  const replicas = new ReplicaManager(config.nodeId, metadata, logs, logger)
  const topics = new TopicManager(config, metadata, replicas, logs, logger, soleBrokerView(config.nodeId, null, () => config.advertisedListeners()))
  await topics.load()
  return { topics, replicas, dir }
}

async function refusal(promise: Promise<unknown>): Promise<[string, string]> {
  try {
    await promise
  } catch (error) {
    if (error instanceof TopicError) return [error.kafkaError, error.message]
    throw error
  }
  throw new Error('expected a TopicError')
}

describe('TopicManager.createTopic', () => {
  it('creates the partition logs, with the broker defaults for -1', async () => {
    const { topics, replicas, dir } = await topicManager(['num.partitions=3'])
    const topic = await topics.createTopic('orders', { partitions: -1, replicationFactor: -1 })
    expect(topic.partitions).toBe(3)
    expect(replicas.partitions('orders').map((p) => p!.index)).toEqual([0, 1, 2])
    expect(readdirSync(dir).filter((name) => name.startsWith('orders-')).sort()).toEqual(['orders-0', 'orders-1', 'orders-2'])
  })

  it('checks the name, then the configs, then the placement, as Kafka does', async () => {
    const { topics } = await topicManager()
    expect((await refusal(topics.createTopic('bad name', { partitions: 0, replicationFactor: 9, configs: { 'no.such': '1' } })))[0]).toBe('INVALID_TOPIC_EXCEPTION')
    expect((await refusal(topics.createTopic('ok', { partitions: 0, replicationFactor: 9, configs: { 'no.such': '1' } })))[0]).toBe('INVALID_CONFIG')
    expect((await refusal(topics.createTopic('ok', { partitions: 0, replicationFactor: 0 })))[0]).toBe('INVALID_REPLICATION_FACTOR')
    expect((await refusal(topics.createTopic('ok', { partitions: 0, replicationFactor: 1 })))[0]).toBe('INVALID_PARTITIONS')
    expect(await refusal(topics.createTopic('ok', { partitions: 1, replicationFactor: 2 }))).toEqual([
      'INVALID_REPLICATION_FACTOR',
      'Replication factor: 2 larger than available brokers: 1.',
    ])
    expect((await refusal(topics.createTopic('ok', { partitions: 10_001, replicationFactor: 1 })))[0]).toBe('POLICY_VIOLATION')
    expect([...topics.metadata.topics()]).toEqual([])
  })

  it('places partitions by a manual assignment that names this broker only', async () => {
    const { topics } = await topicManager()
    const assignments = [{ partitionIndex: 1, brokerIds: [1] }, { partitionIndex: 0, brokerIds: [1] }]
    expect((await topics.createTopic('manual', { partitions: -1, replicationFactor: -1, assignments })).partitions).toBe(2)
    expect((await refusal(topics.createTopic('elsewhere', { partitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [3] }] })))).toEqual([
      'INVALID_REPLICA_ASSIGNMENT',
      expect.stringContaining('broker 3'),
    ])
    expect((await refusal(topics.createTopic('mixed', { partitions: 1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }] })))[0]).toBe('INVALID_REQUEST')
    expect(topics.metadata.topic('elsewhere')).toBeUndefined()
  })

  it('changes nothing under validateOnly', async () => {
    const { topics, dir } = await topicManager()
    const checked = await topics.createTopic('checked', { partitions: 4, replicationFactor: 1, configs: { 'retention.ms': '1000' }, validateOnly: true })
    expect(checked).toMatchObject({ name: 'checked', partitions: 4, configs: { 'retention.ms': '1000' } })
    expect(topics.metadata.topic('checked')).toBeUndefined()
    expect(readdirSync(dir).filter((name) => name.startsWith('checked'))).toEqual([])
  })
})

describe('TopicManager.createPartitions', () => {
  it('adds logs for the new partitions, and checks an assignment against them', async () => {
    const { topics, replicas } = await topicManager()
    await topics.createTopic('grows', { partitions: 1, replicationFactor: 1 })
    expect((await refusal(topics.createPartitions('grows', 3, { assignments: [{ brokerIds: [1] }] })))[0]).toBe('INVALID_REPLICA_ASSIGNMENT')
    await topics.createPartitions('grows', 3, { assignments: [{ brokerIds: [1] }, { brokerIds: [1] }] })
    expect(replicas.partitions('grows')).toHaveLength(3)
    expect((await refusal(topics.createPartitions('grows', 3)))[0]).toBe('INVALID_PARTITIONS')
    expect((await refusal(topics.createPartitions('grows', 2 ** 31 - 1)))[0]).toBe('POLICY_VIOLATION')
    await topics.createPartitions('grows', 9, { validateOnly: true })
    expect(topics.metadata.topic('grows')?.partitions).toBe(3)
  })

  it('keeps the partition count of internal topics', async () => {
    const { topics } = await topicManager()
    await topics.createTopic('__consumer_offsets', { partitions: 2, replicationFactor: 1 })
    expect((await refusal(topics.createPartitions('__consumer_offsets', 4)))[0]).toBe('INVALID_TOPIC_EXCEPTION')
    expect((await refusal(topics.deleteTopic('__consumer_offsets')))[0]).toBe('INVALID_TOPIC_EXCEPTION')
  })
})

describe('TopicManager.alterTopicConfigs', () => {
  it('applies the new effective configuration to the live partitions', async () => {
    const { topics, replicas } = await topicManager()
    await topics.createTopic('live', { partitions: 2, replicationFactor: 1 })
    await topics.setTopicConfigs('live', { 'max.message.bytes': '2048', 'retention.ms': '60000' })
    expect(replicas.partitions('live').map((p) => [p!.config['max.message.bytes'], p!.config['retention.ms']])).toEqual([
      [2048, 60000],
      [2048, 60000],
    ])
    await topics.alterTopicConfigs('live', (current) => {
      const next = { ...current }
      delete next['max.message.bytes']
      return next
    })
    expect(replicas.partition('live', 0)!.config['max.message.bytes']).toBe(1048588)
    expect(topics.metadata.topic('live')?.configs).toEqual({ 'retention.ms': '60000' })
  })

  it('refuses an invalid result, or a refusal from the update, and changes nothing', async () => {
    const { topics, replicas } = await topicManager()
    await topics.createTopic('steady', { partitions: 1, replicationFactor: 1, configs: { 'retention.ms': '1000' } })
    expect((await refusal(topics.setTopicConfigs('steady', { 'retention.ms': '-7' })))[0]).toBe('INVALID_CONFIG')
    expect((await refusal(topics.alterTopicConfigs('steady', () => { throw new Error('no such thing') })))).toEqual(['INVALID_CONFIG', 'no such thing'])
    expect((await refusal(topics.setTopicConfigs('missing', {})))[0]).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    await topics.setTopicConfigs('steady', { 'retention.ms': '5' }, true)
    expect(topics.metadata.topic('steady')?.configs).toEqual({ 'retention.ms': '1000' })
    expect(replicas.partition('steady', 0)!.config['retention.ms']).toBe(1000)
  })
})
