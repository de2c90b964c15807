/**
 * The group APIs' errors, each provoked by raw requests the way a misbehaving or out-of-date
 * client would send them, and answered with the code Kafka gives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { encodeAssignment, encodeSubscription } from '../../src/protocol/messages/consumer-protocol.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { type RawConnection, connectRaw, ensureTopic } from '../helpers/group-admin.js'

let broker: BrokerProcess
const connections: RawConnection[] = []
const TOPIC = 'errors-topic'

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 2 } })
  await ensureTopic(broker.bootstrap, TOPIC)
})

afterAll(async () => {
  for (const c of connections) c.close()
  await broker?.stop()
})

async function connect(): Promise<RawConnection> {
  const connection = await connectRaw(broker.bootstrap, 'raw-client')
  connections.push(connection)
  return connection
}

const protocols = [{ name: 'range', metadata: encodeSubscription({ topics: [TOPIC] }) }]

interface Joined {
  readonly memberId: string
  readonly generationId: number
}

/** Joins as a new member (answering MEMBER_ID_REQUIRED) and, as leader, syncs: a Stable group. */
async function joinAndSync(connection: RawConnection, groupId: string, groupInstanceId: string | null = null): Promise<Joined> {
  const join = (memberId: string) =>
    connection.request(ApiKeys.JoinGroup, 5, {
      groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId, protocolType: 'consumer', protocols,
    })
  let response = await join('')
  if (response.errorCode === E.MEMBER_ID_REQUIRED) response = await join(response.memberId)
  expect(response.errorCode).toBe(E.NONE)
  const assignments = response.members.map((m) => ({
    memberId: m.memberId,
    assignment: encodeAssignment({ assignedPartitions: [{ topic: TOPIC, partitions: [0, 1] }] }),
  }))
  const sync = await connection.request(ApiKeys.SyncGroup, 3, {
    groupId, generationId: response.generationId, memberId: response.memberId, groupInstanceId, assignments,
  })
  expect(sync.errorCode).toBe(E.NONE)
  return { memberId: response.memberId, generationId: response.generationId }
}

const heartbeat = (connection: RawConnection, groupId: string, member: Joined, overrides: { generationId?: number; groupInstanceId?: string | null } = {}) =>
  connection.request(ApiKeys.Heartbeat, 3, {
    groupId, generationId: overrides.generationId ?? member.generationId, memberId: member.memberId, groupInstanceId: overrides.groupInstanceId ?? null,
  })

