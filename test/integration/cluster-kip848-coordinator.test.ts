/**
 * A KIP-848 consumer group (Java client 4.4.0, group.protocol=consumer) across a kill -9 of its
 * coordinator in a three-broker cluster (real etcd, real broker processes), while a producer
 * keeps writing to every partition of a topic with replication factor 3.
 *
 * Proven: the broker that takes over the group's __consumer_offsets partition rebuilds the group
 * from the log, and the members carry on with it as they were: same member ids, same member
 * epochs, same group epoch, no partition revoked, lost or assigned again, even for the
 * partitions whose leader died with the coordinator (a member fetches them from their new
 * leader). Every acknowledged record is consumed exactly once (none lost, none read twice, each
 * at the offset it was acknowledged at), and the committed offsets end at the log end. On the
 * new coordinator, OffsetFetch v9 answers a member at its (kept) epoch, refuses another epoch
 * with STALE_MEMBER_EPOCH and a stranger with UNKNOWN_MEMBER_ID, and OffsetCommit v9 at another
 * epoch is refused with STALE_MEMBER_EPOCH and writes nothing. Then the killed broker returns
 * and, as preferred leader, takes the group back (a second, orderly move): still the same
 * epochs, and a session timeout later the members are still there, heartbeating with it.
 *
 * Two more moves on the same cluster: one in the middle of a rebalance (a third member just
 * taken in, the others reconciling), which the new coordinator finishes with the same members
 * at the same group epoch, nothing lost or read twice; and a classic group of static members
 * (group.instance.id), whose members keep their ids and partitions with no rebalance at all.
 * Last, a KIP-848 member copying in transactions (the Java producer's sendOffsetsToTransaction
 * with the consumer's group metadata): every record copied once, its offsets committed.
 *
 * Reported, not asserted (timing on a shared 2-core machine): how long each member went without
 * records during the move, for partitions whose leader stayed and for those whose leader moved,
 * beside the same measure over a quiet window before the kill, and around the move back.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { decodeAssignment } from '../../src/protocol/messages/consumer-protocol.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { type RawConnection, connectRaw } from '../helpers/group-admin.js'
import { GroupMember, missingJavaTools, prepareGroupMember, txnMember, waitForAll } from '../helpers/java-group-member.js'
import { readWithKcat } from '../helpers/clients.js'

const TOPIC = 'kip848-moving'
const GROUP = 'moving-orders'
const REBALANCING = 'moving-mid-rebalance'
const STATIC = 'moving-classic-static'
const PARTITIONS = 6
const SESSION_MS = 10_000

let cluster: TestCluster
const members: GroupMember[] = []

describe.skipIf(missingJavaTools.length > 0)('group coordinator moves in a three-broker cluster', () => {
  beforeAll(async () => {
    prepareGroupMember()
    cluster = await startCluster({
      brokers: 3,
      settings: {
        'broker.session.timeout.ms': 3000,
        'broker.heartbeat.interval.ms': 500,
        'offsets.topic.num.partitions': 3,
        'group.consumer.heartbeat.interval.ms': 500,
        'group.consumer.min.heartbeat.interval.ms': 100,
        // Short enough that a member which stopped heartbeating after a move would be expired
        // before the test ends, so the kept members prove they heartbeat with each new coordinator.
        'group.consumer.session.timeout.ms': SESSION_MS,
        'group.consumer.min.session.timeout.ms': 1000,
        // The killed broker, back, takes its preferred leaderships (the group's among them) again soon.
        'leader.imbalance.check.interval.seconds': 3,
      },
    })
    const admin = kafka().admin()
    await admin.connect()
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
      waitForLeaders: true,
    })
    await admin.disconnect()
  }, 180_000)

  afterAll(async () => {
    await Promise.all(members.map((m) => m.stop()))
    await cluster?.close()
  })

  test('the new coordinator rebuilds the group from the log; members keep their epochs and partitions; every acknowledged record is consumed once', async () => {
    const production = await producePerPartition()

    members.push(...[1, 2].map((i) => new GroupMember(`member-${i}`, cluster.bootstrap, GROUP, TOPIC, 'consumer')))
    await waitForAll(members, () => members.every((m) => m.owned.size === PARTITIONS / 2) && new Set(members.flatMap((m) => [...m.owned])).size === PARTITIONS, 'two members with three partitions each', 240_000)
    // Every owned partition flowing for a while, so the quiet-window figure measures a steady group.
    const steadyFrom = Date.now()
    await waitForAll(members, () => Date.now() >= steadyFrom + 6000 && members.every((m) => [...m.owned].every((p) => m.records.some((r) => r.partition === p && r.atMs > steadyFrom + 3000))), 'every partition to flow steadily', 60_000)

    const coordinator = await coordinatorOf(GROUP)
    const before = await describeGroup(coordinator)
    expect(before.members.length).toBe(2)
    const leaders = await partitionLeaders()
    const movedPartitions = [...leaders].filter(([, leader]) => leader === coordinator).map(([p]) => p)
    const ownedBefore = new Map(members.map((m) => [m, new Set(m.owned)]))
    const changesBefore = members.map((m) => m.changes.length)

    const killedAt = Date.now()
    await cluster.kill(coordinator)
    const next = await waitForValue(async () => {
      const id = await coordinatorOf(GROUP).catch(() => -1)
      return id !== -1 && id !== coordinator ? id : undefined
    }, 'another broker to coordinate the group', 60_000)
    // Both members fetch every partition they had, including those whose leader died.
    await waitForAll(members, () => members.every((m) => [...ownedBefore.get(m)!].every((p) => m.records.some((r) => r.partition === p && r.atMs > killedAt + 500))), 'every partition to flow again after the kill', 120_000)
    // ... and they heartbeat with the new coordinator (the group is loaded, the members known).
    const after = await waitForValue(async () => {
      const described = await describeGroup(next).catch(() => undefined)
      return described !== undefined && described.errorCode === E.NONE && described.members.length === 2 ? described : undefined
    }, 'the new coordinator to describe the group', 60_000)
    const recoveredAt = Date.now()

    // Rebuilt from the log, not rejoined: the group epoch did not reset or move, and each member
    // kept its id and epoch.
    expect({ groupEpoch: after.groupEpoch, assignmentEpoch: after.assignmentEpoch, state: after.groupState }).toEqual({
      groupEpoch: before.groupEpoch,
      assignmentEpoch: before.assignmentEpoch,
      state: 'Stable',
    })
    expect(memberEpochs(after)).toEqual(memberEpochs(before))
    const newCoordinatorLog = cluster.broker(next).output()
    expect(newCoordinatorLog.split('\n').filter((l) => l.includes(GROUP) && /bumped consumer group epoch|consumer group member (left|removed)/.test(l))).toEqual([])

    await checkMemberEpochOnTheWire(next, after.members[0]!.memberId, after.members[0]!.memberEpoch)

    // The killed broker comes back and, as preferred leader, takes the group's partition back: a
    // second move, this time the interim coordinator resigns and a broker that coordinated the
    // group before loads it again from a log it caught up on as a follower.
    await cluster.restart(coordinator)
    await waitForValue(async () => ((await coordinatorOf(GROUP).catch(() => -1)) === coordinator ? true : undefined), 'the restarted broker to coordinate the group again', 120_000)
    const movedBackAt = Date.now()
    const back = await waitForValue(async () => {
      const described = await describeGroup(coordinator).catch(() => undefined)
      return described !== undefined && described.errorCode === E.NONE ? described : undefined
    }, 'the restarted coordinator to describe the group', 60_000)
    expect({ groupEpoch: back.groupEpoch, members: memberEpochs(back) }).toEqual({ groupEpoch: before.groupEpoch, members: memberEpochs(before) })
    await waitForAll(members, () => members.every((m) => [...ownedBefore.get(m)!].every((p) => m.records.some((r) => r.partition === p && r.atMs > movedBackAt + 500))), 'every partition to flow after the move back', 120_000)
    // A session timeout later the members are still there at their epochs: they heartbeat with
    // the coordinator they have now, not only with the one that loaded them.
    await waitForAll(members, () => Date.now() > movedBackAt + SESSION_MS + 2000, 'a session timeout to pass', SESSION_MS + 10_000)
    const settled = await describeGroup(coordinator)
    expect({ groupEpoch: settled.groupEpoch, members: memberEpochs(settled) }).toEqual({ groupEpoch: before.groupEpoch, members: memberEpochs(before) })
    const returnedCoordinatorLog = cluster.broker(coordinator).output()
    expect(returnedCoordinatorLog.split('\n').filter((l) => l.includes(GROUP) && /bumped consumer group epoch|consumer group member (left|removed)/.test(l))).toEqual([])

    await stopAndDrain(production, members)
    const acked = production.acked

    // No revoke cycle: nothing revoked, lost or assigned anew since the kill.
    expect(members.map((m) => m.changes.slice(changesBefore[members.indexOf(m)]))).toEqual([[], []])
    for (const m of members) expect(m.owned).toEqual(ownedBefore.get(m))
    expect(members.flatMap((m) => m.errors)).toEqual([])

    // Exactly once: each acknowledged record consumed once, at the offset it was acknowledged at.
    expect(consumedOnce(members, acked)).toEqual({ acked: true, lost: 0, misplaced: 0, duplicated: 0, duplicatedAfterFailedCommit: 0 })
    await expectCommittedAtLogEnd(GROUP)

    console.log('KIP-848 coordinator move (Java client 4.4.0, 3 brokers, 2 members, 6 partitions):', JSON.stringify({
      killedBroker: coordinator,
      newCoordinator: next,
      partitionsWhoseLeaderMoved: movedPartitions,
      acked: acked.size,
      producerFailures: production.failures,
      coordinatorFoundAgainAfterMs: recoveredAt - killedAt,
      moveBackLongestGapMs: members.map((m) => longestGap(m, ownedBefore.get(m)!, movedBackAt - 3000, movedBackAt + 5000)),
      perMember: members.map((m) => ({
        member: m.name,
        owned: [...ownedBefore.get(m)!].sort(),
        quietWindowLongestGapMs: longestGap(m, ownedBefore.get(m)!, killedAt - 6000, killedAt - 500),
        moveLongestGapLeaderStayedMs: longestGap(m, [...ownedBefore.get(m)!].filter((p) => !movedPartitions.includes(p)), killedAt, recoveredAt),
        moveLongestGapLeaderMovedMs: longestGap(m, [...ownedBefore.get(m)!].filter((p) => movedPartitions.includes(p)), killedAt, recoveredAt),
      })),
    }))
    await Promise.all(members.map((m) => m.stop()))
  }, 600_000)

  test('a move in the middle of a rebalance: the new coordinator finishes it with the same members, and nothing is lost or read twice', async () => {
    const production = await producePerPartition()
    const group = [1, 2].map((i) => new GroupMember(`joining-${i}`, cluster.bootstrap, REBALANCING, TOPIC, 'consumer'))
    members.push(...group)
    await waitForAll(group, () => spreadEvenly(group), 'two members with three partitions each', 240_000)

    // A third member joins; the coordinator dies as soon as it has taken it in, while the others
    // are being told to give partitions up for it.
    const coordinator = await coordinatorOf(REBALANCING)
    const third = new GroupMember('joining-3', cluster.bootstrap, REBALANCING, TOPIC, 'consumer')
    group.push(third)
    members.push(third)
    const atKill = await waitForValue(async () => {
      const described = await describeGroup(coordinator, REBALANCING).catch(() => undefined)
      return described !== undefined && described.members.length === 3 ? described : undefined
    }, 'the coordinator to take the third member in', 120_000)
    const killedAt = Date.now()
    await cluster.kill(coordinator)
    await waitForAll(group, () => spreadEvenly(group), 'the new coordinator to finish the rebalance: two partitions each', 180_000)
    const settledAt = Date.now()
    const next = await coordinatorOf(REBALANCING)
    const after = await describeGroup(next, REBALANCING)

    // The same three members (none rejoined under a new id), at the group epoch the dead
    // coordinator had given the group: finishing the rebalance needed no new one.
    expect({ state: after.groupState, groupEpoch: after.groupEpoch, members: after.members.map((m) => m.memberId).sort() }).toEqual({
      state: 'Stable',
      groupEpoch: atKill.groupEpoch,
      members: atKill.members.map((m) => m.memberId).sort(),
    })
    expect(group.flatMap((m) => m.changes.filter((c) => c.kind === 'LOST'))).toEqual([])
    expect(group.flatMap((m) => m.errors)).toEqual([])

    await stopAndDrain(production, group)
    const consumed = consumedOnce(group, production.acked)
    expect({ ...consumed, duplicatedAfterFailedCommit: 0 }).toEqual({ acked: true, lost: 0, misplaced: 0, duplicated: 0, duplicatedAfterFailedCommit: 0 })
    await expectCommittedAtLogEnd(REBALANCING)
    console.log('KIP-848 coordinator move mid-rebalance:', JSON.stringify({
      killedBroker: coordinator,
      newCoordinator: next,
      atKill: { state: atKill.groupState, groupEpoch: atKill.groupEpoch, assignmentEpoch: atKill.assignmentEpoch, memberEpochs: memberEpochs(atKill) },
      after: { groupEpoch: after.groupEpoch, memberEpochs: memberEpochs(after) },
      rebalanceFinishedAfterKillMs: settledAt - killedAt,
      duplicatedAfterFailedCommit: consumed.duplicatedAfterFailedCommit,
    }))
    await Promise.all(group.map((m) => m.stop()))

    // Back to three brokers, each leading what it prefers, for the next test.
    await cluster.restart(coordinator)
    await waitForValue(async () => ((await coordinatorOf(REBALANCING).catch(() => -1)) === coordinator ? true : undefined), 'the restarted broker to coordinate its groups again', 120_000)
  }, 600_000)

  test('a classic group\'s static members (group.instance.id) keep their assignment across a kill -9 of the coordinator, without a rebalance', async () => {
    const production = await producePerPartition()
    // The members' session is the KIP-848 members' (SESSION_MS): long enough that a loaded machine's
    // failover (the broker's 3 s lease, an election, the clients finding the new coordinator) fits
    // in it, as the default 45 s does in production.
    const group = [1, 2].map((i) => new GroupMember(`static-${i}`, cluster.bootstrap, STATIC, TOPIC, 'classic', `instance-${i}`, { classicSessionTimeoutMs: SESSION_MS }))
    members.push(...group)
    await waitForAll(group, () => spreadEvenly(group), 'two static members with three partitions each', 240_000)
    const coordinator = await coordinatorOf(STATIC)
    const before = await describeClassic(coordinator)
    expect(before.state).toBe('Stable')
    const ownedBefore = new Map(group.map((m) => [m, new Set(m.owned)]))
    const changesBefore = group.map((m) => m.changes.length)

    const killedAt = Date.now()
    await cluster.kill(coordinator)
    try {
      await waitForAll(group, () => group.every((m) => [...ownedBefore.get(m)!].every((p) => m.records.some((r) => r.partition === p && r.atMs > killedAt + 500))), 'every partition to flow again after the kill', 120_000)
      const next = await waitForValue(async () => {
        const id = await coordinatorOf(STATIC).catch(() => -1)
        return id !== -1 && id !== coordinator ? id : undefined
      }, 'another broker to coordinate the classic group', 60_000)
      const recoveredAt = Date.now()
      // A session timeout (the members' session.timeout.ms) later: still the same members, with the same partitions.
      await waitForAll(group, () => Date.now() > recoveredAt + SESSION_MS + 2000, 'a session timeout to pass', SESSION_MS + 12_000)
      const after = await describeClassic(next)
      expect(after).toEqual(before)
      // Nothing revoked, lost or newly assigned. (The Java client may rejoin on its own when the
      // metadata it cached moves during the failover; a static member's rejoin into a Stable group
      // is answered with its assignment unchanged, which the client reports as an empty ASSIGNED.)
      const changesSinceKill = group.map((m, i) => m.changes.slice(changesBefore[i]).filter((c) => c.kind !== 'ASSIGNED' || c.partitions.some((p) => !ownedBefore.get(m)!.has(p))))
      expect(changesSinceKill).toEqual([[], []])
      expect(cluster.broker(next).output().split('\n').filter((l) => l.includes(STATIC) && /preparing to rebalance|member left/.test(l))).toEqual([])

      await stopAndDrain(production, group)
      expect(consumedOnce(group, production.acked)).toEqual({ acked: true, lost: 0, misplaced: 0, duplicated: 0, duplicatedAfterFailedCommit: 0 })
      expect(group.flatMap((m) => m.errors)).toEqual([])
      await expectCommittedAtLogEnd(STATIC)
      console.log('Classic static members across a coordinator move:', JSON.stringify({
        killedBroker: coordinator,
        newCoordinator: next,
        longestGapMs: group.map((m) => longestGap(m, ownedBefore.get(m)!, killedAt, recoveredAt)),
      }))
      await Promise.all(group.map((m) => m.stop()))
    } finally {
      // Back to three brokers for the next test's replicated topics, whatever happened above.
      await cluster.restart(coordinator)
      await cluster.waitUntil(async () => (await cluster.metadata()).brokers.length === 3, 'the restarted broker to be listed again', 60_000)
    }
  }, 600_000)

  test('a KIP-848 member copies exactly once in transactions: its offsets, sent with its group metadata, commit with each transaction', async () => {
    const admin = kafka().admin()
    await admin.connect()
    const replicated = (topic: string) => ({ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] })
    await admin.createTopics({ topics: [replicated('txn-input'), replicated('txn-output')], waitForLeaders: true })
    await admin.disconnect()
    const producer = kafka().producer({ allowAutoTopicCreation: false })
    await producer.connect()
    const values = Array.from({ length: 300 }, (_, i) => `v${i}`)
    await producer.send({ topic: 'txn-input', acks: -1, messages: values.map((value) => ({ value })) })
    await producer.disconnect()

    // TxnOffsetCommit carries the member id and epoch: the group coordinator checks them against
    // the live member (it used to refuse them as an unknown member of the offsets-only group).
    const copier = await txnMember(cluster.bootstrap, 'txn-input', 'txn-output', 'txn-copiers', 'kip848-copier', values.length)
    expect({ code: copier.code, last: copier.lines.at(-1) }, copier.stderr.slice(-2000)).toEqual({ code: 0, last: ['done', String(values.length)] })
    const copied = (await readWithKcat(cluster.bootstrap, 'txn-output', ['-X', 'isolation.level=read_committed'])).map((r) => r.value!.toString())
    expect(copied.sort()).toEqual(values.map((v) => `copied:${v}`).sort())
    await expectCommittedAtLogEnd('txn-copiers', 'txn-input')
  }, 300_000)
})

/** Every partition owned by exactly one member, and each member owning as many as the others. */
function spreadEvenly(group: readonly GroupMember[]): boolean {
  const owned = group.map((m) => [...m.owned])
  return owned.every((o) => o.length === PARTITIONS / group.length) && new Set(owned.flat()).size === PARTITIONS
}

