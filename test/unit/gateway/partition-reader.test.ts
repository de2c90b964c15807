import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PartitionReader } from '../../../src/gateway/records/partition-reader.js'
import { ApiKeys, CompressionCodecs, KafkaErrorCodes, encodeRecordBatch, type RecordInput } from '../../../src/protocol/index.js'
import { compress, type CompressionCodec } from '../../../src/storage/codecs.js'
import { WorkerPool } from '../../../src/workers/pool.js'
import { decodeRecordFrame } from '../../../src/workers/tasks/record-frame.js'
import { type InProcessBroker, startInProcessBroker } from '../../helpers/in-process-broker.js'

const TOPIC = 'readable'
let fixture: InProcessBroker
let pool: WorkerPool
let reader: PartitionReader

async function produce(partition: number, records: RecordInput[], compression = 0): Promise<void> {
  const batch = encodeRecordBatch({ baseTimestamp: Date.now(), compression, records }, { compress: (codec, data) => compress(codec as CompressionCodec, data) })
  const response = await fixture.client.request(ApiKeys.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: TOPIC, partitionData: [{ index: partition, records: batch }] }],
  })
  expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
}

const json = (value: unknown): RecordInput => ({ key: Buffer.from(JSON.stringify(`k${String(value)}`)), value: Buffer.from(JSON.stringify({ n: value })) })

beforeAll(async () => {
  fixture = await startInProcessBroker({ 'num.partitions': 2 })
  await fixture.createTopics(TOPIC)
  pool = new WorkerPool({ maxThreads: 1 })
  reader = new PartitionReader({ replicas: fixture.broker.context.replicas, pool, fetchMaxBytes: 50 * 1024 * 1024 })
  // Partition 0: offsets 0-9 in two batches, the second gzip-compressed; partition 1: 0-2.
  await produce(0, [0, 1, 2, 3, 4].map(json))
  await produce(0, [5, 6, 7, 8, 9].map(json), CompressionCodecs.GZIP)
  await produce(1, [{ key: null, value: Buffer.from('plain text'), headers: [{ key: 'h', value: Buffer.from('1') }] }, json(11), json(12)])
})

afterAll(async () => {
  await pool?.close()
  await fixture?.stop()
})

describe('PartitionReader', () => {
  it('reads several partitions from their offsets and says where each continues', async () => {
    const read = await reader.readRecords({ topic: TOPIC, positions: [{ partition: 0, offset: 3 }, { partition: 1, offset: 0 }], format: 'json' })
    expect(read.partitions).toEqual([
      { partition: 0, errorCode: 0, nextOffset: 10, highWatermark: 10, logStartOffset: 0 },
      { partition: 1, errorCode: 0, nextOffset: 3, highWatermark: 3, logStartOffset: 0 },
    ])
    expect(read.output.filter((r) => r.partition === 0).map((r) => [r.offset, r.key, r.value])).toEqual(
      [3, 4, 5, 6, 7, 8, 9].map((n) => [String(n), `k${n}`, { n }]),
    )
    const [text] = read.output.filter((r) => r.partition === 1)
    expect(text).toMatchObject({ offset: '0', key: null, value: null, valueError: expect.stringContaining('not JSON'), headers: [{ key: 'h', value: '1' }] })
    expect(read.count).toBe(10)
  })

  it('gives JSON text, JSON in an envelope as bytes, and binary frames of the same records', async () => {
    const positions = [{ partition: 1, offset: 1 }]
    const asJson = await reader.readJson({ topic: TOPIC, positions, format: 'text' })
    expect((JSON.parse(asJson.output) as Array<{ value: string }>).map((r) => r.value)).toEqual(['{"n":11}', '{"n":12}'])
    const asBytes = await reader.readJsonBytes({ topic: TOPIC, positions, format: 'text' }, ['{"r":', '}'])
    expect(JSON.parse(Buffer.from(asBytes.output).toString('utf8'))).toEqual({ r: JSON.parse(asJson.output) })
    const asFrame = await reader.readFrame({ topic: TOPIC, positions })
    expect(decodeRecordFrame(asFrame.output).map((r) => Buffer.from(r.value!).toString())).toEqual(['{"n":11}', '{"n":12}'])
  })

  it('answers at once with nothing at the high watermark unless asked to wait', async () => {
    const read = await reader.readRecords({ topic: TOPIC, positions: [{ partition: 1, offset: 3 }] })
    expect(read).toMatchObject({ count: 0, output: [], partitions: [{ errorCode: 0, nextOffset: 3 }] })
  })

  it('waits for new records like a long-poll fetch and returns when they are committed', async () => {
    const started = Date.now()
    const waiting = reader.readRecords({ topic: TOPIC, positions: [{ partition: 1, offset: 3 }], format: 'json', maxWaitMs: 30_000 })
    await expect.poll(() => fixture.broker.context.replicas.purgatories.fetches.size).toBe(1)
    await produce(1, [json(13)])
    const read = await waiting
    expect(read.output.map((r) => r.value)).toEqual([{ n: 13 }])
    expect(read.partitions[0]!.nextOffset).toBe(4)
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('ends a wait at once when its signal is aborted, leaving nothing in the purgatory', async () => {
    const controller = new AbortController()
    const started = Date.now()
    const waiting = reader.readRecords({ topic: TOPIC, positions: [{ partition: 0, offset: 10 }], maxWaitMs: 60_000, signal: controller.signal })
    await expect.poll(() => fixture.broker.context.replicas.purgatories.fetches.size).toBe(1)
    controller.abort()
    const read = await waiting
    expect(read.count).toBe(0)
    expect(fixture.broker.context.replicas.purgatories.fetches.size).toBe(0)
    expect(Date.now() - started).toBeLessThan(30_000)
  })

  it('reports an offset out of range and an unknown topic per partition', async () => {
    const read = await reader.readRecords({ topic: TOPIC, positions: [{ partition: 0, offset: 99 }, { partition: 1, offset: 0 }] })
    expect(read.partitions.map((p) => p.errorCode)).toEqual([KafkaErrorCodes.OFFSET_OUT_OF_RANGE, KafkaErrorCodes.NONE])
    expect(read.partitions[0]!.nextOffset).toBe(99)
    const unknown = await reader.readRecords({ topic: 'no-such-topic', positions: [{ partition: 0, offset: 0 }] })
    expect(unknown.partitions[0]!.errorCode).toBe(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('decodes once for readers of the same bytes, and again when the bytes differ', async () => {
    const positions = [{ partition: 0, offset: 2 }]
    const before = reader.sharedDecodes
    const [a, b] = await Promise.all([reader.readJson({ topic: TOPIC, positions, format: 'text' }), reader.readJson({ topic: TOPIC, positions, format: 'text' })])
    expect(reader.sharedDecodes).toBe(before + 1)
    expect(b).toEqual(a)
    expect(JSON.parse(a.output)).toHaveLength(8)
    // Another form, or another offset, is another decode.
    await reader.readJson({ topic: TOPIC, positions, format: 'json' })
    await reader.readJson({ topic: TOPIC, positions: [{ partition: 0, offset: 3 }], format: 'text' })
    expect(reader.sharedDecodes).toBe(before + 1)
  })

  it('bounds a read by max bytes but always returns the first batch', async () => {
    const read = await reader.readRecords({ topic: TOPIC, positions: [{ partition: 0, offset: 0 }], maxBytes: 1 })
    expect(read.output.map((r) => r.offset)).toEqual(['0', '1', '2', '3', '4'])
    expect(read.partitions[0]!.nextOffset).toBe(5)
  })
})
