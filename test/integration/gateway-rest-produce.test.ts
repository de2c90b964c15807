/**
 * REST Proxy v2 produce and metadata against a real broker process: records produced over HTTP
 * in the json and binary embedded formats are what kcat (librdkafka) and kafkajs then read, at the
 * partitions and offsets the REST response announced; keys land where kafkajs's Java-compatible
 * partitioner puts them; topic, partition, offsets and broker metadata come back in Confluent's
 * shapes; and Redpanda's partition records read returns what kafkajs produced.
 */
import { Kafka, Partitioners, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'
import { readWithKafkajs, readWithKcat } from '../helpers/clients.js'
import { BINARY_V2, JSON_V2, V2, rest } from '../helpers/rest-client.js'

let broker: BrokerProcess
let http: string
let kafka: Kafka

beforeAll(async () => {
  broker = await startBrokerWithGateway()
  http = broker.httpUrl!
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'rest-produce-test', logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'rest-json', numPartitions: 4 },
        { topic: 'rest-binary', numPartitions: 3 },
        { topic: 'rest-meta', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
        { topic: 'rest-read', numPartitions: 1 },
      ],
    })
  } finally {
    await admin.disconnect()
  }
})

afterAll(async () => {
  await broker?.stop()
})

/** kafkajs's own partitioner (Java-compatible murmur2) for a key, over `partitions` partitions. */
function kafkajsPartition(topic: string, key: Buffer, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner()
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }))
  return partitioner({ topic, partitionMetadata, message: { key, value: null } })
}

describe('REST produce', () => {
  it('writes json records that kcat and kafkajs read back exactly, at the offsets the response gave', async () => {
    const records = [
      { key: 'user-1', value: { name: 'Ada', visits: 3 } },
      { key: 'user-2', value: [1, 2, 3] },
      { key: 'user-1', value: 'second for user-1' },
      { value: 42 },
      { value: null },
      { key: { id: 7 }, value: true, partition: 3 },
    ]
    const response = await rest(http, '/topics/rest-json', { body: { records }, contentType: JSON_V2, accept: V2 })
    expect(response.status).toBe(200)
    expect(response.contentType).toBe(V2)
    expect(response.body.key_schema_id).toBeNull()
    expect(response.body.value_schema_id).toBeNull()
    const offsets = response.body.offsets as Array<{ partition: number; offset: number; error_code: null; error: null }>
    expect(offsets).toHaveLength(records.length)
    for (const o of offsets) expect(o).toMatchObject({ error_code: null, error: null })

    // Keys are stored as their JSON text; kafkajs's partitioner agrees on where each one goes.
    expect(offsets[0]!.partition).toBe(kafkajsPartition('rest-json', Buffer.from('"user-1"'), 4))
    expect(offsets[1]!.partition).toBe(kafkajsPartition('rest-json', Buffer.from('"user-2"'), 4))
    expect(offsets[2]!.partition).toBe(offsets[0]!.partition)
    expect(offsets[2]!.offset).toBe(offsets[0]!.offset + 1)
    // Keyless records of one request share one partition (one batch).
    expect(offsets[4]!.partition).toBe(offsets[3]!.partition)
    expect(offsets[5]!.partition).toBe(3)

    const expected = records.map((r, i) => ({
      partition: offsets[i]!.partition,
      offset: offsets[i]!.offset,
      key: r.key === undefined ? null : JSON.stringify(r.key),
      value: r.value === null ? null : JSON.stringify(r.value),
    }))
    const sort = (list: Array<{ partition: number; offset: number }>) => [...list].sort((a, b) => a.partition - b.partition || a.offset - b.offset)
    for (const read of [readWithKcat, readWithKafkajs]) {
      const seen = (await read(broker.bootstrap, 'rest-json')).map((r) => ({
        partition: r.partition,
        offset: r.offset,
        key: r.key?.toString('utf8') ?? null,
        value: r.value?.toString('utf8') ?? null,
      }))
      expect(sort(seen)).toEqual(sort(expected))
    }
  })

  it('writes binary records (base64 in the body) as their raw bytes, to the partition the URL names', async () => {
    const key = Buffer.from([0x00, 0xff, 0x10, 0x80])
    const values = [Buffer.from('plain text'), Buffer.from([1, 2, 3, 0, 254, 255]), Buffer.alloc(0)]
    const records = values.map((value) => ({ key: key.toString('base64'), value: value.toString('base64') }))
    const response = await rest(http, '/topics/rest-binary/partitions/1', { body: { records }, contentType: BINARY_V2 })
    expect(response.status).toBe(200)
    expect(response.body.offsets).toEqual([
      { partition: 1, offset: 0, error_code: null, error: null },
      { partition: 1, offset: 1, error_code: null, error: null },
      { partition: 1, offset: 2, error_code: null, error: null },
    ])
    const keyed = await rest(http, '/topics/rest-binary', { body: { records: [{ key: key.toString('base64'), value: null }] }, contentType: BINARY_V2 })
    expect(keyed.body.offsets[0].partition).toBe(kafkajsPartition('rest-binary', key, 3))

    const read = await readWithKafkajs(broker.bootstrap, 'rest-binary')
    const partitionOne = read.filter((r) => r.partition === 1).slice(0, 3)
    expect(partitionOne.map((r) => r.key)).toEqual([key, key, key])
    expect(partitionOne.map((r) => r.value)).toEqual(values)
    const nullValue = read.find((r) => r.partition === keyed.body.offsets[0].partition && r.offset === keyed.body.offsets[0].offset)!
    expect(nullValue.value).toBeNull()
    // kcat prints payloads as text: compare the text one there (kafkajs above saw every byte).
    const kcatRead = await readWithKcat(broker.bootstrap, 'rest-binary')
    expect(kcatRead.find((r) => r.partition === 1 && r.offset === 0)?.value?.toString('utf8')).toBe('plain text')
  })
})

