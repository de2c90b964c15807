import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, encodeRecordBatch } from '../../../../src/protocol/index.js'
import { type InProcessBroker, startInProcessBroker } from '../../../helpers/in-process-broker.js'

const TOPIC = 'epochs'
let fixture: InProcessBroker

async function produce(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const records = encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ value: Buffer.from(`r${i}`) }, { value: Buffer.from(`s${i}`) }] })
    const response = await fixture.client.request(ApiKeys.Produce, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
    })
    expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
  }
}

async function query(version: number, leaderEpoch: number, currentLeaderEpoch = -1, topic = TOPIC, partition = 0) {
  const response = await fixture.client.request(ApiKeys.OffsetForLeaderEpoch, version, {
    replicaId: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch, leaderEpoch }] }],
  })
  return response.topics[0]!.partitions[0]!
}

beforeAll(async () => {
  fixture = await startInProcessBroker()
  await fixture.createTopics(TOPIC)
  // Epoch 0: offsets 0-5; the partition then becomes leader in epoch 3: offsets 6-9.
  await produce(3)
  const partition = fixture.broker.context.replicas.partition(TOPIC, 0)!
  partition.makeLeader({ ...partition.state, leaderEpoch: 3 })
  await produce(2)
})

afterAll(async () => {
  await fixture?.stop()
})

describe('OffsetForLeaderEpoch', () => {
  it('answers the current epoch with the log end offset', async () => {
    expect(await query(4, 3)).toMatchObject({ errorCode: KafkaErrorCodes.NONE, leaderEpoch: 3, endOffset: 10n })
  })

  it('answers an older epoch with where the next known epoch starts', async () => {
    expect(await query(4, 0)).toMatchObject({ errorCode: KafkaErrorCodes.NONE, leaderEpoch: 0, endOffset: 6n })
  })

  it('answers an epoch between known ones with the largest epoch below it and where it ends', async () => {
    expect(await query(4, 2)).toMatchObject({ errorCode: KafkaErrorCodes.NONE, leaderEpoch: 0, endOffset: 6n })
  })

  it('answers an epoch newer than the leader\'s, or -1, with -1 and no error', async () => {
    expect(await query(4, 4)).toMatchObject({ errorCode: KafkaErrorCodes.NONE, leaderEpoch: -1, endOffset: -1n })
    expect(await query(4, -1)).toMatchObject({ errorCode: KafkaErrorCodes.NONE, leaderEpoch: -1, endOffset: -1n })
  })

  it('fences an older current_leader_epoch and does not know a newer one', async () => {
    expect((await query(4, 0, 2)).errorCode).toBe(KafkaErrorCodes.FENCED_LEADER_EPOCH)
    expect((await query(4, 0, 5)).errorCode).toBe(KafkaErrorCodes.UNKNOWN_LEADER_EPOCH)
    expect((await query(4, 0, 3)).errorCode).toBe(KafkaErrorCodes.NONE)
  })

  it('answers an unknown topic or partition with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    expect((await query(4, 0, -1, 'missing')).errorCode).toBe(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
    expect((await query(4, 0, -1, TOPIC, 5)).errorCode).toBe(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('serves every version from 0 to 4', async () => {
    for (const version of [0, 1, 2, 3, 4]) {
      const answer = await query(version, 0)
      expect(answer.errorCode).toBe(KafkaErrorCodes.NONE)
      expect(answer.endOffset).toBe(6n)
      // leader_epoch is in the response from v1.
      expect(answer.leaderEpoch).toBe(version >= 1 ? 0 : -1)
    }
  })
})
