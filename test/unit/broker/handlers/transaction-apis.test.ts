/**
 * The transaction APIs on an in-process broker, spoken on the wire: the error each situation
 * gets, per request version as Kafka chooses it, and the state DescribeTransactions and
 * ListTransactions then report. One broker for the file; each test uses its own transactional id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes } from '../../../../src/protocol/index.js'
import { type InProcessBroker, startInProcessBroker } from '../../../helpers/in-process-broker.js'

let broker: InProcessBroker

beforeAll(async () => {
  broker = await startInProcessBroker({
    'transaction.state.log.num.partitions': 3,
    'offsets.topic.num.partitions': 3,
    'transaction.max.timeout.ms': 60_000,
    // Long enough that no other test's id expires under it on a busy machine.
    'transactional.id.expiration.ms': 5000,
    'transaction.remove.expired.transaction.cleanup.interval.ms': 100,
  })
  await broker.createTopics('data')
  const found = await broker.client.request(ApiKeys.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['any'] })
  expect(found.coordinators[0]!.errorCode, 'the first transactional FindCoordinator creates __transaction_state').toBe(KafkaErrorCodes.NONE)
  await broker.broker.context.transactions.awaitIdle()
})

afterAll(async () => {
  await broker?.stop()
})

async function init(transactionalId: string, version = 4, producerId = -1n, producerEpoch = -1, transactionTimeoutMs = 30_000) {
  return broker.client.request(ApiKeys.InitProducerId, version, { transactionalId, transactionTimeoutMs, producerId, producerEpoch })
}

async function addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, version = 3, topics = [{ name: 'data', partitions: [0] }]) {
  const response = await broker.client.request(ApiKeys.AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: producerId,
    v3AndBelowProducerEpoch: producerEpoch,
    v3AndBelowTopics: topics,
  })
  return response.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.partitionErrorCode })))
}

async function endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, committed: boolean, version = 3) {
  return (await broker.client.request(ApiKeys.EndTxn, version, { transactionalId, producerId, producerEpoch, committed })).errorCode
}

async function describeTxn(transactionalId: string) {
  return (await broker.client.request(ApiKeys.DescribeTransactions, 0, { transactionalIds: [transactionalId] })).transactionStates[0]!
}

describe('transaction APIs', () => {
  it('answers FindCoordinator key type 1 with this broker, at every version', async () => {
    for (const version of [1, 2, 3]) {
      const found = await broker.client.request(ApiKeys.FindCoordinator, version, { key: 'finder', keyType: 1 })
      expect(found.errorCode, `v${version}`).toBe(KafkaErrorCodes.NONE)
      expect(found.nodeId).toBe(broker.broker.context.nodeId)
    }
    const batched = await broker.client.request(ApiKeys.FindCoordinator, 5, { keyType: 1, coordinatorKeys: ['a', 'b'] })
    expect(batched.coordinators.map((c) => c.errorCode)).toEqual([KafkaErrorCodes.NONE, KafkaErrorCodes.NONE])
  })

  it('bumps the epoch on every InitProducerId of the same id, keeping the producer id', async () => {
    const first = await init('bumper')
    const second = await init('bumper')
    expect(second.producerId).toBe(first.producerId)
    expect([first.producerEpoch, second.producerEpoch]).toEqual([0, 1])
    const fenced = await addPartitions('bumper', first.producerId, first.producerEpoch)
    expect(fenced[0]!.errorCode, 'the older epoch is fenced').toBe(KafkaErrorCodes.PRODUCER_FENCED)
    const old = await addPartitions('bumper', first.producerId, first.producerEpoch, 1)
    expect(old[0]!.errorCode, 'versions before 2 do not know PRODUCER_FENCED').toBe(KafkaErrorCodes.INVALID_PRODUCER_EPOCH)
    expect(await endTxn('bumper', first.producerId, first.producerEpoch, true, 1)).toBe(KafkaErrorCodes.INVALID_PRODUCER_EPOCH)
  })

  it('recovers a producer that passes its id and epoch (KIP-360), and fences one with a stale epoch', async () => {
    const first = await init('recovering')
    const recovered = await init('recovering', 4, first.producerId, first.producerEpoch)
    expect(recovered).toMatchObject({ errorCode: KafkaErrorCodes.NONE, producerId: first.producerId, producerEpoch: first.producerEpoch + 1 })
    const retried = await init('recovering', 4, first.producerId, first.producerEpoch)
    expect(retried, 'a retry with the same old epoch gets the same answer').toMatchObject({ errorCode: KafkaErrorCodes.NONE, producerEpoch: first.producerEpoch + 1 })
    await init('recovering')
    const stale = await init('recovering', 4, first.producerId, first.producerEpoch)
    expect(stale.errorCode).toBe(KafkaErrorCodes.PRODUCER_FENCED)
    const staleV3 = await init('recovering', 3, first.producerId, first.producerEpoch)
    expect(staleV3.errorCode, 'InitProducerId before v4 gets INVALID_PRODUCER_EPOCH').toBe(KafkaErrorCodes.INVALID_PRODUCER_EPOCH)
    const half = await init('recovering', 4, first.producerId, -1)
    expect(half.errorCode, 'an id without an epoch').toBe(KafkaErrorCodes.INVALID_REQUEST)
  })

  it('refuses a transaction timeout over transaction.max.timeout.ms', async () => {
    expect((await init('too-slow', 4, -1n, -1, 60_001)).errorCode).toBe(KafkaErrorCodes.INVALID_TRANSACTION_TIMEOUT)
    expect((await init('too-slow', 4, -1n, -1, 0)).errorCode).toBe(KafkaErrorCodes.INVALID_TRANSACTION_TIMEOUT)
  })

  it('answers INVALID_TXN_STATE to an EndTxn with no transaction, and to a commit of an aborted one', async () => {
    const { producerId, producerEpoch } = await init('ender')
    expect(await endTxn('ender', producerId, producerEpoch, true)).toBe(KafkaErrorCodes.INVALID_TXN_STATE)
    expect((await addPartitions('ender', producerId, producerEpoch))[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
    expect(await endTxn('ender', producerId, producerEpoch, false)).toBe(KafkaErrorCodes.NONE)
    await broker.broker.context.transactions.awaitIdle()
    expect(await endTxn('ender', producerId, producerEpoch, false), 'a repeated abort succeeds').toBe(KafkaErrorCodes.NONE)
    expect(await endTxn('ender', producerId, producerEpoch, true)).toBe(KafkaErrorCodes.INVALID_TXN_STATE)
  })

  it('answers INVALID_PRODUCER_ID_MAPPING for a producer id the transactional id does not have', async () => {
    const { producerId, producerEpoch } = await init('mapped')
    expect((await addPartitions('mapped', producerId + 1000n, producerEpoch))[0]!.errorCode).toBe(KafkaErrorCodes.INVALID_PRODUCER_ID_MAPPING)
    expect((await addPartitions('never-initialized', producerId, producerEpoch))[0]!.errorCode).toBe(KafkaErrorCodes.INVALID_PRODUCER_ID_MAPPING)
  })

  it('adds nothing when a partition does not exist: UNKNOWN_TOPIC_OR_PARTITION there, OPERATION_NOT_ATTEMPTED elsewhere', async () => {
    const { producerId, producerEpoch } = await init('adder')
    const results = await addPartitions('adder', producerId, producerEpoch, 3, [
      { name: 'data', partitions: [0] },
      { name: 'no-such-topic', partitions: [0] },
    ])
    expect(results).toEqual([
      { topic: 'data', partition: 0, errorCode: KafkaErrorCodes.OPERATION_NOT_ATTEMPTED },
      { topic: 'no-such-topic', partition: 0, errorCode: KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION },
    ])
    expect((await describeTxn('adder')).transactionState).toBe('Empty')
  })

  it('serves the batched broker form (v4, v5): adds for some transactions, verifies for others', async () => {
    const a = await init('batch-a')
    const b = await init('batch-b')
    expect((await addPartitions('batch-b', b.producerId, b.producerEpoch))[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
    for (const version of [4, 5]) {
      const response = await broker.client.request(ApiKeys.AddPartitionsToTxn, version, {
        transactions: [
          { transactionalId: 'batch-a', producerId: a.producerId, producerEpoch: a.producerEpoch, verifyOnly: false, topics: [{ name: 'data', partitions: [0] }] },
          { transactionalId: 'batch-b', producerId: b.producerId, producerEpoch: b.producerEpoch, verifyOnly: true, topics: [{ name: 'data', partitions: [0, 1] }] },
          { transactionalId: 'batch-b', producerId: b.producerId, producerEpoch: b.producerEpoch + 1, verifyOnly: true, topics: [{ name: 'data', partitions: [0] }] },
        ],
      })
      expect(response.errorCode, `v${version}`).toBe(KafkaErrorCodes.NONE)
      const errors = response.resultsByTransaction.map((t) => [t.transactionalId, t.topicResults.flatMap((r) => r.resultsByPartition.map((p) => p.partitionErrorCode))])
      expect(errors).toEqual([
        ['batch-a', [KafkaErrorCodes.NONE]],
        // Partition 0 is in batch-b's transaction, partition 1 is not.
        ['batch-b', [KafkaErrorCodes.NONE, KafkaErrorCodes.TRANSACTION_ABORTABLE]],
        ['batch-b', [KafkaErrorCodes.PRODUCER_FENCED]],
      ])
    }
    expect((await describeTxn('batch-a')).transactionState, 'the non-verifying entry added its partition').toBe('Ongoing')
    expect((await describeTxn('batch-b')).topics, 'verifying added nothing').toEqual([{ topic: 'data', partitions: [0] }])
  })

  it('adds the group\'s __consumer_offsets partition for AddOffsetsToTxn', async () => {
    const { producerId, producerEpoch } = await init('offsets-adder')
    const response = await broker.client.request(ApiKeys.AddOffsetsToTxn, 3, { transactionalId: 'offsets-adder', producerId, producerEpoch, groupId: 'my-group' })
    expect(response.errorCode).toBe(KafkaErrorCodes.NONE)
    const described = await describeTxn('offsets-adder')
    expect(described.transactionState).toBe('Ongoing')
    expect(described.topics).toEqual([{ topic: '__consumer_offsets', partitions: [broker.broker.context.groups.partitionFor('my-group')] }])
  })

  it('lists transactions filtered by state and producer id, and reports unknown state names', async () => {
    const { producerId, producerEpoch } = await init('listed')
    await addPartitions('listed', producerId, producerEpoch)
    const ongoing = await broker.client.request(ApiKeys.ListTransactions, 1, { stateFilters: ['Ongoing'], producerIdFilters: [producerId], durationFilter: -1n })
    expect(ongoing.errorCode).toBe(KafkaErrorCodes.NONE)
    expect(ongoing.transactionStates).toEqual([{ transactionalId: 'listed', producerId, transactionState: 'Ongoing' }])
    const unknown = await broker.client.request(ApiKeys.ListTransactions, 0, { stateFilters: ['Sleeping'], producerIdFilters: [] })
    expect(unknown).toMatchObject({ unknownStateFilters: ['Sleeping'], transactionStates: [] })
    const longRunning = await broker.client.request(ApiKeys.ListTransactions, 1, { stateFilters: [], producerIdFilters: [producerId], durationFilter: 3_600_000n })
    expect(longRunning.transactionStates, 'none has run for an hour').toEqual([])
    expect(await endTxn('listed', producerId, producerEpoch, false)).toBe(KafkaErrorCodes.NONE)
  })

  it('removes a transactional id idle past transactional.id.expiration.ms', async () => {
    await init('expiring')
    expect((await describeTxn('expiring')).transactionState).toBe('Empty')
    const deadline = Date.now() + 30_000
    while ((await describeTxn('expiring')).errorCode === KafkaErrorCodes.NONE) {
      if (Date.now() > deadline) throw new Error('the id was not removed within 30 s')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect((await describeTxn('expiring')).errorCode).toBe(KafkaErrorCodes.TRANSACTIONAL_ID_NOT_FOUND)
    const again = await init('expiring')
    expect(again.producerEpoch, 'a removed id starts afresh').toBe(0)
  })
})
