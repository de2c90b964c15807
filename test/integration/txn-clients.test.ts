/**
 * Transactions with librdkafka (confluent-kafka for Python, which .ci/run installs with pip) and
 * kafkajs against the real broker: transactions that commit and abort, each carrying a group's
 * offset (send_offsets_to_transaction, kafkajs's sendOffsets). A read_committed consumer of the
 * same client sees exactly the committed records, and the group's committed offset moves only
 * with a committed transaction. Raw TxnOffsetCommit requests at every version, and the bad ones
 * a broken client could send, get Kafka's answers. One broker for the file.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { type BrokerProcess, ROOT, startBroker } from '../helpers/broker-process.js'
import { type RawConnection, connectRaw, ensureTopic } from '../helpers/group-admin.js'

const PYTHON_CLIENT = join(ROOT, 'test', 'python', 'txn_librdkafka.py')
const confluentKafkaMissing = spawnSync('python3', ['-c', 'import confluent_kafka'], { stdio: 'ignore' }).status !== 0
if (confluentKafkaMissing) console.warn('librdkafka transaction test skipped: python3 with confluent-kafka is not installed (.ci/run installs it with pip)')

let broker: BrokerProcess

/** The records of transactions 0..plan.length-1 that committed: "t<i>-<j>", ten each. */
function committedRecords(plan: string): string[] {
  return [...plan].flatMap((step, i) => (step === 'c' ? Array.from({ length: 10 }, (_, j) => `t${i}-${j}`) : []))
}

/** What the group's offset on partition 0 must read after each transaction: 100 + the last committed one. */
function expectedOffsets(plan: string): number[] {
  let current = -1
  return [...plan].map((step, i) => (current = step === 'c' ? 100 + i : current))
}

function python(args: readonly string[]): string[][] {
  const result = spawnSync('python3', [PYTHON_CLIENT, ...args], { encoding: 'utf8', timeout: 120_000 })
  if (result.status !== 0) throw new Error(`python3 txn_librdkafka.py ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`)
  return result.stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'))
}

/** Within each partition the records keep the order they were sent in. */
function expectSendOrderPerPartition(records: ReadonlyArray<{ partition: number; value: string }>, sent: readonly string[]): void {
  const partitions = new Set(records.map((r) => r.partition))
  for (const partition of partitions) {
    const values = records.filter((r) => r.partition === partition).map((r) => r.value)
    expect(values, `partition ${partition}`).toEqual(sent.filter((v) => values.includes(v)))
  }
}

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 3 } })
})

afterAll(async () => {
  await broker?.stop()
})

const PLAN = 'caccaac'

describe.skipIf(confluentKafkaMissing)('librdkafka transactions (confluent-kafka)', () => {
  it('a read_committed consumer sees committed transactions only; offsets sent in a transaction are committed only with it', () => {
    const produced = python(['produce', broker.bootstrap, 'librdkafka-txn', 'librdkafka-txn-1', 'librdkafka-txn-group', PLAN])
    expect(produced.map((l) => Number(l[3]))).toEqual(expectedOffsets(PLAN))
    expect(produced.map((l) => l[2])).toEqual([...PLAN].map((s) => (s === 'c' ? 'committed' : 'aborted')))

    const consumed = python(['consume', broker.bootstrap, 'librdkafka-txn', '1000', '5'])
      .filter((l) => l[0] === 'record')
      .map((l) => ({ partition: Number(l[1]), value: l[3]! }))
    expect(consumed.map((r) => r.value).sort()).toEqual(committedRecords(PLAN).sort())
    expectSendOrderPerPartition(consumed, committedRecords(PLAN))
  }, 120_000)
})

