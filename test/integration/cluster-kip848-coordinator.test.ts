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
 * Reported, not asserted (timing on a shared 2-core machine): how long each member went without
 * records during the move, for partitions whose leader stayed and for those whose leader moved,
 * beside the same measure over a quiet window before the kill, and around the move back.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { type RawConnection, connectRaw } from '../helpers/group-admin.js'
import { GroupMember, missingJavaTools, prepareGroupMember, waitForAll } from '../helpers/java-group-member.js'

const TOPIC = 'kip848-moving'
const GROUP = 'moving-orders'
const PARTITIONS = 6
const SESSION_MS = 10_000

let cluster: TestCluster
const members: GroupMember[] = []

describe.skipIf(missingJavaTools.length > 0)('a KIP-848 consumer group across a kill -9 of its coordinator', () => {
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
    const producer = kafka().producer({ allowAutoTopicCreation: false })
    await producer.connect()
    const production = producePerPartition(producer)

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

    await production.stop()
    await producer.disconnect()
    const acked = production.acked
    await waitForAll(members, () => {
      const seen = new Set(members.flatMap((m) => m.records.map((r) => `${r.partition}@${r.offset}`)))
      return [...acked.values()].every((at) => seen.has(at))
    }, 'every acknowledged record to be consumed', 120_000)

    // No revoke cycle: nothing revoked, lost or assigned anew since the kill.
    expect(members.map((m) => m.changes.slice(changesBefore[members.indexOf(m)]))).toEqual([[], []])
    for (const m of members) expect(m.owned).toEqual(ownedBefore.get(m))
    expect(members.flatMap((m) => m.errors)).toEqual([])

    // Exactly once: each acknowledged record consumed once, at the offset it was acknowledged at.
    const sightings = new Map<string, number>()
    const valueAt = new Map<string, string>()
    for (const m of members) {
      for (const r of m.records) {
        const at = `${r.partition}@${r.offset}`
        sightings.set(at, (sightings.get(at) ?? 0) + 1)
        valueAt.set(at, r.value)
      }
    }
    const lost = [...acked].filter(([, at]) => !sightings.has(at))
    const misplaced = [...acked].filter(([value, at]) => sightings.has(at) && valueAt.get(at) !== value)
    const duplicated = [...sightings].filter(([, n]) => n > 1)
    expect({ acked: acked.size > 0, lost: lost.length, misplaced: misplaced.length, duplicated: duplicated.length }).toEqual({ acked: true, lost: 0, misplaced: 0, duplicated: 0 })

    // The committed offsets end at the log end (a member prints a record before it commits it).
    const admin = kafka().admin()
    await admin.connect()
    try {
      const ends = (await admin.fetchTopicOffsets(TOPIC)).map((o) => [o.partition, Number(o.high)]).sort((a, b) => a[0]! - b[0]!)
      let committed: number[][] = []
      await waitForValue(async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })
        committed = offsets!.partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0]! - b[0]!)
        return JSON.stringify(committed) === JSON.stringify(ends) ? true : undefined
      }, 'the committed offsets to reach the log end', 60_000).catch(() => undefined)
      expect(committed).toEqual(ends)
    } finally {
      await admin.disconnect()
    }

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
  }, 600_000)
})

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

async function describeGroup(nodeId: number) {
  const response = await withBroker(nodeId, (c) => c.request(ApiKeys.ConsumerGroupDescribe, 0, { groupIds: [GROUP], includeAuthorizedOperations: false }))
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

/**
 * One loop per partition, each writing `p:n` every 20 ms with acks=all and remembering where
 * each acknowledged value landed, so a partition whose leader is moving does not hold the
 * others up (their records keep coming and a member's pause is its own). A send that fails is
 * counted and not remembered: it was not acknowledged.
 */
function producePerPartition(producer: Producer): { readonly acked: Map<string, string>; readonly failures: number; stop(): Promise<void> } {
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
    },
  }
}

/** The longest time between `from` and `to` that `member` went without a record of any of `partitions`. */
function longestGap(member: GroupMember, partitions: Iterable<number>, from: number, to: number): number {
  let longest = 0
  for (const p of partitions) {
    let previous = from
    for (const r of member.records) {
      if (r.partition !== p || r.atMs < from) continue
      if (r.atMs > to) break
      longest = Math.max(longest, r.atMs - previous)
      previous = r.atMs
    }
    longest = Math.max(longest, to - previous)
  }
  return longest
}