describe('REST metadata', () => {
  it('lists topics without internal ones and describes a topic with its effective configs and partitions', async () => {
    const topics = await rest(http, '/topics', { accept: V2 })
    expect(topics.status).toBe(200)
    expect(topics.body).toEqual(expect.arrayContaining(['rest-json', 'rest-binary', 'rest-meta', 'rest-read']))
    expect(topics.body).not.toContain('__consumer_offsets')

    const topic = await rest(http, '/topics/rest-meta')
    expect(topic.status).toBe(200)
    expect(topic.body.name).toBe('rest-meta')
    expect(topic.body.configs['retention.ms']).toBe('3600000')
    expect(topic.body.configs['cleanup.policy']).toBe('delete')
    const replica = { broker: broker.nodeId, leader: true, in_sync: true }
    expect(topic.body.partitions).toEqual([
      { partition: 0, leader: broker.nodeId, replicas: [replica] },
      { partition: 1, leader: broker.nodeId, replicas: [replica] },
    ])
    expect((await rest(http, '/topics/rest-meta/partitions')).body).toEqual(topic.body.partitions)
    expect((await rest(http, '/topics/rest-meta/partitions/1')).body).toEqual(topic.body.partitions[1])
    expect((await rest(http, '/brokers')).body).toEqual({ brokers: [broker.nodeId] })
  })

  it('answers a partition\'s beginning and end offsets, and reads its records from an offset in either format', async () => {
    const producer = kafka.producer()
    await producer.connect()
    try {
      await producer.send({ topic: 'rest-read', acks: -1, messages: ['a', 'b', 'c', 'd'].map((v, i) => ({ key: JSON.stringify(`k${i}`), value: JSON.stringify({ v }) })) })
    } finally {
      await producer.disconnect()
    }
    expect((await rest(http, '/topics/rest-read/partitions/0/offsets')).body).toEqual({ beginning_offset: 0, end_offset: 4 })

    const json = await rest(http, '/topics/rest-read/partitions/0/records?offset=1&timeout=1000', { accept: JSON_V2 })
    expect(json.status).toBe(200)
    expect(json.contentType).toBe(JSON_V2)
    expect(json.body).toEqual([
      { topic: 'rest-read', key: 'k1', value: { v: 'b' }, partition: 0, offset: 1 },
      { topic: 'rest-read', key: 'k2', value: { v: 'c' }, partition: 0, offset: 2 },
      { topic: 'rest-read', key: 'k3', value: { v: 'd' }, partition: 0, offset: 3 },
    ])
    const binary = await rest(http, '/topics/rest-read/partitions/0/records?offset=3', { accept: BINARY_V2 })
    expect(binary.contentType).toBe(BINARY_V2)
    expect(binary.body).toEqual([
      { topic: 'rest-read', key: Buffer.from('"k3"').toString('base64'), value: Buffer.from('{"v":"d"}').toString('base64'), partition: 0, offset: 3 },
    ])
  })

  it('waits up to the timeout for records past the end, and returns them as soon as they arrive', async () => {
    const waiting = rest(http, '/topics/rest-read/partitions/0/records?offset=4&timeout=20000', { accept: JSON_V2 })
    let answered = false
    void waiting.then(() => {
      answered = true
    })
    // Give the read time to park in the fetch purgatory; however long this takes, it must not
    // have been answered, since nothing is past offset 4 yet.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(answered).toBe(false)
    const started = Date.now()
    await rest(http, '/topics/rest-read', { body: { records: [{ value: 'late' }] }, contentType: JSON_V2 })
    const read = await waiting
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(read.body).toEqual([{ topic: 'rest-read', key: null, value: 'late', partition: 0, offset: 4 }])
  })
})
