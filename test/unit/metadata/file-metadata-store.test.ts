import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FileMetadataStore as MetadataStore } from '../../../src/metadata/file-metadata-store.js'
import { TopicError } from '../../../src/metadata/metadata-store.js'
import { tempDir } from '../../helpers/temp-dir.js'

const freshDir = (): string => tempDir('samsa-meta-')

async function rejection(promise: Promise<unknown>): Promise<TopicError> {
  try {
    await promise
  } catch (error) {
    return error as TopicError
  }
  throw new Error('expected a rejection')
}

/** A placement of `partitions` partitions on broker 1, the store's own node. */
const onSelf = (partitions: number): number[][] => Array.from({ length: partitions }, () => [1])

describe('MetadataStore', () => {
  it('keeps topics, ids and overrides across a reopen', async () => {
    const dir = freshDir()
    const store = await MetadataStore.open(dir, 1)
    const created = await store.createTopic('orders', onSelf(3), { 'retention.ms': '60000' })
    expect(created.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/)

    const reopened = await MetadataStore.open(dir, 1)
    expect(reopened.clusterId).toBe(store.clusterId)
    expect(reopened.topic('orders')).toEqual(created)
    expect(reopened.topicById(created.topicId)?.name).toBe('orders')
    expect(reopened.overrides('orders')).toEqual({ 'retention.ms': 60000 })
    expect(readFileSync(join(dir, 'meta.properties'), 'utf8')).toContain(`cluster.id=${store.clusterId}`)
  })

  it("keeps a group's config overrides across a reopen, applies concurrent updates in turn, and forgets emptied ones", async () => {
    const dir = freshDir()
    const store = await MetadataStore.open(dir, 1)
    expect(store.groupConfigs('g')).toEqual({})
    await Promise.all([
      store.updateGroupConfigs('g', (current) => ({ ...current, 'share.auto.offset.reset': 'earliest' })),
      store.updateGroupConfigs('g', (current) => ({ ...current, 'share.isolation.level': 'read_committed' })),
      store.updateGroupConfigs('gone', () => ({ 'consumer.session.timeout.ms': '50000' })),
    ])
    await store.updateGroupConfigs('gone', () => ({}))
    const refused = store.updateGroupConfigs('g', () => {
      throw new Error('refused')
    })
    await expect(refused).rejects.toThrow('refused')

    const reopened = await MetadataStore.open(dir, 1)
    expect(reopened.groupConfigs('g')).toEqual({ 'share.auto.offset.reset': 'earliest', 'share.isolation.level': 'read_committed' })
    expect([...reopened.groupsWithConfigs()]).toEqual(['g'])
    expect(reopened.groupConfigs('g')).toBe(reopened.groupConfigs('g'))
  })

  it('lets only one of two concurrent creations of a name succeed', async () => {
    const store = await MetadataStore.open(freshDir(), 1)
    const results = await Promise.allSettled([store.createTopic('t', onSelf(1)), store.createTopic('t', onSelf(2))])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    expect(((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as TopicError).kafkaError).toBe('TOPIC_ALREADY_EXISTS')
    expect([...store.topics()]).toHaveLength(1)
  })

  it('refuses illegal and colliding names, bad partition counts and bad overrides, changing nothing', async () => {
    const store = await MetadataStore.open(freshDir(), 1)
    await store.createTopic('a.b', onSelf(1))
    expect((await rejection(store.createTopic('a_b', onSelf(1)))).message).toMatch(/collides with existing topic 'a\.b'/)
    expect((await rejection(store.createTopic('bad name', onSelf(1)))).kafkaError).toBe('INVALID_TOPIC_EXCEPTION')
    expect((await rejection(store.createTopic('x'.repeat(250), onSelf(1)))).message).toMatch(/limit is 249/)
    expect((await rejection(store.createTopic('p0', onSelf(0)))).kafkaError).toBe('INVALID_PARTITIONS')
    expect((await rejection(store.createTopic('cfg', onSelf(1), { 'retention.ms': 'soon' }))).message).toMatch(/retention\.ms/)
    expect([...store.topics()].map((t) => t.name)).toEqual(['a.b'])
  })

  it('grows partitions but never shrinks them', async () => {
    const store = await MetadataStore.open(freshDir(), 1)
    await store.createTopic('grow', onSelf(2))
    expect((await store.createPartitions('grow', onSelf(3))).partitions).toBe(5)
    expect((await rejection(store.createPartitions('grow', []))).kafkaError).toBe('INVALID_PARTITIONS')
  })

  it('reports this broker as the only replica, leader and ISR of every partition, at epoch 0', async () => {
    const store = await MetadataStore.open(freshDir(), 1)
    await store.createTopic('solo', onSelf(2))
    expect(store.partitionState('solo', 1)).toEqual({ replicas: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0, isr: [1] })
    expect(store.partitionState('solo', 2)).toBeUndefined()
    expect(store.partitionState('missing', 0)).toBeUndefined()
  })

  it('refuses to place a replica on any broker but itself', async () => {
    const store = await MetadataStore.open(freshDir(), 1)
    const refused = await rejection(store.createTopic('elsewhere', [[1], [2]]))
    expect([refused.kafkaError, refused.message]).toEqual(['INVALID_REPLICA_ASSIGNMENT', expect.stringMatching(/itself \(broker 1\), not on \[2\]/)])
    expect(store.topic('elsewhere')).toBeUndefined()
  })

  it('refuses a log directory that belongs to another node', async () => {
    const dir = freshDir()
    await MetadataStore.open(dir, 1)
    await expect(MetadataStore.open(dir, 2)).rejects.toThrowError(/belongs to node\.id 1/)
  })
})

describe('MetadataStore batched writes', () => {
  it('applies changes queued together in order, refusing only the bad ones, and keeps them all', async () => {
    const dir = freshDir()
    const store = await MetadataStore.open(dir, 1)
    const names = Array.from({ length: 2000 }, (_, i) => `t${i}`)
    const results = await Promise.allSettled([
      ...names.map((name) => store.createTopic(name, onSelf(1))),
      store.createTopic('t7', onSelf(1)),
      store.createTopic('a.b', onSelf(1)),
      store.createTopic('a_b', onSelf(1)),
      store.createPartitions('t3', onSelf(3)),
      store.deleteTopic('t5'),
      store.deleteTopic('t5'),
    ])
    const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, (r.reason as TopicError).kafkaError]] : []))
    expect(refused).toEqual([
      [2000, 'TOPIC_ALREADY_EXISTS'],
      [2002, 'INVALID_TOPIC_EXCEPTION'],
      [2005, 'UNKNOWN_TOPIC_OR_PARTITION'],
    ])
    const reopened = await MetadataStore.open(dir, 1)
    expect([...reopened.topics()]).toHaveLength(2000)
    expect(reopened.topic('t3')?.partitions).toBe(4)
    expect(reopened.topic('t5')).toBeUndefined()
    expect(reopened.topic('a.b')).toBeDefined()
    expect(new Set([...reopened.topics()].map((t) => t.topicId)).size).toBe(2000)
  })
})

