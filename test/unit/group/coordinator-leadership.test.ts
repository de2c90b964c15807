import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { OFFSETS_TOPIC, partitionForGroup } from '../../../src/group/coordinator-key.js'
import { offsetCommitRecordKey, offsetCommitRecordValue } from '../../../src/group/coordinator-records.js'
import { KafkaErrorCodes as E } from '../../../src/protocol/error-codes.js'
import { encodeRecordBatch } from '../../../src/protocol/records.js'
import type { Partition } from '../../../src/replication/partition.js'
import { tempDir } from '../../helpers/temp-dir.js'
import { type OpenCoordinator, isSettled, join, joinAll, joinParams, openCoordinator, sync } from './coordinator-fixture.js'

/** This broker is 1; broker 2 stands for whichever other broker takes over. */
const OTHER_BROKER = 2
const PARTITIONS = 3

let open: OpenCoordinator | undefined

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
})

afterEach(async () => {
  vi.useRealTimers()
  await open?.close()
  open = undefined
})

/** A group id that lands in `partition` of __consumer_offsets. */
function groupIn(partition: number, prefix: string): string {
  for (let i = 0; ; i++) if (partitionForGroup(`${prefix}-${i}`, PARTITIONS) === partition) return `${prefix}-${i}`
}

const offsetsPartition = (groupId: string): Partition => open!.replicas.partition(OFFSETS_TOPIC, partitionForGroup(groupId, PARTITIONS))!

/** The controller's word that `leader` now leads the group's partition, at the next leader epoch. */
function electLeader(groupId: string, leader: number): void {
  const partition = offsetsPartition(groupId)
  const state = partition.state
  open!.replicas.applyPartitionState(partition, { ...state, leader, leaderEpoch: state.leaderEpoch + 1, partitionEpoch: state.partitionEpoch + 1 }, () => undefined)
}

/** The same leader with another ISR (replicas follow it), as after an AlterPartition. */
function setIsr(groupId: string, isr: number[]): void {
  const partition = offsetsPartition(groupId)
  const state = partition.state
  open!.replicas.applyPartitionState(partition, { ...state, replicas: [1, OTHER_BROKER], isr, partitionEpoch: state.partitionEpoch + 1 }, () => undefined)
}

const commit = (groupId: string, offsets: Array<[string, number, number]>) =>
  open!.coordinator.commitOffsets({
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    offsets: offsets.map(([topic, partition, offset]) => ({ topic, partition, offset, leaderEpoch: -1, metadata: '' })),
  })

const fetchOffsets = (groupId: string, topic: string, partitions: number[]) => {
  const result = open!.coordinator.fetchOffsets(groupId, [{ name: topic, partitionIndexes: partitions }])
  return { errorCode: result.errorCode, offsets: result.topics[0]!.partitions.map((p) => p.committed.offset) }
}

/** What another leader appended to the group's partition while this broker followed it. */
function appendAsFollower(groupId: string, topic: string, partition: number, offset: number): void {
  const log = offsetsPartition(groupId)
  const batch = encodeRecordBatch({
    baseOffset: log.logEndOffset,
    partitionLeaderEpoch: log.leaderEpoch,
    baseTimestamp: Date.now(),
    records: [{ key: offsetCommitRecordKey(groupId, topic, partition), value: offsetCommitRecordValue(offset, -1, '', Date.now()) }],
  })
  log.appendRecordsAsFollower(batch, log.logEndOffset + 1)
}

