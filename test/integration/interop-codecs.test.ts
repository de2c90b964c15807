/**
 * Compression interop with other clients' codecs, through the real broker: batches kafkajs
 * compresses (gzip) and kcat/librdkafka compresses (snappy, lz4, zstd) decode in Samsa's
 * consumer record for record; batches Samsa's producer compresses with each codec decode in
 * kcat (CRCs checked) and in kafkajs's own record batch decoder with independent JS codecs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseHostPort } from '../../src/client/cluster.js'
import { BrokerConnection } from '../../src/client/connection.js'
import { Consumer, type ConsumerRecord } from '../../src/client/consumer.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import type { DescribedApiKey } from '../../src/protocol/messages/index.js'
import { Producer } from '../../src/client/producer.js'
import { batchCompression } from '../../src/protocol/record-batch.js'
import { closeWorkerPool } from '../../src/workers/pool.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { decodeWithKafkajs, fetchRawBatches, kafkajs, kcat, kcatConsume } from '../helpers/kafka-interop.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 1 } })
})

afterAll(async () => {
  await broker?.stop()
  await closeWorkerPool()
})

const codecIds = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const

async function brokerOffers(apiKey: DescribedApiKey): Promise<boolean> {
  const connection = await BrokerConnection.open(parseHostPort(broker.bootstrap))
  connection.close()
  return connection.supports(apiKey)
}

async function consume(topic: string, count: number): Promise<ConsumerRecord[]> {
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap }, { maxWaitMs: 200 })
  await consumer.assignTopics([topic], 'earliest')
  const records: ConsumerRecord[] = []
  for (let idle = 0; records.length < count && idle < 20; ) {
    const batch = await consumer.poll()
    if (batch.length === 0) idle++
    records.push(...batch)
  }
  await consumer.close()
  return records
}

describe('batches other clients compress decode here', () => {
  it('kafkajs gzip: every key, value, header and timestamp', async () => {
    const { Kafka, CompressionTypes, logLevel } = kafkajs()
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'interop', logLevel: logLevel.NOTHING })
    const producer = kafka.producer({ allowAutoTopicCreation: true })
    await producer.connect()
    const messages = Array.from({ length: 500 }, (_, i) => ({ key: `key-${i}`, value: `kafkajs value ${i} `.repeat(3), headers: { index: String(i) }, timestamp: String(1_700_000_000_000 + i) }))
    await producer.send({ topic: 'from-kafkajs', compression: CompressionTypes.GZIP, messages })
    await producer.disconnect()

    const batches = await fetchRawBatches(broker.bootstrap, 'from-kafkajs', 0)
    expect(batches.every((b) => batchCompression(b, 0) === codecIds.gzip)).toBe(true)
    const records = await consume('from-kafkajs', 500)
    expect(records.map((r) => r.key!.toString())).toEqual(messages.map((m) => m.key))
    expect(records.map((r) => r.value!.toString())).toEqual(messages.map((m) => m.value))
    expect(records.map((r) => r.headers[0]![1]!.toString())).toEqual(messages.map((m) => m.headers.index))
    expect(records.map((r) => r.timestamp)).toEqual(messages.map((m) => Number(m.timestamp)))
  })

  for (const codec of ['snappy', 'lz4', 'zstd'] as const) {
    it(`kcat ${codec}: every key, value and header`, async () => {
      const topic = `from-kcat-${codec}`
      const lines = Array.from({ length: 2000 }, (_, i) => `k${i}:librdkafka ${codec} payload ${i} ${'abc'.repeat(i % 20)}`)
      await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-z', codec, '-K', ':', '-H', 'origin=kcat', '-X', 'linger.ms=50'], `${lines.join('\n')}\n`)
      const batches = await fetchRawBatches(broker.bootstrap, topic, 0)
      expect(batches.length).toBeGreaterThan(0)
      // librdkafka enables lz4 only when the broker offers FindCoordinator (its marker for brokers
      // new enough for KIP-57 lz4 framing) and otherwise sends uncompressed batches.
      const expected = codec === 'lz4' && !(await brokerOffers(ApiKeys.FindCoordinator)) ? 0 : codecIds[codec]
      // librdkafka also sends a batch uncompressed when compressing would not make it smaller (a
      // batch of one short record, when linger timing splits the input differently).
      const codecs = batches.map((b) => batchCompression(b, 0))
      expect(codecs).toContain(expected)
      expect(codecs.every((c) => c === expected || c === 0)).toBe(true)
      const records = await consume(topic, 2000)
      expect(records.map((r) => `${r.key!.toString()}:${r.value!.toString()}`)).toEqual(lines)
      expect(records.every((r) => r.headers.length === 1 && r.headers[0]![0] === 'origin' && r.headers[0]![1]!.toString() === 'kcat')).toBe(true)
    })
  }
})

describe('batches Samsa compresses decode in other clients', () => {
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`${codec}: kcat (CRC checked) and kafkajs's batch decoder read every record`, async () => {
      const topic = `to-others-${codec}`
      const producer = new Producer({ bootstrapServers: broker.bootstrap }, { compression: codec, batchSize: 64 * 1024 })
      const records = Array.from({ length: 1500 }, (_, i) => ({ key: `key-${i}`, value: `samsa ${codec} value ${i} ${'xyz'.repeat(i % 30)}`, headers: { n: String(i) } }))
      await producer.send(topic, records)
      await producer.close()

      const batches = await fetchRawBatches(broker.bootstrap, topic, 0)
      expect(batches.every((b) => batchCompression(b, 0) === codecIds[codec])).toBe(true)

      const viaKcat = await kcatConsume(broker.bootstrap, topic, 1500)
      expect(viaKcat.map((m) => [m.key, m.payload])).toEqual(records.map((r) => [r.key, r.value]))
      expect(viaKcat[7]!.headers).toEqual(['n', '7'])

      const viaKafkajs = []
      for (const batch of batches) viaKafkajs.push(...(await decodeWithKafkajs(batch)).records)
      expect(viaKafkajs.map((r) => [r.key!.toString(), r.value!.toString(), r.headers.n!.toString()])).toEqual(records.map((r) => [r.key, r.value, r.headers.n]))
      expect(viaKafkajs.map((r) => Number(r.offset))).toEqual(records.map((_, i) => i))
    })
  }
})
