/**
 * Online migration between a classic group and a KIP-848 consumer group
 * (group.consumer.migration.policy), over real __consumer_offsets partitions: a consumer-protocol
 * member joining a live classic group upgrades it and the classic members stay (JoinGroup,
 * SyncGroup, Heartbeat, OffsetCommit with their member epoch as generation, assignments computed
 * by the coordinator); the last consumer-protocol member leaving downgrades it and it
 * rebalances; what the policy or the group forbids is refused with Kafka's errors; a restart
 * keeps the classic members' metadata.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ConsumerGroupHeartbeatParams, MigrationPolicy } from '../../../src/group/consumer-group-coordinator.js'
import type { JoinGroupResult } from '../../../src/group/coordinator-results.js'
import { KafkaErrorCodes as E } from '../../../src/protocol/error-codes.js'
import { decodeAssignment, encodeAssignment, encodeSubscription } from '../../../src/protocol/messages/consumer-protocol.js'
import { tempDir } from '../../helpers/temp-dir.js'
import { type OpenCoordinator, heartbeatParams, join, joinAll, joinParams, openCoordinator, sync } from './coordinator-fixture.js'

const GROUP = 'g'
let open: OpenCoordinator | undefined
let dir: string

async function start(migrationPolicy: MigrationPolicy): Promise<OpenCoordinator> {
  open = await openCoordinator(dir, { consumer: { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5000, maxSize: 100, assignors: ['uniform', 'range'], migrationPolicy } })
  return open
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  dir = tempDir()
  await start('bidirectional')
  await open!.metadata.createTopic('orders', [[1], [1], [1], [1]])
})

afterEach(async () => {
  vi.useRealTimers()
  await open?.close()
  open = undefined
})

/** A classic consumer's JoinGroup: cooperative-sticky, subscribed to orders, owning `owned`. */
function classicJoin(memberId: string, owned: number[] = [], protocolType = 'consumer') {
  const metadata = encodeSubscription({ topics: ['orders'], ownedPartitions: owned.length === 0 ? [] : [{ topic: 'orders', partitions: owned }] })
  return joinParams(GROUP, { memberId, protocolType, protocols: [{ name: 'cooperative-sticky', metadata }] })
}

/** Two classic members, Stable, the leader having given each two partitions of orders. */
async function stableClassicGroup(protocolType = 'consumer'): Promise<JoinGroupResult[]> {
  const joined = await joinAll(open!.coordinator, [classicJoin('', [], protocolType), classicJoin('', [], protocolType)])
  const leader = joined.find((j) => j.memberId === j.leader)!
  const assignments = joined.map((j, i) => ({ memberId: j.memberId, assignment: encodeAssignment({ assignedPartitions: [{ topic: 'orders', partitions: [2 * i, 2 * i + 1] }] }) }))
  await Promise.all(joined.map((j) => sync(open!.coordinator, GROUP, j, j === leader ? assignments : [])))
  expect(open!.coordinator.listGroups([], []).groups).toMatchObject([{ groupId: GROUP, type: 'classic', state: 'Stable' }])
  return joined
}

function consumerHeartbeat(params: Partial<ConsumerGroupHeartbeatParams> & { memberId: string; memberEpoch: number }) {
  return Promise.resolve(open!.coordinator.consumerGroupHeartbeat(heartbeatParams({ groupId: GROUP, ...params })))
}

/** A classic member's SyncGroup answer as partitions of orders. */
async function syncedPartitions(joined: JoinGroupResult): Promise<number[]> {
  const synced = await sync(open!.coordinator, GROUP, joined)
  expect(synced.errorCode).toBe(E.NONE)
  return decodeAssignment(synced.assignment).value.assignedPartitions.flatMap((t) => t.partitions).sort()
}

