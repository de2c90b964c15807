import { expect, test } from 'vitest'
import { fetchRequest, fetchResponse } from '../../../../src/protocol/messages/fetch.js'
import { Reader } from '../../../../src/protocol/reader.js'
import { randomUuid } from '../../../../src/protocol/uuid.js'
import { flattenChunks } from '../../../../src/protocol/writer.js'

const topicId = randomUuid()

function request(version: number) {
  return fetchRequest.encode(
    {
      maxWaitMs: 500,
      minBytes: 1,
      isolationLevel: 1,
      topics: [{ topic: 'orders', topicId, partitions: [{ partition: 0, fetchOffset: 42n, partitionMaxBytes: 1 << 20 }] }],
      rackId: 'r1',
    },
    version,
  )
}

test('topics are named up to v12 and identified by topic id from v13', () => {
  const v12 = fetchRequest.decode(request(12).toBuffer(), 12)
  expect(v12.topics[0]).toMatchObject({ topic: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })
  const v13 = fetchRequest.decode(request(13).toBuffer(), 13)
  expect(v13.topics[0]).toMatchObject({ topic: '', topicId })
})

test('followers send replica_id up to v14 and the tagged replica_state from v15', () => {
  const follower = { maxWaitMs: 0, minBytes: 0, topics: [], replicaId: 2, replicaState: { replicaId: 2, replicaEpoch: 9n } }
  expect(fetchRequest.decode(fetchRequest.encode(follower, 14).toBuffer(), 14)).toMatchObject({
    replicaId: 2,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
  })
  expect(fetchRequest.decode(fetchRequest.encode(follower, 15).toBuffer(), 15)).toMatchObject({
    replicaId: -1,
    replicaState: { replicaId: 2, replicaEpoch: 9n },
  })
})

test('a consumer fetch of v4-v11 carries isolation level and rack as Kafka lays them out', () => {
  const bytes = request(11).toBuffer()
  const r = new Reader(bytes)
  expect([r.readInt32(), r.readInt32(), r.readInt32(), r.readInt32(), r.readInt8()]).toEqual([-1, 500, 1, 0x7fffffff, 1])
  expect([r.readInt32(), r.readInt32()]).toEqual([0, -1]) // session id and epoch
})

test('a response encodes partitions with tagged fields and records as external chunks', () => {
  const plan = { byteLength: 65536 }
  const output = fetchResponse
    .encode(
      {
        responses: [
          {
            topicId,
            partitions: [
              {
                partitionIndex: 0,
                errorCode: 0,
                highWatermark: 100n,
                lastStableOffset: 100n,
                logStartOffset: 0n,
                currentLeader: { leaderId: 1, leaderEpoch: 4 },
                abortedTransactions: null,
                records: plan,
              },
            ],
          },
        ],
      },
      16,
    )
    .finish()
  expect(output.chunks[1]).toBe(plan)
  const head = output.chunks[0] as Buffer
  const tail = output.chunks[2] as Buffer
  const whole = Buffer.concat([head, Buffer.alloc(65536), tail])
  const decoded = fetchResponse.decode(whole, 16)
  expect(decoded.responses[0]?.partitions[0]).toMatchObject({
    currentLeader: { leaderId: 1, leaderEpoch: 4 },
    divergingEpoch: { epoch: -1, endOffset: -1n },
    abortedTransactions: null,
    preferredReadReplica: -1,
  })
  expect(decoded.responses[0]?.partitions[0]?.records?.length).toBe(65536)
  expect(flattenChunks([head, Buffer.alloc(65536), tail])).toEqual(whole)
})
