import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, type ResponseOf } from '../../../../src/protocol/index.js'
import { type InProcessBroker, startInProcessBroker } from '../../../helpers/in-process-broker.js'

let fixture: InProcessBroker

type Response = ResponseOf<typeof ApiKeys.DescribeTopicPartitions>

function describeTopics(names: string[], limit: number, cursor: { topicName: string; partitionIndex: number } | null = null): Promise<Response> {
  return fixture.client.request(ApiKeys.DescribeTopicPartitions, 0, { topics: names.map((name) => ({ name })), responsePartitionLimit: limit, cursor })
}

/** "topic-partition" of every partition described, in order. */
const described = (response: Response): string[] => response.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}`))

beforeAll(async () => {
  fixture = await startInProcessBroker()
  for (const [name, partitions] of [['dtp-a', 5], ['dtp-b', 3], ['dtp-c', 1]] as const) {
    const created = await fixture.client.request(ApiKeys.CreateTopics, 7, {
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 30_000,
      validateOnly: false,
    })
    expect(created.topics[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
  }
})

afterAll(async () => {
  await fixture?.stop()
})

describe('DescribeTopicPartitions', () => {
  it('pages through the named topics in name order, the cursor naming where the next page starts', async () => {
    const pages: string[][] = []
    let cursor: Response['nextCursor'] = null
    const cursors: string[] = []
    do {
      const response: Response = await describeTopics(['dtp-c', 'dtp-b', 'dtp-a'], 4, cursor)
      pages.push(described(response))
      cursor = response.nextCursor
      if (cursor !== null) cursors.push(`${cursor.topicName}-${cursor.partitionIndex}`)
    } while (cursor !== null && pages.length < 10)
    expect(pages).toEqual([['dtp-a-0', 'dtp-a-1', 'dtp-a-2', 'dtp-a-3'], ['dtp-a-4', 'dtp-b-0', 'dtp-b-1', 'dtp-b-2'], ['dtp-c-0']])
    // A topic that ends the page exactly leaves the cursor at the next topic's partition 0.
    expect(cursors).toEqual(['dtp-a-4', 'dtp-c-0'])
  })

  it('describes every topic when none is named, with ids, leader, epoch, replicas, ISR and empty ELR', async () => {
    const response = await describeTopics([], 2000)
    expect(response.nextCursor).toBeNull()
    const a = response.topics.find((t) => t.name === 'dtp-a')!
    expect(a.errorCode).toBe(KafkaErrorCodes.NONE)
    expect(a.topicId).not.toBe('AAAAAAAAAAAAAAAAAAAAAA')
    expect(a.partitions).toHaveLength(5)
    expect(a.partitions[2]).toMatchObject({ errorCode: 0, partitionIndex: 2, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], eligibleLeaderReplicas: [], lastKnownElr: [], offlineReplicas: [] })
    const names = response.topics.map((t) => t.name!)
    expect(names).toEqual([...names].sort())
  })

  it('answers a named topic that does not exist with UNKNOWN_TOPIC_OR_PARTITION, creating nothing', async () => {
    const response = await describeTopics(['dtp-missing', 'dtp-c'], 100)
    expect(response.topics.map((t) => [t.name, t.errorCode])).toEqual([['dtp-c', 0], ['dtp-missing', KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION]])
    const again = await describeTopics(['dtp-missing'], 100)
    expect(again.topics[0]!.errorCode).toBe(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('refuses a cursor on a topic not named, or with a negative partition, with INVALID_REQUEST', async () => {
    const elsewhere = await describeTopics(['dtp-a'], 100, { topicName: 'dtp-b', partitionIndex: 0 })
    expect(elsewhere.topics.map((t) => t.errorCode)).toEqual([KafkaErrorCodes.INVALID_REQUEST])
    const negative = await describeTopics(['dtp-a'], 100, { topicName: 'dtp-a', partitionIndex: -1 })
    expect(negative.topics.map((t) => t.errorCode)).toEqual([KafkaErrorCodes.INVALID_REQUEST])
  })
})
