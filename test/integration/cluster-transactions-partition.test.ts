/**
 * Transactions across a leader failover in a three-broker cluster (real etcd, real broker
 * processes): followers replicate transactional batches and COMMIT/ABORT markers and build the
 * same producer state and aborted-transaction index as the leader, so after kill -9 of the
 * leader with a transaction open the new leader answers read_committed with the same last
 * stable offset and the same aborted transactions, and the marker the coordinator writes next
 * (to the new leader) completes the open transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, encodeRecordBatch } from '../../src/protocol/index.js'
import { readWithKcat } from '../helpers/clients.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { createReplicatedTopic, waitForFullIsr, waitForNewLeader } from '../helpers/partition-state.js'
import { WireClient } from '../helpers/wire-client.js'

const TOPIC = 'txn-failover'
const SESSION_TIMEOUT_MS = 3000

let cluster: TestCluster
let leader: WireClient | undefined
const sequences = new Map<number, number>()

async function connectTo(nodeId: number): Promise<WireClient> {
  const broker = cluster.broker(nodeId)
  return WireClient.connect(broker.host, broker.port)
}

async function produce(client: WireClient, producerId: number, values: string[]): Promise<number> {
  const baseSequence = sequences.get(producerId) ?? 0
  sequences.set(producerId, baseSequence + values.length)
  const records = encodeRecordBatch({ baseTimestamp: Date.now(), producerId, producerEpoch: 0, baseSequence, isTransactional: true, records: values.map((value) => ({ value: Buffer.from(value) })) })
  const response = await client.request(ApiKeys.Produce, 9, { transactionalId: `txn-${producerId}`, acks: -1, timeoutMs: 15_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] })
  const partition = response.responses[0]!.partitionResponses[0]!
  expect(partition.errorCode).toBe(KafkaErrorCodes.NONE)
  return Number(partition.baseOffset)
}

async function endTxn(client: WireClient, producerId: number, commit: boolean): Promise<number> {
  const response = await client.request(ApiKeys.WriteTxnMarkers, 1, {
    markers: [{ producerId: BigInt(producerId), producerEpoch: 0, transactionResult: commit, topics: [{ name: TOPIC, partitionIndexes: [0] }], coordinatorEpoch: 0 }],
  })
  return response.markers[0]!.topics[0]!.partitions[0]!.errorCode
}

async function readCommitted(client: WireClient) {
  const response = await client.request(ApiKeys.Fetch, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 1,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  })
  const partition = response.responses[0]!.partitions[0]!
  return { errorCode: partition.errorCode, highWatermark: Number(partition.highWatermark), lastStableOffset: Number(partition.lastStableOffset), aborted: partition.abortedTransactions }
}

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    settings: { 'broker.session.timeout.ms': SESSION_TIMEOUT_MS, 'broker.heartbeat.interval.ms': 500, 'replica.lag.time.max.ms': 5000 },
  })
  await createReplicatedTopic(cluster, TOPIC)
}, 120_000)

afterAll(async () => {
  leader?.close()
  await cluster?.close()
})

describe('transactions across a leader failover', { timeout: 120_000 }, () => {
  it('keeps the LSO and the aborted transactions on the new leader, and completes the open transaction with the next marker', async () => {
    const { leader: first } = await waitForFullIsr(cluster, TOPIC)
    leader = await connectTo(first)
    await produce(leader, 2001, ['c0', 'c1'])
    expect(await endTxn(leader, 2001, true)).toBe(KafkaErrorCodes.NONE)
    const aborted = await produce(leader, 2002, ['aborted-0'])
    expect(await endTxn(leader, 2002, false)).toBe(KafkaErrorCodes.NONE)
    const open = await produce(leader, 2003, ['open-0'])
    await produce(leader, 2003, ['open-1'])
    const before = await readCommitted(leader)
    expect(before).toEqual({ errorCode: KafkaErrorCodes.NONE, highWatermark: open + 2, lastStableOffset: open, aborted: [{ producerId: 2002n, firstOffset: BigInt(aborted) }] })
    leader.close()

    await cluster.kill(first)
    const { leader: second } = await waitForNewLeader(cluster, TOPIC, first)
    leader = await connectTo(second)
    // The new leader's high watermark catches up once the remaining follower fetches from it.
    let after = await readCommitted(leader)
    await cluster.waitUntil(async () => {
      after = await readCommitted(leader!)
      return after.errorCode === KafkaErrorCodes.NONE && after.highWatermark === before.highWatermark
    }, 'the new leader to serve up to the old high watermark')
    expect(after).toEqual(before)

    // The coordinator retries a marker until the leader's in-sync replicas have it.
    let markerError = -1
    await cluster.waitUntil(async () => (markerError = await endTxn(leader!, 2003, true)) === KafkaErrorCodes.NONE, `the COMMIT marker to be written (last error ${markerError})`, 60_000)
    const completed = await readCommitted(leader)
    expect(completed.lastStableOffset).toBe(completed.highWatermark)
    expect(completed.aborted).toEqual(before.aborted)
    const records = await readWithKcat(cluster.bootstrap, TOPIC, ['-X', 'isolation.level=read_committed'])
    expect(records.map((r) => r.value!.toString())).toEqual(['c0', 'c1', 'open-0', 'open-1'])
  })
})