/** DescribeGroups (classic) at broker `nodeId`: state, and each member's ids and partitions. */
async function describeClassic(nodeId: number) {
  const response = await withBroker(nodeId, (c) => c.request(ApiKeys.DescribeGroups, 5, { groups: [STATIC], includeAuthorizedOperations: false }))
  const described = response.groups[0]!
  return {
    errorCode: described.errorCode,
    state: described.groupState,
    members: described.members
      .map((m) => ({ memberId: m.memberId, instanceId: m.groupInstanceId, partitions: decodeAssignment(m.memberAssignment).value.assignedPartitions.flatMap((a) => a.partitions).sort() }))
      .sort((a, b) => String(a.instanceId).localeCompare(String(b.instanceId))),
  }
}

function kafka(): Kafka {
  return new Kafka({ clientId: 'kip848-move', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } })
}

/** Runs `probe` every 250 ms until it gives a value; rejects after `timeoutMs` naming `what`. */
async function waitForValue<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${cluster.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** Node ids of the brokers still running. */
function live(): number[] {
  return cluster.brokers.flatMap((b, i) => (b.child.exitCode === null && b.child.signalCode === null ? [i + 1] : []))
}

async function withBroker<T>(nodeId: number, work: (c: RawConnection) => Promise<T>): Promise<T> {
  const c = await connectRaw(cluster.broker(nodeId).bootstrap, 'kip848-move')
  try {
    return await work(c)
  } finally {
    c.close()
  }
}

/** The coordinator of `groupId` as FindCoordinator at a live broker reports it. */
async function coordinatorOf(groupId: string): Promise<number> {
  for (const nodeId of live()) {
    const response = await withBroker(nodeId, (c) => c.request(ApiKeys.FindCoordinator, 4, { keyType: 0, coordinatorKeys: [groupId] })).catch(() => undefined)
    const found = response?.coordinators[0]
    if (found !== undefined && found.errorCode === E.NONE) return found.nodeId
  }
  throw new Error(`no live broker named the coordinator of ${groupId}`)
}

async function describeGroup(nodeId: number, groupId = GROUP) {
  const response = await withBroker(nodeId, (c) => c.request(ApiKeys.ConsumerGroupDescribe, 0, { groupIds: [groupId], includeAuthorizedOperations: false }))
  return response.groups[0]!
}

function memberEpochs(group: { members: ReadonlyArray<{ memberId: string; memberEpoch: number }> }): Array<[string, number]> {
  return group.members.map((m): [string, number] => [m.memberId, m.memberEpoch]).sort((a, b) => a[0].localeCompare(b[0]))
}

async function partitionLeaders(): Promise<Map<number, number>> {
  const admin = kafka().admin()
  await admin.connect()
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] })
    return new Map(metadata.topics[0]!.partitions.map((p) => [p.partitionId, p.leader]))
  } finally {
    await admin.disconnect()
  }
}