describe('upgrading a live classic group (a consumer-protocol member joins)', () => {
  it('keeps the classic members, gives the newcomer a share, and has the classic members rejoin to give theirs up', async () => {
    const [a, b] = await stableClassicGroup()
    const generation = a!.generationId
    const joined = await consumerHeartbeat({ memberId: 'c1', memberEpoch: 0 })
    expect(joined).toMatchObject({ errorCode: E.NONE, memberId: 'c1', memberEpoch: generation + 1 })

    const { coordinator } = open!
    expect(coordinator.listGroups([], []).groups).toMatchObject([{ groupId: GROUP, type: 'consumer' }])
    const described = coordinator.consumerGroupDescribe([GROUP])[0]!
    expect(described.members.map((m) => [m.memberId, m.memberType]).sort()).toEqual(
      [[a!.memberId, 0], [b!.memberId, 0], ['c1', 1]].sort(),
    )
    // The newcomer waits for partitions the classic members still own.
    expect(joined.assignment!.topicPartitions.flatMap((t) => t.partitions)).toEqual([])

    // The classic members learn of it from their heartbeat, at their generation.
    for (const m of [a!, b!]) {
      expect(coordinator.heartbeat({ groupId: GROUP, generationId: generation, memberId: m.memberId, groupInstanceId: null })).toBe(E.REBALANCE_IN_PROGRESS)
    }
    // Each rejoins owning what it had; SyncGroup leaves out what it must give up.
    const owned = new Map<string, number[]>()
    for (const [i, m] of [a!, b!].entries()) {
      const rejoined = await join(coordinator, classicJoin(m.memberId, [2 * i, 2 * i + 1]))
      expect(rejoined).toMatchObject({ errorCode: E.NONE, memberId: m.memberId, protocolType: 'consumer', protocolName: 'cooperative-sticky', leader: '', members: [] })
      owned.set(m.memberId, await syncedPartitions(rejoined))
    }
    const kept = [...owned.values()].flat()
    expect(kept.length).toBeLessThan(4)
    // Having revoked, they rejoin with what they kept and move to the new epoch.
    for (const m of [a!, b!]) {
      const rejoined = await join(coordinator, classicJoin(m.memberId, owned.get(m.memberId)!))
      expect(rejoined.generationId).toBe(generation + 1)
      expect(await syncedPartitions(rejoined)).toEqual(owned.get(m.memberId))
      expect(coordinator.heartbeat({ groupId: GROUP, generationId: rejoined.generationId, memberId: m.memberId, groupInstanceId: null })).toBe(E.NONE)
    }
    // The newcomer now gets what was given up: every partition has exactly one owner.
    const c1 = await consumerHeartbeat({ memberId: 'c1', memberEpoch: generation + 1, topicPartitions: [] })
    const newcomer = c1.assignment!.topicPartitions.flatMap((t) => t.partitions)
    expect([...kept, ...newcomer].sort()).toEqual([0, 1, 2, 3])
    expect(coordinator.consumerGroupDescribe([GROUP])[0]!.groupState).toBe('Stable')
  })

  it('lets classic members commit with their member epoch as generation, and only with it', async () => {
    const [a] = await stableClassicGroup()
    await consumerHeartbeat({ memberId: 'c1', memberEpoch: 0 })
    const commit = (generationId: number, apiVersion = 8) =>
      open!.coordinator.commitOffsets({ groupId: GROUP, generationId, memberId: a!.memberId, groupInstanceId: null, apiVersion, offsets: [{ topic: 'orders', partition: 0, offset: 7, leaderEpoch: -1, metadata: '' }] })
    expect(await commit(a!.generationId)).toEqual([E.NONE])
    expect(await commit(a!.generationId + 1)).toEqual([E.ILLEGAL_GENERATION])
    expect(open!.coordinator.fetchOffsets(GROUP, [{ name: 'orders', partitionIndexes: [0] }]).topics[0]!.partitions[0]!.committed.offset).toBe(7)
  })

  it('serves a new classic member joining the consumer group as a classic member', async () => {
    await consumerHeartbeat({ memberId: 'c1', memberEpoch: 0 })
    const joined = await join(open!.coordinator, classicJoin(''))
    expect(joined).toMatchObject({ errorCode: E.NONE, generationId: 2, protocolName: 'cooperative-sticky' })
    const members = open!.coordinator.consumerGroupDescribe([GROUP])[0]!.members
    expect(members.find((m) => m.memberId === joined.memberId)?.memberType).toBe(0)
    expect(await join(open!.coordinator, classicJoin('', [], 'connect'))).toMatchObject({ errorCode: E.INCONSISTENT_GROUP_PROTOCOL })
    // An assignor the classic members do not share could not survive a downgrade: refused.
    const range = joinParams(GROUP, { protocols: [{ name: 'range', metadata: encodeSubscription({ topics: ['orders'] }) }] })
    expect(await join(open!.coordinator, range)).toMatchObject({ errorCode: E.INCONSISTENT_GROUP_PROTOCOL })
  })
})

