/**
 * The transaction coordinator in a three-broker cluster (real etcd, real broker processes): a
 * kafkajs transaction writes to partitions led by all three brokers, so the coordinator writes
 * markers to its own partitions locally and to the others with WriteTxnMarkers; then the broker
 * leading the coordinator's `__transaction_state` partition is killed, the new leader loads the
 * transactional id from the log, and the producer's next transaction goes through it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { ApiKeys, KafkaErrorCodes } from '../../src/protocol/index.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { createReplicatedTopic, partitionState, waitForFullIsr, waitForNewLeader } from '../helpers/partition-state.js'
import { WireClient } from '../helpers/wire-client.js'

const TOPIC = 'cross-broker'
const TXN_TOPIC = '__transaction_state'
const TRANSACTIONAL_ID = 'cross-broker-app'

let cluster: TestCluster
let kafka: Kafka
let producer: Producer | undefined

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    settings: {
      // One partition: the coordinator of every id is its leader, which the test can find.
      'transaction.state.log.num.partitions': 1,
      'broker.session.timeout.ms': 3000,
      'broker.heartbeat.interval.ms': 500,
    },
  })
  // Partition i led by broker i+1, all three replicas everywhere.
  await createReplicatedTopic(cluster, TOPIC, { partitions: 3 })
  kafka = new Kafka({ clientId: 'txn-cluster', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 15, initialRetryTime: 200, maxRetryTime: 2000 } })
}, 180_000)

afterAll(async () => {
  await producer?.disconnect().catch(() => undefined)
  await cluster?.close()
})

async function commitTransaction(p: Producer, prefix: string): Promise<void> {
  const txn = await p.transaction()
  await txn.send({ topic: TOPIC, messages: [0, 1, 2].map((partition) => ({ partition, value: `${prefix}-p${partition}` })) })
  await txn.commit()
}

async function readCommitted(expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `reader-${Date.now()}`, readUncommitted: false })
  const values: string[] = []
  try {
    await consumer.connect()
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`saw only ${values.join(',')} within 60 s`)), 60_000)
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value!.toString())
          if (values.length >= expected) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return values.sort()
}

async function describeOn(nodeId: number) {
  const broker = cluster.broker(nodeId)
  const client = await WireClient.connect(broker.host, broker.port)
  try {
    return (await client.request(ApiKeys.DescribeTransactions, 0, { transactionalIds: [TRANSACTIONAL_ID] })).transactionStates[0]!
  } finally {
    client.close()
  }
}

describe('transactions across a three-broker cluster', { timeout: 180_000 }, () => {
  it('writes markers to partitions led by other brokers than the coordinator', async () => {
    const leaders = await Promise.all([0, 1, 2].map(async (p) => (await partitionState(cluster, TOPIC, p)).leader))
    expect(new Set(leaders).size, 'the data partitions lead on three different brokers').toBe(3)
    producer = kafka.producer({ transactionalId: TRANSACTIONAL_ID, maxInFlightRequests: 1, idempotent: true })
    await producer.connect()
    await commitTransaction(producer, 'one')

    const coordinator = (await partitionState(cluster, TXN_TOPIC)).leader
    expect(leaders.filter((l) => l !== coordinator), 'two partitions lead away from the coordinator').toHaveLength(2)
    await cluster.waitUntil(async () => (await describeOn(coordinator)).transactionState === 'CompleteCommit', 'the transaction completes', 30_000)
    expect(await readCommitted(3)).toEqual(['one-p0', 'one-p1', 'one-p2'])
  })

  it('moves to the new leader of the __transaction_state partition when the coordinator is killed', async () => {
    await waitForFullIsr(cluster, TXN_TOPIC)
    const before = await partitionState(cluster, TXN_TOPIC)
    const described = await describeOn(before.leader)
    await cluster.kill(before.leader)
    const after = await waitForNewLeader(cluster, TXN_TOPIC, before.leader)
    // The new coordinator loaded the id from the log: same producer id and epoch.
    await cluster.waitUntil(async () => (await describeOn(after.leader)).errorCode === KafkaErrorCodes.NONE, 'the new coordinator loads the id', 30_000)
    const loaded = await describeOn(after.leader)
    expect(loaded).toMatchObject({ transactionState: 'CompleteCommit', producerId: described.producerId, producerEpoch: described.producerEpoch })

    // The producer finds the new coordinator (NOT_COORDINATOR from the old address) and commits again.
    await commitTransaction(producer!, 'two')
    await cluster.waitUntil(async () => (await describeOn(after.leader)).transactionState === 'CompleteCommit', 'the second transaction completes', 30_000)
    const values = await readCommitted(6)
    expect(values).toEqual(['one-p0', 'one-p1', 'one-p2', 'two-p0', 'two-p1', 'two-p2'])
  })
})
