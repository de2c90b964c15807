/**
 * The lean client against the real broker process: partitioning as Java does, batching,
 * compression, idempotence, acks=0, consuming from the beginning, an offset, a time, and in a
 * group (when the broker offers the group APIs), and the errors users see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Admin } from '../../src/client/admin.js'
import { Cluster } from '../../src/client/cluster.js'
import { Consumer, type ConsumerRecord } from '../../src/client/consumer.js'
import { Producer } from '../../src/client/producer.js'
import { ErrorCodes, SamsaError } from '../../src/common/errors.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { partitionForKey } from '../../src/protocol/partitioner.js'
import { closeWorkerPool } from '../../src/workers/pool.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { consumeAll } from '../helpers/lean-consumer.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 3 } })
})

afterAll(async () => {
  await broker?.stop()
  await closeWorkerPool()
})


describe('producer and consumer against the broker', () => {
  it('puts keyed records on the Java partitioner\'s partition and reads every record back with its key, value, headers and timestamp', async () => {
    const producer = new Producer({ bootstrapServers: broker.bootstrap }, { lingerMs: 2 })
    const records = Array.from({ length: 3000 }, (_, i) => ({ key: `user-${i % 97}`, value: `event ${i}`, headers: { seq: String(i) }, timestamp: 1_700_000_000_000 + i }))
    const results = await producer.send('keyed', records)
    await producer.close()
    expect(results.reduce((n, r) => n + r.recordCount, 0)).toBe(3000)

    const consumed = await consumeAll(broker.bootstrap, 'keyed', 3000)
    expect(consumed).toHaveLength(3000)
    for (const record of consumed) {
      const key = record.key!.toString()
      expect(record.partition).toBe(partitionForKey(Buffer.from(key), 3))
      const seq = Number(record.headers[0]![1]!.toString())
      expect(record.value!.toString()).toBe(`event ${seq}`)
      expect(record.timestamp).toBe(1_700_000_000_000 + seq)
    }
    // Offsets are dense per partition and records of one key keep their order.
    const byPartition = new Map<number, number[]>()
    for (const r of consumed) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r.offset])
    for (const offsets of byPartition.values()) expect(offsets).toEqual(offsets.map((_, i) => i))
    const user5 = consumed.filter((r) => r.key!.toString() === 'user-5').map((r) => Number(r.headers[0]![1]!.toString()))
    expect(user5).toEqual([...user5].sort((a, b) => a - b))
  })

  it('spreads keyless records by sticky batches and honours an explicit partition', async () => {
    const producer = new Producer({ bootstrapServers: broker.bootstrap }, { batchSize: 2048, lingerMs: 0 })
    await producer.send('keyless', Array.from({ length: 600 }, (_, i) => ({ value: `${i}`.padStart(100, '.') })))
    const [explicit] = await producer.send('keyless', { key: 'whatever', value: 'pinned', partition: 2 })
    await producer.close()
    expect(explicit!.partition).toBe(2)
    const consumed = await consumeAll(broker.bootstrap, 'keyless', 601)
    expect(consumed).toHaveLength(601)
    // Batches of about 2 KiB each went to one partition, then the next: all three got some.
    expect(new Set(consumed.map((r) => r.partition))).toEqual(new Set([0, 1, 2]))
    expect(consumed.find((r) => r.value!.toString() === 'pinned')!.partition).toBe(2)
  })

  it('produces idempotently with every codec, and consumes from an offset and from a time', async () => {
    for (const compression of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const topic = `codec-${compression}`
      const producer = new Producer({ bootstrapServers: broker.bootstrap }, { compression, idempotent: true })
      await producer.send(topic, Array.from({ length: 500 }, (_, i) => ({ value: `${compression} ${i}`, partition: 0, timestamp: 1_000_000 + i * 10 })))
      await producer.close()
      const all = await consumeAll(broker.bootstrap, topic, 500)
      expect(all.map((r) => r.value!.toString())).toEqual(Array.from({ length: 500 }, (_, i) => `${compression} ${i}`))
      const consumer = new Consumer({ bootstrapServers: broker.bootstrap }, { maxWaitMs: 100 })
      await consumer.assign([{ topic, partition: 0, from: 250 }])
      expect((await consumer.poll())[0]!.offset).toBe(250)
      consumer.seek(topic, 0, { timestamp: 1_000_000 + 400 * 10 - 5 })
      expect((await consumer.poll())[0]!.offset).toBe(400)
      await consumer.close()
    }
  })

  it('refuses a partition the topic does not have and queues none of the call\'s records', async () => {
    const producer = new Producer({ bootstrapServers: broker.bootstrap })
    const error = await producer.send('keyless', [{ value: 'fine', partition: 0 }, { value: 'bad', partition: 3 }]).catch((e: unknown) => e)
    expect((error as Error).message).toBe("Topic 'keyless' has partitions 0-2; partition 3 does not exist.")
    await producer.close()
    expect((await consumeAll(broker.bootstrap, 'keyless', 602)).filter((r) => r.value!.toString() === 'fine')).toHaveLength(0)
  })

  it('sends with acks=0 without waiting for answers', async () => {
    const producer = new Producer({ bootstrapServers: broker.bootstrap }, { acks: 0 })
    const results = await producer.send('fire-and-forget', Array.from({ length: 100 }, (_, i) => ({ value: String(i), partition: 1 })))
    await producer.close()
    expect(results[0]!.baseOffset).toBe(-1)
    expect(await consumeAll(broker.bootstrap, 'fire-and-forget', 100)).toHaveLength(100)
  })

  it('lists topics and partition offsets through the admin client', async () => {
    const admin = new Admin({ bootstrapServers: broker.bootstrap })
    try {
      expect(await admin.listTopics()).toEqual(expect.arrayContaining(['keyed', 'keyless']))
      const offsets = await admin.listOffsets('keyed')
      expect(offsets.reduce((n, p) => n + p.latest - p.earliest, 0)).toBe(3000)
    } finally {
      admin.close()
    }
  })

  it('consumes as a group member, commits, and a second member of the group resumes after the commit', async (context) => {
    const cluster = new Cluster({ bootstrapServers: broker.bootstrap })
    const connection = await cluster.anyConnection()
    const groups = connection.supports(ApiKeys.JoinGroup) && connection.supports(ApiKeys.FindCoordinator)
    cluster.close()
    if (!groups) context.skip()

    const producer = new Producer({ bootstrapServers: broker.bootstrap })
    await producer.send('grouped', Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: `${i}` })))
    await producer.close()
    const first = new Consumer({ bootstrapServers: broker.bootstrap }, { groupId: 'g1', autoOffsetReset: 'earliest', maxWaitMs: 200 })
    await first.subscribe(['grouped'])
    const seen: ConsumerRecord[] = []
    for (let i = 0; i < 30 && seen.length < 200; i++) seen.push(...(await first.poll()))
    await first.close()
    expect(first.assignment().length).toBe(3)
    const second = new Consumer({ bootstrapServers: broker.bootstrap }, { groupId: 'g1', autoOffsetReset: 'earliest', maxWaitMs: 200 })
    await second.subscribe(['grouped'])
    const rest: ConsumerRecord[] = []
    for (let i = 0; i < 30 && seen.length + rest.length < 300; i++) rest.push(...(await second.poll()))
    await second.close()
    const values = new Set([...seen, ...rest].map((r) => r.value!.toString()))
    expect(values.size).toBe(300)
    expect(seen.length + rest.length).toBe(300)
  })

  it('says the broker is unreachable, and what to do, when nothing listens', async () => {
    const producer = new Producer({ bootstrapServers: '127.0.0.1:1' })
    const error = await producer.send('t', { value: 'v' }).catch((e: unknown) => e)
    expect(SamsaError.is(error, ErrorCodes.NETWORK)).toBe(true)
    expect((error as Error).message).toMatch(/cannot reach broker at 127\.0\.0\.1:1: connection refused — is it running\? try `npm start`/)
  })

  it('says a topic does not exist, and how to create it, when auto-creation is off', async () => {
    const consumer = new Consumer({ bootstrapServers: broker.bootstrap })
    const error = await consumer.assignTopics(['no-such-topic']).catch((e: unknown) => e)
    expect((error as Error).message).toBe("topic 'no-such-topic' does not exist — create it with `samsa topic create no-such-topic` (or enable auto.create.topics.enable on the broker)")
    await consumer.close()
  })
})
