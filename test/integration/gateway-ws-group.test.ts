/**
 * WebSocket streams as members of Kafka consumer groups, against the real broker process: a
 * stream that reconnects with the same group resumes exactly after what it was sent (commit=auto)
 * or at what it committed (commit=manual), with no record lost or repeated; its commits are the
 * group's, as kafkajs's admin reads them; and it shares a group's partitions with a kafkajs
 * consumer, each record going to one of them.
 */
import { Kafka, type Producer, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StreamClient } from '../../bench/gateway/ws-client.js'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'

const DEADLINE = 60_000
let broker: BrokerProcess
let kafka: Kafka
let producer: Producer
const clients: StreamClient[] = []

async function connect(path: string): Promise<StreamClient> {
  const client = await StreamClient.connect(new URL(`v1/ws/${path}`, broker.httpUrl!.replace(/^http/, 'ws')).toString())
  clients.push(client)
  return client
}

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}

async function committedOffsets(groupId: string, topic: string): Promise<Record<number, string>> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return Object.fromEntries(offsets!.partitions.map((p) => [p.partition, p.offset]))
  } finally {
    await admin.disconnect()
  }
}

/** Produces `values` round-robin over `partitions` partitions. */
async function produce(topic: string, values: string[], partitions: number): Promise<void> {
  await producer.send({ topic, messages: values.map((value, i) => ({ value, partition: i % partitions })) })
}

const values = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${i}`)

beforeAll(async () => {
  broker = await startBrokerWithGateway()
  kafka = new Kafka({ clientId: 'gateway-ws-group', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
  producer = kafka.producer()
  await producer.connect()
})

afterAll(async () => {
  for (const client of clients) client.terminate()
  await producer?.disconnect()
  await broker?.stop()
})

describe('WebSocket streams in a consumer group', () => {
  it('commits what it sent and, reconnected, resumes right after it: nothing lost, nothing twice', async () => {
    await createTopic('ws-group-auto', 2)
    await produce('ws-group-auto', values('first', 40), 2)
    const first = await connect('topics/ws-group-auto?group=auto-readers&offset=earliest&format=text')
    expect(await first.next('assigned', DEADLINE)).toMatchObject({ partitions: [{ partition: 0, offset: '0' }, { partition: 1, offset: '0' }] })
    await first.waitFor(() => first.recordCount >= 40, DEADLINE, '40 records')
    await first.close()
    // The close committed the ends: the group's offsets, as any Kafka client reads them.
    await expect.poll(() => committedOffsets('auto-readers', 'ws-group-auto'), { timeout: DEADLINE }).toEqual({ 0: '20', 1: '20' })

    await produce('ws-group-auto', values('second', 20), 2)
    const second = await connect('topics/ws-group-auto?group=auto-readers&offset=earliest&format=text')
    expect(await second.next('assigned', DEADLINE)).toMatchObject({ partitions: [{ partition: 0, offset: '20' }, { partition: 1, offset: '20' }] })
    // A marker produced after the others arrives last on its partition: once it is in, anything
    // repeated from before the reconnect would have arrived too.
    await produce('ws-group-auto', ['marker'], 1)
    await second.waitFor(() => second.records.some((r) => r.value === 'marker'), DEADLINE, 'the marker')
    await second.waitFor(() => second.recordCount >= 21, DEADLINE, '21 records')
    expect(first.records.map((r) => r.value).sort()).toEqual(values('first', 40).sort())
    expect(second.records.map((r) => r.value).sort()).toEqual([...values('second', 20), 'marker'].sort())
  })

  it('with commit=manual, resumes at the offsets the client committed', async () => {
    await createTopic('ws-group-manual', 2)
    await produce('ws-group-manual', values('m', 30), 2)
    const first = await connect('topics/ws-group-manual?group=manual-readers&commit=manual&offset=earliest&format=text')
    await first.waitFor(() => first.recordCount >= 30, DEADLINE, '30 records')
    // The client has processed offsets 0-5 of partition 0 and 0-9 of partition 1.
    first.send({ type: 'commit', id: 'c1', offsets: [{ partition: 0, offset: 6 }, { partition: 1, offset: '10' }] })
    expect(await first.next('committed', DEADLINE)).toMatchObject({ id: 'c1', offsets: [{ partition: 0, offset: '6' }, { partition: 1, offset: '10' }] })
    await first.close()
    expect(await committedOffsets('manual-readers', 'ws-group-manual')).toEqual({ 0: '6', 1: '10' })

    const second = await connect('topics/ws-group-manual?group=manual-readers&commit=manual&format=text')
    await second.waitFor(() => second.recordCount >= 9 + 5, DEADLINE, 'the 14 uncommitted records')
    const offsets = (partition: number): string[] => second.records.filter((r) => r.partition === partition).map((r) => r.offset as string)
    expect(offsets(0)).toEqual(['6', '7', '8', '9', '10', '11', '12', '13', '14'])
    expect(offsets(1)).toEqual(['10', '11', '12', '13', '14'])
    // "commit" without offsets commits everything sent.
    second.send({ type: 'commit', id: 'all' })
    expect(await second.next('committed', DEADLINE)).toMatchObject({ offsets: [{ partition: 0, offset: '15' }, { partition: 1, offset: '15' }] })
  })

  it('refuses a commit on a stream without a group, and keeps streaming', async () => {
    await createTopic('ws-group-none', 1)
    const client = await connect('topics/ws-group-none?format=text')
    client.send({ type: 'commit', id: 'x' })
    expect(await client.next('error', DEADLINE, (f) => f.id === 'x')).toMatchObject({ error_code: 400, message: expect.stringContaining('no consumer group') })
    await produce('ws-group-none', ['after'], 1)
    await client.waitFor(() => client.recordCount >= 1, DEADLINE)
  })

  it('shares the group\'s partitions with a kafkajs consumer: every record reaches exactly one of them', async () => {
    await createTopic('ws-group-shared', 4)
    const stream = await connect('topics/ws-group-shared?group=shared-readers&offset=earliest&format=text')
    expect((await stream.next('assigned', DEADLINE)).partitions).toHaveLength(4)

    const consumer = kafka.consumer({ groupId: 'shared-readers', heartbeatInterval: 500 })
    const kafkajsValues: string[] = []
    try {
      await consumer.connect()
      await consumer.subscribe({ topic: 'ws-group-shared', fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ message }) => {
          kafkajsValues.push(message.value!.toString())
        },
      })
      // The stream gives up half of the partitions in the rebalance kafkajs started.
      const shared = await stream.next('assigned', DEADLINE, (f) => (f.partitions as unknown[]).length === 2)
      const streamPartitions = (shared.partitions as Array<{ partition: number }>).map((p) => p.partition)

      await produce('ws-group-shared', values('s', 80), 4)
      await expect.poll(() => stream.recordCount + kafkajsValues.length, { timeout: DEADLINE }).toBeGreaterThanOrEqual(80)
      const streamValues = stream.records.map((r) => r.value as string)
      expect([...streamValues, ...kafkajsValues].sort()).toEqual(values('s', 80).sort())
      expect(stream.records.every((r) => streamPartitions.includes(r.partition as number))).toBe(true)
      expect(streamValues.length).toBe(40)
    } finally {
      await consumer.disconnect()
    }
  })
})