describe('GroupCoordinator follows the leadership of __consumer_offsets partitions', () => {
  it('stops coordinating the groups of a partition it no longer leads, and only those', async () => {
    open = await openCoordinator(tempDir())
    const moving = groupIn(0, 'moving')
    const staying = groupIn(1, 'staying')
    expect(commit(moving, [['t', 0, 10]])).toEqual([E.NONE])
    expect(commit(staying, [['t', 0, 20]])).toEqual([E.NONE])

    electLeader(moving, OTHER_BROKER)

    expect(fetchOffsets(moving, 't', [0])).toEqual({ errorCode: E.NOT_COORDINATOR, offsets: [-1] })
    expect(commit(moving, [['t', 0, 11]])).toEqual([E.NOT_COORDINATOR])
    expect(open.coordinator.describeGroup(moving).errorCode).toBe(E.NOT_COORDINATOR)
    expect(open.coordinator.heartbeat({ groupId: moving, generationId: 1, memberId: 'm', groupInstanceId: null })).toBe(E.NOT_COORDINATOR)
    expect(open.coordinator.deleteGroups([moving])).toEqual([{ groupId: moving, errorCode: E.NOT_COORDINATOR }])
    // ListGroups names only the groups coordinated here; admin clients ask every broker.
    expect(open.coordinator.listGroups([], []).groups.map((g) => g.groupId)).toEqual([staying])
    expect(fetchOffsets(staying, 't', [0])).toEqual({ errorCode: E.NONE, offsets: [20] })
  })

  it('loads the partition again when it leads it at a new epoch, answering COORDINATOR_LOAD_IN_PROGRESS until done', async () => {
    open = await openCoordinator(tempDir())
    const group = groupIn(2, 'returning')
    expect(commit(group, [['t', 0, 10], ['t', 1, 11]])).toEqual([E.NONE, E.NONE])
    electLeader(group, OTHER_BROKER)
    // The other leader took a commit while this broker followed and copied it.
    appendAsFollower(group, 't', 1, 12)

    electLeader(group, 1)
    expect(fetchOffsets(group, 't', [0, 1]).errorCode).toBe(E.COORDINATOR_LOAD_IN_PROGRESS)
    expect(commit(group, [['t', 0, 99]])).toEqual([E.COORDINATOR_LOAD_IN_PROGRESS])
    expect(open.coordinator.listGroups([], []).errorCode).toBe(E.COORDINATOR_LOAD_IN_PROGRESS)

    await open.coordinator.awaitLoads()
    expect(fetchOffsets(group, 't', [0, 1])).toEqual({ errorCode: E.NONE, offsets: [10, 12] })
    expect(open.coordinator.listGroups([], [])).toMatchObject({ errorCode: E.NONE, groups: [{ groupId: group }] })
    expect(commit(group, [['t', 0, 13]])).toEqual([E.NONE])
    expect(fetchOffsets(group, 't', [0]).offsets).toEqual([13])
  })

  it('answers NOT_COORDINATOR to members waiting in JoinGroup or SyncGroup when leadership is lost', async () => {
    open = await openCoordinator(tempDir(), { initialRebalanceDelayMs: 3000 })
    const { coordinator } = open
    const joining = groupIn(0, 'joining')
    const syncing = groupIn(1, 'syncing')
    const joins = [join(coordinator, joinParams(syncing)), join(coordinator, joinParams(syncing))]
    // The second member extends the initial delay once: the group forms after two delays.
    await vi.advanceTimersByTimeAsync(6000)
    const [a, b] = await Promise.all(joins)
    // The follower's SyncGroup waits for the leader's assignment, which never comes.
    const follower = a!.leader === a!.memberId ? b! : a!
    const waitingSync = sync(coordinator, syncing, follower)
    const waitingJoin = join(coordinator, joinParams(joining))
    expect(await isSettled(waitingJoin)).toBe(false)
    expect(await isSettled(waitingSync)).toBe(false)

    electLeader(joining, OTHER_BROKER)
    expect((await waitingJoin).errorCode).toBe(E.NOT_COORDINATOR)
    expect(await isSettled(waitingSync)).toBe(false)

    electLeader(syncing, OTHER_BROKER)
    expect((await waitingSync).errorCode).toBe(E.NOT_COORDINATOR)
    expect(coordinator.listGroups([], []).groups).toEqual([])
  })

  it('does not use a snapshot whose last batch the log no longer holds, and replays the log instead', async () => {
    const dir = tempDir()
    open = await openCoordinator(dir)
    const group = groupIn(1, 'diverged')
    expect(commit(group, [['t', 0, 1]])).toEqual([E.NONE])
    expect(commit(group, [['t', 0, 2]])).toEqual([E.NONE])
    await open.coordinator.snapshotNow()

    // A new leader never had offset 1 (t-0 = 2): this broker truncates it away and copies the
    // new leader's log, which has other commits from offset 1 on.
    electLeader(group, OTHER_BROKER)
    offsetsPartition(group).truncateTo(1)
    appendAsFollower(group, 't', 1, 7)
    appendAsFollower(group, 't', 1, 8)

    electLeader(group, 1)
    await open.coordinator.awaitLoads()
    // From the stale snapshot, t-0 would read 2; the log says 1.
    expect(fetchOffsets(group, 't', [0, 1])).toEqual({ errorCode: E.NONE, offsets: [1, 8] })
  })

  it('starts a restarted broker with only the partitions it leads', async () => {
    const dir = tempDir()
    open = await openCoordinator(dir)
    const group = groupIn(0, 'kept')
    expect(commit(group, [['t', 0, 3]])).toEqual([E.NONE])
    await open.close()
    open = await openCoordinator(dir)
    expect(fetchOffsets(group, 't', [0])).toEqual({ errorCode: E.NONE, offsets: [3] })
  })
})

