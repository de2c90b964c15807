import { writeFileSync } from 'node:fs'
import { join as joinPath } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { OFFSETS_TOPIC, partitionForGroup } from '../../../src/group/coordinator-key.js'
import { SNAPSHOT_FILE } from '../../../src/group/coordinator-snapshot.js'
import { KafkaErrorCodes as E } from '../../../src/protocol/error-codes.js'
import { tempDir } from '../../helpers/temp-dir.js'
import { type OpenCoordinator, isSettled, join, joinAll, joinParams, openCoordinator, subscription, sync } from './coordinator-fixture.js'

let open: OpenCoordinator | undefined

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
})

afterEach(async () => {
  vi.useRealTimers()
  await open?.close()
  open = undefined
})

const commit = (groupId: string, offsets: Array<[string, number, number]>, member = { generationId: -1, memberId: '' }) =>
  open!.coordinator.commitOffsets({
    groupId,
    generationId: member.generationId,
    memberId: member.memberId,
    groupInstanceId: null,
    offsets: offsets.map(([topic, partition, offset]) => ({ topic, partition, offset, leaderEpoch: -1, metadata: `m${offset}` })),
  })

const fetchOffsets = (groupId: string, topic: string, partitions: number[]) =>
  open!.coordinator.fetchOffsets(groupId, [{ name: topic, partitionIndexes: partitions }]).topics[0]!.partitions.map((p) => p.committed.offset)

