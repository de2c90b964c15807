/**
 * Every version of every group API, over the wire against the real broker: a group formed,
 * synced, heartbeated, committed to, read back, listed, described, left and deleted with each
 * version the broker advertises (non-flexible and flexible encodings alike).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { decodeAssignment, encodeAssignment, encodeSubscription } from '../../src/protocol/messages/consumer-protocol.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { type RawConnection, connectRaw, ensureTopic } from '../helpers/group-admin.js'

const TOPIC = 'versions-topic'
let broker: BrokerProcess
let c: RawConnection

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 2 } })
  await ensureTopic(broker.bootstrap, TOPIC)
  c = await connectRaw(broker.bootstrap, 'versions')
})

afterAll(async () => {
  c?.close()
  await broker?.stop()
})

const protocols = [{ name: 'range', metadata: encodeSubscription({ topics: [TOPIC] }) }]
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('ApiVersions', () => {
  it('advertises the group APIs from version 0 (librdkafka probes exact old versions)', async () => {
    const versions = await c.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'versions', clientSoftwareVersion: '1' })
    const advertised = new Map(versions.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]))
    expect(advertised.get(ApiKeys.FindCoordinator)).toEqual([0, 6])
    expect(advertised.get(ApiKeys.JoinGroup)).toEqual([0, 9])
    expect(advertised.get(ApiKeys.SyncGroup)).toEqual([0, 5])
    expect(advertised.get(ApiKeys.Heartbeat)).toEqual([0, 4])
    expect(advertised.get(ApiKeys.LeaveGroup)).toEqual([0, 5])
    expect(advertised.get(ApiKeys.OffsetCommit)).toEqual([0, 9])
    expect(advertised.get(ApiKeys.OffsetFetch)).toEqual([0, 9])
    expect(advertised.get(ApiKeys.ListGroups)).toEqual([0, 5])
    expect(advertised.get(ApiKeys.DescribeGroups)).toEqual([0, 6])
    expect(advertised.get(ApiKeys.DeleteGroups)).toEqual([0, 2])
    expect(advertised.get(ApiKeys.OffsetDelete)).toEqual([0, 0])
  })
})

describe.each(range(0, 9))('JoinGroup v%i with matching SyncGroup, Heartbeat, OffsetCommit, OffsetFetch and LeaveGroup versions', (v) => {
  it('forms a group, commits and reads offsets, and leaves', async () => {
    const groupId = `versions-${v}`
    const join = (memberId: string) =>
      c.request(ApiKeys.JoinGroup, v, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, protocolType: 'consumer', protocols })
    let joined = await join('')
    if (v >= 4) {
      expect(joined.errorCode).toBe(E.MEMBER_ID_REQUIRED)
      joined = await join(joined.memberId)
    }
    expect(joined).toMatchObject({ errorCode: E.NONE, generationId: 1, protocolName: 'range', leader: joined.memberId })
    if (v >= 7) expect(joined.protocolType).toBe('consumer')
    expect(joined.members.map((m) => m.memberId)).toEqual([joined.memberId])

    const syncVersion = Math.min(v, 5)
    const assignment = encodeAssignment({ assignedPartitions: [{ topic: TOPIC, partitions: [0, 1] }] })
    const synced = await c.request(ApiKeys.SyncGroup, syncVersion, {
      groupId, generationId: 1, memberId: joined.memberId, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: joined.memberId, assignment }],
    })
    expect(synced.errorCode).toBe(E.NONE)
    expect(decodeAssignment(synced.assignment).value.assignedPartitions).toEqual([{ topic: TOPIC, partitions: [0, 1] }])
    expect((await c.request(ApiKeys.Heartbeat, Math.min(v, 4), { groupId, generationId: 1, memberId: joined.memberId })).errorCode).toBe(E.NONE)

    // OffsetCommit v0 carries no member or generation, so only a group without members takes it.
    const member = v === 0 ? { generationIdOrMemberEpoch: -1, memberId: '' } : { generationIdOrMemberEpoch: 1, memberId: joined.memberId }
    const commitGroup = v === 0 ? `${groupId}-standalone` : groupId
    const committed = await c.request(ApiKeys.OffsetCommit, v, {
      groupId: commitGroup, ...member, retentionTimeMs: -1n,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: BigInt(10 + v), committedLeaderEpoch: 0, committedMetadata: `v${v}` }] }],
    })
    expect(committed.topics[0]!.partitions[0]!.errorCode).toBe(E.NONE)
    const fetched = await c.request(ApiKeys.OffsetFetch, v, {
      groupId: commitGroup, topics: [{ name: TOPIC, partitionIndexes: [0, 1] }],
      groups: [{ groupId: commitGroup, memberId: null, memberEpoch: -1, topics: [{ name: TOPIC, partitionIndexes: [0, 1] }] }],
    })
    const partitions = v >= 8 ? fetched.groups[0]!.topics[0]!.partitions : fetched.topics[0]!.partitions
    expect(partitions.map((p) => [p.partitionIndex, Number(p.committedOffset), p.metadata, p.errorCode])).toEqual([[0, 10 + v, `v${v}`, E.NONE], [1, -1, '', E.NONE]])
    if (v >= 5) expect(partitions[0]!.committedLeaderEpoch).toBe(v >= 6 ? 0 : -1)

    const leaveVersion = Math.min(v, 5)
    const left = await c.request(ApiKeys.LeaveGroup, leaveVersion, { groupId, memberId: joined.memberId, members: [{ memberId: joined.memberId, groupInstanceId: null }] })
    expect(left.errorCode).toBe(E.NONE)
    if (leaveVersion >= 3) expect(left.members).toEqual([{ memberId: joined.memberId, groupInstanceId: null, errorCode: E.NONE }])
  })
})

describe('the group admin APIs at every version', () => {
  it.each(range(0, 6))('FindCoordinator v%i names this broker', async (v) => {
    const response = await c.request(ApiKeys.FindCoordinator, v, { key: 'g', keyType: 0, coordinatorKeys: ['g', 'h'] })
    if (v >= 4) expect(response.coordinators.map((k) => [k.key, k.nodeId, k.port, k.errorCode])).toEqual([['g', 1, broker.port, 0], ['h', 1, broker.port, 0]])
    else expect([response.errorCode, response.nodeId, response.host, response.port]).toEqual([0, 1, broker.host, broker.port])
  })

  it.each(range(0, 5))('ListGroups v%i lists the groups (with states from v4, filtered by state)', async (v) => {
    const response = await c.request(ApiKeys.ListGroups, v, { statesFilter: v >= 4 ? ['empty'] : [] })
    expect(response.errorCode).toBe(E.NONE)
    const ids = response.groups.map((g) => g.groupId)
    expect(ids).toContain('versions-9')
    if (v >= 4) expect(response.groups.every((g) => g.groupState === 'Empty')).toBe(true)
    if (v >= 5) expect(response.groups.every((g) => g.groupType === 'classic')).toBe(true)
  })

  it('ListGroups v5 with a types filter other than classic lists nothing', async () => {
    expect((await c.request(ApiKeys.ListGroups, 5, { typesFilter: ['consumer'] })).groups).toEqual([])
  })

  it.each(range(0, 6))('DescribeGroups v%i describes a group and reports a missing one as Dead (refused from v6)', async (v) => {
    const response = await c.request(ApiKeys.DescribeGroups, v, { groups: ['versions-3', 'no-such-group'], includeAuthorizedOperations: true })
    expect(response.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.protocolType])).toEqual([
      ['versions-3', 0, 'Empty', 'consumer'],
      ['no-such-group', v >= 6 ? E.GROUP_ID_NOT_FOUND : 0, 'Dead', ''],
    ])
    if (v >= 3) expect(response.groups[0]!.authorizedOperations).toBe((1 << 3) | (1 << 6) | (1 << 8))
    if (v >= 6) expect(response.groups.map((g) => g.errorMessage)).toEqual([null, 'Group no-such-group not found.'])
  })

  it('OffsetFetch v8 answers several groups in one request', async () => {
    const response = await c.request(ApiKeys.OffsetFetch, 8, {
      groups: [
        { groupId: 'versions-1', topics: [{ name: TOPIC, partitionIndexes: [0] }] },
        { groupId: 'versions-2', topics: null },
        { groupId: 'no-commits', topics: [{ name: TOPIC, partitionIndexes: [1] }] },
      ],
    })
    expect(response.groups.map((g) => [g.groupId, g.errorCode, g.topics.flatMap((t) => t.partitions.map((p) => Number(p.committedOffset)))])).toEqual([
      ['versions-1', 0, [11]],
      ['versions-2', 0, [12]],
      ['no-commits', 0, [-1]],
    ])
  })

  it('OffsetDelete v0 removes a committed offset of an empty group', async () => {
    const response = await c.request(ApiKeys.OffsetDelete, 0, { groupId: 'versions-4', topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }] })
    expect(response.errorCode).toBe(E.NONE)
    expect(response.topics[0]!.partitions[0]!.errorCode).toBe(E.NONE)
    const fetched = await c.request(ApiKeys.OffsetFetch, 7, { groupId: 'versions-4', topics: [{ name: TOPIC, partitionIndexes: [0] }] })
    expect(Number(fetched.topics[0]!.partitions[0]!.committedOffset)).toBe(-1)
  })

  it.each(range(0, 2))('DeleteGroups v%i deletes an empty group', async (v) => {
    const groupId = `versions-${5 + v}`
    const response = await c.request(ApiKeys.DeleteGroups, v, { groupsNames: [groupId] })
    expect(response.results).toEqual([{ groupId, errorCode: E.NONE }])
    expect((await c.request(ApiKeys.DescribeGroups, 0, { groups: [groupId] })).groups[0]!.groupState).toBe('Dead')
  })
})

describe('DescribeGroups on groups that are not classic groups', () => {
  // Last in the file: these groups would show in the ListGroups answers above.
  const CONSUMER_GROUP = 'versions-kip848'
  const SHARE_GROUP = 'versions-share'

  beforeAll(async () => {
    const consumer = await c.request(ApiKeys.ConsumerGroupHeartbeat, 0, {
      groupId: CONSUMER_GROUP,
      memberId: 'kip848-member',
      memberEpoch: 0,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: 30_000,
      subscribedTopicNames: [TOPIC],
      serverAssignor: null,
      topicPartitions: [],
    })
    expect(consumer.errorCode).toBe(E.NONE)
    const share = await c.request(ApiKeys.ShareGroupHeartbeat, 1, { groupId: SHARE_GROUP, memberId: 'share-member', memberEpoch: 0, rackId: null, subscribedTopicNames: [TOPIC] })
    expect(share.errorCode).toBe(E.NONE)
  })

  it('v6 refuses a KIP-848 consumer group and a share group with GROUP_ID_NOT_FOUND and Kafka\'s message', async () => {
    const response = await c.request(ApiKeys.DescribeGroups, 6, { groups: [CONSUMER_GROUP, SHARE_GROUP], includeAuthorizedOperations: false })
    expect(response.groups.map((g) => [g.groupId, g.errorCode, g.errorMessage, g.groupState, g.members.length])).toEqual([
      [CONSUMER_GROUP, E.GROUP_ID_NOT_FOUND, `Group ${CONSUMER_GROUP} is not a classic group.`, 'Dead', 0],
      [SHARE_GROUP, E.GROUP_ID_NOT_FOUND, `Group ${SHARE_GROUP} is not a classic group.`, 'Dead', 0],
    ])
  })

  it.each([0, 5])('v%i describes them as Dead without an error, as Kafka does before v6', async (v) => {
    const response = await c.request(ApiKeys.DescribeGroups, v, { groups: [CONSUMER_GROUP, SHARE_GROUP], includeAuthorizedOperations: false })
    expect(response.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.members.length])).toEqual([
      [CONSUMER_GROUP, E.NONE, 'Dead', 0],
      [SHARE_GROUP, E.NONE, 'Dead', 0],
    ])
  })
})