describe('sessions of a mixed group', () => {
  it('a classic member is removed after its own session timeout, not the consumer protocol\'s', async () => {
    await stableClassicGroup()
    await consumerHeartbeat({ memberId: 'c1', memberEpoch: 0 })
    // The classic members asked for 10 s; consumer-protocol sessions last 45 s here.
    await vi.advanceTimersByTimeAsync(10_001)
    const described = open!.coordinator.consumerGroupDescribe([GROUP])[0]!
    expect(described.members.map((m) => m.memberId)).toEqual(['c1'])
    expect(open!.coordinator.listGroups([], []).groups).toMatchObject([{ groupId: GROUP, type: 'consumer' }])
  })

  it('the consumer-protocol member\'s session ending downgrades the group like its leaving does', async () => {
    const [a, b] = await stableClassicGroup()
    await consumerHeartbeat({ memberId: 'c1', memberEpoch: 0 })
    const { coordinator } = open!
    for (let elapsed = 0; elapsed <= 45_000; elapsed += 5000) {
      await vi.advanceTimersByTimeAsync(5000)
      for (const m of [a!, b!]) coordinator.heartbeat({ groupId: GROUP, generationId: m.generationId, memberId: m.memberId, groupInstanceId: null })
    }
    expect(coordinator.listGroups([], []).groups).toMatchObject([{ groupId: GROUP, type: 'classic', state: 'PreparingRebalance' }])
    expect(coordinator.describeGroup(GROUP).members.map((m) => m.memberId).sort()).toEqual([a!.memberId, b!.memberId].sort())
  })
})

describe('what the upgrade refuses, with Kafka\'s errors', () => {
  it('a policy without upgrade leaves the group classic', async () => {
    await open!.close()
    await start('downgrade')
    await stableClassicGroup()
    expect(await consumerHeartbeat({ memberId: 'c1', memberEpoch: 0 })).toMatchObject({
      errorCode: E.GROUP_ID_NOT_FOUND,
      errorMessage: `Cannot upgrade classic group ${GROUP} to consumer group because the online upgrade is disabled.`,
    })
    expect(open!.coordinator.listGroups([], []).groups).toMatchObject([{ groupId: GROUP, type: 'classic', state: 'Stable' }])
  })

  it('a group of another protocol type, or a heartbeat that is not a join, is not upgraded', async () => {
    await stableClassicGroup('connect')
    expect(await consumerHeartbeat({ memberId: 'c1', memberEpoch: 0 })).toMatchObject({
      errorCode: E.GROUP_ID_NOT_FOUND,
      errorMessage: `Cannot upgrade classic group ${GROUP} to consumer group because the group does not use the consumer embedded protocol.`,
    })
    expect(await consumerHeartbeat({ memberId: 'c1', memberEpoch: 3 })).toMatchObject({ errorCode: E.GROUP_ID_NOT_FOUND, errorMessage: `Group ${GROUP} is not a consumer group.` })
  })
})

describe('downgrading (the last consumer-protocol member leaves)', () => {
  it('turns the group back into a classic group that rebalances its classic members', async () => {
    const [a, b] = await stableClassicGroup()
    const c1 = await consumerHeartbeat({ memberId: 'c1', memberEpoch: 0 })
    expect(await consumerHeartbeat({ memberId: 'c1', memberEpoch: -1 })).toMatchObject({ errorCode: E.NONE })
    const { coordinator } = open!
    expect(coordinator.listGroups([], []).groups).toMatchObject([{ groupId: GROUP, type: 'classic', protocolType: 'consumer', state: 'PreparingRebalance' }])
    expect(coordinator.consumerGroupDescribe([GROUP])[0]!.errorCode).toBe(E.GROUP_ID_NOT_FOUND)
    // The classic generation is the group epoch the classic members are at.
    expect(coordinator.heartbeat({ groupId: GROUP, generationId: c1.memberEpoch - 1, memberId: a!.memberId, groupInstanceId: null })).toBe(E.ILLEGAL_GENERATION)
    expect(coordinator.heartbeat({ groupId: GROUP, generationId: c1.memberEpoch, memberId: a!.memberId, groupInstanceId: null })).toBe(E.REBALANCE_IN_PROGRESS)
    const rejoined = await joinAll(coordinator, [classicJoin(a!.memberId), classicJoin(b!.memberId)])
    expect(rejoined.map((j) => j.errorCode)).toEqual([E.NONE, E.NONE])
    expect(rejoined[0]!.generationId).toBe(c1.memberEpoch + 1)
    expect(rejoined.filter((j) => j.leader === j.memberId)).toHaveLength(1)
  })

  it('a policy without downgrade keeps a consumer group of classic members', async () => {
    await open!.close()
    await start('upgrade')
    await stableClassicGroup()
    await consumerHeartbeat({ memberId: 'c1', memberEpoch: 0 })
    await consumerHeartbeat({ memberId: 'c1', memberEpoch: -1 })
    const described = open!.coordinator.consumerGroupDescribe([GROUP])[0]!
    expect(described.errorCode).toBe(E.NONE)
    expect(described.members.map((m) => m.memberType)).toEqual([0, 0])
  })
})

