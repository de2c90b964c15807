/**
 * Topic-level compression: with compression.type=zstd (set broker-wide, which every topic
 * inherits), batches are stored in zstd whatever the producer sent, producer fields survive the
 * rewrite, and every client still reads the records. A decompression bomb is refused with
 * INVALID_RECORD, nothing is appended, and the broker's memory stays far below the bomb's size.
 */
import { readFileSync } from 'node:fs'
import { createGzip } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster, parseHostPort } from '../../src/client/cluster.js'
import { BrokerConnection } from '../../src/client/connection.js'
import { Admin } from '../../src/client/admin.js'
import { Consumer, type ConsumerRecord } from '../../src/client/consumer.js'
import { Producer } from '../../src/client/producer.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes } from '../../src/protocol/error-codes.js'
import { batchBaseSequence, batchCompression, batchProducerId } from '../../src/protocol/record-batch.js'
import { assembleRecordBatch, encodeRecordBatch } from '../../src/protocol/records.js'
import { sizeOfVarint } from '../../src/protocol/varint.js'
import { closeWorkerPool } from '../../src/workers/pool.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { decodeWithKafkajs, fetchRawBatches, kafkajs, kcat, kcatConsume } from '../helpers/kafka-interop.js'

const ZSTD = 4
let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBroker({ settings: { 'compression.type': 'zstd', 'num.partitions': 1 } })
})

afterAll(async () => {
  await broker?.stop()
  await closeWorkerPool()
})

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

/** Every client reads the same values from the topic, and every stored batch is zstd. */
async function expectZstdAndReadable(topic: string, values: string[]): Promise<void> {
  const batches = await fetchRawBatches(broker.bootstrap, topic, 0)
  expect(batches.length).toBeGreaterThan(0)
  expect(batches.map((b) => batchCompression(b, 0))).toEqual(batches.map(() => ZSTD))
  expect((await consume(topic, values.length)).map((r) => r.value!.toString())).toEqual(values)
  expect((await kcatConsume(broker.bootstrap, topic, values.length)).map((m) => m.payload)).toEqual(values)
  const viaKafkajs = []
  for (const batch of batches) viaKafkajs.push(...(await decodeWithKafkajs(batch)).records)
  expect(viaKafkajs.map((r) => r.value!.toString())).toEqual(values)
}

describe('compression.type=zstd', () => {
  it('stores kafkajs gzip batches as zstd, and every client reads them', async () => {
    const { Kafka, CompressionTypes, logLevel } = kafkajs()
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'recompress', logLevel: logLevel.NOTHING })
    const producer = kafka.producer()
    await producer.connect()
    const values = Array.from({ length: 300 }, (_, i) => `kafkajs gzip ${i} ${'g'.repeat(i % 40)}`)
    await producer.send({ topic: 'z-kafkajs', compression: CompressionTypes.GZIP, messages: values.map((value) => ({ value })) })
    await producer.disconnect()
    await expectZstdAndReadable('z-kafkajs', values)
  })

  it('stores kcat snappy and uncompressed batches as zstd', async () => {
    for (const codec of ['snappy', 'none']) {
      const topic = `z-kcat-${codec}`
      const values = Array.from({ length: 400 }, (_, i) => `kcat ${codec} ${i}`)
      await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-z', codec], `${values.join('\n')}\n`)
      await expectZstdAndReadable(topic, values)
    }
  })

  it('keeps an idempotent producer\'s id and sequence numbers through the rewrite', async () => {
    const producer = new Producer({ bootstrapServers: broker.bootstrap }, { compression: 'lz4', idempotent: true, lingerMs: 0 })
    const values = Array.from({ length: 200 }, (_, i) => `idempotent ${i}`)
    await producer.send('z-idempotent', values.slice(0, 100).map((value) => ({ value })))
    await producer.send('z-idempotent', values.slice(100).map((value) => ({ value })))
    await producer.close()
    const batches = await fetchRawBatches(broker.bootstrap, 'z-idempotent', 0)
    expect(batches.map((b) => batchBaseSequence(b, 0))).toEqual([0, 100])
    expect(batchProducerId(batches[0]!, 0)).toBeGreaterThanOrEqual(0)
    await expectZstdAndReadable('z-idempotent', values)
  })

  it('leaves a batch already in zstd untouched', async () => {
    const producer = new Producer({ bootstrapServers: broker.bootstrap }, { compression: 'zstd' })
    await producer.send('z-native', [{ value: 'already zstd' }])
    await producer.close()
    await expectZstdAndReadable('z-native', ['already zstd'])
  })

  it('follows a topic\'s own compression.type, set at creation and changed while it runs', async () => {
    const admin = new Admin({ bootstrapServers: broker.bootstrap })
    try {
      await admin.createTopic({ name: 'z-own', partitions: 1, configs: { 'compression.type': 'uncompressed' } })
      const producer = new Producer({ bootstrapServers: broker.bootstrap }, { compression: 'zstd', lingerMs: 0 })
      await producer.send('z-own', [{ value: 'stored uncompressed' }])
      await admin.alterTopicConfigs('z-own', { 'compression.type': 'gzip' })
      await producer.send('z-own', [{ value: 'stored gzip' }])
      await admin.alterTopicConfigs('z-own', { 'compression.type': 'producer' })
      await producer.send('z-own', [{ value: 'stored as sent' }])
      await producer.close()
      const batches = await fetchRawBatches(broker.bootstrap, 'z-own', 0)
      expect(batches.map((b) => batchCompression(b, 0))).toEqual([0, 1, ZSTD])
      expect((await consume('z-own', 3)).map((r) => r.value!.toString())).toEqual(['stored uncompressed', 'stored gzip', 'stored as sent'])
    } finally {
      admin.close()
    }
  })

  it('refuses a decompression bomb with INVALID_RECORD, appends nothing and keeps memory bounded', async () => {
    const connection = await BrokerConnection.open(parseHostPort(broker.bootstrap))
    try {
      await autoCreate('z-bomb')
      const ordinary = encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ value: Buffer.from('before') }] })
      expect(await produceRaw(connection, 'z-bomb', ordinary)).toEqual({ errorCode: KafkaErrorCodes.NONE, baseOffset: 0 })

      const valueBytes = 256 * 1024 * 1024
      const bomb = await gzipBombBatch(valueBytes)
      expect(bomb.length).toBeLessThan(1024 * 1024)
      const before = peakRssBytes(broker)
      for (let i = 0; i < 3; i++) {
        const result = await produceRaw(connection, 'z-bomb', bomb)
        expect([KafkaErrorCodes.INVALID_RECORD, KafkaErrorCodes.CORRUPT_MESSAGE]).toContain(result.errorCode)
        expect(result.errorCode).toBe(KafkaErrorCodes.INVALID_RECORD)
      }
      // Decompression stops at the topic's limit (32 × max.message.bytes), far below the bomb.
      expect(peakRssBytes(broker) - before).toBeLessThan(valueBytes / 2)

      const after = encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ value: Buffer.from('after') }] })
      expect(await produceRaw(connection, 'z-bomb', after)).toEqual({ errorCode: KafkaErrorCodes.NONE, baseOffset: 1 })
      expect((await consume('z-bomb', 2)).map((r) => r.value!.toString())).toEqual(['before', 'after'])
    } finally {
      connection.close()
    }
  })

  it('refuses a batch with a bad CRC with CORRUPT_MESSAGE before decompressing it', async () => {
    const connection = await BrokerConnection.open(parseHostPort(broker.bootstrap))
    try {
      await autoCreate('z-crc')
      const batch = encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ value: Buffer.from('x'.repeat(100)) }] })
      batch[batch.length - 1] ^= 0x55
      expect((await produceRaw(connection, 'z-crc', batch)).errorCode).toBe(KafkaErrorCodes.CORRUPT_MESSAGE)
    } finally {
      connection.close()
    }
  })
})

