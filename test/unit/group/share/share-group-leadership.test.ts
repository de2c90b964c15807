/**
 * Share groups follow the leadership of their __consumer_offsets partition, over real
 * partitions: when another broker takes the partition over they leave this coordinator
 * (NOT_COORDINATOR), and when this broker leads it again they are loaded from the log with the
 * epochs and members they had, and what the other leader wrote meanwhile; a crash without a
 * snapshot replays them too.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { OFFSETS_TOPIC, partitionForGroup } from '../../../../src/group/coordinator-key.js'
import type { ShareGroupHeartbeatResult } from '../../../../src/group/share/share-group-coordinator.js'
import { shareGroupKeys, shareGroupValues } from '../../../../src/group/share/share-group-records.js'
import { KafkaErrorCodes as E } from '../../../../src/protocol/error-codes.js'
import { encodeRecordBatch } from '../../../../src/protocol/records.js'
import { tempDir } from '../../../helpers/temp-dir.js'
import { type OpenCoordinator, openCoordinator } from '../coordinator-fixture.js'

const share = { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5000, maxSize: 10 }
const GROUP = 'queue'
const OTHER_BROKER = 2
let open: OpenCoordinator | undefined
let dir: string

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  dir = tempDir()
  open = await openCoordinator(dir, { share })
  await open.metadata.createTopic('jobs', [[1], [1]])
})

afterEach(async () => {
  vi.useRealTimers()
  await open?.close()
  open = undefined
})

const heartbeat = async (memberId: string, memberEpoch: number, subscribedTopicNames: string[] | null = null): Promise<ShareGroupHeartbeatResult> =>
  open!.coordinator.shareGroupHeartbeat({ groupId: GROUP, memberId, memberEpoch, rackId: null, subscribedTopicNames, clientId: memberId, clientHost: '/127.0.0.1' })

const offsetsPartition = () => open!.replicas.partition(OFFSETS_TOPIC, partitionForGroup(GROUP, open!.coordinator.offsetsTopicPartitionCount))!

/** The controller's word that `leader` now leads the group's partition, at the next leader epoch. */
function electLeader(leader: number): void {
  const partition = offsetsPartition()
  const state = partition.state
  open!.replicas.applyPartitionState(partition, { ...state, leader, leaderEpoch: state.leaderEpoch + 1, partitionEpoch: state.partitionEpoch + 1 }, () => undefined)
}

describe('share groups and the leadership of __consumer_offsets', () => {
  it('leave with the partition and come back from its log, with what another leader wrote meanwhile', async () => {
    expect((await heartbeat('a', 0, ['jobs'])).memberEpoch).toBe(1)
    expect((await heartbeat('b', 0, ['jobs'])).memberEpoch).toBe(2)

    electLeader(OTHER_BROKER)
    expect((await heartbeat('a', 1)).errorCode).toBe(E.NOT_COORDINATOR)
    expect(open!.coordinator.listGroups([], ['share']).groups).toEqual([])
    // The other coordinator removed b and moved the group to epoch 3; this broker copied that.
    const log = offsetsPartition()
    const removal = [
      { key: shareGroupKeys.currentAssignment(GROUP, 'b'), value: null },
      { key: shareGroupKeys.targetMember(GROUP, 'b'), value: null },
      { key: shareGroupKeys.member(GROUP, 'b'), value: null },
      { key: shareGroupKeys.metadata(GROUP), value: shareGroupValues.metadata(3, 0n) },
    ]
    const batch = encodeRecordBatch({
      baseOffset: log.logEndOffset,
      partitionLeaderEpoch: log.leaderEpoch,
      baseTimestamp: Date.now(),
      records: removal.map((r, offsetDelta) => ({ ...r, offsetDelta })),
    })
    log.appendRecordsAsFollower(batch, log.logEndOffset + removal.length)

    electLeader(1)
    await open!.coordinator.awaitLoads()
    const described = open!.coordinator.shareGroupDescribe(GROUP)
    expect(described).toMatchObject({ groupState: 'Stable', groupEpoch: 3 })
    expect('members' in described && described.members.map((m) => m.memberId)).toEqual(['a'])
    // a goes on: the group's topics hash changed under another leader, so a is reassigned at epoch 4.
    const next = await heartbeat('a', 1)
    expect(next.errorCode).toBe(E.NONE)
    expect(next.memberEpoch).toBe(4)
    expect(next.assignment!.topicPartitions[0]!.partitions).toEqual([0, 1])
  })

  it('replays the log after a crash, without a snapshot', async () => {
    await heartbeat('a', 0, ['jobs'])
    await heartbeat('a', -1)
    await open!.crash()
    open = await openCoordinator(dir, { share })
    expect(open.coordinator.listGroups([], ['share']).groups).toEqual([{ groupId: GROUP, protocolType: 'share', state: 'Empty', type: 'share' }])
    expect(open.coordinator.shareGroupDescribe(GROUP)).toMatchObject({ groupState: 'Empty', groupEpoch: 2 })
    expect(open.coordinator.deleteGroups([GROUP])).toEqual([{ groupId: GROUP, errorCode: E.NONE }])
    await open.crash()
    open = await openCoordinator(dir, { share })
    expect(open.coordinator.listGroups([], ['share']).groups).toEqual([])
  })
})