describe('GroupCoordinator rebalances', () => {
  it('waits group.initial.rebalance.delay.ms for more members (extended while they keep coming) and forms one generation', async () => {
    open = await openCoordinator(tempDir(), { initialRebalanceDelayMs: 3000 })
    const { coordinator } = open
    const a = join(coordinator, joinParams('g'))
    await vi.advanceTimersByTimeAsync(1000)
    const b = join(coordinator, joinParams('g'))
    await vi.advanceTimersByTimeAsync(4999)
    expect(await isSettled(a)).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    const [ra, rb] = await Promise.all([a, b])
    expect(ra.generationId).toBe(1)
    expect(rb.generationId).toBe(1)
    const leader = ra.leader === ra.memberId ? ra : rb
    expect(leader.members.map((m) => m.memberId).sort()).toEqual([ra.memberId, rb.memberId].sort())
    expect((leader === ra ? rb : ra).members).toEqual([])
  })

  it('relays the leader assignment to every member and stores it', async () => {
    open = await openCoordinator(tempDir())
    const { coordinator } = open
    const [ra, rb] = await joinAll(coordinator, [joinParams('g'), joinParams('g')])
    const leader = ra.leader === ra.memberId ? ra : rb
    const follower = leader === ra ? rb : ra
    const followerSync = sync(coordinator, 'g', follower)
    expect(await isSettled(followerSync)).toBe(false)
    const assignments = [
      { memberId: leader.memberId, assignment: Buffer.from('for-leader') },
      { memberId: follower.memberId, assignment: Buffer.from('for-follower') },
    ]
    expect((await sync(coordinator, 'g', leader, assignments)).assignment.toString()).toBe('for-leader')
    expect((await followerSync).assignment.toString()).toBe('for-follower')
    expect(coordinator.describeGroup('g')).toMatchObject({ state: 'Stable', protocolData: 'range' })
  })

  it('removes a member whose session expires and rebalances the others', async () => {
    open = await openCoordinator(tempDir())
    const { coordinator } = open
    const [ra, rb] = await joinAll(coordinator, [joinParams('g'), joinParams('g')])
    await Promise.all([sync(coordinator, 'g', ra), sync(coordinator, 'g', rb)])
    // Only a heartbeats; b's 10 s session runs out.
    for (let t = 0; t < 10; t++) {
      await vi.advanceTimersByTimeAsync(1000)
      if (t < 9) expect(coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: ra.memberId, groupInstanceId: null })).toBe(E.NONE)
    }
    expect(coordinator.describeGroup('g').state).toBe('PreparingRebalance')
    expect(coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: ra.memberId, groupInstanceId: null })).toBe(E.REBALANCE_IN_PROGRESS)
    const rejoined = await join(coordinator, joinParams('g', { memberId: ra.memberId }))
    expect(rejoined.generationId).toBe(2)
    expect(rejoined.members.map((m) => m.memberId)).toEqual([ra.memberId])
    expect(coordinator.heartbeat({ groupId: 'g', generationId: 2, memberId: rb.memberId, groupInstanceId: null })).toBe(E.UNKNOWN_MEMBER_ID)
  })

  it('drops members that never send SyncGroup within the rebalance timeout', async () => {
    open = await openCoordinator(tempDir())
    const { coordinator } = open
    const [ra, rb] = await joinAll(coordinator, [joinParams('g'), joinParams('g')])
    const leader = ra.leader === ra.memberId ? ra : rb
    const silent = leader === ra ? rb : ra
    await sync(coordinator, 'g', leader)
    const leaderHeartbeat = () => coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: leader.memberId, groupInstanceId: null })
    await vi.advanceTimersByTimeAsync(5000)
    expect(leaderHeartbeat()).toBe(E.NONE)
    await vi.advanceTimersByTimeAsync(5000)
    expect(coordinator.describeGroup('g').members.map((m) => m.memberId)).toEqual([leader.memberId])
    expect(coordinator.describeGroup('g').state).toBe('PreparingRebalance')
    expect(leaderHeartbeat()).toBe(E.REBALANCE_IN_PROGRESS)
    expect(coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: silent.memberId, groupInstanceId: null })).toBe(E.UNKNOWN_MEMBER_ID)
  })

  it('rejoins with the same metadata in CompletingRebalance get the current generation without a new rebalance', async () => {
    open = await openCoordinator(tempDir())
    const { coordinator } = open
    const [first] = await joinAll(coordinator, [joinParams('g')])
    const again = await join(coordinator, joinParams('g', { memberId: first.memberId }))
    expect(again.generationId).toBe(first.generationId)
    expect(again.members).toHaveLength(1)
  })

  it('chooses the protocol every member supports that most members prefer', async () => {
    open = await openCoordinator(tempDir())
    const { coordinator } = open
    const meta = subscription(['t'])
    const offering = (names: string[]) => joinParams('g', { protocols: names.map((name) => ({ name, metadata: meta })) })
    const results = await joinAll(coordinator, [
      offering(['sticky', 'range', 'roundrobin']),
      offering(['roundrobin', 'range']),
      offering(['roundrobin', 'range', 'sticky']),
    ])
    expect(results.every((r) => r.protocolName === 'roundrobin')).toBe(true)
  })

  it('lets a static member that comes back under a new id keep its generation and assignment', async () => {
    open = await openCoordinator(tempDir())
    const { coordinator } = open
    const stat = joinParams('g', { groupInstanceId: 'instance-1' })
    const [first] = await joinAll(coordinator, [stat])
    await sync(coordinator, 'g', first, [{ memberId: first.memberId, assignment: Buffer.from('mine') }])
    const back = await join(coordinator, stat)
    expect(back.errorCode).toBe(E.NONE)
    expect(back.memberId).not.toBe(first.memberId)
    expect(back.generationId).toBe(first.generationId)
    // Told the old leader id, so it does not compute an assignment the stable group would ignore.
    expect(back.leader).toBe(first.memberId)
    expect((await sync(coordinator, 'g', back)).assignment.toString()).toBe('mine')
    expect(coordinator.heartbeat({ groupId: 'g', generationId: 1, memberId: first.memberId, groupInstanceId: 'instance-1' })).toBe(E.FENCED_INSTANCE_ID)
  })

  it('tells a v9 static leader that rejoins it leads but must skip the assignment (KIP-814)', async () => {
    open = await openCoordinator(tempDir())
    const { coordinator } = open
    const stat = joinParams('g', { groupInstanceId: 'instance-1', supportSkippingAssignment: true })
    const [first] = await joinAll(coordinator, [stat])
    await sync(coordinator, 'g', first)
    const back = await join(coordinator, stat)
    expect(back).toMatchObject({ leader: back.memberId, skipAssignment: true, generationId: first.generationId })
    expect(back.members.map((m) => m.memberId)).toEqual([back.memberId])
  })

  it('forgets a group whose only member leaves once it holds nothing else', async () => {
    open = await openCoordinator(tempDir())
    const { coordinator } = open
    const [joined] = await joinAll(coordinator, [joinParams('g')])
    await sync(coordinator, 'g', joined)
    expect(coordinator.leaveGroup('g', [{ memberId: joined.memberId, groupInstanceId: null }]).members[0]!.errorCode).toBe(E.NONE)
    expect(coordinator.describeGroup('g').state).toBe('Empty')
    expect(coordinator.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: E.NONE }])
    expect(coordinator.describeGroup('g').state).toBe('Dead')
    expect(coordinator.listGroups([], []).groups).toEqual([])
  })
})