describe('kafkajs transactions', () => {
  it('a read_committed consumer sees committed transactions only; sendOffsets commits the offset only with the transaction', async () => {
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'kafkajs-txn', logLevel: logLevel.NOTHING })
    const topic = 'kafkajs-txn'
    const group = 'kafkajs-txn-group'
    const admin = kafka.admin()
    const producer = kafka.producer({ transactionalId: 'kafkajs-txn-1', idempotent: true, maxInFlightRequests: 1 })
    await admin.connect()
    await producer.connect()
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })
      const offsets: number[] = []
      for (const [i, step] of [...PLAN].entries()) {
        const transaction = await producer.transaction()
        await transaction.send({ topic, messages: Array.from({ length: 10 }, (_, j) => ({ key: `k${j}`, value: `t${i}-${j}`, partition: j % 3 })) })
        await transaction.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions: [{ partition: 0, offset: String(100 + i) }] }] })
        if (step === 'c') await transaction.commit()
        else await transaction.abort()
        const [fetched] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
        offsets.push(Number(fetched!.partitions.find((p) => p.partition === 0)!.offset))
      }
      expect(offsets).toEqual(expectedOffsets(PLAN))

      // kafkajs consumers read with read_committed unless told otherwise.
      const consumer = kafka.consumer({ groupId: 'kafkajs-txn-reader' })
      const consumed: Array<{ partition: number; value: string }> = []
      const expected = committedRecords(PLAN)
      await consumer.connect()
      try {
        await consumer.subscribe({ topic, fromBeginning: true })
        let lastRecord = Date.now()
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            consumed.push({ partition, value: message.value!.toString() })
            lastRecord = Date.now()
          },
        })
        // Until every committed record came, then a quiet second in which an aborted one could show up.
        const deadline = Date.now() + 60_000
        while ((consumed.length < expected.length || Date.now() - lastRecord < 1000) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      } finally {
        await consumer.disconnect()
      }
      expect(consumed.map((r) => r.value).sort()).toEqual([...expected].sort())
      expectSendOrderPerPartition(consumed, expected)
    } finally {
      await producer.disconnect()
      await admin.disconnect()
    }
  }, 120_000)
})

describe('TxnOffsetCommit on the wire', () => {
  let connection: RawConnection

  beforeAll(async () => {
    await ensureTopic(broker.bootstrap, 'wire-txn')
    connection = await connectRaw(broker.bootstrap, 'raw-txn-client')
  })

  afterAll(() => connection?.close())

  const commit = (version: number, groupId: string, overrides: { producerId?: bigint; topic?: string; memberId?: string; generationId?: number } = {}) =>
    connection.request(ApiKeys.TxnOffsetCommit, version, {
      transactionalId: `raw-${groupId}`,
      groupId,
      producerId: overrides.producerId ?? BigInt(7000 + version),
      producerEpoch: 0,
      generationId: overrides.generationId ?? -1,
      memberId: overrides.memberId ?? '',
      groupInstanceId: null,
      topics: [{ name: overrides.topic ?? 'wire-txn', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
    })

  /** The group's offset of wire-txn-0 as OffsetFetch v7 reports it, with and without require_stable. */
  async function fetched(groupId: string): Promise<{ stable: [bigint, number]; latest: [bigint, number] }> {
    const read = async (requireStable: boolean): Promise<[bigint, number]> => {
      const response = await connection.request(ApiKeys.OffsetFetch, 7, { groupId, topics: [{ name: 'wire-txn', partitionIndexes: [0] }], requireStable })
      const partition = response.topics[0]!.partitions[0]!
      return [partition.committedOffset, partition.errorCode]
    }
    return { stable: await read(true), latest: await read(false) }
  }

  it('every version 0-4 writes the offset into the transaction: pending (UNSTABLE_OFFSET_COMMIT for require_stable), not yet committed', async () => {
    for (let version = 0; version <= 4; version++) {
      const response = await commit(version, `wire-v${version}`)
      expect(response.topics, `v${version}`).toEqual([{ name: 'wire-txn', partitions: [{ partitionIndex: 0, errorCode: E.NONE }] }])
      expect(await fetched(`wire-v${version}`), `v${version}`).toEqual({ stable: [-1n, E.UNSTABLE_OFFSET_COMMIT], latest: [-1n, E.NONE] })
    }
  })

  it('refuses what a broken client could send, changing nothing', async () => {
    const refused = async (groupId: string, response: Awaited<ReturnType<typeof commit>>, errorCode: number): Promise<void> => {
      expect(response.topics[0]!.partitions[0]!.errorCode, groupId).toBe(errorCode)
      if (groupId !== '') expect(await fetched(groupId), groupId).toEqual({ stable: [-1n, E.NONE], latest: [-1n, E.NONE] })
    }
    await refused('wire-no-topic', await commit(3, 'wire-no-topic', { topic: 'no-such-topic' }), E.UNKNOWN_TOPIC_OR_PARTITION)
    await refused('wire-no-producer', await commit(3, 'wire-no-producer', { producerId: -1n }), E.INVALID_PRODUCER_ID_MAPPING)
    await refused('', await commit(3, ''), E.INVALID_GROUP_ID)
    // v3+: a member the group does not know (a zombie that lost its partitions) is fenced.
    await refused('wire-zombie', await commit(3, 'wire-zombie', { memberId: 'zombie', generationId: 4 }), E.UNKNOWN_MEMBER_ID)
  })
})