describe('MetadataStore topic configs', () => {
  it('applies concurrent updates one after the other, each to the result of the last', async () => {
    const store = await MetadataStore.open(freshDir(), 1)
    await store.createTopic('t', onSelf(1), { 'retention.ms': '1000' })
    await Promise.all(
      ['segment.ms', 'flush.ms', 'retention.bytes'].map((name) => store.updateTopicConfigs('t', (current) => ({ ...current, [name]: '5000' }))),
    )
    expect(store.topic('t')?.configs).toEqual({ 'retention.ms': '1000', 'segment.ms': '5000', 'flush.ms': '5000', 'retention.bytes': '5000' })
  })

  it('refuses an invalid result as INVALID_CONFIG and keeps the old overrides, also on disk', async () => {
    const dir = freshDir()
    const store = await MetadataStore.open(dir, 1)
    await store.createTopic('t', onSelf(1), { 'retention.ms': '1000' })
    const refused = await rejection(store.updateTopicConfigs('t', () => ({ 'retention.ms': 'never' })))
    expect([refused.kafkaError, refused.message]).toEqual(['INVALID_CONFIG', expect.stringContaining('retention.ms')])
    expect((await rejection(store.setTopicConfigs('t', { 'no.such.setting': '1' }))).kafkaError).toBe('INVALID_CONFIG')
    expect((await rejection(store.setTopicConfigs('missing', {}))).kafkaError).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(store.topic('t')?.configs).toEqual({ 'retention.ms': '1000' })
    expect((await MetadataStore.open(dir, 1)).topic('t')?.configs).toEqual({ 'retention.ms': '1000' })
  })

  it('checks a new name before its overrides and its overrides before its partition count', async () => {
    const store = await MetadataStore.open(freshDir(), 1)
    expect(() => store.validateNewTopic('bad name', 0, { 'no.such': '1' })).toThrowError(/characters other than/)
    expect(() => store.validateNewTopic('fine', 0, { 'no.such': '1' })).toThrowError(/no\.such/)
    expect(() => store.validateNewTopic('fine', 0, {})).toThrowError(/at least 1 partition/)
  })
})

describe('MetadataStore producer ids', () => {
  it('never hands out an id twice, across reopens', async () => {
    const dir = freshDir()
    const store = await MetadataStore.open(dir, 1)
    expect(await store.allocateProducerIds(1000)).toBe(0)
    expect(await store.allocateProducerIds(1000)).toBe(1000)
    const reopened = await MetadataStore.open(dir, 1)
    expect(await reopened.allocateProducerIds(1000)).toBe(2000)
  })
})