/**
 * OffsetFetch v9 and OffsetCommit v9 at the new coordinator, with a member of the moved group:
 * its kept epoch is accepted, others are refused, and a refused commit writes nothing.
 */
async function checkMemberEpochOnTheWire(nodeId: number, memberId: string, memberEpoch: number): Promise<void> {
  await withBroker(nodeId, async (c) => {
    const fetch = async (member: string | null, epoch: number) => {
      const response = await c.request(ApiKeys.OffsetFetch, 9, { groups: [{ groupId: GROUP, memberId: member, memberEpoch: epoch, topics: [{ name: TOPIC, partitionIndexes: [0] }] }], requireStable: false })
      return response.groups[0]!
    }
    const asMember = await fetch(memberId, memberEpoch)
    expect(asMember.errorCode).toBe(E.NONE)
    const committedBefore = asMember.topics[0]!.partitions[0]!.committedOffset
    expect((await fetch(null, -1)).errorCode).toBe(E.NONE)
    expect((await fetch(memberId, memberEpoch + 1)).errorCode).toBe(E.STALE_MEMBER_EPOCH)
    expect((await fetch('not-a-member', memberEpoch)).errorCode).toBe(E.UNKNOWN_MEMBER_ID)

    const stale = await c.request(ApiKeys.OffsetCommit, 9, {
      groupId: GROUP,
      generationIdOrMemberEpoch: memberEpoch + 1,
      memberId,
      groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    })
    expect(stale.topics[0]!.partitions[0]!.errorCode).toBe(E.STALE_MEMBER_EPOCH)
    // Nothing moved back to 0 (the members keep committing, so it may only have grown).
    expect((await fetch(null, -1)).topics[0]!.partitions[0]!.committedOffset).toBeGreaterThanOrEqual(committedBefore)
  })
}

