import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { KafkaErrorCodes as E } from '../../../src/protocol/error-codes.js'
import { OFFSETS_TOPIC, partitionForGroup } from '../../../src/group/coordinator-key.js'
import { writeTxnMarkers } from '../../../src/replication/txn-markers.js'
import { tempDir } from '../../helpers/temp-dir.js'
import { type OpenCoordinator, joinAll, joinParams, openCoordinator, sync } from './coordinator-fixture.js'

let open: OpenCoordinator | undefined

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
})

afterEach(async () => {
  vi.useRealTimers()
  await open?.close()
  open = undefined
})

const PRODUCER = 4000

const txnCommit = (
  groupId: string,
  offsets: Array<[string, number, number]>,
  options: { producerId?: number; producerEpoch?: number; generationId?: number; memberId?: string } = {},
) =>
  Promise.resolve(
    open!.coordinator.commitTransactionalOffsets({
      groupId,
      transactionalId: 'copier-1',
      producerId: options.producerId ?? PRODUCER,
      producerEpoch: options.producerEpoch ?? 0,
      generationId: options.generationId ?? -1,
      memberId: options.memberId ?? '',
      groupInstanceId: null,
      offsets: offsets.map(([topic, partition, offset]) => ({ topic, partition, offset, leaderEpoch: -1, metadata: null })),
    }),
  )

const committed = (groupId: string, topic: string, partitions: number[], requireStable = false) =>
  open!.coordinator.fetchOffsets(groupId, [{ name: topic, partitionIndexes: partitions }], requireStable).topics[0]!.partitions.map((p) => [p.committed.offset, p.errorCode])

describe('transactional offset commits (TxnOffsetCommit)', () => {
  it('are invisible until the COMMIT marker lands, and UNSTABLE_OFFSET_COMMIT for require_stable meanwhile', async () => {
    open = await openCoordinator(tempDir())
    expect(await txnCommit('g', [['in', 0, 42], ['in', 1, 7]])).toEqual([E.NONE, E.NONE])
    expect(committed('g', 'in', [0, 1])).toEqual([[-1, E.NONE], [-1, E.NONE]])
    expect(committed('g', 'in', [0, 1, 2], true)).toEqual([[-1, E.UNSTABLE_OFFSET_COMMIT], [-1, E.UNSTABLE_OFFSET_COMMIT], [-1, E.NONE]])

    open.coordinator.onTransactionCompleted(partitionForGroup('g', open.coordinator.offsetsTopicPartitionCount), PRODUCER, true)
    expect(committed('g', 'in', [0, 1], true)).toEqual([[42, E.NONE], [7, E.NONE]])
  })

  it('are dropped by an ABORT marker: the group keeps what it had', async () => {
    open = await openCoordinator(tempDir())
    const partition = partitionForGroup('g', open.coordinator.offsetsTopicPartitionCount)
    await txnCommit('g', [['in', 0, 10]])
    open.coordinator.onTransactionCompleted(partition, PRODUCER, true)
    await txnCommit('g', [['in', 0, 20]])
    open.coordinator.onTransactionCompleted(partition, PRODUCER, false)
    expect(committed('g', 'in', [0], true)).toEqual([[10, E.NONE]])
  })

  it('ignore a marker in another __consumer_offsets partition and another producer\'s marker', async () => {
    open = await openCoordinator(tempDir())
    const partition = partitionForGroup('g', open.coordinator.offsetsTopicPartitionCount)
    await txnCommit('g', [['in', 0, 10]])
    open.coordinator.onTransactionCompleted((partition + 1) % open.coordinator.offsetsTopicPartitionCount, PRODUCER, true)
    open.coordinator.onTransactionCompleted(partition, PRODUCER + 1, true)
    expect(committed('g', 'in', [0], true)).toEqual([[-1, E.UNSTABLE_OFFSET_COMMIT]])
  })

  it('check the member and generation from v3 on (KIP-447), whatever the group state, and nothing before', async () => {
    open = await openCoordinator(tempDir())
    const [member] = await joinAll(open.coordinator, [joinParams('g')])
    await sync(open.coordinator, 'g', member!)
    expect(await txnCommit('g', [['in', 0, 5]], { generationId: member!.generationId + 1, memberId: member!.memberId })).toEqual([E.ILLEGAL_GENERATION])
    expect(await txnCommit('g', [['in', 0, 5]], { generationId: member!.generationId, memberId: 'zombie' })).toEqual([E.UNKNOWN_MEMBER_ID])
    expect(await txnCommit('g', [['in', 0, 5]], { generationId: member!.generationId, memberId: member!.memberId })).toEqual([E.NONE])
    // v0-2 carry no member: accepted even though the group has members.
    expect(await txnCommit('g', [['in', 1, 6]])).toEqual([E.NONE])
  })

  it('refuse an empty group id and a producer fenced by a newer epoch, writing nothing', async () => {
    open = await openCoordinator(tempDir())
    expect(await txnCommit('', [['in', 0, 1]])).toEqual([E.INVALID_GROUP_ID])
    expect(await txnCommit('g', [['in', 0, 1]], { producerEpoch: 3 })).toEqual([E.NONE])
    expect(await txnCommit('g', [['in', 0, 2]], { producerEpoch: 2 })).toEqual([E.INVALID_PRODUCER_EPOCH])
    open.coordinator.onTransactionCompleted(partitionForGroup('g', open.coordinator.offsetsTopicPartitionCount), PRODUCER, true)
    expect(committed('g', 'in', [0], true)).toEqual([[1, E.NONE]])
  })

  it('lose to a plain commit written after them in the log, even when their transaction commits later', async () => {
    open = await openCoordinator(tempDir())
    await txnCommit('g', [['in', 0, 100]])
    await open.coordinator.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 'in', partition: 0, offset: 200, leaderEpoch: -1, metadata: '' }] })
    open.coordinator.onTransactionCompleted(partitionForGroup('g', open.coordinator.offsetsTopicPartitionCount), PRODUCER, true)
    expect(committed('g', 'in', [0], true)).toEqual([[200, E.NONE]])
  })
})

