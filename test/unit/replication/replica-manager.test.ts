import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, encodeRecordBatch } from '../../../src/protocol/index.js'
import { type InProcessBroker, startInProcessBroker } from '../../helpers/in-process-broker.js'

let fixture: InProcessBroker

beforeAll(async () => {
  fixture = await startInProcessBroker()
  await fixture.createTopics('expiring')
})

afterAll(async () => {
  await fixture?.stop()
})

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  expect(condition()).toBe(true)
}

describe('ReplicaManager', () => {
  it('forgets producers idle for longer than producer.id.expiration.ms, and a forgotten producer may write again', async () => {
    const records = (baseSequence: number): Buffer =>
      encodeRecordBatch({ baseTimestamp: Date.now() - 60_000, producerId: 77n, producerEpoch: 0, baseSequence, records: [{ value: Buffer.from('x') }] })
    const send = async (baseSequence: number) =>
      (await fixture.client.request(ApiKeys.Produce, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: 'expiring', partitionData: [{ index: 0, records: records(baseSequence) }] }],
      })).responses[0]!.partitionResponses[0]!
    expect((await send(0)).errorCode).toBe(KafkaErrorCodes.NONE)
    const partition = fixture.broker.context.replicas.partition('expiring', 0)!
    expect(partition.producers.producerCount).toBe(1)
    // Its batch is a minute old: a 30 s expiration forgets it at the next check.
    fixture.broker.context.replicas.scheduleProducerExpiration(30_000, 20)
    await until(() => partition.producers.producerCount === 0)
    fixture.broker.context.replicas.stopProducerExpiration()
    // With no state left, Kafka accepts any sequence from the producer.
    expect((await send(9)).errorCode).toBe(KafkaErrorCodes.NONE)
  })
})
