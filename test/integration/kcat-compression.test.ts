/**
 * Compressed batches across clients: kcat (librdkafka) writes gzip, snappy (xerial framing), lz4
 * (frame format) and zstd; kafkajs writes gzip, snappy and lz4; the broker stores the batches as they came and
 * every client reads every codec back.
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CompressionTypes, Kafka, logLevel } from 'kafkajs'
import { ApiKeys, batchCompression } from '../../src/protocol/index.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { kcat, readers, registerKafkajsCodecs } from '../helpers/clients.js'
import { WireClient } from '../helpers/wire-client.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 1 } })
})

afterAll(async () => {
  await broker?.stop()
  if (broker !== undefined) rmSync(broker.dataDir, { recursive: true, force: true })
})

const COUNT = 2_000
const expected = Array.from({ length: COUNT }, (_, i) => `record ${i} ${'compressible text '.repeat(i % 7)}`)

/**
 * The codecs in the attributes of the stored batches of the topic's partition 0 (the first
 * MiB). A producer may send a batch uncompressed when compressing makes it bigger (librdkafka
 * does, rdkafka_msgset_writer.c): with the CPU busy, kcat's first batch can hold one short record.
 */
async function storedCodecs(topic: string): Promise<Set<number>> {
  const client = await WireClient.connect(broker.host, broker.port)
  try {
    const response = await client.request(ApiKeys.Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    })
    const records = response.responses[0]!.partitions[0]!.records!
    const codecs = new Set<number>()
    // Whole batches only (length field + 12 bytes each): the response may end with a partial one.
    let position = 0
    while (position + 61 <= records.length) {
      const size = 12 + records.readInt32BE(position + 8)
      if (position + size > records.length) break
      codecs.add(batchCompression(records, position))
      position += size
    }
    return codecs

  } finally {
    client.close()
  }
}

async function advertisesFindCoordinatorV0(): Promise<boolean> {
  const client = await WireClient.connect(broker.host, broker.port)
  try {
    const versions = await client.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1' })
    return versions.apiKeys.some((k) => k.apiKey === ApiKeys.FindCoordinator && k.minVersion === 0)
  } finally {
    client.close()
  }
}

async function expectEveryClientReads(topic: string): Promise<void> {
  for (const [name, read] of readers) {
    const values = (await read(broker.bootstrap, topic)).map((r) => r.value!.toString())
    expect(values.length, name).toBe(COUNT)
    expect(values, name).toEqual(expected)
  }
}

describe('compression', () => {
  for (const [codec, number] of [['gzip', 1], ['snappy', 2], ['lz4', 3], ['zstd', 4]] as const) {
    it(`stores ${codec} batches from kcat -z ${codec} as sent, and every client reads them`, async (context) => {
      if (codec === 'lz4' && !(await advertisesFindCoordinatorV0())) {
        // librdkafka 2.0 enables its LZ4 feature only when FindCoordinator v0 is advertised
        // (rdkafka_feature.c; notes/kafka-compat.md §1b), and otherwise sends lz4 uncompressed.
        console.warn('skipped: kcat sends lz4 only to a broker that advertises FindCoordinator v0 (the group coordinator work); lz4 is still covered from kafkajs below')
        context.skip()
      }
      const topic = `kcat-${codec}`
      await kcat(['-P', '-b', broker.bootstrap, '-t', topic, '-z', codec, '-X', 'linger.ms=50'], expected.join('\n') + '\n')
      const codecs = [...(await storedCodecs(topic))]
      expect(codecs).toContain(number)
      expect(codecs.filter((codec) => codec !== number && codec !== 0)).toEqual([])
      await expectEveryClientReads(topic)
    })
  }

  for (const [codec, type] of [['gzip', CompressionTypes.GZIP], ['snappy', CompressionTypes.Snappy], ['lz4', CompressionTypes.LZ4]] as const) {
    it(`stores ${codec} batches from kafkajs, and every client reads them`, async () => {
      registerKafkajsCodecs()
      const topic = `kafkajs-${codec}`
      const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: `${codec}-test`, logLevel: logLevel.NOTHING })
      const producer = kafka.producer({ allowAutoTopicCreation: true })
      await producer.connect()
      for (let i = 0; i < COUNT; i += 500) {
        await producer.send({ topic, compression: type, messages: expected.slice(i, i + 500).map((value) => ({ value })) })
      }
      await producer.disconnect()
      expect([...(await storedCodecs(topic))]).toEqual([type])
      await expectEveryClientReads(topic)
    })
  }
})