/** Writes a transaction's marker to the group's __consumer_offsets partition, as WriteTxnMarkers does. */
async function writeMarker(groupId: string, producerId: number, committed: boolean): Promise<void> {
  const index = partitionForGroup(groupId, open!.coordinator.offsetsTopicPartitionCount)
  const [result] = await writeTxnMarkers(open!.replicas, [{ producerId, producerEpoch: 0, coordinatorEpoch: 0, committed, topics: [{ name: OFFSETS_TOPIC, partitions: [index] }] }], 5000)
  expect(result!.topics[0]!.partitions[0]!.errorCode).toBe(E.NONE)
}

describe('transactional offsets and the log', () => {
  it('are settled by the marker appended to the __consumer_offsets partition', async () => {
    open = await openCoordinator(tempDir())
    await txnCommit('g', [['in', 0, 42]])
    await writeMarker('g', PRODUCER, true)
    expect(committed('g', 'in', [0], true)).toEqual([[42, E.NONE]])
    await txnCommit('g', [['in', 0, 50]])
    await writeMarker('g', PRODUCER, false)
    expect(committed('g', 'in', [0], true)).toEqual([[42, E.NONE]])
  })

  it('are rebuilt after a crash: committed ones count, aborted ones never, open ones wait for their marker', async () => {
    const dir = tempDir()
    open = await openCoordinator(dir)
    await txnCommit('g', [['in', 0, 10]], { producerId: 1 })
    await writeMarker('g', 1, true)
    await txnCommit('g', [['in', 1, 20]], { producerId: 2 })
    await writeMarker('g', 2, false)
    await txnCommit('g', [['in', 2, 30]], { producerId: 3 })
    await txnCommit('only-open', [['in', 0, 5]], { producerId: 3 })
    await open.crash()

    open = await openCoordinator(dir)
    expect(committed('g', 'in', [0, 1, 2], true)).toEqual([[10, E.NONE], [-1, E.NONE], [-1, E.UNSTABLE_OFFSET_COMMIT]])
    expect(committed('only-open', 'in', [0], true)).toEqual([[-1, E.UNSTABLE_OFFSET_COMMIT]])
    await writeMarker('g', 3, true)
    if (partitionForGroup('only-open', 3) !== partitionForGroup('g', 3)) await writeMarker('only-open', 3, true)
    expect(committed('g', 'in', [0, 1, 2], true)).toEqual([[10, E.NONE], [-1, E.NONE], [30, E.NONE]])
    expect(committed('only-open', 'in', [0], true)).toEqual([[5, E.NONE]])
  })

  it('survive a clean stop while their transaction is open (no snapshot hides them) and commit afterwards', async () => {
    const dir = tempDir()
    open = await openCoordinator(dir)
    expect(await open.coordinator.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 'in', partition: 1, offset: 7, leaderEpoch: -1, metadata: '' }] })).toEqual([E.NONE])
    await txnCommit('g', [['in', 0, 10]])
    await open.close()

    open = await openCoordinator(dir)
    expect(committed('g', 'in', [0, 1], true)).toEqual([[-1, E.UNSTABLE_OFFSET_COMMIT], [7, E.NONE]])
    await writeMarker('g', PRODUCER, true)
    expect(committed('g', 'in', [0, 1], true)).toEqual([[10, E.NONE], [7, E.NONE]])
  })

  it('lose to a later plain commit after a reload too', async () => {
    const dir = tempDir()
    open = await openCoordinator(dir)
    await txnCommit('g', [['in', 0, 100]])
    await open.coordinator.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 'in', partition: 0, offset: 200, leaderEpoch: -1, metadata: '' }] })
    await writeMarker('g', PRODUCER, true)
    await open.crash()
    open = await openCoordinator(dir)
    expect(committed('g', 'in', [0], true)).toEqual([[200, E.NONE]])
  })
})
