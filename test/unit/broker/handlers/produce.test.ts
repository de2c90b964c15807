import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, TimestampTypes, type RecordBatchInput, encodeRecordBatch } from '../../../../src/protocol/index.js'
import { type InProcessBroker, startInProcessBroker } from '../../../helpers/in-process-broker.js'

let fixture: InProcessBroker

function batch(overrides: Partial<RecordBatchInput> = {}): Buffer {
  return encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ value: Buffer.from('a') }, { value: Buffer.from('b') }], ...overrides })
}

async function produce(topic: string, records: Buffer, options: { acks?: number; version?: number; transactionalId?: string | null } = {}) {
  const response = await fixture.client.request(ApiKeys.Produce, options.version ?? 9, {
    transactionalId: options.transactionalId ?? null,
    acks: options.acks ?? -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  })
  return response.responses[0]!.partitionResponses[0]!
}

beforeAll(async () => {
  fixture = await startInProcessBroker({ 'log.message.timestamp.before.max.ms': 3_600_000 })
  await fixture.createTopics('plain', 'strict', 'appendtime', 'versions')
  const strict = fixture.broker.context.replicas.partition('strict', 0)!
  strict.config = { ...strict.config, 'min.insync.replicas': 2 }
  const appendTime = fixture.broker.context.replicas.partition('appendtime', 0)!
  appendTime.config = { ...appendTime.config, 'message.timestamp.type': 'LogAppendTime' }
  appendTime.log.updateConfig({ ...appendTime.log.config, 'message.timestamp.type': 'LogAppendTime' })
})

afterAll(async () => {
  await fixture?.stop()
})

describe('Produce', () => {
  it('answers with the base offset and the log start offset', async () => {
    expect(await produce('plain', batch())).toMatchObject({ errorCode: KafkaErrorCodes.NONE, baseOffset: 0n, logStartOffset: 0n, logAppendTimeMs: -1n })
    expect(await produce('plain', batch())).toMatchObject({ errorCode: KafkaErrorCodes.NONE, baseOffset: 2n })
  })

  it('refuses acks=-1 with NOT_ENOUGH_REPLICAS when min.insync.replicas exceeds the one replica, and takes acks=1', async () => {
    expect(await produce('strict', batch(), { acks: -1 })).toMatchObject({ errorCode: KafkaErrorCodes.NOT_ENOUGH_REPLICAS, baseOffset: -1n })
    expect(await produce('strict', batch(), { acks: 1 })).toMatchObject({ errorCode: KafkaErrorCodes.NONE, baseOffset: 0n })
  })

  it('refuses a record timestamp older than message.timestamp.before.max.ms with INVALID_TIMESTAMP', async () => {
    expect((await produce('plain', batch({ baseTimestamp: Date.now() - 7_200_000 }))).errorCode).toBe(KafkaErrorCodes.INVALID_TIMESTAMP)
  })

  it('stamps LogAppendTime topics with the broker time and says so in the answer', async () => {
    const before = BigInt(Date.now())
    const answer = await produce('appendtime', batch({ baseTimestamp: 1_000 }))
    expect(answer.errorCode).toBe(KafkaErrorCodes.NONE)
    expect(answer.logAppendTimeMs >= before).toBe(true)
    const fetched = await fixture.client.request(ApiKeys.Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 'appendtime', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    })
    const stored = fetched.responses[0]!.partitions[0]!.records!
    expect(stored.readInt16BE(21) & 0x08).toBe(TimestampTypes.LOG_APPEND_TIME << 3)
    expect(stored.readBigInt64BE(35)).toBe(answer.logAppendTimeMs)
  })

  it('takes a transactional producer\'s batches under the idempotence rules, and still refuses control batches from it', async () => {
    const transactional = { producerId: 77, producerEpoch: 0, isTransactional: true }
    const first = await produce('plain', batch({ ...transactional, baseSequence: 0 }), { transactionalId: 'txn-1' })
    expect(first.errorCode).toBe(KafkaErrorCodes.NONE)
    expect((await produce('plain', batch({ ...transactional, baseSequence: 0 }), { transactionalId: 'txn-1' })).baseOffset).toBe(first.baseOffset)
    expect((await produce('plain', batch({ ...transactional, baseSequence: 5 }), { transactionalId: 'txn-1' })).errorCode).toBe(KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER)
    expect((await produce('plain', batch({ ...transactional, baseSequence: 2, isControl: true }), { transactionalId: 'txn-1' })).errorCode).toBe(KafkaErrorCodes.INVALID_RECORD)
  })

  it('refuses writes to internal topics with INVALID_TOPIC_EXCEPTION', async () => {
    // The group coordinator creates it at start once it exists; until then, create it here.
    if (fixture.broker.context.metadata.topic('__consumer_offsets') === undefined) {
      await fixture.broker.context.topics.createTopic('__consumer_offsets', { partitions: 1, replicationFactor: 1 })
    }
    expect((await produce('__consumer_offsets', batch())).errorCode).toBe(KafkaErrorCodes.INVALID_TOPIC_EXCEPTION)
  })

  it('serves every version from 3 to 11', async () => {
    let expected = 0n
    for (let version = 3; version <= 11; version++) {
      expect(await produce('versions', batch(), { version }), `v${version}`).toMatchObject({ errorCode: KafkaErrorCodes.NONE, baseOffset: expected })
      expected += 2n
    }
  })
})

describe('InitProducerId', () => {
  it('serves every version from 0 to 5 with a fresh producer id and epoch 0', async () => {
    const ids = new Set<bigint>()
    for (let version = 0; version <= 5; version++) {
      const answer = await fixture.client.request(ApiKeys.InitProducerId, version, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })
      expect(answer, `v${version}`).toMatchObject({ errorCode: KafkaErrorCodes.NONE, producerEpoch: 0 })
      ids.add(answer.producerId)
    }
    expect(ids.size).toBe(6)
  })

  it('sends a transactional id to its coordinator: NOT_COORDINATOR before FindCoordinator has made __transaction_state', async () => {
    const answer = await fixture.client.request(ApiKeys.InitProducerId, 4, { transactionalId: 'txn-1', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })
    expect(answer.errorCode).toBe(KafkaErrorCodes.NOT_COORDINATOR)
    expect(answer.producerId).toBe(-1n)
  })
})
