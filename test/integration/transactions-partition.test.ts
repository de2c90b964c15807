/**
 * The partition side of transactions on a real broker process, with real read_committed clients:
 * transactional batches and COMMIT/ABORT markers written through the wire protocol (as the
 * transaction coordinator writes them, WriteTxnMarkers), then kcat (librdkafka,
 * isolation.level=read_committed) and a kafkajs group consumer (readUncommitted: false) read the
 * topic. Neither ever shows an aborted record or a record of the open transaction; both see the
 * latter once it commits. A kill -9 with the transaction open and its `.txnindex` deleted: the
 * restart rebuilds the same last stable offset and the same aborted-transaction index; a clean
 * restart keeps them through the producer-state snapshot.
 */
import { readFile, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, encodeRecordBatch } from '../../src/protocol/index.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { readWithKcat } from '../helpers/clients.js'
import { ensureKafkaTools, kafkaTool } from '../helpers/kafka-tools.js'
import { WireClient } from '../helpers/wire-client.js'

const TOPIC = 'txn-visibility'
const READ_UNCOMMITTED = 0
const READ_COMMITTED = 1

let broker: BrokerProcess
let client: WireClient
const sequences = new Map<number, number>()

async function connect(): Promise<void> {
  client = await WireClient.connect(broker.host, broker.port)
}

/** One transactional batch of `producerId` (epoch 0); returns its base offset. */
async function produce(producerId: number, values: string[]): Promise<number> {
  const baseSequence = sequences.get(producerId) ?? 0
  sequences.set(producerId, baseSequence + values.length)
  const records = encodeRecordBatch({
    baseTimestamp: Date.now(),
    producerId,
    producerEpoch: 0,
    baseSequence,
    isTransactional: true,
    records: values.map((value) => ({ value: Buffer.from(value) })),
  })
  const response = await client.request(ApiKeys.Produce, 9, { transactionalId: `txn-${producerId}`, acks: -1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] })
  const partition = response.responses[0]!.partitionResponses[0]!
  expect(partition.errorCode).toBe(KafkaErrorCodes.NONE)
  return Number(partition.baseOffset)
}

async function endTxn(producerId: number, commit: boolean): Promise<void> {
  const response = await client.request(ApiKeys.WriteTxnMarkers, 1, {
    markers: [{ producerId: BigInt(producerId), producerEpoch: 0, transactionResult: commit, topics: [{ name: TOPIC, partitionIndexes: [0] }], coordinatorEpoch: 0 }],
  })
  expect(response.markers[0]!.topics[0]!.partitions[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
}

async function readCommitted() {
  const response = await client.request(ApiKeys.Fetch, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: READ_COMMITTED,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  })
  const partition = response.responses[0]!.partitions[0]!
  return { highWatermark: Number(partition.highWatermark), lastStableOffset: Number(partition.lastStableOffset), aborted: partition.abortedTransactions }
}

async function latest(isolationLevel: number): Promise<number> {
  const response = await client.request(ApiKeys.ListOffsets, 7, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
  })
  return Number(response.topics[0]!.partitions[0]!.offset)
}

async function txnIndexFiles(): Promise<Map<string, Buffer>> {
  const dir = join(broker.dataDir, `${TOPIC}-0`)
  const files = new Map<string, Buffer>()
  for (const name of await readdir(dir)) if (name.endsWith('.txnindex')) files.set(name, await readFile(join(dir, name)))
  return files
}

const committedValues = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5']
let openTxnOffset = -1
let before: Awaited<ReturnType<typeof readCommitted>>

beforeAll(async () => {
  await ensureKafkaTools()
  broker = await startBroker({ settings: { 'num.partitions': 1 } })
  await connect()
  await client.request(ApiKeys.Metadata, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: true })
  // Two transactions commit and two abort, the last two interleaved; a fifth stays open.
  await produce(1001, ['c0', 'c1'])
  await produce(1001, ['c2'])
  await endTxn(1001, true)
  await produce(1002, ['aborted-0', 'aborted-1'])
  await endTxn(1002, false)
  await produce(1003, ['c3'])
  await produce(1004, ['aborted-2'])
  await produce(1003, ['c4'])
  await endTxn(1004, false)
  await produce(1003, ['c5'])
  await endTxn(1003, true)
  openTxnOffset = await produce(1005, ['open-0'])
})

afterAll(async () => {
  client?.close()
  await broker?.stop()
})

