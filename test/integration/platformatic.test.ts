/**
 * @platformatic/kafka 1.35 against the real broker: its idempotent producer (Produce v11,
 * InitProducerId, acks=all) with keyed records, every codec it writes read back by kcat and
 * kafkajs, headers with null keys and values, and its admin client's listOffsets and deleteRecords.
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Admin, Producer, compatibilityPartitioner } from '@platformatic/kafka'
import { ApiKeys, batchBaseSequence, batchProducerId } from '../../src/protocol/index.js'
import { partitionForKey } from '../../src/protocol/partitioner.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { byPartition, readers, registerPlatformaticCodecs } from '../helpers/clients.js'
import { WireClient } from '../helpers/wire-client.js'

let broker: BrokerProcess
let producer: Producer

beforeAll(async () => {
  registerPlatformaticCodecs()
  broker = await startBroker({ settings: { 'num.partitions': 3 } })
  producer = new Producer({ clientId: 'platformatic-test', bootstrapBrokers: [broker.bootstrap], autocreateTopics: true, idempotent: true })
})

afterAll(async () => {
  await producer?.close()
  await broker?.stop()
  if (broker !== undefined) rmSync(broker.dataDir, { recursive: true, force: true })
})

const RECORDS = 20_000
const KEYS = 500

describe('@platformatic/kafka', () => {
  it('produces keyed records idempotently that every client reads back, each key in its Java-compatible partition', async () => {
    for (let start = 0; start < RECORDS; start += 1_000) {
      const messages = Array.from({ length: 1_000 }, (_, j) => ({
        topic: 'platformatic-keyed',
        key: Buffer.from(`key-${(start + j) % KEYS}`),
        value: Buffer.from(`value-${start + j}`),
      }))
      // Its default partitioner differs from Java's; the compatibility one is Java's murmur2.
      const result = await producer.send({ messages, partitioner: compatibilityPartitioner })
      expect(result.offsets!.length).toBeGreaterThan(0)
    }
    for (const [name, read] of readers) {
      const records = await read(broker.bootstrap, 'platformatic-keyed')
      expect(records.length, name).toBe(RECORDS)
      const seen = new Set<number>()
      for (const [partition, list] of byPartition(records)) {
        let previous = -1
        list.forEach((record, i) => {
          expect(record.offset).toBe(i)
          const n = Number(record.value!.toString().slice('value-'.length))
          expect(n).toBeGreaterThan(previous)
          previous = n
          seen.add(n)
          expect(partition).toBe(partitionForKey(record.key!, 3))
        })
      }
      expect(seen.size, name).toBe(RECORDS)
    }
    // The batches carry the producer id InitProducerId gave and sequences from 0.
    const client = await WireClient.connect(broker.host, broker.port)
    const fetched = await client.request(ApiKeys.Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 'platformatic-keyed', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    })
    client.close()
    const first = fetched.responses[0]!.partitions[0]!.records!
    expect(batchProducerId(first, 0)).toBeGreaterThanOrEqual(0)
    expect(batchBaseSequence(first, 0)).toBe(0)
  }, 120_000)

  for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`writes ${compression} batches that every client reads`, async () => {
      const topic = `platformatic-${compression}`
      const values = Array.from({ length: 500 }, (_, i) => `${compression} record ${i} ${'x'.repeat(i % 50)}`)
      await producer.send({ compression, messages: values.map((v) => ({ topic, partition: 0, value: Buffer.from(v) })) })
      for (const [name, read] of readers) {
        expect((await read(broker.bootstrap, topic)).map((r) => r.value!.toString()), name).toEqual(values)
      }
    })
  }

  it('keeps headers, null keys and null values', async () => {
    const topic = 'platformatic-nulls'
    await producer.send({
      messages: [
        { topic, partition: 0, key: Buffer.from('k1'), value: Buffer.from('v1'), headers: new Map([[Buffer.from('trace'), Buffer.from('abc')]]) },
        { topic, partition: 0, value: Buffer.from('v2') },
        { topic, partition: 0, key: Buffer.from('k3') },
      ],
    })
    for (const [name, read] of readers) {
      const records = await read(broker.bootstrap, topic)
      const shape = records.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null, r.headers.map(([k, v]) => `${k}=${v?.toString()}`)])
      expect(shape, name).toEqual([
        ['k1', 'v1', ['trace=abc']],
        [null, 'v2', []],
        ['k3', null, []],
      ])
    }
  })

  it('lists offsets and deletes records with its admin client (ListOffsets, DeleteRecords v2)', async () => {
    const topic = 'platformatic-admin'
    const base = Date.now() - 50_000
    await producer.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: 2, value: Buffer.from(`m${i}`), timestamp: BigInt(base + i * 1000) })) })
    const admin = new Admin({ clientId: 'platformatic-admin-test', bootstrapBrokers: [broker.bootstrap] })
    try {
      const list = async (timestamp: bigint) =>
        (await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 2, timestamp }] }] }))[0]!.partitions[0]!
      expect((await list(-1n)).offset).toBe(10n)
      expect((await list(-2n)).offset).toBe(0n)
      expect(await list(BigInt(base + 6500))).toMatchObject({ offset: 7n, timestamp: BigInt(base + 7000) })
      const deleted = await admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 2, offset: 6n }] }] })
      expect(deleted[0]!.partitions[0]).toMatchObject({ partition: 2, lowWatermark: 6n })
      expect((await list(-2n)).offset).toBe(6n)
    } finally {
      await admin.close()
    }
  })
})
