/**
 * Topic administration through @platformatic/kafka 1.35's Admin, which speaks only the flexible
 * versions (CreateTopics v7, DeleteTopics v6, CreatePartitions v3, DescribeConfigs v4,
 * AlterConfigs v2, IncrementalAlterConfigs v1, Metadata v12), against a real broker process.
 */
import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'

let broker: BrokerProcess
let admin: Admin

beforeAll(async () => {
  broker = await startBroker()
  admin = new Admin({ clientId: 'admin-platformatic-test', bootstrapBrokers: [broker.bootstrap], retries: 0 })
})

afterAll(async () => {
  await admin?.close()
  await broker?.stop()
})

/** Kafka error codes anywhere in a rejection (the client nests them in aggregate errors). */
async function rejectionCodes(operation: Promise<unknown>): Promise<number[]> {
  const codes: number[] = []
  const walk = (error: unknown): void => {
    if (error === null || typeof error !== 'object') return
    const { apiCode, errors } = error as { apiCode?: number; errors?: unknown[] }
    if (typeof apiCode === 'number') codes.push(apiCode)
    for (const inner of errors ?? []) walk(inner)
  }
  try {
    await operation
  } catch (error) {
    walk(error)
    return codes
  }
  throw new Error('expected the operation to fail')
}

async function topicConfigs(topic: string, keys: string[]): Promise<Record<string, [string | null, number]>> {
  const [description] = await admin.describeConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: keys }],
  })
  return Object.fromEntries(description!.configs.map((c) => [c.name, [c.value ?? null, c.configSource]]))
}

describe('@platformatic/kafka Admin', () => {
  it('creates topics and gets back their id, partitions, replicas and configs', async () => {
    const created = await admin.createTopics({
      topics: ['events', 'audit'],
      partitions: 4,
      replicas: 1,
      configs: [{ name: 'cleanup.policy', value: 'compact' }],
    })
    expect(created.map((t) => [t.name, t.partitions, t.replicas, t.configuration['cleanup.policy']])).toEqual([
      ['events', 4, 1, 'compact'],
      ['audit', 4, 1, 'compact'],
    ])
    const metadata = await admin.metadata({ topics: ['events', 'audit'] })
    expect(created[0]!.id).toBe(metadata.topics.get('events')!.id)
    expect(metadata.topics.get('events')!.partitions.map((p) => [p.leader, p.replicas, p.isr])).toEqual(Array(4).fill([1, [1], [1]]))
    expect((await admin.listTopics()).sort()).toEqual(expect.arrayContaining(['audit', 'events']))
  })

  it("rejects a topic that exists with Kafka's code", async () => {
    expect(await rejectionCodes(admin.createTopics({ topics: ['events'], partitions: 1, replicas: 1 }))).toEqual([36])
  })

  it('grows partitions, and refuses to shrink them', async () => {
    await admin.createPartitions({ topics: [{ name: 'events', count: 6 }] })
    expect((await admin.metadata({ topics: ['events'], forceUpdate: true })).topics.get('events')!.partitionsCount).toBe(6)
    expect(await rejectionCodes(admin.createPartitions({ topics: [{ name: 'events', count: 2 }] }))).toEqual([37])
  })

  it('describes configs with sources, types and documentation', async () => {
    const [description] = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'events', configurationKeys: ['cleanup.policy', 'segment.bytes'] }],
      includeSynonyms: true,
      includeDocumentation: true,
    })
    const byName = Object.fromEntries(description!.configs.map((c) => [c.name, c]))
    expect(byName['cleanup.policy']).toMatchObject({ value: 'compact', configSource: 1, configType: 7, readOnly: false })
    expect(byName['cleanup.policy']!.synonyms.map((s) => [s.name, s.source])).toEqual([['cleanup.policy', 1], ['log.cleanup.policy', 5]])
    expect(byName['segment.bytes']).toMatchObject({ value: '1073741824', configSource: 5, configType: 3 })
    expect(byName['segment.bytes']!.documentation).toMatch(/segment/)

    const [brokerDescription] = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.BROKER, resourceName: '1', configurationKeys: ['num.partitions'] }],
    })
    expect(brokerDescription!.configs).toEqual([expect.objectContaining({ name: 'num.partitions', value: '1', readOnly: true, configSource: 5 })])
  })

  it('alters configs wholesale and incrementally', async () => {
    await admin.alterConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'audit', configs: [{ name: 'retention.ms', value: '86400000' }] }],
    })
    // AlterConfigs replaced every override: cleanup.policy is back to the broker's default.
    expect(await topicConfigs('audit', ['retention.ms', 'cleanup.policy'])).toEqual({
      'retention.ms': ['86400000', 1],
      'cleanup.policy': ['delete', 5],
    })

    await admin.incrementalAlterConfigs({
      resources: [{
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: 'audit',
        configs: [
          { name: 'cleanup.policy', configOperation: IncrementalAlterConfigOperationTypes.APPEND, value: 'compact' },
          { name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.DELETE },
          { name: 'max.message.bytes', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '65536' },
        ],
      }],
    })
    expect(await topicConfigs('audit', ['retention.ms', 'cleanup.policy', 'max.message.bytes'])).toEqual({
      'retention.ms': ['604800000', 5],
      'cleanup.policy': ['delete,compact', 1],
      'max.message.bytes': ['65536', 1],
    })

    expect(await rejectionCodes(admin.incrementalAlterConfigs({
      resources: [{
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: 'audit',
        configs: [{ name: 'max.message.bytes', configOperation: IncrementalAlterConfigOperationTypes.SET, value: 'big' }],
      }],
    }))).toEqual([40])
    expect((await topicConfigs('audit', ['max.message.bytes']))['max.message.bytes']).toEqual(['65536', 1])
  })

  it('deletes topics by name', async () => {
    await admin.deleteTopics({ topics: ['audit'] })
    expect(await admin.listTopics()).not.toContain('audit')
    expect(await rejectionCodes(admin.deleteTopics({ topics: ['audit'] }))).toEqual([3])
  })
})