describe('transactions on a partition', () => {
  it('bounds read_committed at the open transaction and lists the aborted ones', async () => {
    before = await readCommitted()
    expect(before.lastStableOffset).toBe(openTxnOffset)
    expect(before.highWatermark).toBe(openTxnOffset + 1)
    expect(before.aborted).toEqual([{ producerId: 1002n, firstOffset: 4n }, { producerId: 1004n, firstOffset: 8n }])
    expect(await latest(READ_COMMITTED)).toBe(openTxnOffset)
    expect(await latest(READ_UNCOMMITTED)).toBe(openTxnOffset + 1)
  })

  it('kcat with isolation.level=read_committed reads exactly the committed records, in order', async () => {
    const records = await readWithKcat(broker.bootstrap, TOPIC, ['-X', 'isolation.level=read_committed'])
    expect(records.map((r) => r.value!.toString())).toEqual(committedValues)
  })

  it('rebuilds the same LSO and aborted-transaction index after kill -9 with the transaction open', async () => {
    const indexBefore = await txnIndexFiles()
    expect([...indexBefore.values()].map((bytes) => bytes.length)).toEqual([2 * 34])
    client.close()
    await broker.kill()
    // Lost index files are rebuilt from the log by the producer-state rebuild.
    for (const name of indexBefore.keys()) await rm(join(broker.dataDir, `${TOPIC}-0`, name))
    broker = await broker.restart()
    await connect()
    expect(await readCommitted()).toEqual(before)
    expect(await txnIndexFiles()).toEqual(indexBefore)
  })

  it('keeps the open transaction through a clean restart, which starts from the producer-state snapshot', async () => {
    client.close()
    expect(await broker.stop('SIGTERM')).toBe(0)
    const snapshot = JSON.parse(await readFile(join(broker.dataDir, `${TOPIC}-0`, 'producer-state.snapshot'), 'utf8')) as { producers: Array<{ producerId: number; currentTxnFirstOffset?: number }> }
    expect(snapshot.producers.find((p) => p.producerId === 1005)?.currentTxnFirstOffset).toBe(openTxnOffset)
    broker = await broker.restart()
    await connect()
    expect(await readCommitted()).toEqual(before)
  })

  it('kafka-transactions.sh describe-producers shows the open transaction\'s start offset', async () => {
    const result = await kafkaTool('org.apache.kafka.tools.TransactionsCommand', '--bootstrap-server', broker.bootstrap, 'describe-producers', '--topic', TOPIC, '--partition', '0')
    expect(result.code, result.stderr).toBe(0)
    const rows = result.stdout.trim().split('\n').map((line) => line.trim().split(/\s+/))
    expect(rows[0]).toEqual(['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'])
    const byProducer = new Map(rows.slice(1).map((row) => [row[0], row]))
    expect([...byProducer.keys()].sort()).toEqual(['1001', '1002', '1003', '1004', '1005'])
    expect(byProducer.get('1005')![5]).toBe(String(openTxnOffset))
    expect(byProducer.get('1003')).toMatchObject({ 1: '0', 2: '0', 3: '2', 5: 'None' })
  })

  it('a kafkajs read_committed consumer never shows aborted records and sees the open transaction once it commits', async () => {
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'txn-partition-test', logLevel: logLevel.NOTHING })
    const consumer = kafka.consumer({ groupId: 'txn-partition-readers', readUncommitted: false, sessionTimeout: 10_000, heartbeatInterval: 500 })
    const values: string[] = []
    let notify = (): void => undefined
    const received = (count: number) => new Promise<void>((resolve) => {
      notify = () => { if (values.length >= count) resolve() }
      notify()
    })
    try {
      await consumer.connect()
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value!.toString())
          notify()
        },
      })
      await received(committedValues.length)
      await endTxn(1005, true)
      await received(committedValues.length + 1)
    } finally {
      await consumer.disconnect()
    }
    // Records arrive in offset order, so an aborted one would have come before open-0.
    expect(values).toEqual([...committedValues, 'open-0'])
    const after = await readCommitted()
    expect(after.lastStableOffset).toBe(after.highWatermark)
    const records = await readWithKcat(broker.bootstrap, TOPIC, ['-X', 'isolation.level=read_committed'])
    expect(records.map((r) => r.value!.toString())).toEqual([...committedValues, 'open-0'])
  })
})