describe('a restart with a mixed group', () => {
  it('loads the classic members back as classic members, at their epochs', async () => {
    const [a] = await stableClassicGroup()
    await consumerHeartbeat({ memberId: 'c1', memberEpoch: 0 })
    const before = open!.coordinator.consumerGroupDescribe([GROUP])[0]!
    await open!.crash()
    await start('bidirectional')
    const after = open!.coordinator.consumerGroupDescribe([GROUP])[0]!
    expect(after.members.map((m) => [m.memberId, m.memberType, m.memberEpoch]).sort()).toEqual(before.members.map((m) => [m.memberId, m.memberType, m.memberEpoch]).sort())
    // The classic member goes on at its generation: told to rejoin, not that it is unknown.
    expect(open!.coordinator.heartbeat({ groupId: GROUP, generationId: a!.generationId, memberId: a!.memberId, groupInstanceId: null })).toBe(E.REBALANCE_IN_PROGRESS)
  })
})

describe('a static classic member restarting in a consumer group', () => {
  /** A static classic consumer's JoinGroup (group.instance.id set), subscribed to orders. */
  const staticJoin = (memberId: string) =>
    joinParams(GROUP, { memberId, groupInstanceId: 'instance-1', protocols: [{ name: 'cooperative-sticky', metadata: encodeSubscription({ topics: ['orders'] }) }] })

  it('is replaced by its new member id, which takes its partitions without a rebalance; the old id is fenced', async () => {
    // A consumer-protocol member on another topic makes this a consumer group; orders is all the static member's.
    await open!.metadata.createTopic('audit', [[1]])
    await consumerHeartbeat({ memberId: 'c1', memberEpoch: 0, subscribedTopicNames: ['audit'] })
    const { coordinator } = open!
    const first = await join(coordinator, staticJoin(''))
    expect(first.errorCode).toBe(E.NONE)
    expect(await syncedPartitions(first)).toEqual([0, 1, 2, 3])
    const before = coordinator.consumerGroupDescribe([GROUP])[0]!

    // The process restarts and joins again under a new member id while its old session is alive.
    const restarted = await join(coordinator, staticJoin(''))
    expect(restarted).toMatchObject({ errorCode: E.NONE, protocolName: 'cooperative-sticky' })
    expect(restarted.memberId).not.toBe(first.memberId)
    expect(await syncedPartitions(restarted)).toEqual([0, 1, 2, 3])

    const after = coordinator.consumerGroupDescribe([GROUP])[0]!
    expect(after.members.map((m) => [m.memberId, m.instanceId, m.memberType]).sort()).toEqual([['c1', null, 1], [restarted.memberId, 'instance-1', 0]].sort())
    // Nobody else rebalances: the group epoch and the other member's partitions stay.
    expect(after.groupEpoch).toBe(before.groupEpoch)
    expect(after.members.find((m) => m.memberId === 'c1')!.assignment).toEqual(before.members.find((m) => m.memberId === 'c1')!.assignment)

    // The instance it replaced learns it was fenced, the error that stops a zombie for good.
    const old = { groupId: GROUP, generationId: first.generationId, memberId: first.memberId, groupInstanceId: 'instance-1' }
    expect(coordinator.heartbeat(old)).toBe(E.FENCED_INSTANCE_ID)
    expect((await Promise.resolve(coordinator.syncGroup({ ...old, protocolType: null, protocolName: null, assignments: [] }))).errorCode).toBe(E.FENCED_INSTANCE_ID)
  })

  it('a consumer-protocol static member whose instance id is still held by a live member is refused UNRELEASED_INSTANCE_ID', async () => {
    await consumerHeartbeat({ memberId: 'c1', memberEpoch: 0, instanceId: 'instance-2' })
    const refused = await consumerHeartbeat({ memberId: 'c2', memberEpoch: 0, instanceId: 'instance-2' })
    expect(refused.errorCode).toBe(E.UNRELEASED_INSTANCE_ID)
  })
})