interface Production {
  /** Each acknowledged value and where it landed, `partition@offset`. */
  readonly acked: Map<string, string>
  readonly failures: number
  stop(): Promise<void>
}

/**
 * One loop per partition, each writing `p:n` every 20 ms with acks=all and remembering where
 * each acknowledged value landed, so a partition whose leader is moving does not hold the
 * others up (their records keep coming and a member's pause is its own). A send that fails is
 * counted and not remembered: it was not acknowledged.
 */
async function producePerPartition(): Promise<Production> {
  const producer: Producer = kafka().producer({ allowAutoTopicCreation: false })
  await producer.connect()
  let running = true
  let failures = 0
  const acked = new Map<string, string>()
  const loops = Array.from({ length: PARTITIONS }, async (_, p) => {
    for (let n = 0; running; n++) {
      const value = `${p}:${n}`
      try {
        const [result] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: p, value }] })
        acked.set(value, `${p}@${Number(result!.baseOffset)}`)
      } catch {
        failures++
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })
  return {
    acked,
    get failures() {
      return failures
    },
    async stop() {
      running = false
      await Promise.all(loops)
      await producer.disconnect()
    },
  }
}

/** Stops producing and waits for `group` to consume every acknowledged record. */
async function stopAndDrain(production: Production, group: readonly GroupMember[]): Promise<void> {
  await production.stop()
  await waitForAll(group, () => {
    const seen = new Set(group.flatMap((m) => m.records.map((r) => `${r.partition}@${r.offset}`)))
    return [...production.acked.values()].every((at) => seen.has(at))
  }, 'every acknowledged record to be consumed', 120_000)
}

