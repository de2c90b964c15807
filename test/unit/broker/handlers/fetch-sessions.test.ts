/**
 * Fetch sessions (KIP-227) over the wire, against a real in-process broker: what a session-aware
 * consumer sends and receives, byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, type ResponseOf, decodeResponse, encodeRecordBatch } from '../../../../src/protocol/index.js'
import { type InProcessBroker, startInProcessBroker } from '../../../helpers/in-process-broker.js'
import { WireClient } from '../../../helpers/wire-client.js'

const TOPIC = 'sessions'
const PARTITIONS = 1000
let fixture: InProcessBroker
let topicId: string

interface Fetch {
  sessionId: number
  sessionEpoch: number
  /** Partition → fetch offset. */
  partitions?: Array<[number, bigint]>
  forgotten?: number[]
  minBytes?: number
  maxWaitMs?: number
  isolationLevel?: number
}

/** Sends one Fetch and returns the decoded response with the request's and response's sizes on the wire. */
async function fetch(version: number, fetch: Fetch): Promise<{ response: ResponseOf<typeof ApiKeys.Fetch>; requestBytes: number; responseBytes: number }> {
  const partitions = fetch.partitions ?? []
  const frame = fixture.client.encode(ApiKeys.Fetch, version, {
    replicaId: -1,
    maxWaitMs: fetch.maxWaitMs ?? 0,
    minBytes: fetch.minBytes ?? 0,
    maxBytes: 50 << 20,
    isolationLevel: fetch.isolationLevel ?? 0,
    sessionId: fetch.sessionId,
    sessionEpoch: fetch.sessionEpoch,
    topics: partitions.length === 0 ? [] : [{
      topic: TOPIC,
      topicId,
      partitions: partitions.map(([partition, fetchOffset]) => ({
        partition, currentLeaderEpoch: 0, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20,
      })),
    }],
    forgottenTopicsData: fetch.forgotten === undefined ? [] : [{ topic: TOPIC, topicId, partitions: fetch.forgotten }],
    rackId: '',
  }, 1)
  const answer = await fixture.client.send(frame)
  if (answer === null) throw new Error('the broker closed the connection')
  return { response: decodeResponse(ApiKeys.Fetch, version, answer).body, requestBytes: frame.length, responseBytes: answer.length + 4 }
}

const everyPartition = (offset: (partition: number) => bigint): Array<[number, bigint]> => Array.from({ length: PARTITIONS }, (_, p) => [p, offset(p)])

/** Produces on `client` (another connection when the fetch connection has a request parked). */
async function produce(partition: number, count: number, client = fixture.client): Promise<void> {
  const records = encodeRecordBatch({ baseTimestamp: Date.now(), records: Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`record-${i}`) })) })
  const response = await client.request(ApiKeys.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] })
  expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
}

/** Appends a transactional batch of `producerId` to `partition` (its first, sequence 0). */
async function produceTransactional(partition: number, producerId: number, values: string[]): Promise<void> {
  const records = encodeRecordBatch({ baseTimestamp: Date.now(), producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true, records: values.map((value) => ({ value: Buffer.from(value) })) })
  const response = await fixture.client.request(ApiKeys.Produce, 9, { transactionalId: `txn-${producerId}`, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] })
  expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
}

async function endTxn(partition: number, producerId: number, commit: boolean): Promise<void> {
  const response = await fixture.client.request(ApiKeys.WriteTxnMarkers, 1, {
    markers: [{ producerId: BigInt(producerId), producerEpoch: 0, transactionResult: commit, topics: [{ name: TOPIC, partitionIndexes: [partition] }], coordinatorEpoch: 0 }],
  })
  expect(response.markers[0]!.topics[0]!.partitions[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
}

const returned = (response: ResponseOf<typeof ApiKeys.Fetch>) =>
  response.responses.flatMap((t) => t.partitions.map((p) => ({ partition: p.partitionIndex, highWatermark: p.highWatermark, bytes: p.records?.length ?? 0, errorCode: p.errorCode })))

beforeAll(async () => {
  fixture = await startInProcessBroker({ 'num.partitions': PARTITIONS })
  await fixture.createTopics(TOPIC)
  const metadata = await fixture.client.request(ApiKeys.Metadata, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TOPIC }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })
  topicId = metadata.topics[0]!.topicId
  expect(metadata.topics[0]!.partitions).toHaveLength(PARTITIONS)
}, 120_000)