/** Heartbeats until the answer is not NONE (another member's JoinGroup is on its way), for up to 10 s. */
async function heartbeatUntilRebalancing(connection: RawConnection, groupId: string, member: Joined): Promise<number> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const { errorCode } = await heartbeat(connection, groupId, member)
    if (errorCode !== E.NONE || Date.now() > deadline) return errorCode
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('group API errors', () => {
  it('MEMBER_ID_REQUIRED: a v4+ JoinGroup without member id gets one to come back with', async () => {
    const c = await connect()
    const response = await c.request(ApiKeys.JoinGroup, 4, { groupId: 'g-required', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols })
    expect(response.errorCode).toBe(E.MEMBER_ID_REQUIRED)
    expect(response.memberId).toMatch(/^raw-client-/)
  })

  it('INVALID_GROUP_ID: JoinGroup with an empty group id', async () => {
    const c = await connect()
    const response = await c.request(ApiKeys.JoinGroup, 5, { groupId: '', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols })
    expect(response.errorCode).toBe(E.INVALID_GROUP_ID)
  })

  it('INVALID_SESSION_TIMEOUT: a session timeout below group.min.session.timeout.ms', async () => {
    const c = await connect()
    const response = await c.request(ApiKeys.JoinGroup, 5, { groupId: 'g-timeout', sessionTimeoutMs: 1000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols })
    expect(response.errorCode).toBe(E.INVALID_SESSION_TIMEOUT)
  })

  it('UNKNOWN_MEMBER_ID: a member id the group never gave out', async () => {
    const c = await connect()
    const member = await joinAndSync(c, 'g-unknown')
    expect((await heartbeat(c, 'g-unknown', { ...member, memberId: 'made-up' })).errorCode).toBe(E.UNKNOWN_MEMBER_ID)
    const join = await c.request(ApiKeys.JoinGroup, 5, { groupId: 'g-never', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: 'made-up', protocolType: 'consumer', protocols })
    expect(join.errorCode).toBe(E.UNKNOWN_MEMBER_ID)
  })

  it('ILLEGAL_GENERATION: a heartbeat and a commit from another generation', async () => {
    const c = await connect()
    const member = await joinAndSync(c, 'g-generation')
    expect((await heartbeat(c, 'g-generation', member, { generationId: member.generationId + 5 })).errorCode).toBe(E.ILLEGAL_GENERATION)
    const commit = await c.request(ApiKeys.OffsetCommit, 7, {
      groupId: 'g-generation', generationIdOrMemberEpoch: member.generationId - 1, memberId: member.memberId,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }],
    })
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(E.ILLEGAL_GENERATION)
  })

  it('REBALANCE_IN_PROGRESS: a heartbeat while another member is joining', async () => {
    const leader = await connect()
    const member = await joinAndSync(leader, 'g-rebalance')
    const newcomer = await connect()
    // The newcomer's JoinGroup waits for the rebalance, which waits for the leader to rejoin.
    const pending = newcomer.request(ApiKeys.JoinGroup, 3, { groupId: 'g-rebalance', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols })
    expect(await heartbeatUntilRebalancing(leader, 'g-rebalance', member)).toBe(E.REBALANCE_IN_PROGRESS)
    const sync = await leader.request(ApiKeys.SyncGroup, 3, { groupId: 'g-rebalance', generationId: member.generationId, memberId: member.memberId, assignments: [] })
    expect(sync.errorCode).toBe(E.REBALANCE_IN_PROGRESS)
    const rejoin = await leader.request(ApiKeys.JoinGroup, 3, { groupId: 'g-rebalance', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: member.memberId, protocolType: 'consumer', protocols })
    expect(rejoin.errorCode).toBe(E.NONE)
    expect(rejoin.generationId).toBe(member.generationId + 1)
    expect((await pending).errorCode).toBe(E.NONE)
  })

  it('INCONSISTENT_GROUP_PROTOCOL: a member with another protocol type or no common protocol', async () => {
    const c = await connect()
    await joinAndSync(c, 'g-protocol')
    const other = await connect()
    const wrongType = await other.request(ApiKeys.JoinGroup, 3, { groupId: 'g-protocol', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'connect', protocols })
    expect(wrongType.errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL)
    const noCommon = await other.request(ApiKeys.JoinGroup, 3, {
      groupId: 'g-protocol', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'sticky', metadata: Buffer.alloc(0) }],
    })
    expect(noCommon.errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL)
  })

  it('FENCED_INSTANCE_ID: the old incarnation of a static member after a new one took its place', async () => {
    const c = await connect()
    const old = await joinAndSync(c, 'g-fenced', 'instance-1')
    const replacement = await c.request(ApiKeys.JoinGroup, 5, {
      groupId: 'g-fenced', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: 'instance-1', protocolType: 'consumer', protocols,
    })
    expect(replacement.errorCode).toBe(E.NONE)
    expect(replacement.generationId).toBe(old.generationId)
    expect(replacement.memberId).not.toBe(old.memberId)
    expect((await heartbeat(c, 'g-fenced', old, { groupInstanceId: 'instance-1' })).errorCode).toBe(E.FENCED_INSTANCE_ID)
    const commit = await c.request(ApiKeys.OffsetCommit, 7, {
      groupId: 'g-fenced', generationIdOrMemberEpoch: old.generationId, memberId: old.memberId, groupInstanceId: 'instance-1',
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }],
    })
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(E.FENCED_INSTANCE_ID)
  })

  it('ILLEGAL_GENERATION (before v9) or GROUP_ID_NOT_FOUND (v9): a member commit to a group that does not exist', async () => {
    const c = await connect()
    const commit = (version: number) => c.request(ApiKeys.OffsetCommit, version, {
      groupId: 'g-nowhere', generationIdOrMemberEpoch: 3, memberId: 'ghost',
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }],
    })
    expect((await commit(8)).topics[0]!.partitions[0]!.errorCode).toBe(E.ILLEGAL_GENERATION)
    expect((await commit(9)).topics[0]!.partitions[0]!.errorCode).toBe(E.GROUP_ID_NOT_FOUND)
  })

  it('batched LeaveGroup (v3+): members leave by member id or, administratively, by group.instance.id, each with its own error', async () => {
    const dynamic = await connect()
    const staticMember = await connect()
    const member = await joinAndSync(dynamic, 'g-leave')
    // A static member arrives; the dynamic one learns of the rebalance from its heartbeat and
    // rejoins, and both are in the next generation.
    const staticJoin = staticMember.request(ApiKeys.JoinGroup, 5, {
      groupId: 'g-leave', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: 'instance-9', protocolType: 'consumer', protocols,
    })
    expect(await heartbeatUntilRebalancing(dynamic, 'g-leave', member)).toBe(E.REBALANCE_IN_PROGRESS)
    const joined = await Promise.all([
      dynamic.request(ApiKeys.JoinGroup, 5, { groupId: 'g-leave', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: member.memberId, groupInstanceId: null, protocolType: 'consumer', protocols }),
      staticJoin,
    ])
    expect(joined.map((j) => [j.errorCode, j.generationId])).toEqual([[E.NONE, 2], [E.NONE, 2]])
    const left = await dynamic.request(ApiKeys.LeaveGroup, 5, {
      groupId: 'g-leave',
      members: [
        { memberId: joined[0]!.memberId, groupInstanceId: null, reason: 'shutting down' },
        { memberId: '', groupInstanceId: 'instance-9', reason: 'removed by an operator' },
        { memberId: 'never-joined', groupInstanceId: null },
      ],
    })
    expect(left.members.map((m) => m.errorCode)).toEqual([E.NONE, E.NONE, E.UNKNOWN_MEMBER_ID])
    expect(left.errorCode).toBe(E.UNKNOWN_MEMBER_ID)
    const described = await dynamic.request(ApiKeys.DescribeGroups, 5, { groups: ['g-leave'] })
    expect(described.groups[0]).toMatchObject({ groupState: 'Empty', members: [] })
  })

  it('GROUP_ID_NOT_FOUND and NON_EMPTY_GROUP: deleting a missing group and a live one', async () => {
    const c = await connect()
    await joinAndSync(c, 'g-live')
    const response = await c.request(ApiKeys.DeleteGroups, 1, { groupsNames: ['g-missing', 'g-live'] })
    expect(response.results).toEqual([
      { groupId: 'g-missing', errorCode: E.GROUP_ID_NOT_FOUND },
      { groupId: 'g-live', errorCode: E.NON_EMPTY_GROUP },
    ])
    const offsets = await c.request(ApiKeys.OffsetDelete, 0, { groupId: 'g-missing', topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }] })
    expect(offsets.errorCode).toBe(E.GROUP_ID_NOT_FOUND)
    const subscribed = await c.request(ApiKeys.OffsetDelete, 0, { groupId: 'g-live', topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }] })
    expect(subscribed.errorCode).toBe(E.NONE)
    expect(subscribed.topics[0]!.partitions[0]!.errorCode).toBe(E.GROUP_SUBSCRIBED_TO_TOPIC)
  })

  it('OFFSET_METADATA_TOO_LARGE: commit metadata over offset.metadata.max.bytes, while the rest is stored', async () => {
    const c = await connect()
    const response = await c.request(ApiKeys.OffsetCommit, 2, {
      groupId: 'g-metadata', generationIdOrMemberEpoch: -1, memberId: '',
      topics: [
        { name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 5n, committedMetadata: 'x'.repeat(5000) }, { partitionIndex: 1, committedOffset: 7n, committedMetadata: 'ok' }] },
        { name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] },
      ],
    })
    expect(response.topics[0]!.partitions.map((p) => p.errorCode)).toEqual([E.OFFSET_METADATA_TOO_LARGE, E.NONE])
    expect(response.topics[1]!.partitions[0]!.errorCode).toBe(E.UNKNOWN_TOPIC_OR_PARTITION)
    const fetched = await c.request(ApiKeys.OffsetFetch, 5, { groupId: 'g-metadata', topics: [{ name: TOPIC, partitionIndexes: [0, 1] }] })
    expect(fetched.topics[0]!.partitions.map((p) => [Number(p.committedOffset), p.metadata])).toEqual([[-1, ''], [7, 'ok']])
  })

  it('this broker for a transactional id and for groups (single and batched keys)', async () => {
    const c = await connect()
    const txn = await c.request(ApiKeys.FindCoordinator, 2, { key: 'my-txn', keyType: 1 })
    expect(txn).toMatchObject({ errorCode: E.NONE, nodeId: 1, host: broker.host, port: broker.port })
    const group = await c.request(ApiKeys.FindCoordinator, 0, { key: 'any-group' })
    expect(group).toMatchObject({ errorCode: E.NONE, nodeId: 1, host: broker.host, port: broker.port })
    const batched = await c.request(ApiKeys.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] })
    expect(batched.coordinators.map((k) => [k.key, k.errorCode, k.port])).toEqual([['a', E.NONE, broker.port], ['b', E.NONE, broker.port]])
  })
})