/** Produce requests do not create topics; a Metadata request does (auto.create.topics.enable). */
async function autoCreate(topic: string): Promise<void> {
  const cluster = new Cluster({ bootstrapServers: broker.bootstrap })
  await cluster.topicMetadata(topic, true)
  cluster.close()
}

async function produceRaw(connection: BrokerConnection, topic: string, records: Buffer): Promise<{ errorCode: number; baseOffset: number }> {
  const response = await connection.request(ApiKeys.Produce, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  })
  const partition = response.responses[0]!.partitionResponses[0]!
  return { errorCode: partition.errorCode, baseOffset: Number(partition.baseOffset) }
}

/**
 * A valid gzip batch of one record whose value is `valueBytes` zeros: well formed once fully
 * decompressed, a few hundred KiB on the wire. Streamed through zlib so the test never holds
 * the decompressed bytes.
 */
async function gzipBombBatch(valueBytes: number): Promise<Buffer> {
  const bodySize = 1 + 1 + 1 + 1 + sizeOfVarint(valueBytes) + valueBytes + 1
  const prefix = Buffer.alloc(32)
  let p = writeVarint(prefix, 0, bodySize)
  prefix[p++] = 0 // attributes
  prefix[p++] = 0 // timestamp delta 0
  prefix[p++] = 0 // offset delta 0
  prefix[p++] = 1 // key length -1 (zig-zag)
  p = writeVarint(prefix, p, valueBytes)
  const gzip = createGzip({ level: 9 })
  const parts: Buffer[] = []
  gzip.on('data', (chunk: Buffer) => parts.push(chunk))
  const done = new Promise((resolve) => gzip.on('end', resolve))
  gzip.write(prefix.subarray(0, p))
  const zeros = Buffer.alloc(1024 * 1024)
  for (let written = 0; written < valueBytes; written += zeros.length) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve))
  }
  gzip.end(Buffer.from([0])) // header count 0
  await done
  return assembleRecordBatch({ baseTimestamp: Date.now(), compression: 1 }, [{ value: null }], Buffer.concat(parts))
}

function writeVarint(out: Buffer, at: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  out[at++] = v
  return at
}

/** The broker process's peak resident set (VmHWM), in bytes. */
function peakRssBytes(process: BrokerProcess): number {
  const status = readFileSync(`/proc/${process.child.pid}/status`, 'utf8')
  const match = /VmHWM:\s+(\d+) kB/.exec(status)
  if (match === null) throw new Error('no VmHWM in /proc status')
  return Number(match[1]) * 1024
}
