/**
 * A share group knows every share-partition whose state it started (Kafka 4.1+'s
 * ShareGroupStatePartitionMetadata), and a share session ends with the connection that opened
 * it. Against one real broker, over raw connections:
 *
 *  - a consumer whose socket is destroyed has its acquired records delivered to another member
 *    at once (the locks run for five minutes), and its share session slot freed (the cap is one);
 *  - a group with state on two topics lists every partition it initialized, fetched or not (the
 *    wire and Kafka 4.1's kafka-share-groups --describe --offsets); deleted, a new group of the
 *    same id starts by share.auto.offset.reset on all of them, not at the old start offsets;
 *  - after a restart the record comes back from __consumer_offsets: the offsets are listed, and
 *    deleting the group again still reaches every partition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { kcat } from '../helpers/clients.js'
import { type RawConnection, connectRaw, ensureTopic } from '../helpers/group-admin.js'
import { kafkaShareGroups, missingJavaTools, prepareShareConsumers } from '../helpers/java-share-consumers.js'
import { shareFetchBody, shareHeartbeat } from '../helpers/share-wire.js'

const LOCK_MS = 300_000
const CONN_TOPIC = 'meta-conn'
const TOPICS = ['meta-a', 'meta-b']
const GROUP = 'meta-group'
let broker: BrokerProcess
let admin: RawConnection
const opened: RawConnection[] = []

beforeAll(async () => {
  if (missingJavaTools.length === 0) prepareShareConsumers()
  broker = await startBroker({
    settings: {
      'num.partitions': 2,
      // Locks and members outlive the test: records come back only by a release.
      'group.share.record.lock.duration.ms': LOCK_MS,
      'group.share.max.record.lock.duration.ms': LOCK_MS,
      'group.share.session.timeout.ms': LOCK_MS,
      // One share session on the broker: a second member gets one only once the first is gone.
      'group.share.max.share.sessions': 1,
    },
  })
  for (const topic of [CONN_TOPIC, ...TOPICS]) await ensureTopic(broker.bootstrap, topic)
  admin = await connectRaw(broker.bootstrap, 'meta-admin')
}, 300_000)

afterAll(async () => {
  for (const c of opened) c.close()
  admin?.close()
  await broker?.stop()
})

async function connect(name: string): Promise<RawConnection> {
  const c = await connectRaw(broker.bootstrap, name)
  opened.push(c)
  return c
}

/** A ShareFetch of partition 0 of each topic id (accepting the `acks` ranges), answered at once. */
function shareFetch(c: RawConnection, groupId: string, memberId: string, shareSessionEpoch: number, topicIds: string[], acks: Array<{ topicId: string; first: bigint; last: bigint }> = []) {
  const topics = topicIds.map((topicId) => ({ topicId, acks: acks.filter((a) => a.topicId === topicId).map((a) => ({ firstOffset: a.first, lastOffset: a.last, acknowledgeTypes: [1] })) }))
  return c.request(ApiKeys.ShareFetch, 1, shareFetchBody(groupId, memberId, shareSessionEpoch, topics))
}

type Acquired = Array<{ topicId: string; firstOffset: bigint; lastOffset: bigint; deliveryCount: number }>
const acquiredOf = (response: Awaited<ReturnType<typeof shareFetch>>): Acquired =>
  response.responses.flatMap((t) => t.partitions.flatMap((p) => p.acquiredRecords.map((r) => ({ topicId: t.topicId, ...r }))))

/** DescribeShareGroupOffsets of all the group's partitions: "topic:partition" → start offset. */
async function startOffsets(groupId: string): Promise<Map<string, number>> {
  const described = await admin.request(ApiKeys.DescribeShareGroupOffsets, 0, { groups: [{ groupId, topics: null }] })
  const group = described.groups[0]!
  expect(group.errorCode).toBe(E.NONE)
  return new Map(group.topics.flatMap((t) => t.partitions.map((p) => [`${t.topicName}:${p.partitionIndex}`, Number(p.startOffset)] as const)))
}