afterAll(async () => {
  await fixture?.stop()
})

describe('Fetch sessions', () => {
  for (const version of [12, 16]) {
    it(`makes an idle fetch of ${PARTITIONS} partitions a small fraction of a full one (v${version})`, async () => {
      const full = await fetch(version, { sessionId: 0, sessionEpoch: 0, partitions: everyPartition(() => 0n) })
      expect(full.response.errorCode).toBe(KafkaErrorCodes.NONE)
      expect(full.response.sessionId).not.toBe(0)
      expect(returned(full.response)).toHaveLength(PARTITIONS)
      const sessionless = await fetch(version, { sessionId: 0, sessionEpoch: -1, partitions: everyPartition(() => 0n) })
      expect(sessionless.response.sessionId).toBe(0)

      const idle = await fetch(version, { sessionId: full.response.sessionId, sessionEpoch: 1 })
      expect(idle.response.errorCode).toBe(KafkaErrorCodes.NONE)
      expect(idle.response.sessionId).toBe(full.response.sessionId)
      expect(returned(idle.response)).toEqual([])
      // A full request names 1,000 partitions and its answer describes each; the idle
      // incremental pair is headers only.
      expect(idle.requestBytes).toBeLessThan(sessionless.requestBytes / 100)
      expect(idle.responseBytes).toBeLessThan(sessionless.responseBytes / 100)
      await fetch(version, { sessionId: full.response.sessionId, sessionEpoch: -1 })
    })
  }

  it('answers only the partition that got records, then nothing once the consumer moved past them', async () => {
    const { response: full } = await fetch(12, { sessionId: 0, sessionEpoch: 0, partitions: everyPartition(() => 0n) })
    const sessionId = full.sessionId
    const before = returned(full).find((p) => p.partition === 7)!.highWatermark
    await produce(7, 5)
    const { response: news } = await fetch(12, { sessionId, sessionEpoch: 1 })
    expect(returned(news).map(({ partition, highWatermark }) => ({ partition, highWatermark }))).toEqual([{ partition: 7, highWatermark: before + 5n }])
    expect(returned(news)[0]!.bytes).toBeGreaterThan(0)
    // The consumer names the partition again with its new position: nothing is new.
    const { response: caughtUp } = await fetch(12, { sessionId, sessionEpoch: 2, partitions: [[7, before + 5n]] })
    expect(returned(caughtUp)).toEqual([])
    // A forgotten partition is no longer read: new records on it are not sent.
    await fetch(12, { sessionId, sessionEpoch: 3, forgotten: [8] })
    await produce(8, 1)
    const { response: forgotten } = await fetch(12, { sessionId, sessionEpoch: 4 })
    expect(returned(forgotten)).toEqual([])
    await fetch(12, { sessionId, sessionEpoch: -1 })
  })

  it('parks an idle incremental fetch until min_bytes arrive, as a full fetch waits', async () => {
    const { response: full } = await fetch(12, { sessionId: 0, sessionEpoch: 0, partitions: everyPartition(() => 0n).slice(0, 50).map(([p]) => [p, 0n]) })
    const sessionId = full.sessionId
    // Move each partition to its end so that the session is idle.
    const ends = returned(full).map((p): [number, bigint] => [p.partition, p.highWatermark])
    const { response: idle } = await fetch(12, { sessionId, sessionEpoch: 1, partitions: ends })
    expect(returned(idle)).toEqual([])
    const waiting = fetch(12, { sessionId, sessionEpoch: 2, minBytes: 1, maxWaitMs: 60_000 })
    // Responses on one connection leave in order: the producer uses its own.
    const address = fixture.broker.advertisedListeners[0]!
    const producer = await WireClient.connect(address.host, address.port)
    try {
      await produce(42, 3, producer)
    } finally {
      producer.close()
    }
    const { response: woken } = await waiting
    expect(returned(woken).map((p) => p.partition)).toEqual([42])
    await fetch(12, { sessionId, sessionEpoch: -1 })
  })

  it('holds a read_committed session at the last stable offset and sends the partition when the transaction ends', async () => {
    const partition = 500
    await produceTransactional(partition, 9001, ['c1', 'c2'])
    const { response: full } = await fetch(12, { sessionId: 0, sessionEpoch: 0, isolationLevel: 1, partitions: [[partition, 0n], [partition + 1, 0n]] })
    const sessionId = full.sessionId
    const open = full.responses[0]!.partitions.find((p) => p.partitionIndex === partition)!
    expect({ lastStableOffset: open.lastStableOffset, bytes: open.records?.length ?? 0 }).toEqual({ lastStableOffset: 0n, bytes: 0 })
    // Nothing new while the transaction is open: the records above the LSO are not for this consumer.
    expect(returned((await fetch(12, { sessionId, sessionEpoch: 1, isolationLevel: 1 })).response)).toEqual([])
    await endTxn(partition, 9001, true)
    const { response: committed } = await fetch(12, { sessionId, sessionEpoch: 2, isolationLevel: 1 })
    const sent = committed.responses[0]!.partitions
    expect(sent.map((p) => p.partitionIndex)).toEqual([partition])
    // Two records and the commit marker: the LSO and the high watermark are past all three.
    expect({ lastStableOffset: sent[0]!.lastStableOffset, highWatermark: sent[0]!.highWatermark, aborted: sent[0]!.abortedTransactions }).toEqual({ lastStableOffset: 3n, highWatermark: 3n, aborted: [] })
    expect(sent[0]!.records!.length).toBeGreaterThan(0)
    // An aborted transaction comes with its producer in the aborted list.
    await produceTransactional(partition, 9002, ['a1'])
    await endTxn(partition, 9002, false)
    const { response: aborted } = await fetch(12, { sessionId, sessionEpoch: 3, isolationLevel: 1, partitions: [[partition, 3n]] })
    expect(aborted.responses[0]!.partitions.map((p) => [p.partitionIndex, p.abortedTransactions])).toEqual([[partition, [{ producerId: 9002n, firstOffset: 3n }]]])
    await fetch(12, { sessionId, sessionEpoch: -1 })
  })

  it('refuses a wrong epoch, an unknown or closed session, and a topic-id mismatch, changing nothing', async () => {
    const { response: full } = await fetch(13, { sessionId: 0, sessionEpoch: 0, partitions: [[1, 0n]] })
    const sessionId = full.sessionId
    expect((await fetch(13, { sessionId, sessionEpoch: 5 })).response.errorCode).toBe(KafkaErrorCodes.INVALID_FETCH_SESSION_EPOCH)
    expect((await fetch(12, { sessionId, sessionEpoch: 1 })).response.errorCode).toBe(KafkaErrorCodes.FETCH_SESSION_TOPIC_ID_ERROR)
    const accepted = await fetch(13, { sessionId, sessionEpoch: 1 })
    expect(accepted.response.errorCode).toBe(KafkaErrorCodes.NONE)
    const closed = await fetch(13, { sessionId, sessionEpoch: -1, partitions: [[1, 0n]] })
    expect(closed.response.sessionId).toBe(0)
    expect(returned(closed.response)).toHaveLength(1)
    expect((await fetch(13, { sessionId, sessionEpoch: 2 })).response.errorCode).toBe(KafkaErrorCodes.FETCH_SESSION_ID_NOT_FOUND)
  })
})