/**
 * Each acknowledged record (value → partition@offset) against what `group` consumed: lost (never
 * seen), misplaced (another value at its offset), duplicated (one offset consumed twice), apart
 * from those re-read because the commit before a hand-over failed (at least once, as the
 * client promises then).
 */
function consumedOnce(group: readonly GroupMember[], acked: ReadonlyMap<string, string>) {
  const sightings = new Map<string, Array<{ value: string; commitFailed: boolean }>>()
  for (const m of group) {
    for (const r of m.records) {
      const at = `${r.partition}@${r.offset}`
      let list = sightings.get(at)
      if (list === undefined) sightings.set(at, (list = []))
      list.push({ value: r.value, commitFailed: r.commitFailed })
    }
  }
  const twice = [...sightings.values()].filter((s) => s.length > 1)
  const afterFailedCommit = twice.filter((s) => s.some((x) => x.commitFailed))
  return {
    acked: acked.size > 0,
    lost: [...acked.values()].filter((at) => !sightings.has(at)).length,
    misplaced: [...acked].filter(([value, at]) => sightings.get(at)?.some((x) => x.value !== value) === true).length,
    duplicated: twice.length - afterFailedCommit.length,
    duplicatedAfterFailedCommit: afterFailedCommit.length,
  }
}

/** Waits for the group's committed offsets to reach the log end of every partition (a member prints a record before it commits it). */
async function expectCommittedAtLogEnd(groupId: string, topic = TOPIC): Promise<void> {
  const admin = kafka().admin()
  await admin.connect()
  try {
    const ends = (await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]).sort((a, b) => a[0]! - b[0]!)
    let committed: number[][] = []
    await waitForValue(async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
      committed = offsets!.partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0]! - b[0]!)
      return JSON.stringify(committed) === JSON.stringify(ends) ? true : undefined
    }, `the committed offsets of ${groupId} to reach the log end`, 60_000).catch(() => undefined)
    expect({ groupId, committed }).toEqual({ groupId, committed: ends })
  } finally {
    await admin.disconnect()
  }
}

/** The longest time between `from` and `to` that `member` went without a record of one of `partitions`. */
function longestGap(member: GroupMember, partitions: Iterable<number>, from: number, to: number): number {
  return Math.max(0, ...[...partitions].map((p) => member.longestGap(p, from, to)))
}