describe('GroupCoordinator persistence', () => {
  it('restores groups and offsets from a snapshot after a clean stop, and from the log after a crash', async () => {
    const dir = tempDir()
    open = await openCoordinator(dir)
    const [joined] = await joinAll(open.coordinator, [joinParams('live')])
    await sync(open.coordinator, 'live', joined, [{ memberId: joined.memberId, assignment: Buffer.from('a') }])
    expect(commit('live', [['t', 0, 10], ['t', 1, 20]], joined)).toEqual([E.NONE, E.NONE])
    expect(commit('offsets-only', [['t', 0, 5]])).toEqual([E.NONE])
    await open.close()

    open = await openCoordinator(dir)
    expect(fetchOffsets('live', 't', [0, 1, 2])).toEqual([10, 20, -1])
    expect(fetchOffsets('offsets-only', 't', [0])).toEqual([5])
    // A loaded member keeps its place as long as it heartbeats.
    expect(open.coordinator.describeGroup('live')).toMatchObject({ state: 'Stable', members: [{ memberId: joined.memberId }] })
    expect(open.coordinator.heartbeat({ groupId: 'live', generationId: 1, memberId: joined.memberId, groupInstanceId: null })).toBe(E.NONE)
    expect(commit('live', [['t', 0, 11]], joined)).toEqual([E.NONE])
    await open.crash()

    open = await openCoordinator(dir)
    expect(fetchOffsets('live', 't', [0, 1])).toEqual([11, 20])
    // Not heartbeating after the restart: the member expires and the group empties.
    await vi.advanceTimersByTimeAsync(10_000)
    expect(open.coordinator.describeGroup('live').state).toBe('Empty')
  })

  it('ignores a snapshot that does not match the log and replays the whole log instead', async () => {
    const dir = tempDir()
    open = await openCoordinator(dir)
    expect(commit('g', [['t', 0, 1]])).toEqual([E.NONE])
    await open.close()
    const partitionDir = joinPath(dir, `${OFFSETS_TOPIC}-${partitionForGroup('g', 3)}`)
    writeFileSync(joinPath(partitionDir, SNAPSHOT_FILE), 'garbage')
    open = await openCoordinator(dir)
    expect(fetchOffsets('g', 't', [0])).toEqual([1])
  })

  it('keeps a deletion across a restart', async () => {
    const dir = tempDir()
    open = await openCoordinator(dir)
    commit('doomed', [['t', 0, 1], ['t', 1, 2]])
    expect(open.coordinator.deleteGroups(['doomed'])[0]!.errorCode).toBe(E.NONE)
    await open.crash()
    open = await openCoordinator(dir)
    expect(open.coordinator.describeGroup('doomed').state).toBe('Dead')
    expect(fetchOffsets('doomed', 't', [0, 1])).toEqual([-1, -1])
  })

  it('expires offsets after offsets.retention.minutes: a standalone commit from its own time, an emptied group from when it emptied', async () => {
    const dir = tempDir()
    open = await openCoordinator(dir, { offsetsRetentionMs: 60_000 })
    const { coordinator } = open
    commit('standalone', [['t', 0, 1]])
    const [joined] = await joinAll(coordinator, [joinParams('managed')])
    await sync(coordinator, 'managed', joined)
    commit('managed', [['t', 0, 7]], joined)
    await vi.advanceTimersByTimeAsync(30_000)
    coordinator.leaveGroup('managed', [{ memberId: joined.memberId, groupInstanceId: null }])
    await vi.advanceTimersByTimeAsync(30_000)
    coordinator.expireOffsets()
    expect(fetchOffsets('standalone', 't', [0])).toEqual([-1])
    expect(fetchOffsets('managed', 't', [0])).toEqual([7])
    await vi.advanceTimersByTimeAsync(30_000)
    coordinator.expireOffsets()
    expect(fetchOffsets('managed', 't', [0])).toEqual([-1])
    expect(coordinator.listGroups([], []).groups).toEqual([])
    await open.crash()
    open = await openCoordinator(dir)
    expect(open.coordinator.listGroups([], []).groups).toEqual([])
  })
})
