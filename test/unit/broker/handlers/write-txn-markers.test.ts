import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, encodeRecordBatch } from '../../../../src/protocol/index.js'
import { decodeTxnMarkerBatch } from '../../../../src/protocol/control-records.js'
import { batchIsControl, batchSize } from '../../../../src/protocol/record-batch.js'
import { type InProcessBroker, startInProcessBroker } from '../../../helpers/in-process-broker.js'

let fixture: InProcessBroker
const TOPIC = 'txn-markers'
const PRODUCER = 4242

/** A transactional batch of `count` records for PRODUCER at `epoch`, sequences from `sequence`. */
async function produceTransactional(epoch: number, sequence: number, count = 2) {
  const records = encodeRecordBatch({
    baseTimestamp: Date.now(),
    producerId: PRODUCER,
    producerEpoch: epoch,
    baseSequence: sequence,
    isTransactional: true,
    records: Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`v${sequence + i}`) })),
  })
  const response = await fixture.client.request(ApiKeys.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] })
  return response.responses[0]!.partitionResponses[0]!
}

async function writeMarker(options: { epoch: number; coordinatorEpoch: number; commit: boolean; topic?: string; partition?: number; version?: number }) {
  const response = await fixture.client.request(ApiKeys.WriteTxnMarkers, options.version ?? 1, {
    markers: [{
      producerId: BigInt(PRODUCER),
      producerEpoch: options.epoch,
      transactionResult: options.commit,
      topics: [{ name: options.topic ?? TOPIC, partitionIndexes: [options.partition ?? 0] }],
      coordinatorEpoch: options.coordinatorEpoch,
    }],
  })
  expect(response.markers[0]!.producerId).toBe(BigInt(PRODUCER))
  return response.markers[0]!.topics[0]!.partitions[0]!
}

/** The batches of the partition's log, control ones decoded. */
function storedMarkers() {
  const log = fixture.broker.context.replicas.partition(TOPIC, 0)!.log
  const bytes = Buffer.concat(log.read(0, 1 << 20).toBuffers())
  const markers = []
  for (let position = 0; position < bytes.length; position += batchSize(bytes, position)) {
    if (batchIsControl(bytes, position)) markers.push({ offset: Number(bytes.readBigInt64BE(position)), ...decodeTxnMarkerBatch(bytes, position) })
  }
  return markers
}

beforeAll(async () => {
  fixture = await startInProcessBroker()
  await fixture.createTopics(TOPIC)
})

afterAll(async () => {
  await fixture?.stop()
})

describe('WriteTxnMarkers', () => {
  it('appends a COMMIT control batch after the transaction\'s records and answers once it is replicated', async () => {
    expect((await produceTransactional(0, 0)).baseOffset).toBe(0n)
    expect(await writeMarker({ epoch: 0, coordinatorEpoch: 3, commit: true, version: 0 })).toEqual({ partitionIndex: 0, errorCode: KafkaErrorCodes.NONE })
    expect(storedMarkers()).toEqual([{ offset: 2, producerId: PRODUCER, producerEpoch: 0, coordinatorEpoch: 3, commit: true }])
    expect(fixture.broker.context.replicas.partition(TOPIC, 0)!.highWatermark).toBe(3)
  })

  it('refuses a marker from an older coordinator epoch with TRANSACTION_COORDINATOR_FENCED, writing nothing', async () => {
    expect(await writeMarker({ epoch: 0, coordinatorEpoch: 2, commit: false })).toMatchObject({ errorCode: KafkaErrorCodes.TRANSACTION_COORDINATOR_FENCED })
    expect(storedMarkers()).toHaveLength(1)
  })

  it('takes an ABORT with a bumped producer epoch and then refuses markers of the older epoch (INVALID_PRODUCER_EPOCH)', async () => {
    await produceTransactional(0, 2)
    expect(await writeMarker({ epoch: 1, coordinatorEpoch: 3, commit: false })).toMatchObject({ errorCode: KafkaErrorCodes.NONE })
    expect(await writeMarker({ epoch: 0, coordinatorEpoch: 3, commit: true })).toMatchObject({ errorCode: KafkaErrorCodes.INVALID_PRODUCER_EPOCH })
    expect(storedMarkers().map((m) => m.commit)).toEqual([true, false])
  })

  it('refuses a marker with a negative producer id or epoch with INVALID_REQUEST, writing nothing', async () => {
    const before = storedMarkers().length
    for (const [producerId, producerEpoch] of [[-1n, 0], [BigInt(PRODUCER), -1], [1n << 60n, 0]] as const) {
      const response = await fixture.client.request(ApiKeys.WriteTxnMarkers, 1, {
        markers: [{ producerId, producerEpoch, transactionResult: true, topics: [{ name: TOPIC, partitionIndexes: [0] }], coordinatorEpoch: 9 }],
      })
      expect(response.markers[0]!.topics[0]!.partitions[0]!.errorCode).toBe(KafkaErrorCodes.INVALID_REQUEST)
    }
    expect(storedMarkers()).toHaveLength(before)
  })

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist', async () => {
    expect(await writeMarker({ epoch: 1, coordinatorEpoch: 3, commit: true, partition: 7 })).toMatchObject({ errorCode: KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION })
    expect(await writeMarker({ epoch: 1, coordinatorEpoch: 3, commit: true, topic: 'no-such-topic' })).toMatchObject({ errorCode: KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION })
  })
})