/** Waits until the group has initialized the state of all `count` partitions (it does so after the heartbeat). */
async function initialized(groupId: string, count: number): Promise<Map<string, number>> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const offsets = await startOffsets(groupId)
    if (offsets.size === count) return offsets
    if (Date.now() > deadline) throw new Error(`${groupId} initialized ${offsets.size} of ${count} partitions:\n${broker.output().slice(-3000)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const produce = (topic: string, lines: string[]) => kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0'], lines.join('\n') + '\n')
const allTopics = [...TOPICS].flatMap((t) => [`${t}:0`, `${t}:1`])

/** A member joins GROUP on its own connection; answers the connection and the topic ids by name. */
async function join(memberId: string): Promise<{ c: RawConnection; ids: Map<string, string> }> {
  const c = await connect(memberId)
  const joined = await shareHeartbeat(c, GROUP, memberId, 0, TOPICS)
  expect(joined.errorCode).toBe(E.NONE)
  const described = await admin.request(ApiKeys.ShareGroupDescribe, 1, { groupIds: [GROUP], includeAuthorizedOperations: false })
  const assigned = described.groups[0]!.members.find((m) => m.memberId === memberId)!.assignment.topicPartitions
  return { c, ids: new Map(TOPICS.map((name) => [name, assigned.find((t) => t.topicName === name)!.topicId])) }
}

describe('share sessions end with their connection', () => {
  it('a killed consumer\'s records go to another member at once, and its session slot is freed', async () => {
    const group = 'meta-conn-group'
    const a = await connect('member-a')
    const b = await connect('member-b')
    const joinedA = await shareHeartbeat(a, group, 'member-a', 0, [CONN_TOPIC])
    const topicId = joinedA.assignment!.topicPartitions[0]!.topicId
    await shareHeartbeat(b, group, 'member-b', 0, [CONN_TOPIC])
    expect((await shareFetch(a, group, 'member-a', 0, [topicId])).errorCode).toBe(E.NONE)
    await produce(CONN_TOPIC, ['one', 'two', 'three'])
    expect(acquiredOf(await shareFetch(a, group, 'member-a', 1, [topicId]))).toEqual([{ topicId, firstOffset: 0n, lastOffset: 2n, deliveryCount: 1 }])
    // The broker's one session is member-a's.
    expect((await shareFetch(b, group, 'member-b', 0, [topicId])).errorCode).toBe(E.SHARE_SESSION_LIMIT_REACHED)

    a.close() // the socket is destroyed: no ShareFetch with epoch -1, no leave heartbeat

    // member-b gets a session once the broker has seen the close, and with it the three
    // records on their second delivery: released, not timed out (their locks run five minutes).
    const deadline = Date.now() + 60_000
    let opening = await shareFetch(b, group, 'member-b', 0, [topicId])
    while (opening.errorCode === E.SHARE_SESSION_LIMIT_REACHED && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      opening = await shareFetch(b, group, 'member-b', 0, [topicId])
    }
    expect(opening.errorCode).toBe(E.NONE)
    const redelivered = [...acquiredOf(opening), ...acquiredOf(await shareFetch(b, group, 'member-b', 1, [topicId]))]
    expect(redelivered).toEqual([{ topicId, firstOffset: 0n, lastOffset: 2n, deliveryCount: 2 }])
    // member-a is still a member (it may come back on a new connection); only its session went.
    const described = await admin.request(ApiKeys.ShareGroupDescribe, 1, { groupIds: [group], includeAuthorizedOperations: false })
    expect(described.groups[0]!.members.map((m) => m.memberId).sort()).toEqual(['member-a', 'member-b'])
    b.close()
  })
})

describe('share groups know every share-partition they started', () => {
  it('list all of them, and a group deleted and created again starts by share.auto.offset.reset on all, before and after a restart', async () => {
    // Old group: state on both topics (start offsets 3 on partition 0), both partitions of each initialized.
    const old = await join('old-member')
    const ids = [...old.ids.values()]
    expect(await initialized(GROUP, 4)).toEqual(new Map(allTopics.map((k) => [k, -1])))
    await shareFetch(old.c, GROUP, 'old-member', 0, ids) // starts partition 0 of each at the log end (latest)
    for (const topic of TOPICS) await produce(topic, ['x', 'y', 'z'])
    const acquired = acquiredOf(await shareFetch(old.c, GROUP, 'old-member', 1, ids))
    expect(acquired.map((r) => [r.firstOffset, r.lastOffset])).toEqual([[0n, 2n], [0n, 2n]])
    await shareFetch(old.c, GROUP, 'old-member', 2, ids, ids.map((topicId) => ({ topicId, first: 0n, last: 2n })))
    const before = await startOffsets(GROUP)
    expect([before.get('meta-a:0'), before.get('meta-b:0')]).toEqual([3, 3])

    if (missingJavaTools.length === 0) {
      // Kafka 4.1's tool lists every initialized partition, the unfetched ones too.
      const tool = await kafkaShareGroups('--bootstrap-server', broker.bootstrap, '--describe', '--group', GROUP, '--offsets')
      expect(tool.code, tool.stderr).toBe(0)
      for (const key of allTopics) {
        const [topic, partition] = key.split(':')
        expect(tool.stdout).toMatch(new RegExp(`${GROUP}\\s+${topic}\\s+${partition}\\b`))
      }
      expect(tool.stdout).toMatch(new RegExp(`${GROUP}\\s+meta-a\\s+0\\s+3\\b`))
    }

    // Delete it; a new group of the same id finds no state anywhere.
    expect((await shareHeartbeat(old.c, GROUP, 'old-member', -1)).errorCode).toBe(E.NONE)
    old.c.close()
    expect((await admin.request(ApiKeys.DeleteGroups, 2, { groupsNames: [GROUP] })).results).toEqual([expect.objectContaining({ groupId: GROUP, errorCode: E.NONE })])
    const fresh = await join('new-member')
    expect(await initialized(GROUP, 4)).toEqual(new Map(allTopics.map((k) => [k, -1])))
    // Its first fetch starts at the log end (latest), not at 3 with x, y, z again: a new record is its first.
    const waitForSession = Date.now() + 60_000
    let first = await shareFetch(fresh.c, GROUP, 'new-member', 0, ids)
    while (first.errorCode === E.SHARE_SESSION_LIMIT_REACHED && Date.now() < waitForSession) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      first = await shareFetch(fresh.c, GROUP, 'new-member', 0, ids)
    }
    expect(first.errorCode).toBe(E.NONE)
    expect(acquiredOf(first)).toEqual([])
    await produce('meta-a', ['w'])
    const next = acquiredOf(await shareFetch(fresh.c, GROUP, 'new-member', 1, ids))
    expect(next).toEqual([{ topicId: fresh.ids.get('meta-a'), firstOffset: 3n, lastOffset: 3n, deliveryCount: 1 }])
    await shareFetch(fresh.c, GROUP, 'new-member', 2, ids, [{ topicId: fresh.ids.get('meta-a')!, first: 3n, last: 3n }])
    expect((await shareHeartbeat(fresh.c, GROUP, 'new-member', -1)).errorCode).toBe(E.NONE)
    fresh.c.close()

    // Restart: the group comes back with its record; deleting it again still reaches every partition.
    admin.close()
    expect(await broker.stop('SIGTERM')).toBe(0)
    broker = await broker.restart()
    admin = await connectRaw(broker.bootstrap, 'meta-admin')
    const reloaded = await startOffsets(GROUP)
    expect(new Set(reloaded.keys())).toEqual(new Set(allTopics))
    expect([reloaded.get('meta-a:0'), reloaded.get('meta-b:0')]).toEqual([4, 3])
    expect((await admin.request(ApiKeys.DeleteGroups, 2, { groupsNames: [GROUP] })).results).toEqual([expect.objectContaining({ groupId: GROUP, errorCode: E.NONE })])
    await join('third-member')
    expect(await initialized(GROUP, 4)).toEqual(new Map(allTopics.map((k) => [k, -1])))
  }, 300_000)
})
