import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, batchPositions, encodeRecordBatch } from '../../../../src/protocol/index.js'
import { type InProcessBroker, startInProcessBroker } from '../../../helpers/in-process-broker.js'

const TOPIC = 'fetched'
let fixture: InProcessBroker
let topicId: string
/** Sizes of the five batches written to partition 0 (10 records each, offsets 0-49). */
const batchSizes: number[] = []

interface PartitionFetch {
  partition: number
  fetchOffset: bigint
  partitionMaxBytes?: number
  currentLeaderEpoch?: number
}

async function fetch(version: number, partitions: PartitionFetch[], options: { maxBytes?: number; minBytes?: number; maxWaitMs?: number; isolationLevel?: number; sessionId?: number; sessionEpoch?: number } = {}) {
  const response = await fixture.client.request(ApiKeys.Fetch, version, {
    replicaId: -1,
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: options.minBytes ?? 0,
    maxBytes: options.maxBytes ?? 10 << 20,
    isolationLevel: options.isolationLevel ?? 0,
    sessionId: options.sessionId ?? 0,
    sessionEpoch: options.sessionEpoch ?? -1,
    topics: [
      {
        topic: TOPIC,
        topicId,
        partitions: partitions.map((p) => ({
          partition: p.partition,
          currentLeaderEpoch: p.currentLeaderEpoch ?? -1,
          fetchOffset: p.fetchOffset,
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: p.partitionMaxBytes ?? 1 << 20,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  })
  return response
}

/** Base offsets of the whole batches in a records field. */
function baseOffsets(records: Buffer | null): bigint[] {
  if (records === null) return []
  return [...batchPositions(records, 0, records.length, true)].map((position) => records.readBigInt64BE(position))
}

beforeAll(async () => {
  fixture = await startInProcessBroker({ 'num.partitions': 2 })
  const metadata = await fixture.client.request(ApiKeys.Metadata, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TOPIC }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false })
  topicId = metadata.topics[0]!.topicId
  for (let i = 0; i < 5; i++) {
    for (const partition of [0, 1]) {
      const records = encodeRecordBatch({ baseTimestamp: Date.now(), records: Array.from({ length: 10 }, (_, r) => ({ value: Buffer.alloc(100, i * 10 + r) })) })
      if (partition === 0) batchSizes.push(records.length)
      const response = await fixture.client.request(ApiKeys.Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }],
      })
      expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
    }
  }
})

afterAll(async () => {
  await fixture?.stop()
})

describe('Fetch', () => {
  it('returns whole batches starting with the one that holds a mid-batch offset', async () => {
    const answer = (await fetch(12, [{ partition: 0, fetchOffset: 25n }])).responses[0]!.partitions[0]!
    expect(answer).toMatchObject({ errorCode: KafkaErrorCodes.NONE, highWatermark: 50n, lastStableOffset: 50n, logStartOffset: 0n })
    expect(baseOffsets(answer.records)).toEqual([20n, 30n, 40n])
  })

  it('stops at partition_max_bytes, but returns the first batch even when it is larger (KIP-74)', async () => {
    const two = (await fetch(12, [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: batchSizes[0]! + batchSizes[1]! }])).responses[0]!.partitions[0]!
    expect(baseOffsets(two.records)).toEqual([0n, 10n])
    const tiny = (await fetch(12, [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 10 }])).responses[0]!.partitions[0]!
    expect(baseOffsets(tiny.records)).toEqual([0n])
  })

  it('shares max_bytes across partitions, the first partition with data getting at least one batch', async () => {
    const response = await fetch(12, [{ partition: 0, fetchOffset: 0n }, { partition: 1, fetchOffset: 0n }], { maxBytes: batchSizes[0]! + 10 })
    const [first, second] = response.responses[0]!.partitions
    expect(baseOffsets(first!.records)).toEqual([0n])
    expect(baseOffsets(second!.records)).toEqual([])
    expect(second!.errorCode).toBe(KafkaErrorCodes.NONE)
  })

  it('answers the log end offset with no records, and beyond it with OFFSET_OUT_OF_RANGE', async () => {
    const [atEnd, beyond] = (await fetch(12, [{ partition: 0, fetchOffset: 50n }, { partition: 1, fetchOffset: 51n }])).responses[0]!.partitions
    expect(atEnd!.errorCode).toBe(KafkaErrorCodes.NONE)
    expect(baseOffsets(atEnd!.records)).toEqual([])
    expect(beyond!.errorCode).toBe(KafkaErrorCodes.OFFSET_OUT_OF_RANGE)
  })

  it('reports the last stable offset and an empty aborted list for read_committed, none for read_uncommitted', async () => {
    const committed = (await fetch(11, [{ partition: 0, fetchOffset: 0n }], { isolationLevel: 1 })).responses[0]!.partitions[0]!
    expect(committed.lastStableOffset).toBe(50n)
    expect(committed.abortedTransactions).toEqual([])
    const uncommitted = (await fetch(11, [{ partition: 0, fetchOffset: 0n }])).responses[0]!.partitions[0]!
    expect(uncommitted.abortedTransactions).toBeNull()
  })

  it('waits up to max_wait_ms for min_bytes, then answers with what there is', async () => {
    const response = await fetch(12, [{ partition: 0, fetchOffset: 50n }], { minBytes: 1, maxWaitMs: 50 })
    expect(response.responses[0]!.partitions[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
    expect(baseOffsets(response.responses[0]!.partitions[0]!.records)).toEqual([])
  })

  it('identifies topics by id from v13 and answers an unknown id with UNKNOWN_TOPIC_ID', async () => {
    const response = await fetch(13, [{ partition: 0, fetchOffset: 40n }])
    expect(response.responses[0]!.topicId).toBe(topicId)
    expect(baseOffsets(response.responses[0]!.partitions[0]!.records)).toEqual([40n])
    topicId = 'AAAAAAAAAAAAAAAAAAAAAQ'
    const unknown = await fetch(16, [{ partition: 0, fetchOffset: 0n }])
    topicId = response.responses[0]!.topicId
    expect(unknown.responses[0]!.partitions[0]!.errorCode).toBe(KafkaErrorCodes.UNKNOWN_TOPIC_ID)
  })

  it('serves every version from 4 to 16 with the same batches', async () => {
    for (let version = 4; version <= 16; version++) {
      const response = await fetch(version, [{ partition: 0, fetchOffset: 35n }])
      expect(response.errorCode, `v${version}`).toBe(KafkaErrorCodes.NONE)
      expect(baseOffsets(response.responses[0]!.partitions[0]!.records), `v${version}`).toEqual([30n, 40n])
      expect(response.sessionId).toBe(0)
    }
  })

  it('answers an incremental request for a session it does not hold with FETCH_SESSION_ID_NOT_FOUND', async () => {
    const response = await fetch(12, [{ partition: 0, fetchOffset: 0n }], { sessionId: 7, sessionEpoch: 1 })
    expect(response.errorCode).toBe(KafkaErrorCodes.FETCH_SESSION_ID_NOT_FOUND)
  })

  it('checks current_leader_epoch', async () => {
    const response = await fetch(12, [{ partition: 0, fetchOffset: 0n, currentLeaderEpoch: 1 }, { partition: 1, fetchOffset: 0n, currentLeaderEpoch: 0 }])
    const [ahead, current] = response.responses[0]!.partitions
    expect(ahead!.errorCode).toBe(KafkaErrorCodes.UNKNOWN_LEADER_EPOCH)
    expect(current!.errorCode).toBe(KafkaErrorCodes.NONE)
  })
})
