import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, encodeRecordBatch } from '../../../../src/protocol/index.js'
import { type InProcessBroker, startInProcessBroker } from '../../../helpers/in-process-broker.js'

let fixture: InProcessBroker

/** Five batches of two records: offsets 0-9. */
async function fill(topic: string): Promise<void> {
  await fixture.createTopics(topic)
  for (let i = 0; i < 5; i++) {
    const records = encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ value: Buffer.from(`a${i}`) }, { value: Buffer.from(`b${i}`) }] })
    await fixture.client.request(ApiKeys.Produce, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    })
  }
}

async function deleteBefore(topic: string, offset: bigint, version = 2, partitionIndex = 0) {
  const response = await fixture.client.request(ApiKeys.DeleteRecords, version, { topics: [{ name: topic, partitions: [{ partitionIndex, offset }] }], timeoutMs: 1000 })
  return response.topics[0]!.partitions[0]!
}

async function earliest(topic: string): Promise<bigint> {
  const response = await fixture.client.request(ApiKeys.ListOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n }] }],
  })
  return response.topics[0]!.partitions[0]!.offset
}

async function fetchFrom(topic: string, fetchOffset: bigint) {
  const response = await fixture.client.request(ApiKeys.Fetch, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  })
  return response.responses[0]!.partitions[0]!
}

beforeAll(async () => {
  fixture = await startInProcessBroker()
})

afterAll(async () => {
  await fixture?.stop()
})

describe('DeleteRecords', () => {
  it('moves the log start offset: reads below it are out of range, reads from it start there', async () => {
    await fill('trim')
    expect(await deleteBefore('trim', 4n)).toMatchObject({ errorCode: KafkaErrorCodes.NONE, lowWatermark: 4n })
    expect(await earliest('trim')).toBe(4n)
    expect((await fetchFrom('trim', 2n)).errorCode).toBe(KafkaErrorCodes.OFFSET_OUT_OF_RANGE)
    const from = await fetchFrom('trim', 4n)
    expect(from).toMatchObject({ errorCode: KafkaErrorCodes.NONE, logStartOffset: 4n })
    expect(from.records!.readBigInt64BE(0)).toBe(4n)
  })

  it('leaves the start where it is for an offset below it', async () => {
    expect(await deleteBefore('trim', 1n)).toMatchObject({ errorCode: KafkaErrorCodes.NONE, lowWatermark: 4n })
  })

  it('takes -1 as the high watermark', async () => {
    expect(await deleteBefore('trim', -1n)).toMatchObject({ errorCode: KafkaErrorCodes.NONE, lowWatermark: 10n })
    expect(await earliest('trim')).toBe(10n)
  })

  it('answers offsets beyond the high watermark or negative with OFFSET_OUT_OF_RANGE', async () => {
    await fill('bounds')
    expect((await deleteBefore('bounds', 11n)).errorCode).toBe(KafkaErrorCodes.OFFSET_OUT_OF_RANGE)
    expect((await deleteBefore('bounds', -2n)).errorCode).toBe(KafkaErrorCodes.OFFSET_OUT_OF_RANGE)
    expect(await earliest('bounds')).toBe(0n)
  })

  it('answers an unknown topic or partition with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    expect((await deleteBefore('missing', 1n)).errorCode).toBe(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
    expect((await deleteBefore('bounds', 1n, 2, 3)).errorCode).toBe(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('refuses a compacted topic with POLICY_VIOLATION', async () => {
    await fill('compacted')
    const partition = fixture.broker.context.replicas.partition('compacted', 0)!
    partition.config = { ...partition.config, 'cleanup.policy': ['compact'] }
    expect((await deleteBefore('compacted', 2n)).errorCode).toBe(KafkaErrorCodes.POLICY_VIOLATION)
    expect(await earliest('compacted')).toBe(0n)
  })

  it('serves versions 0 to 2', async () => {
    await fill('versions')
    for (const [version, offset] of [[0, 2n], [1, 4n], [2, 6n]] as const) {
      expect(await deleteBefore('versions', offset, version)).toMatchObject({ errorCode: KafkaErrorCodes.NONE, lowWatermark: offset })
    }
  })
})
