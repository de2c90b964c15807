/**
 * The transaction coordinator against a real broker process and real clients: kafkajs
 * transactions commit and abort (a read_committed consumer sees exactly the committed records), a
 * second producer with the same transactional.id fences the first, a transaction left open past
 * its timeout is aborted by the coordinator (and its producer fenced), a broker killed with a
 * transaction in PrepareCommit completes it after restart, and kafka-transactions.sh lists and
 * describes what the coordinator holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { ApiKeys, KafkaErrorCodes, encodeRecordBatch } from '../../src/protocol/index.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { KafkaTools, ensureKafkaTools, kafkaTool } from '../helpers/kafka-tools.js'
import { WireClient } from '../helpers/wire-client.js'

let broker: BrokerProcess
let kafka: Kafka
const producers: Producer[] = []
const clients: WireClient[] = []

beforeAll(async () => {
  broker = await startBroker({
    settings: {
      'transaction.state.log.num.partitions': 5,
      // Timed-out transactions are looked for every 200 ms rather than every 10 s.
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200,
    },
  })
  kafka = new Kafka({ clientId: 'txn-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({
    topics: [
      { topic: 'orders', numPartitions: 2 },
      { topic: 'fenced', numPartitions: 1 },
      { topic: 'slow', numPartitions: 1 },
      // Markers need min.insync.replicas in-sync replicas; a lone broker has one, so markers to
      // this topic wait until the setting is lowered (data written with acks=1 is taken).
      { topic: 'stuck', numPartitions: 1, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
    ],
  })
  await admin.disconnect()
}, 120_000)

afterAll(async () => {
  for (const p of producers) await p.disconnect().catch(() => undefined)
  for (const c of clients) c.close()
  await broker?.stop()
})

function transactionalProducer(transactionalId: string, transactionTimeout = 60_000): Producer {
  const producer = kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true, transactionTimeout })
  producers.push(producer)
  return producer
}

/** Every value a read_committed consumer reads from the beginning of `topic` until `last` arrives. */
/**
 * What a read_committed group consumer reads from the start of `topic` until it has seen every
 * value in `awaited`. Records of several partitions arrive in no set order between partitions,
 * so waiting for one value alone could stop before another partition's records came.
 */
