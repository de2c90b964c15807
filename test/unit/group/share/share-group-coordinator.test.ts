import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../../../src/common/logger.js'
import { KafkaErrorCodes } from '../../../../src/protocol/error-codes.js'
import { ShareGroupCoordinator, type ShareGroupHeartbeatResult } from '../../../../src/group/share/share-group-coordinator.js'
import { ShareSessionCache } from '../../../../src/group/share/share-session.js'
import { ShareGroupLoader } from '../../../../src/group/share/share-group-loader.js'
import type { CoordinatorWrite } from '../../../../src/group/offsets-partition.js'

const topics = new Map([
  ['one', { topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: 1 }],
  ['four', { topicId: 'BBBBBBBBBBBBBBBBBBBBBA', partitions: 4 }],
])
const view = {
  topic: (name: string) => topics.get(name),
  topicById: (id: string) => {
    for (const [name, t] of topics) if (t.topicId === id) return { name, partitions: t.partitions }
    return undefined
  },
  topics: () => [...topics].map(([name, t]) => ({ name, ...t, internal: false })),
}

describe('ShareGroupCoordinator', () => {
  let coordinator: ShareGroupCoordinator
  afterEach(() => coordinator?.shutdown())

  /** What the coordinator wrote to __consumer_offsets, in order (writes settle at once here). */
  let log: CoordinatorWrite[] = []
  const make = () => {
    log = []
    coordinator = new ShareGroupCoordinator({
      config: { sessionTimeoutMs: 45000, heartbeatIntervalMs: 5000, maxSize: 3 },
      topics: view,
      logger: createLogger('test', 'silent'),
      write: (_groupId, records) => {
        log.push(...records)
        return KafkaErrorCodes.NONE
      },
    })
    return coordinator
  }
  const join = (memberId: string, topic: string): ShareGroupHeartbeatResult =>
    coordinator.heartbeat({ groupId: 'g', memberId, memberEpoch: 0, rackId: null, subscribedTopicNames: [topic], clientId: memberId, clientHost: '/127.0.0.1' }) as ShareGroupHeartbeatResult
  const beat = (memberId: string, memberEpoch: number): ShareGroupHeartbeatResult =>
    coordinator.heartbeat({ groupId: 'g', memberId, memberEpoch, rackId: null, subscribedTopicNames: null, clientId: memberId, clientHost: '/127.0.0.1' }) as ShareGroupHeartbeatResult
  /** A coordinator rebuilt from what the current one wrote: a restart or a coordinator move. */
  const reload = (): ShareGroupCoordinator => {
    const loader = new ShareGroupLoader(createLogger('test', 'silent'))
    for (const record of log) loader.apply(record.key, record.value)
    const written = log
    coordinator.shutdown()
    make()
    log = written
    coordinator.adopt(loader.groups())
    return coordinator
  }
  const partitionsOf = (result: ShareGroupHeartbeatResult) => result.assignment?.topicPartitions.flatMap((tp) => tp.partitions).sort() ?? null

  it("tells a group's members its own heartbeat interval and removes them after its own session timeout (its group configs)", async () => {
    const timeouts = { sessionTimeoutMs: 50, heartbeatIntervalMs: 20 }
    coordinator = new ShareGroupCoordinator({
      config: { sessionTimeoutMs: 45000, heartbeatIntervalMs: 5000, maxSize: 3 },
      topics: view,
      logger: createLogger('test', 'silent'),
      timeouts: (groupId) => (groupId === 'g' ? timeouts : { sessionTimeoutMs: 45000, heartbeatIntervalMs: 5000 }),
      write: () => KafkaErrorCodes.NONE,
    })
    const removed: string[] = []
    coordinator.onMemberRemoved((groupId, memberId) => removed.push(`${groupId}/${memberId}`))
    expect(join('a', 'one').heartbeatIntervalMs).toBe(20)
    const other = coordinator.heartbeat({ groupId: 'other', memberId: 'b', memberEpoch: 0, rackId: null, subscribedTopicNames: ['one'], clientId: 'b', clientHost: '/127.0.0.1' }) as ShareGroupHeartbeatResult
    expect(other.heartbeatIntervalMs).toBe(5000)
    const deadline = Date.now() + 5000
    while (removed.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(removed).toEqual(['g/a'])
  })

  it('gives one partition to every member: members share it', () => {
    make()
    const a = join('a', 'one')
    const b = join('b', 'one')
    expect(partitionsOf(a)).toEqual([0])
    expect(partitionsOf(b)).toEqual([0])
    expect(b.memberEpoch).toBe(2)
    // a learns the new group epoch at its next heartbeat, with its (unchanged) assignment.
    const again = beat('a', a.memberEpoch)
    expect(again.memberEpoch).toBe(2)
    expect(partitionsOf(again)).toEqual([0])
    expect(beat('a', 2).assignment).toBeNull()
  })

  it('deals partitions round-robin when members are fewer, and re-deals when one leaves', () => {
    make()
    expect(partitionsOf(join('a', 'four'))).toEqual([0, 1, 2, 3])
    expect(partitionsOf(join('b', 'four'))).toEqual([1, 3])
    expect(partitionsOf(beat('a', 1))).toEqual([0, 2])
    expect(beat('b', 2).assignment).toBeNull()
    const removed: string[] = []
    coordinator.onMemberRemoved((_g, m) => removed.push(m))
    expect(beat('b', -1).memberEpoch).toBe(-1)
    expect(removed).toEqual(['b'])
    expect(partitionsOf(beat('a', 2))).toEqual([0, 1, 2, 3])
  })

  it('refuses what Kafka refuses, with its error codes and a message', () => {
    make()
    expect(beat('ghost', 3).errorCode).toBe(KafkaErrorCodes.UNKNOWN_MEMBER_ID)
    const first = coordinator.heartbeat({ groupId: 'g', memberId: 'a', memberEpoch: 0, rackId: null, subscribedTopicNames: [], clientId: 'a', clientHost: '' }) as ShareGroupHeartbeatResult
    expect(first.errorCode).toBe(KafkaErrorCodes.INVALID_REQUEST)
    expect(first.errorMessage).toMatch(/SubscribedTopicNames/)
    join('a', 'one')
    expect(beat('a', 7).errorCode).toBe(KafkaErrorCodes.FENCED_MEMBER_EPOCH)
    join('b', 'one')
    join('c', 'one')
    expect(join('d', 'one').errorCode).toBe(KafkaErrorCodes.GROUP_MAX_SIZE_REACHED)
    expect(coordinator.delete('g', () => KafkaErrorCodes.NONE)).toBe(KafkaErrorCodes.NON_EMPTY_GROUP)
  })

  it('comes back from its records as it was: epochs, members, assignments, and an empty group', () => {
    make()
    join('a', 'four')
    const b = join('b', 'four')
    beat('a', 1)
    reload()
    const described = coordinator.describe('g')!
    expect(described.groupEpoch).toBe(2)
    expect(described.members.map((m) => [m.memberId, m.memberEpoch]).sort()).toEqual([['a', 2], ['b', 2]])
    // Members heartbeat on with the epochs they have; nobody is reassigned.
    expect(beat('b', b.memberEpoch)).toMatchObject({ errorCode: KafkaErrorCodes.NONE, memberEpoch: 2, assignment: null })
    expect(beat('a', 2)).toMatchObject({ errorCode: KafkaErrorCodes.NONE, memberEpoch: 2, assignment: null })
    // Both leave; the empty group, and its epoch, survive another reload.
    beat('a', -1)
    beat('b', -1)
    reload()
    expect(coordinator.describe('g')).toMatchObject({ groupState: 'Empty', groupEpoch: 4, members: [] })
    // A member joining now continues the epoch.
    expect(join('c', 'one').memberEpoch).toBe(5)
  })

  it('deletion writes tombstones, after which the group does not come back', () => {
    make()
    join('a', 'one')
    beat('a', -1)
    let tombstones: readonly CoordinatorWrite[] = []
    expect(coordinator.delete('g', (records) => ((tombstones = records), KafkaErrorCodes.NONE))).toBe(KafkaErrorCodes.NONE)
    expect(tombstones.every((t) => t.value === null)).toBe(true)
    expect(coordinator.describe('g')).toBeNull()
    log.push(...tombstones)
    reload()
    expect(coordinator.groups.size).toBe(0)
  })

  it('a refused tombstone write keeps the group', () => {
    make()
    join('a', 'one')
    beat('a', -1)
    expect(coordinator.delete('g', () => KafkaErrorCodes.NOT_COORDINATOR)).toBe(KafkaErrorCodes.NOT_COORDINATOR)
    expect(coordinator.describe('g')?.groupState).toBe('Empty')
  })

  it('reassigns a loaded group whose topics changed while nobody coordinated it', () => {
    make()
    join('a', 'four')
    topics.set('four', { topicId: 'BBBBBBBBBBBBBBBBBBBBBA', partitions: 6 })
    try {
      reload()
      const next = beat('a', 1)
      expect(next.memberEpoch).toBe(2)
      expect(next.assignment?.topicPartitions[0]?.partitions).toEqual([0, 1, 2, 3, 4, 5])
    } finally {
      topics.set('four', { topicId: 'BBBBBBBBBBBBBBBBBBBBBA', partitions: 4 })
    }
  })

  it('describes members with their assignments by topic name', () => {
    make()
    join('a', 'one')
    const described = coordinator.describe('g')!
    expect(described.groupState).toBe('Stable')
    expect(described.assignorName).toBe('simple')
    expect(described.members[0]!.assignment.topicPartitions).toEqual([{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', topicName: 'one', partitions: [0] }])
  })
})

describe('ShareSessionCache', () => {
  const p0 = { topicId: 'T', partition: 0 }
  const p1 = { topicId: 'T', partition: 1 }

  it('opens at epoch 0, then expects each next epoch, adding and forgetting partitions', () => {
    const cache = new ShareSessionCache()
    const opened = cache.update('g', 'm', 0, [p0], [], true)
    expect(opened.errorCode).toBe(0)
    expect(cache.update('g', 'm', 1, [p1], [], true).errorCode).toBe(0)
    const next = cache.update('g', 'm', 2, [], [p0], true)
    expect('session' in next && [...next.session.partitions.values()]).toEqual([p1])
  })

  it('refuses a wrong epoch, an unknown session, and an acknowledgement that would open one', () => {
    const cache = new ShareSessionCache()
    expect(cache.update('g', 'm', 1, [], [], true).errorCode).toBe(KafkaErrorCodes.SHARE_SESSION_NOT_FOUND)
    expect(cache.update('g', 'm', 0, [p0], [], false).errorCode).toBe(KafkaErrorCodes.INVALID_SHARE_SESSION_EPOCH)
    cache.update('g', 'm', 0, [p0], [], true)
    expect(cache.update('g', 'm', 5, [], [], true).errorCode).toBe(KafkaErrorCodes.INVALID_SHARE_SESSION_EPOCH)
    // The refused request changed nothing: epoch 1 is still the one expected.
    expect(cache.update('g', 'm', 1, [], [], true).errorCode).toBe(0)
    const closed = cache.update('g', 'm', -1, [], [], false)
    expect('closing' in closed && closed.closing).toBe(true)
    expect(cache.size).toBe(0)
  })

  it('refuses a session past group.share.max.share.sessions until one goes; reopening takes no room', () => {
    const cache = new ShareSessionCache({ maxSessions: 2 })
    expect(cache.update('g', 'a', 0, [p0], [], true).errorCode).toBe(0)
    expect(cache.update('g', 'b', 0, [p0], [], true).errorCode).toBe(0)
    const refused = cache.update('g', 'c', 0, [p0], [], true)
    expect(refused.errorCode).toBe(KafkaErrorCodes.SHARE_SESSION_LIMIT_REACHED)
    expect('errorMessage' in refused && refused.errorMessage).toMatch(/group\.share\.max\.share\.sessions/)
    // A member opening its own session again replaces it.
    expect(cache.update('g', 'a', 0, [p1], [], true).errorCode).toBe(0)
    expect(cache.size).toBe(2)
    // A member that left frees its place.
    expect(cache.remove('g', 'b')).toBe(true)
    expect(cache.update('g', 'c', 0, [p0], [], true).errorCode).toBe(0)
  })

  it('evicts sessions nobody used for the idle eviction time, oldest first, and keeps those in use', () => {
    let now = 0
    const cache = new ShareSessionCache({ maxSessions: 10, idleEvictionMs: 1000, now: () => now })
    cache.update('g', 'gone', 0, [p0], [], true)
    now = 600
    cache.update('g', 'busy', 0, [p0], [], true)
    now = 1200
    expect(cache.update('g', 'busy', 1, [], [], true).errorCode).toBe(0)
    // 'gone' was idle 1200 ms and is evicted; 'busy' was used just now.
    expect(cache.size).toBe(1)
    expect(cache.update('g', 'gone', 1, [], [], true).errorCode).toBe(KafkaErrorCodes.SHARE_SESSION_NOT_FOUND)
    now = 2100
    expect(cache.update('g', 'busy', 2, [], [], true).errorCode).toBe(0)
  })
})
