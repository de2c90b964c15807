/**
 * Classic and KIP-848 consumer groups in one coordinator, over real __consumer_offsets
 * partitions: the admin APIs see both kinds (ListGroups types, DescribeGroups,
 * ConsumerGroupDescribe, DeleteGroups), empty groups convert, offsets commit with member epochs, and a restart brings the
 * consumer group back at the same epochs.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ConsumerGroupHeartbeatParams, ConsumerGroupHeartbeatResult } from '../../../src/group/consumer-group-coordinator.js'
import { KafkaErrorCodes as E } from '../../../src/protocol/error-codes.js'
import { tempDir } from '../../helpers/temp-dir.js'
import { type OpenCoordinator, heartbeatParams, joinAll, joinParams, openCoordinator, sync } from './coordinator-fixture.js'

const consumer = { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5000, maxSize: 100, assignors: ['uniform', 'range'] as const, migrationPolicy: 'bidirectional' as const }
let open: OpenCoordinator | undefined
let dir: string

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  dir = tempDir()
  open = await openCoordinator(dir, { consumer: { ...consumer, assignors: [...consumer.assignors] } })
  await open.metadata.createTopic('orders', [[1], [1], [1]])
})

afterEach(async () => {
  vi.useRealTimers()
  await open?.close()
  open = undefined
})

async function heartbeat(params: Partial<ConsumerGroupHeartbeatParams> & { groupId: string; memberId: string; memberEpoch: number }): Promise<ConsumerGroupHeartbeatResult> {
  return open!.coordinator.consumerGroupHeartbeat(heartbeatParams(params))
}

async function classicGroup(groupId: string): Promise<void> {
  const [joined] = await joinAll(open!.coordinator, [joinParams(groupId)])
  await sync(open!.coordinator, groupId, joined!, [{ memberId: joined!.memberId, assignment: Buffer.alloc(0) }])
}

describe('classic and consumer groups side by side', () => {
  it('ListGroups lists both with their type, and filters by type', async () => {
    await classicGroup('classic-g')
    expect((await heartbeat({ groupId: 'consumer-g', memberId: 'm1', memberEpoch: 0 })).errorCode).toBe(E.NONE)
    const { coordinator } = open!
    expect(coordinator.listGroups([], []).groups.map((g) => [g.groupId, g.type, g.protocolType, g.state]).sort()).toEqual([
      ['classic-g', 'classic', 'consumer', 'Stable'],
      ['consumer-g', 'consumer', 'consumer', 'Stable'],
    ])
    expect(coordinator.listGroups([], ['Consumer']).groups.map((g) => g.groupId)).toEqual(['consumer-g'])
    expect(coordinator.listGroups([], ['classic']).groups.map((g) => g.groupId)).toEqual(['classic-g'])
  })

  it('each describe API answers for its own kind of group, as Kafka does', async () => {
    await classicGroup('classic-g')
    await heartbeat({ groupId: 'consumer-g', memberId: 'm1', memberEpoch: 0 })
    const { coordinator } = open!
    // DescribeGroups answers Dead for it (the handler asks isConsumerGroup); the broker's own
    // readers (console, metrics) get it in the classic shape.
    expect(coordinator.isConsumerGroup('consumer-g')).toBe(true)
    expect(coordinator.isConsumerGroup('classic-g')).toBe(false)
    expect(coordinator.describeGroup('consumer-g')).toMatchObject({ errorCode: E.NONE, state: 'Stable', protocolType: 'consumer', protocolData: 'uniform' })
    expect(coordinator.describeGroup('consumer-g').members.map((m) => m.memberId)).toEqual(['m1'])
    const [asConsumer, classic, missing] = coordinator.consumerGroupDescribe(['consumer-g', 'classic-g', 'nobody'])
    expect(asConsumer).toMatchObject({ errorCode: E.NONE, groupState: 'Stable', groupEpoch: 1, assignmentEpoch: 1, assignorName: 'uniform' })
    expect(asConsumer!.members[0]).toMatchObject({ memberId: 'm1', memberEpoch: 1, subscribedTopicNames: ['orders'], memberType: 1 })
    expect(asConsumer!.members[0]!.assignment.topicPartitions).toEqual([{ topicId: open!.metadata.topic('orders')!.topicId, topicName: 'orders', partitions: [0, 1, 2] }])
    expect(classic).toMatchObject({ errorCode: E.GROUP_ID_NOT_FOUND, errorMessage: 'Group classic-g is not a consumer group.' })
    expect(missing).toMatchObject({ errorCode: E.GROUP_ID_NOT_FOUND, errorMessage: 'Group nobody not found.' })
  })

  it('an empty group converts to the other protocol (a live one migrates online: group-migration.test.ts)', async () => {
    await heartbeat({ groupId: 'consumer-g', memberId: 'm1', memberEpoch: 0 })
    // Empty again: a classic member may take the group over.
    await heartbeat({ groupId: 'consumer-g', memberId: 'm1', memberEpoch: -1 })
    const [joined] = await joinAll(open!.coordinator, [joinParams('consumer-g')])
    expect(joined!.errorCode).toBe(E.NONE)
    expect(open!.coordinator.consumerGroupDescribe(['consumer-g'])[0]!.errorCode).toBe(E.GROUP_ID_NOT_FOUND)
  })

  it('offsets commit with the member epoch (OffsetCommit v9+), and go with the group when it is deleted', async () => {
    const { coordinator } = open!
    const joined = await heartbeat({ groupId: 'g', memberId: 'm1', memberEpoch: 0 })
    const commit = (memberEpoch: number, apiVersion = 9) =>
      coordinator.commitOffsets({ groupId: 'g', generationId: memberEpoch, memberId: 'm1', groupInstanceId: null, apiVersion, offsets: [{ topic: 'orders', partition: 0, offset: 42, leaderEpoch: -1, metadata: '' }] })
    expect(await commit(joined.memberEpoch)).toEqual([E.NONE])
    expect(await commit(joined.memberEpoch + 5)).toEqual([E.STALE_MEMBER_EPOCH])
    expect(await commit(joined.memberEpoch, 8)).toEqual([E.UNSUPPORTED_VERSION])
    expect(coordinator.fetchOffsets('g', [{ name: 'orders', partitionIndexes: [0] }]).topics[0]!.partitions[0]!.committed.offset).toBe(42)
    expect(coordinator.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: E.NON_EMPTY_GROUP }])
    await heartbeat({ groupId: 'g', memberId: 'm1', memberEpoch: -1 })
    expect(coordinator.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: E.NONE }])
    expect(coordinator.fetchOffsets('g', [{ name: 'orders', partitionIndexes: [0] }]).topics[0]!.partitions[0]!.committed.offset).toBe(-1)
    expect(coordinator.listGroups([], []).groups).toEqual([])
  })

  it('a restart loads the consumer group back with its epochs, members and assignments', async () => {
    await heartbeat({ groupId: 'g', memberId: 'm1', memberEpoch: 0 })
    await heartbeat({ groupId: 'g', memberId: 'm2', memberEpoch: 0 })
    const before = open!.coordinator.consumerGroupDescribe(['g'])[0]!
    await open!.close()
    open = await openCoordinator(dir, { consumer: { ...consumer, assignors: [...consumer.assignors] } })
    const after = open.coordinator.consumerGroupDescribe(['g'])[0]!
    expect(after).toEqual(before)
    // m1 goes on at its epoch, with no error and no new epoch.
    const m1 = before.members.find((m) => m.memberId === 'm1')!
    expect(await heartbeat({ groupId: 'g', memberId: 'm1', memberEpoch: m1.memberEpoch, topicPartitions: [] })).toMatchObject({ errorCode: E.NONE })
    expect(open.coordinator.consumerGroupDescribe(['g'])[0]!.groupEpoch).toBe(before.groupEpoch)
  })
})
