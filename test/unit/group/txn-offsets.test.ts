import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { KafkaErrorCodes as E } from '../../../src/protocol/error-codes.js'
import { partitionForGroup } from '../../../src/group/coordinator-key.js'
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
