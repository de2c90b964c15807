/**
 * KIP-848 online migration with the Java client 4.x (kafka-clients 4.4.0): two members with
 * group.protocol=classic consume a topic while a producer keeps writing to every partition; a
 * third with group.protocol=consumer joins, and the group becomes a consumer group that keeps
 * the two as classic members (the Admin client describes it as such); the consumer-protocol
 * member closes, and the group goes back to a classic group whose members keep consuming; a
 * consumer-protocol member joins again, and the broker is killed with SIGKILL and restarted
 * under the mixed group, which resumes.
 *
 * Proven: every acknowledged record is consumed, at the offset it was acknowledged at, and none
 * twice unless a commit failed before it (counted and reported; the members commit
 * synchronously after each poll); no member reads a partition backwards except after getting it
 * again; the committed offsets end at the log end; no member reports an error.
 */
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { produceContinuously } from '../helpers/continuous-producer.js'
import { GroupMember, groupAdmin, missingJavaTools, prepareGroupMember, waitForAll } from '../helpers/java-group-member.js'

const TOPIC = 'migration-orders'
const PARTITIONS = 6
const GROUP = 'orders-migrating'

let broker: BrokerProcess
const members: GroupMember[] = []

/** Every member owns some partitions, and together they own each partition once. */
const sharesEveryPartition = (group: readonly GroupMember[]) => () =>
  group.every((m) => m.owned.size > 0) && group.reduce((n, m) => n + m.owned.size, 0) === PARTITIONS && new Set(group.flatMap((m) => [...m.owned])).size === PARTITIONS

/** What the Java Admin client says of the group: its type and state from ListGroups, and each member's protocol from describe. */
async function adminView(): Promise<{ type: string; state: string; memberProtocols: string[] }> {
  const listed = (await groupAdmin(broker.bootstrap, 'list')).find((l) => l[0] === 'GROUP' && l[1] === GROUP)
  const described = await groupAdmin(broker.bootstrap, 'describe', GROUP)
  return {
    type: listed?.[2] ?? 'absent',
    state: listed?.[3] ?? 'absent',
    memberProtocols: described.filter((l) => l[0] === 'MEMBER').map((l) => l[5]!).sort(),
  }
}

/** Asks the Admin client until `expected` holds (each ask is a JVM start); returns the last view. */
async function awaitAdminView(expected: (view: Awaited<ReturnType<typeof adminView>>) => boolean, deadlineMs = 90_000) {
  let view = await adminView()
  for (const deadline = Date.now() + deadlineMs; !expected(view) && Date.now() < deadline; ) view = await adminView()
  return view
}

