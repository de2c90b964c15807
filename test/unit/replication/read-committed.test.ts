/**
 * The partition side of transactions, through the wire protocol on an in-process broker: the last
 * stable offset holds read_committed consumers (Fetch and ListOffsets) before an open
 * transaction, WriteTxnMarkers moves it and wakes their waiting fetches, and an aborted
 * transaction is listed in AbortedTransactions for the range a read_committed fetch returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, encodeRecordBatch } from '../../../src/protocol/index.js'
import { type InProcessBroker, startInProcessBroker } from '../../helpers/in-process-broker.js'
import { WireClient } from '../../helpers/wire-client.js'

let fixture: InProcessBroker
const TOPIC = 'read-committed'
const READ_UNCOMMITTED = 0
const READ_COMMITTED = 1
const MANY_ABORTS = 'many-aborts'
const sequences = new Map<number, number>()

/** Appends `values` as one transactional batch of `producerId` (epoch 0); returns its base offset. */
async function produce(producerId: number, values: string[], baseTimestamp = Date.now(), topic = TOPIC): Promise<number> {
  const baseSequence = sequences.get(producerId) ?? 0
  sequences.set(producerId, baseSequence + values.length)
  const records = encodeRecordBatch({
    baseTimestamp,
    producerId,
    producerEpoch: 0,
    baseSequence,
    isTransactional: true,
    records: values.map((value) => ({ value: Buffer.from(value) })),
  })
  const response = await fixture.client.request(ApiKeys.Produce, 9, { transactionalId: `txn-${producerId}`, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] })
  const partition = response.responses[0]!.partitionResponses[0]!
  expect(partition.errorCode).toBe(KafkaErrorCodes.NONE)
  return Number(partition.baseOffset)
}

async function endTxn(producerId: number, commit: boolean, topic = TOPIC): Promise<void> {
  const response = await fixture.client.request(ApiKeys.WriteTxnMarkers, 1, {
    markers: [{ producerId: BigInt(producerId), producerEpoch: 0, transactionResult: commit, topics: [{ name: topic, partitionIndexes: [0] }], coordinatorEpoch: 0 }],
  })
  expect(response.markers[0]!.topics[0]!.partitions[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
}

function fetch(isolationLevel: number, fetchOffset = 0, maxWaitMs = 0, client: WireClient = fixture.client, topic = TOPIC, partitionMaxBytes = 1 << 20) {
  return client.request(ApiKeys.Fetch, 12, {
    replicaId: -1,
    maxWaitMs,
    minBytes: maxWaitMs > 0 ? 1 : 0,
    maxBytes: 1 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: BigInt(fetchOffset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes }] }],
    forgottenTopicsData: [],
    rackId: '',
  }).then((response) => response.responses[0]!.partitions[0]!)
}

async function latest(isolationLevel: number, timestamp = -1n): Promise<number> {
  const response = await fixture.client.request(ApiKeys.ListOffsets, 7, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
  })
  return Number(response.topics[0]!.partitions[0]!.offset)
}

beforeAll(async () => {
  fixture = await startInProcessBroker()
  await fixture.createTopics(TOPIC, MANY_ABORTS)
})

afterAll(async () => {
  await fixture?.stop()
})

