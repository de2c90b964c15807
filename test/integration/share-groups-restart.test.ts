/**
 * Share groups (KIP-932) survive their coordinator's restart: their epochs, members and
 * assignments are records in __consumer_offsets, read back when the broker leads the partition
 * again. Against one real broker killed with SIGKILL (the log is replayed) and then stopped
 * cleanly (the coordinator snapshot carries them):
 *
 * - a group with members comes back Stable with the same epoch, and its members heartbeat on
 *   with the epochs they had, without rejoining;
 * - an empty share group is still listed (ListGroups type share, kafka-share-groups --list) and
 *   described, and a member joining it continues its epoch instead of starting from 1;
 * - a share group deleted with DeleteGroups stays gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { type RawConnection, connectRaw, ensureTopic } from '../helpers/group-admin.js'
import { kafkaShareGroups, missingJavaTools, prepareShareConsumers } from '../helpers/java-share-consumers.js'
import { shareHeartbeat } from '../helpers/share-wire.js'

const TOPIC = 'share-restart'
const LIVE = 'share-restart-live'
const EMPTY = 'share-restart-empty'
const DOOMED = 'share-restart-doomed'
let broker: BrokerProcess
let c: RawConnection

beforeAll(async () => {
  if (missingJavaTools.length === 0) prepareShareConsumers()
  // Sessions outlast the restarts: members that do not heartbeat meanwhile are still members.
  broker = await startBroker({ settings: { 'num.partitions': 2, 'group.share.session.timeout.ms': 300_000 } })
  await ensureTopic(broker.bootstrap, TOPIC)
  c = await connectRaw(broker.bootstrap, 'share-restart')
}, 300_000)

afterAll(async () => {
  c?.close()
  await broker?.stop()
})

const heartbeat = (groupId: string, memberId: string, memberEpoch: number, subscribedTopicNames: string[] | null = null) => shareHeartbeat(c, groupId, memberId, memberEpoch, subscribedTopicNames)
const describeShare = async (groupId: string) => (await c.request(ApiKeys.ShareGroupDescribe, 1, { groupIds: [groupId], includeAuthorizedOperations: false })).groups[0]!
const listShareGroups = async () => {
  const listed = await c.request(ApiKeys.ListGroups, 5, { statesFilter: [], typesFilter: ['share'] })
  expect(listed.errorCode).toBe(E.NONE)
  return new Map(listed.groups.map((g) => [g.groupId, g.groupState]))
}

async function restart(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  c.close()
  if (signal === 'SIGKILL') await broker.kill()
  else expect(await broker.stop('SIGTERM')).toBe(0)
  broker = await broker.restart()
  c = await connectRaw(broker.bootstrap, 'share-restart')
}

describe('share groups across a coordinator restart', () => {
  it('keep their epochs, members and empty groups after kill -9 and a clean stop; a deleted one stays gone', async () => {
    // A live group: a and b (epochs 1, 2); a learns epoch 2 at its next heartbeat.
    expect((await heartbeat(LIVE, 'member-a', 0, [TOPIC])).memberEpoch).toBe(1)
    expect((await heartbeat(LIVE, 'member-b', 0, [TOPIC])).memberEpoch).toBe(2)
    const a = await heartbeat(LIVE, 'member-a', 1)
    expect(a.memberEpoch).toBe(2)
    const aPartitions = a.assignment!.topicPartitions.flatMap((t) => t.partitions)
    // An empty group at epoch 2 (a member came and went), and one deleted once empty.
    await heartbeat(EMPTY, 'member-x', 0, [TOPIC])
    expect((await heartbeat(EMPTY, 'member-x', -1)).errorCode).toBe(E.NONE)
    await heartbeat(DOOMED, 'member-y', 0, [TOPIC])
    await heartbeat(DOOMED, 'member-y', -1)
    const deleted = await c.request(ApiKeys.DeleteGroups, 2, { groupsNames: [DOOMED] })
    expect(deleted.results).toEqual([expect.objectContaining({ groupId: DOOMED, errorCode: E.NONE })])

    await restart('SIGKILL')

    expect(await listShareGroups()).toEqual(new Map([[LIVE, 'Stable'], [EMPTY, 'Empty']]))
    const live = await describeShare(LIVE)
    expect(live).toMatchObject({ errorCode: E.NONE, groupState: 'Stable', groupEpoch: 2, assignmentEpoch: 2 })
    expect(live.members.map((m) => [m.memberId, m.memberEpoch]).sort()).toEqual([['member-a', 2], ['member-b', 2]])
    expect(await describeShare(EMPTY)).toMatchObject({ errorCode: E.NONE, groupState: 'Empty', groupEpoch: 2, members: [] })
    expect((await describeShare(DOOMED)).errorCode).toBe(E.GROUP_ID_NOT_FOUND)

    // Members go on with their epochs: no rejoin, no new assignment.
    expect(await heartbeat(LIVE, 'member-a', 2)).toMatchObject({ errorCode: E.NONE, memberEpoch: 2, assignment: null })
    expect(await heartbeat(LIVE, 'member-b', 2)).toMatchObject({ errorCode: E.NONE, memberEpoch: 2, assignment: null })
    // The empty group's epoch continues.
    expect((await heartbeat(EMPTY, 'member-z', 0, [TOPIC])).memberEpoch).toBe(3)

    if (missingJavaTools.length === 0) {
      // Kafka 4.1's kafka-share-groups sees them too.
      const listed = await kafkaShareGroups('--bootstrap-server', broker.bootstrap, '--list')
      expect(listed.code, listed.stderr).toBe(0)
      const names = listed.stdout.split('\n').map((line) => line.trim())
      expect(names).toEqual(expect.arrayContaining([LIVE, EMPTY]))
      expect(names).not.toContain(DOOMED)
      const members = await kafkaShareGroups('--bootstrap-server', broker.bootstrap, '--describe', '--group', LIVE, '--members')
      expect(members.code, members.stderr).toBe(0)
      const memberLines = members.stdout.split('\n').filter((line) => line.startsWith(LIVE))
      expect(memberLines).toHaveLength(2)
      expect(memberLines.join('\n')).toMatch(/member-a/)
      expect(memberLines.join('\n')).toMatch(/member-b/)
    }

    // A clean stop writes a coordinator snapshot; the groups come back from it.
    await heartbeat(EMPTY, 'member-z', -1)
    await restart('SIGTERM')
    expect(await listShareGroups()).toEqual(new Map([[LIVE, 'Stable'], [EMPTY, 'Empty']]))
    expect(await describeShare(EMPTY)).toMatchObject({ groupState: 'Empty', groupEpoch: 4 })
    const again = await heartbeat(LIVE, 'member-a', 2)
    expect(again).toMatchObject({ errorCode: E.NONE, memberEpoch: 2 })
    // Its target assignment came back too: a full heartbeat is given the same partitions.
    expect((await heartbeat(LIVE, 'member-a', 0, [TOPIC])).assignment!.topicPartitions.flatMap((t) => t.partitions)).toEqual(aPartitions)
  })
})