describe.skipIf(missingJavaTools.length > 0)('online migration between classic and KIP-848 consumer groups with the Java client 4.x', () => {
  beforeAll(async () => {
    prepareGroupMember()
    broker = await startBroker({
      settings: {
        'group.consumer.migration.policy': 'bidirectional',
        'group.consumer.session.timeout.ms': 6000,
        'group.consumer.min.session.timeout.ms': 1000,
        'group.consumer.heartbeat.interval.ms': 500,
        'group.consumer.min.heartbeat.interval.ms': 100,
        'group.min.session.timeout.ms': 1000,
        'offsets.topic.num.partitions': 3,
      },
    })
    const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] })
    await admin.disconnect()
  }, 180_000)

  afterAll(async () => {
    await Promise.all(members.map((m) => m.stop()))
    await broker?.stop()
  })

  test('upgrade with classic members kept, downgrade when the consumer-protocol member leaves, SIGKILL of the broker under a mixed group: every record consumed once', async () => {
    const acked = new Map<string, number>()
    const kafka = () => new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
    let producer = kafka().producer({ allowAutoTopicCreation: false })
    await producer.connect()
    let production = produceContinuously(producer, TOPIC, PARTITIONS, acked, 'before-')

    const classic = [1, 2].map((i) => new GroupMember(`classic-${i}`, broker.bootstrap, GROUP, TOPIC, 'classic'))
    members.push(...classic)
    await waitForAll(classic, sharesEveryPartition(classic), 'the two classic members to share every partition', 180_000)
    expect(await awaitAdminView((v) => v.type === 'Classic' && v.state === 'Stable')).toMatchObject({ type: 'Classic', state: 'Stable' })

    // A consumer-protocol member joins: the group is upgraded, the classic members stay.
    const modern = new GroupMember('consumer-1', broker.bootstrap, GROUP, TOPIC, 'consumer')
    members.push(modern)
    const mixed = [...classic, modern]
    await waitForAll(mixed, sharesEveryPartition(mixed), 'the consumer-protocol member to get partitions from the classic members', 180_000)
    expect(await awaitAdminView((v) => v.type === 'Consumer' && v.state === 'Stable')).toEqual({
      type: 'Consumer',
      state: 'Stable',
      memberProtocols: ['classic', 'classic', 'consumer'],
    })

    // It closes (it leaves): the group goes back to the classic protocol and rebalances.
    await modern.stop()
    await waitForAll(classic, sharesEveryPartition(classic), 'the classic members to take every partition back', 180_000)
    expect(await awaitAdminView((v) => v.type === 'Classic' && v.state === 'Stable')).toMatchObject({ type: 'Classic', state: 'Stable' })
    const downgradedAt = Date.now()
    await waitForAll(classic, () => classic.every((m) => m.records.some((r) => r.atMs > downgradedAt)), 'the classic members to keep consuming after the downgrade', 60_000)

    // Mixed again, then the broker dies under the group.
    const modernAgain = new GroupMember('consumer-2', broker.bootstrap, GROUP, TOPIC, 'consumer')
    members.push(modernAgain)
    const mixedAgain = [...classic, modernAgain]
    await waitForAll(mixedAgain, sharesEveryPartition(mixedAgain), 'the group to be upgraded again', 180_000)
    await production.stop()
    await producer.disconnect()
    await broker.kill()
    broker = await broker.restart()
    producer = kafka().producer({ allowAutoTopicCreation: false })
    await producer.connect()
    production = produceContinuously(producer, TOPIC, PARTITIONS, acked, 'after-')
    const after = (m: GroupMember) => m.records.some((r) => r.value.startsWith('after-'))
    await waitForAll(mixedAgain, () => mixedAgain.every(after), 'every member of the mixed group to consume after the restart', 180_000)
    expect((await awaitAdminView((v) => v.type === 'Consumer' && v.memberProtocols.length === 3)).memberProtocols).toEqual(['classic', 'classic', 'consumer'])
    await production.stop()
    await producer.disconnect()

    // Every acknowledged record, read back.
    const everyone = [...classic, modern, modernAgain]
    const expected = [...acked.keys()]
    await waitForAll(mixedAgain, () => {
      const seen = new Set(everyone.flatMap((m) => m.records.map((r) => r.value)))
      return expected.every((v) => seen.has(v))
    }, 'the group to consume every acknowledged record', 180_000)
    const sightings = new Map<string, Array<{ offset: number; afterFailedCommit: boolean }>>()
    for (const m of everyone) {
      for (const r of m.records) {
        let list = sightings.get(r.value)
        if (list === undefined) sightings.set(r.value, (list = []))
        list.push({ offset: r.offset, afterFailedCommit: r.commitFailed })
      }
    }
    const lost = expected.filter((v) => !sightings.has(v))
    const duplicated = [...sightings].filter(([, s]) => s.length > 1)
    const explained = duplicated.filter(([, s]) => s.some((x) => x.afterFailedCommit))
    const misplaced = expected.filter((v) => sightings.get(v)!.some((s) => s.offset !== acked.get(v)))
    const readBackwards = everyone.reduce((n, m) => n + backwardReads(m), 0)
    expect({ lost: lost.length, unexplainedDuplicates: duplicated.length - explained.length, misplaced: misplaced.length, readBackwards }).toEqual({
      lost: 0,
      unexplainedDuplicates: 0,
      misplaced: 0,
      readBackwards: 0,
    })
    expect(everyone.flatMap((m) => m.errors)).toEqual([])

    // The committed offsets end at the log end.
    const admin = kafka().admin()
    await admin.connect()
    const ends = (await admin.fetchTopicOffsets(TOPIC)).map((o) => [o.partition, Number(o.high)]).sort((a, b) => a[0]! - b[0]!)
    let committed: number[][] = []
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      const [offsets] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })
      committed = offsets!.partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0]! - b[0]!)
      if (JSON.stringify(committed) === JSON.stringify(ends)) break
    }
    expect(committed).toEqual(ends)
    await admin.disconnect()
    console.log('online migration (Java client 4.4.0):', JSON.stringify({ acknowledged: expected.length, duplicatesAfterFailedCommits: explained.length }))
  }, 900_000)
})

/** Records a member read at an offset not above the previous one of that partition, without having been given the partition again in between. */
function backwardReads(member: GroupMember): number {
  let count = 0
  const last = new Map<number, { offset: number; atMs: number }>()
  for (const r of member.records) {
    const previous = last.get(r.partition)
    if (previous !== undefined && r.offset <= previous.offset) {
      const regained = member.changes.some((c) => c.kind === 'ASSIGNED' && c.partitions.includes(r.partition) && c.atMs >= previous.atMs && c.atMs <= r.atMs)
      if (!regained) count++
    }
    last.set(r.partition, { offset: r.offset, atMs: r.atMs })
  }
  return count
}