describe('read_committed', () => {
  it('stops at the first offset of an open transaction while read_uncommitted reads to the high watermark', async () => {
    const first = await produce(1, ['c0', 'c1', 'c2'])
    expect(first).toBe(0)
    const committed = await fetch(READ_COMMITTED)
    expect(committed).toMatchObject({ errorCode: KafkaErrorCodes.NONE, highWatermark: 3n, lastStableOffset: 0n, abortedTransactions: [] })
    expect(committed.records?.length ?? 0).toBe(0)
    expect((await fetch(READ_UNCOMMITTED)).records!.length).toBeGreaterThan(0)
    expect(await latest(READ_COMMITTED)).toBe(0)
    expect(await latest(READ_UNCOMMITTED)).toBe(3)
  })

  it('wakes a read_committed fetch waiting at the LSO as soon as the COMMIT marker is replicated', async () => {
    // Its own connection: a connection's requests are answered in order, the marker's would wait.
    const address = fixture.broker.advertisedListeners[0]!
    const consumer = await WireClient.connect(address.host, address.port)
    const waiting = fetch(READ_COMMITTED, 0, 60_000, consumer).finally(() => consumer.close())
    const purgatory = fixture.broker.context.replicas.purgatories.fetches
    while (purgatory.size === 0) await new Promise((resolve) => setImmediate(resolve))
    // Records of another producer become committed, but the open transaction still hides them.
    const plain = encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ value: Buffer.from('plain') }] })
    await fixture.client.request(ApiKeys.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: plain }] }] })
    expect(purgatory.size).toBe(1)
    await endTxn(1, true)
    // Answered by the marker, not by max wait: nothing is left waiting once WriteTxnMarkers answered.
    expect(purgatory.size).toBe(0)
    const answer = await waiting
    expect(answer).toMatchObject({ highWatermark: 5n, lastStableOffset: 5n, abortedTransactions: [] })
    expect(answer.records!.readBigInt64BE(0)).toBe(0n)
    expect(await latest(READ_COMMITTED)).toBe(5)
  })

  it('lists an aborted transaction that overlaps the range read, with its producer and first offset', async () => {
    const aborted = await produce(2, ['a0', 'a1'])
    const interleaved = await produce(1, ['c3'])
    expect((await fetch(READ_COMMITTED, 5)).lastStableOffset).toBe(BigInt(aborted))
    await endTxn(2, false)
    // Producer 1's transaction, begun after, still holds the LSO.
    expect((await fetch(READ_COMMITTED, 5)).lastStableOffset).toBe(BigInt(interleaved))
    await endTxn(1, true)
    const answer = await fetch(READ_COMMITTED, 5)
    expect(answer.lastStableOffset).toBe(answer.highWatermark)
    expect(answer.abortedTransactions).toEqual([{ producerId: 2n, firstOffset: BigInt(aborted) }])
    // From past the abort marker nothing aborted is left to report.
    expect((await fetch(READ_COMMITTED, Number(answer.highWatermark) - 1)).abortedTransactions).toEqual([])
    // read_uncommitted responses carry no list at all.
    expect((await fetch(READ_UNCOMMITTED, 5)).abortedTransactions).toBeNull()
  })

  it('keeps the aborted transaction in the segment\'s .txnindex, which outlives the producer state', async () => {
    const partition = fixture.broker.context.replicas.partition(TOPIC, 0)!
    expect(partition.log.collectAbortedTxns(0, partition.highWatermark)).toEqual([
      { producerId: 2, firstOffset: 5, lastOffset: 8, lastStableOffset: 7 },
    ])
  })
})

describe('DescribeProducers', () => {
  it('shows each producer\'s epoch, last sequence, coordinator epoch and the start of its open transaction', async () => {
    const opened = await produce(3, ['o0', 'o1'])
    const response = await fixture.client.request(ApiKeys.DescribeProducers, 0, { topics: [{ name: TOPIC, partitionIndexes: [0, 9] }] })
    const [described, missing] = response.topics[0]!.partitions
    expect(missing).toMatchObject({ partitionIndex: 9, errorCode: KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, activeProducers: [] })
    expect(described!.errorCode).toBe(KafkaErrorCodes.NONE)
    const byId = new Map(described!.activeProducers.map((p) => [Number(p.producerId), p]))
    expect(byId.get(1)).toMatchObject({ producerEpoch: 0, lastSequence: 3, coordinatorEpoch: 0, currentTxnStartOffset: -1n })
    expect(byId.get(2)).toMatchObject({ producerEpoch: 0, lastSequence: 1, coordinatorEpoch: 0, currentTxnStartOffset: -1n })
    expect(byId.get(3)).toMatchObject({ producerEpoch: 0, lastSequence: 1, coordinatorEpoch: -1, currentTxnStartOffset: BigInt(opened) })
    expect(byId.get(3)!.lastTimestamp).toBeGreaterThan(0n)
  })
})

describe('ListOffsets by timestamp', () => {
  it('answers read_committed only with offsets below the LSO', async () => {
    const later = Date.now() + 60_000
    const offset = await produce(4, ['future'], later)
    expect(await latest(READ_UNCOMMITTED, BigInt(later - 1))).toBe(offset)
    expect(await latest(READ_COMMITTED, BigInt(later - 1))).toBe(-1)
  })
})

describe('a read_committed answer far behind many aborted transactions', () => {
  it('lists only the aborted transactions that begin within the records it returns', async () => {
    for (let i = 0; i < 40; i++) {
      await produce(100 + i, [`aborted-${i}`], Date.now(), MANY_ABORTS)
      await endTxn(100 + i, false, MANY_ABORTS)
    }
    const everything = await fetch(READ_COMMITTED, 0, 0, fixture.client, MANY_ABORTS)
    expect(everything.abortedTransactions!.map((t) => Number(t.producerId))).toEqual(Array.from({ length: 40 }, (_, i) => 100 + i))
    // One byte of room: the first batch only (KIP-74), which holds producer 100's record alone.
    const first = await fetch(READ_COMMITTED, 0, 0, fixture.client, MANY_ABORTS, 1)
    expect(first.abortedTransactions).toEqual([{ producerId: 100n, firstOffset: 0n }])
  })
})
