import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, CompressionCodecs, KafkaErrorCodes, encodeRecordBatch } from '../../../../src/protocol/index.js'
import { compress } from '../../../../src/storage/codecs.js'
import { type InProcessBroker, startInProcessBroker } from '../../../helpers/in-process-broker.js'

const TOPIC = 'timestamps'
const BASE = 1_700_000_000_000
let fixture: InProcessBroker

async function query(version: number, timestamp: bigint, isolationLevel = 0) {
  const response = await fixture.client.request(ApiKeys.ListOffsets, version, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }],
  })
  return response.topics[0]!.partitions[0]!
}

beforeAll(async () => {
  fixture = await startInProcessBroker({ 'log.message.timestamp.before.max.ms': String(Number.MAX_SAFE_INTEGER) })
  await fixture.createTopics(TOPIC)
  // Offsets 0-9: one uncompressed batch, a record every second from BASE.
  // Offsets 10-19: one gzip batch, a record every second from BASE + 20 s, the largest in the middle.
  const deltas = [0, 1000, 2000, 3000, 4000, 50_000, 6000, 7000, 8000, 9000]
  const batches = [
    encodeRecordBatch({ baseTimestamp: BASE, records: Array.from({ length: 10 }, (_, i) => ({ value: Buffer.from(`a${i}`), timestampDelta: i * 1000 })) }),
    encodeRecordBatch(
      { baseTimestamp: BASE + 20_000, compression: CompressionCodecs.GZIP, records: deltas.map((d, i) => ({ value: Buffer.from(`b${i}`), timestampDelta: d })) },
      { compress: (codec, data) => compress(codec as 1, data) },
    ),
  ]
  for (const records of batches) {
    const response = await fixture.client.request(ApiKeys.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] })
    expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
  }
})

afterAll(async () => {
  await fixture?.stop()
})

describe('ListOffsets', () => {
  it('answers earliest (-2) with the log start and latest (-1) with the high watermark', async () => {
    expect((await query(7, -2n)).offset).toBe(0n)
    expect((await query(7, -1n)).offset).toBe(20n)
    expect((await query(7, -1n, 1)).offset).toBe(20n)
  })

  it('finds the first record at or after a timestamp, inside a batch', async () => {
    expect(await query(7, BigInt(BASE + 3500))).toMatchObject({ errorCode: KafkaErrorCodes.NONE, offset: 4n, timestamp: BigInt(BASE + 4000), leaderEpoch: 0 })
    expect(await query(7, BigInt(BASE - 1))).toMatchObject({ offset: 0n, timestamp: BigInt(BASE) })
  })

  it('looks inside compressed batches too', async () => {
    expect(await query(7, BigInt(BASE + 20_000 + 5500))).toMatchObject({ offset: 15n, timestamp: BigInt(BASE + 70_000) })
    expect(await query(7, BigInt(BASE + 26_500))).toMatchObject({ offset: 15n })
  })

  it('answers a timestamp after every record with offset -1', async () => {
    expect(await query(7, BigInt(BASE + 100_000))).toMatchObject({ errorCode: KafkaErrorCodes.NONE, offset: -1n, timestamp: -1n })
  })

  it('finds the record with the largest timestamp (-3) from v7, and refuses it before', async () => {
    expect(await query(7, -3n)).toMatchObject({ errorCode: KafkaErrorCodes.NONE, offset: 15n, timestamp: BigInt(BASE + 70_000) })
    expect((await query(6, -3n)).errorCode).toBe(KafkaErrorCodes.UNSUPPORTED_VERSION)
  })

  it('answers v0 with its list of offsets', async () => {
    expect((await query(0, -1n)).oldStyleOffsets).toEqual([20n])
  })

  it('serves every version from 0 to 9', async () => {
    for (let version = 1; version <= 9; version++) expect((await query(version, BigInt(BASE + 3500))).offset, `v${version}`).toBe(4n)
  })
})