async function readCommitted(topic: string, awaited: readonly string[]): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}`, readUncommitted: false })
  const values: string[] = []
  try {
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const missing = new Set(awaited)
      const timer = setTimeout(() => reject(new Error(`read_committed consumer did not see ${[...missing].join(',')} within 60 s; saw ${values.join(',')}`)), 60_000)
      void consumer.run({
        eachMessage: async ({ message }) => {
          const value = message.value!.toString()
          values.push(value)
          missing.delete(value)
          if (missing.size === 0) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return values
}

async function wire(): Promise<WireClient> {
  const client = await WireClient.connect(broker.host, broker.port)
  clients.push(client)
  return client
}

async function describeTransaction(client: WireClient, transactionalId: string) {
  const response = await client.request(ApiKeys.DescribeTransactions, 0, { transactionalIds: [transactionalId] })
  return response.transactionStates[0]!
}

async function waitFor<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let value = await probe()
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v))} after ${timeoutMs} ms\n${broker.output().slice(-3000)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    value = await probe()
  }
  return value
}

describe('transactions with kafkajs', () => {
  it('shows a read_committed consumer the committed transactions and never the aborted one', async () => {
    const producer = transactionalProducer('orders-app')
    await producer.connect()
    const send = async (prefix: string, commit: boolean): Promise<void> => {
      const txn = await producer.transaction()
      await txn.send({ topic: 'orders', messages: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `${prefix}-${i}` })) })
      if (commit) await txn.commit()
      else await txn.abort()
    }
    await send('first', true)
    await send('aborted', false)
    await send('second', true)

    const committed = ['first', 'second'].flatMap((p) => Array.from({ length: 5 }, (_, i) => `${p}-${i}`))
    const values = await readCommitted('orders', committed)
    // Each key's partition holds first, then aborted, then second: having seen every second-*,
    // the consumer has read past the aborted records of every partition they were in.
    expect(values.filter((v) => v.startsWith('aborted'))).toEqual([])
    expect(values.sort()).toEqual(committed.sort())

    const client = await wire()
    const described = await waitFor('orders-app completes', () => describeTransaction(client, 'orders-app'), (d) => d.transactionState === 'CompleteCommit')
    expect(described).toMatchObject({ errorCode: KafkaErrorCodes.NONE, producerEpoch: 0, topics: [] })
  })

  it('fences the first producer when a second starts with the same transactional.id: the first never writes again', async () => {
    const first = transactionalProducer('fenced-app')
    await first.connect()
    const zombie = await first.transaction()
    await zombie.send({ topic: 'fenced', messages: [{ value: 'zombie-0' }] })

    // The second instance's InitProducerId (kafkajs sends it when the first transaction begins)
    // aborts the first's open transaction and bumps the epoch.
    const second = transactionalProducer('fenced-app')
    await second.connect()
    const txn = await second.transaction()
    const error = await zombie.commit().then(
      () => null,
      (e: { type?: string; message: string }) => e,
    )
    expect(error?.type ?? error?.message, 'the fenced producer is told why').toMatch(/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/)
    const retry = await first.transaction().then(
      async (txn) => {
        await txn.send({ topic: 'fenced', messages: [{ value: 'zombie-1' }] })
        await txn.commit()
        return null
      },
      (e: Error) => e,
    ).catch((e: Error) => e)
    expect(retry, 'a fenced producer cannot write again').toBeInstanceOf(Error)

    await txn.send({ topic: 'fenced', messages: [{ value: 'second-0' }] })
    await txn.commit()
    const values = await readCommitted('fenced', ['second-0'])
    expect(values).toEqual(['second-0'])

    const described = await describeTransaction(await wire(), 'fenced-app')
    expect(described.producerEpoch, 'the second instance holds a newer epoch than the fence').toBeGreaterThanOrEqual(2)
  })

  it('aborts a transaction left open past its timeout and fences the producer that left it', async () => {
    // Long enough to see it Ongoing first on a busy machine, short enough to wait for.
    const producer = transactionalProducer('slow-app', 4000)
    await producer.connect()
    const txn = await producer.transaction()
    await txn.send({ topic: 'slow', messages: [{ value: 'abandoned' }] })
    const client = await wire()
    const before = await describeTransaction(client, 'slow-app')
    expect(before.transactionState).toBe('Ongoing')
    expect(before.transactionTimeoutMs).toBe(4000)

    const aborted = await waitFor('the coordinator aborts slow-app', () => describeTransaction(client, 'slow-app'), (d) => d.transactionState === 'CompleteAbort')
    expect(aborted.producerEpoch, 'the abort bumped the epoch').toBe(before.producerEpoch + 1)
    await expect(txn.commit()).rejects.toThrow()
    expect(broker.output()).toContain('aborting a transaction open longer than its timeout')
  })

  it('rejects a transaction timeout over transaction.max.timeout.ms with INVALID_TRANSACTION_TIMEOUT, and an empty id with INVALID_REQUEST', async () => {
    const client = await wire()
    const tooLong = await client.request(ApiKeys.InitProducerId, 4, { transactionalId: 'too-long', transactionTimeoutMs: 900_001, producerId: -1n, producerEpoch: -1 })
    expect(tooLong.errorCode).toBe(KafkaErrorCodes.INVALID_TRANSACTION_TIMEOUT)
    const empty = await client.request(ApiKeys.FindCoordinator, 3, { key: '', keyType: 1 })
    expect(empty.errorCode).toBe(KafkaErrorCodes.INVALID_REQUEST)
    const unknown = await describeTransaction(client, 'never-used')
    expect(unknown.errorCode).toBe(KafkaErrorCodes.TRANSACTIONAL_ID_NOT_FOUND)
  })

  it('kafka-transactions.sh lists and describes the transactional ids', async () => {
    await ensureKafkaTools()
    const list = await kafkaTool(KafkaTools.transactions, '--bootstrap-server', broker.bootstrap, 'list')
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout).toMatch(/orders-app\s+\d+\s+\d+\s+CompleteCommit/)
    expect(list.stdout).toMatch(/slow-app\s+\d+\s+\d+\s+CompleteAbort/)
    const describe = await kafkaTool(KafkaTools.transactions, '--bootstrap-server', broker.bootstrap, 'describe', '--transactional-id', 'orders-app')
    expect(describe.code, describe.stderr).toBe(0)
    expect(describe.stdout).toContain('CompleteCommit')
  }, 120_000)
})

describe('a coordinator killed with a transaction in PrepareCommit', () => {
  it('reloads it after restart and writes its markers: the data becomes visible', async () => {
    const transactionalId = 'crash-app'
    let client = await wire()
    const found = await client.request(ApiKeys.FindCoordinator, 3, { key: transactionalId, keyType: 1 })
    expect(found.errorCode).toBe(KafkaErrorCodes.NONE)
    const init = await client.request(ApiKeys.InitProducerId, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })
    expect(init.errorCode).toBe(KafkaErrorCodes.NONE)
    const added = await client.request(ApiKeys.AddPartitionsToTxn, 3, {
      v3AndBelowTransactionalId: transactionalId,
      v3AndBelowProducerId: init.producerId,
      v3AndBelowProducerEpoch: init.producerEpoch,
      v3AndBelowTopics: [{ name: 'stuck', partitions: [0] }],
    })
    expect(added.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(KafkaErrorCodes.NONE)
    const records = encodeRecordBatch({
      baseTimestamp: Date.now(),
      producerId: init.producerId,
      producerEpoch: init.producerEpoch,
      baseSequence: 0,
      isTransactional: true,
      records: Array.from({ length: 3 }, (_, i) => ({ value: Buffer.from(`survivor-${i}`) })),
    })
    const produced = await client.request(ApiKeys.Produce, 9, { transactionalId, acks: 1, timeoutMs: 5000, topicData: [{ name: 'stuck', partitionData: [{ index: 0, records }] }] })
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
    const ended = await client.request(ApiKeys.EndTxn, 3, { transactionalId, producerId: init.producerId, producerEpoch: init.producerEpoch, committed: true })
    expect(ended.errorCode, 'EndTxn answers once PrepareCommit is durable').toBe(KafkaErrorCodes.NONE)
    const preparing = await describeTransaction(client, transactionalId)
    expect(preparing.transactionState, 'the marker to "stuck" waits for a second in-sync replica').toBe('PrepareCommit')
    expect(preparing.topics).toEqual([{ topic: 'stuck', partitions: [0] }])
    const concurrent = await client.request(ApiKeys.InitProducerId, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })
    expect(concurrent.errorCode, 'a new instance waits for the commit to complete').toBe(KafkaErrorCodes.CONCURRENT_TRANSACTIONS)

    await broker.kill()
    broker = await broker.restart()
    client = await wire()
    const reloaded = await waitFor('the coordinator reloads crash-app', () => describeTransaction(client, transactionalId), (d) => d.errorCode === KafkaErrorCodes.NONE)
    expect(reloaded.transactionState).toBe('PrepareCommit')

    const altered = await client.request(ApiKeys.IncrementalAlterConfigs, 0, {
      resources: [{ resourceType: 2, resourceName: 'stuck', configs: [{ name: 'min.insync.replicas', configOperation: 0, value: '1' }] }],
      validateOnly: false,
    })
    expect(altered.responses[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
    await waitFor('crash-app completes', () => describeTransaction(client, transactionalId), (d) => d.transactionState === 'CompleteCommit')
    kafka = new Kafka({ clientId: 'txn-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
    expect(await readCommitted('stuck', ['survivor-0', 'survivor-1', 'survivor-2'])).toEqual(['survivor-0', 'survivor-1', 'survivor-2'])
  }, 120_000)
})