describe('GroupCoordinator writes are acks=all', () => {
  it('acknowledges a commit once the in-sync replicas have it, and serves it only then', async () => {
    open = await openCoordinator(tempDir())
    const group = groupIn(0, 'replicated')
    setIsr(group, [1, OTHER_BROKER])
    const committed = commit(group, [['t', 0, 5]])
    expect(committed).toBeInstanceOf(Promise)
    expect(await isSettled(committed as Promise<number[]>)).toBe(false)
    expect(fetchOffsets(group, 't', [0]).offsets).toEqual([-1])

    const partition = offsetsPartition(group)
    partition.updateFollowerFetchState(OTHER_BROKER, partition.logEndOffset, Date.now())
    expect(await committed).toEqual([E.NONE])
    expect(fetchOffsets(group, 't', [0]).offsets).toEqual([5])
  })

  it('answers REQUEST_TIMED_OUT when the in-sync replicas do not catch up within offsets.commit.timeout.ms', async () => {
    open = await openCoordinator(tempDir(), { offsetCommitTimeoutMs: 2000 })
    const group = groupIn(1, 'slow')
    setIsr(group, [1, OTHER_BROKER])
    const committed = commit(group, [['t', 0, 5]])
    await vi.advanceTimersByTimeAsync(2000)
    expect(await committed).toEqual([E.REQUEST_TIMED_OUT])
    expect(fetchOffsets(group, 't', [0]).offsets).toEqual([-1])
  })

  it('answers NOT_COORDINATOR to a commit waiting for replication when leadership is lost', async () => {
    open = await openCoordinator(tempDir())
    const group = groupIn(2, 'interrupted')
    setIsr(group, [1, OTHER_BROKER])
    const committed = commit(group, [['t', 0, 5]])
    electLeader(group, OTHER_BROKER)
    expect(await committed).toEqual([E.NOT_COORDINATOR])
  })

  it('answers COORDINATOR_NOT_AVAILABLE when the ISR is below min.insync.replicas', async () => {
    open = await openCoordinator(tempDir())
    const group = groupIn(0, 'understaffed')
    const partition = offsetsPartition(group)
    partition.config = { ...partition.config, 'min.insync.replicas': 2 }
    expect(commit(group, [['t', 0, 5]])).toEqual([E.COORDINATOR_NOT_AVAILABLE])
    expect(fetchOffsets(group, 't', [0]).offsets).toEqual([-1])
  })

  it('takes no snapshot while a commit waits for the in-sync replicas, so a restart after a crash keeps the commit', async () => {
    const dir = tempDir()
    open = await openCoordinator(dir)
    const group = groupIn(2, 'snapshotted')
    setIsr(group, [1, OTHER_BROKER])
    const committed = commit(group, [['t', 0, 5]])
    // The log has the commit, memory not yet: a snapshot now would cover the commit without it.
    await open.coordinator.snapshotNow()
    const partition = offsetsPartition(group)
    partition.updateFollowerFetchState(OTHER_BROKER, partition.logEndOffset, Date.now())
    expect(await committed).toEqual([E.NONE])
    await open.crash()

    open = await openCoordinator(dir)
    expect(fetchOffsets(group, 't', [0]).offsets).toEqual([5])
  })

  it('deletes a group together with a commit still waiting for the in-sync replicas', async () => {
    const dir = tempDir()
    open = await openCoordinator(dir)
    const group = groupIn(0, 'deleted')
    setIsr(group, [1, OTHER_BROKER])
    const committed = commit(group, [['t', 0, 5]])
    expect(open.coordinator.deleteGroups([group])).toEqual([{ groupId: group, errorCode: E.NONE }])
    const partition = offsetsPartition(group)
    partition.updateFollowerFetchState(OTHER_BROKER, partition.logEndOffset, Date.now())
    await committed
    expect(fetchOffsets(group, 't', [0]).offsets).toEqual([-1])
    await open.crash()

    // The log agrees: the deletion's tombstone covers the commit written before it.
    open = await openCoordinator(dir)
    expect(fetchOffsets(group, 't', [0]).offsets).toEqual([-1])
    expect(open.coordinator.describeGroup(group).state).toBe('Dead')
  })

  it('relays the assignment to the members once the in-sync replicas have it', async () => {
    open = await openCoordinator(tempDir())
    const { coordinator } = open
    const group = groupIn(1, 'assigned')
    setIsr(group, [1, OTHER_BROKER])
    const [a, b] = await joinAll(coordinator, [joinParams(group), joinParams(group)])
    const leader = a!.leader === a!.memberId ? a! : b!
    const follower = leader === a ? b! : a!
    const followerSync = sync(coordinator, group, follower)
    const leaderSync = sync(coordinator, group, leader, [
      { memberId: leader.memberId, assignment: Buffer.from('l') },
      { memberId: follower.memberId, assignment: Buffer.from('f') },
    ])
    expect(await isSettled(leaderSync)).toBe(false)
    expect(coordinator.describeGroup(group).state).toBe('CompletingRebalance')

    const partition = offsetsPartition(group)
    partition.updateFollowerFetchState(OTHER_BROKER, partition.logEndOffset, Date.now())
    expect((await leaderSync).assignment.toString()).toBe('l')
    expect((await followerSync).assignment.toString()).toBe('f')
    expect(coordinator.describeGroup(group).state).toBe('Stable')
  })
})
