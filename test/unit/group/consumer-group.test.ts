/**
 * KIP-848 consumer groups in the coordinator, without a network: the assignors, incremental
 * reconciliation (revoke before assign), epochs and fencing, static members, regex
 * subscriptions, Kafka's error codes and messages, and the records that rebuild a group.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { createLogger } from '../../../src/common/logger.js'
import { type Assignment, fromTopicPartitions, toTopicPartitions } from '../../../src/group/assignment.js'
import { MemberState } from '../../../src/group/consumer-group.js'
import {
  ConsumerGroupCoordinator,
  type ConsumerGroupHeartbeatParams,
  type ConsumerGroupHeartbeatResult,
} from '../../../src/group/consumer-group-coordinator.js'
import { ConsumerGroupLoader } from '../../../src/group/consumer-group-loader.js'
import type { CoordinatorWrite } from '../../../src/group/offsets-partition.js'
import { rangeAssign, uniformAssign } from '../../../src/group/server-assignors.js'
import { InvalidTopicRegexError, compileTopicRegex } from '../../../src/group/topic-regex.js'
import { heartbeatParams } from './coordinator-fixture.js'
import { KafkaErrorCodes } from '../../../src/protocol/error-codes.js'
import { uuidFromBytes } from '../../../src/protocol/uuid.js'

const T = uuidFromBytes(Buffer.alloc(16, 1))
const U = uuidFromBytes(Buffer.alloc(16, 2))
const EU = uuidFromBytes(Buffer.alloc(16, 3))

function assignmentOf(result: Map<string, Assignment>, memberId: string): number[] {
  return [...(result.get(memberId)?.get(T) ?? [])].sort((a, b) => a - b)
}

describe('server-side assignors', () => {
  const members = (...ids: string[]) => new Map(ids.map((id) => [id, new Set([T])]))

  test('uniform gives each member floor(N/M) or one more partition', () => {
    const result = uniformAssign({ members: members('a', 'b', 'c'), topics: new Map([[T, 7]]), previous: new Map() })
    const sizes = ['a', 'b', 'c'].map((m) => assignmentOf(result, m).length).sort()
    expect(sizes).toEqual([2, 2, 3])
    expect(new Set(['a', 'b', 'c'].flatMap((m) => assignmentOf(result, m))).size).toBe(7)
  })

  test('uniform keeps what members had when one joins: only the newcomer\'s share moves', () => {
    const before = uniformAssign({ members: members('a', 'b'), topics: new Map([[T, 6]]), previous: new Map() })
    const after = uniformAssign({ members: members('a', 'b', 'c'), topics: new Map([[T, 6]]), previous: before })
    for (const m of ['a', 'b']) {
      const kept = assignmentOf(after, m).filter((p) => assignmentOf(before, m).includes(p))
      expect(kept).toHaveLength(2)
    }
    expect(assignmentOf(after, 'c')).toHaveLength(2)
  })

  test('range gives contiguous ranges in member-id order, the first N mod M one more', () => {
    const result = rangeAssign({ members: members('b', 'a', 'c'), topics: new Map([[T, 7]]), previous: new Map() })
    expect(assignmentOf(result, 'a')).toEqual([0, 1, 2])
    expect(assignmentOf(result, 'b')).toEqual([3, 4])
    expect(assignmentOf(result, 'c')).toEqual([5, 6])
  })

  test('uniform with differing subscriptions gives each topic only to its subscribers', () => {
    const result = uniformAssign({
      members: new Map([['a', new Set([T])], ['b', new Set([T, U])]]),
      topics: new Map([[T, 4], [U, 2]]),
      previous: new Map(),
    })
    expect(result.get('a')!.get(U)).toBeUndefined()
    expect(result.get('b')!.get(U)?.size).toBe(2)
    const total = [...result.values()].reduce((n, a) => n + [...a.values()].reduce((k, s) => k + s.size, 0), 0)
    expect(total).toBe(6)
  })
})

describe('topic regex (RE2/J subset)', () => {
  test('matches whole names only, as RE2/J matches()', () => {
    const regex = compileTopicRegex('orders-.*')
    expect(regex.test('orders-eu')).toBe(true)
    expect(regex.test('old-orders-eu')).toBe(false)
    expect(compileTopicRegex('(?i)ORDERS').test('orders')).toBe(true)
    expect(compileTopicRegex('(?P<region>eu|us)-events').test('us-events')).toBe(true)
  })

  test.each([
    ['(a)\\1', 'backreferences'],
    ['foo(?=bar)', 'lookaround'],
    ['a++', 'possessive'],
    ['[[:alpha:]]+', 'POSIX'],
    ['(unclosed', 'missing closing'],
    ['*start', 'Nothing to repeat'],
  ])('refuses %s (%s) with a message that says why', (pattern, why) => {
    expect(() => compileTopicRegex(pattern)).toThrow(InvalidTopicRegexError)
    expect(() => compileTopicRegex(pattern)).toThrow(why)
  })
})

interface Harness {
  readonly coordinator: ConsumerGroupCoordinator
  readonly written: CoordinatorWrite[]
  readonly topics: Map<string, { topicId: string; partitions: number }>
  now: number
  heartbeat(params: Partial<ConsumerGroupHeartbeatParams> & { memberId: string; memberEpoch: number }): ConsumerGroupHeartbeatResult
}

let open: ConsumerGroupCoordinator[] = []
afterEach(() => {
  for (const c of open) c.shutdown()
  open = []
})

function harness(options: { maxSize?: number } = {}): Harness {
  const topics = new Map([['orders', { topicId: T, partitions: 6 }]])
  const written: CoordinatorWrite[] = []
  const coordinator = new ConsumerGroupCoordinator({
    config: { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5000, maxSize: options.maxSize ?? 100, assignors: ['uniform', 'range'], migrationPolicy: 'bidirectional' },
    topics: {
      topic: (name) => topics.get(name),
      topicById: (id) => {
        for (const [name, t] of topics) if (t.topicId === id) return { name, partitions: t.partitions }
        return undefined
      },
      topics: () => [...topics].map(([name, t]) => ({ name, ...t, internal: false })),
    },
    write: (_groupId, records) => {
      written.push(...records)
      return KafkaErrorCodes.NONE
    },
    logger: createLogger('test', 'silent'),
  })
  open.push(coordinator)
  const h: Harness = {
    coordinator,
    written,
    topics,
    now: 1_000_000,
    heartbeat(params) {
      const full = heartbeatParams({ groupId: 'g', ...params })
      const invalid = ConsumerGroupCoordinator.validate(full, ['uniform', 'range'])
      if (invalid !== null) return { errorCode: invalid.errorCode, errorMessage: invalid.message, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null }
      const result = coordinator.heartbeat(full, h.now)
      if (result instanceof Promise) throw new Error('the test writes settle at once')
      return result
    },
  }
  return h
}

const partitionsOf = (result: ConsumerGroupHeartbeatResult): number[] | null =>
  result.assignment === null ? null : result.assignment.topicPartitions.flatMap((t) => t.partitions).sort((a, b) => a - b)
const owned = (...partitions: number[]) => [{ topicId: T, partitions }]

describe('reconciliation', () => {
  test('a joining member gets partitions only after their owner revoked them; the owner keeps the rest throughout', () => {
    const h = harness()
    const a1 = h.heartbeat({ memberId: 'a', memberEpoch: 0 })
    expect(a1).toMatchObject({ errorCode: KafkaErrorCodes.NONE, memberId: 'a', memberEpoch: 1, heartbeatIntervalMs: 5000 })
    expect(partitionsOf(a1)).toEqual([0, 1, 2, 3, 4, 5])

    // b joins: the group epoch moves to 2; b is at epoch 2 but gets nothing a still owns.
    const b1 = h.heartbeat({ memberId: 'b', memberEpoch: 0 })
    expect(b1.memberEpoch).toBe(2)
    expect(partitionsOf(b1)).toEqual([])

    // a learns what to give up: it keeps epoch 1 and three partitions, no stop-the-world.
    const a2 = h.heartbeat({ memberId: 'a', memberEpoch: 1, topicPartitions: owned(0, 1, 2, 3, 4, 5) })
    expect(a2.memberEpoch).toBe(1)
    const kept = partitionsOf(a2)!
    expect(kept).toHaveLength(3)
    const given = [0, 1, 2, 3, 4, 5].filter((p) => !kept.includes(p))

    // Until a says it revoked, b still gets nothing.
    expect(partitionsOf(h.heartbeat({ memberId: 'b', memberEpoch: 2, topicPartitions: owned() }))).toEqual(null)
    expect(h.coordinator.groups.get('g')!.state).toBe('Reconciling')

    // a acknowledges (its owned partitions no longer hold the revoked ones): epoch 2.
    const a3 = h.heartbeat({ memberId: 'a', memberEpoch: 1, topicPartitions: owned(...kept) })
    expect(a3.memberEpoch).toBe(2)

    // Now b gets them.
    const b3 = h.heartbeat({ memberId: 'b', memberEpoch: 2, topicPartitions: owned() })
    expect(partitionsOf(b3)).toEqual(given)
    expect(h.coordinator.groups.get('g')!.state).toBe('Stable')
  })

  test('a leaving member\'s partitions go to the others at the next epoch', () => {
    const h = harness()
    h.heartbeat({ memberId: 'a', memberEpoch: 0 })
    h.heartbeat({ memberId: 'b', memberEpoch: 0 })
    const a = h.heartbeat({ memberId: 'a', memberEpoch: 1, topicPartitions: owned(0, 1, 2, 3, 4, 5) })
    h.heartbeat({ memberId: 'a', memberEpoch: 1, topicPartitions: owned(...partitionsOf(a)!) })
    h.heartbeat({ memberId: 'b', memberEpoch: 2, topicPartitions: owned() })
    expect(h.heartbeat({ memberId: 'b', memberEpoch: -1 })).toMatchObject({ errorCode: KafkaErrorCodes.NONE, memberEpoch: -1 })
    const after = h.heartbeat({ memberId: 'a', memberEpoch: 2, topicPartitions: owned(...partitionsOf(a)!) })
    expect(after.memberEpoch).toBe(3)
    expect(partitionsOf(after)).toEqual([0, 1, 2, 3, 4, 5])
  })

  test('a new topic the member subscribes to by regex is assigned once metadata is refreshed', () => {
    const h = harness()
    const a = h.heartbeat({ memberId: 'a', memberEpoch: 0, subscribedTopicNames: null, subscribedTopicRegex: 'ord.*' })
    expect(partitionsOf(a)).toEqual([0, 1, 2, 3, 4, 5])
    h.topics.set('orders-eu', { topicId: EU, partitions: 2 })
    h.now += 5000
    const next = h.heartbeat({ memberId: 'a', memberEpoch: 1, topicPartitions: owned(0, 1, 2, 3, 4, 5) })
    expect(next.memberEpoch).toBe(2)
    expect(next.assignment!.topicPartitions.find((t) => t.topicId === EU)?.partitions).toEqual([0, 1])
  })
})

describe("errors as Kafka's GroupMetadataManager returns them", () => {
  test('an unknown member, and epochs ahead of or behind the coordinator\'s, are refused', () => {
    const h = harness()
    h.heartbeat({ memberId: 'a', memberEpoch: 0 })
    expect(h.heartbeat({ memberId: 'nobody', memberEpoch: 1 })).toMatchObject({
      errorCode: KafkaErrorCodes.UNKNOWN_MEMBER_ID,
      errorMessage: 'Member nobody is not a member of group g.',
    })
    expect(h.heartbeat({ memberId: 'a', memberEpoch: 7 })).toMatchObject({ errorCode: KafkaErrorCodes.FENCED_MEMBER_EPOCH })
    h.heartbeat({ memberId: 'b', memberEpoch: 0 })
    // The previous epoch is accepted while the member owns no more than it is assigned
    // (its answer may have been lost); anything else is fenced.
    expect(h.heartbeat({ memberId: 'b', memberEpoch: 1, topicPartitions: owned() }).errorCode).toBe(KafkaErrorCodes.FENCED_MEMBER_EPOCH)
  })

  test.each([
    [{ memberId: '', memberEpoch: 0 }, KafkaErrorCodes.INVALID_REQUEST, "MemberId can't be empty."],
    [{ memberId: 'a', memberEpoch: 0, rebalanceTimeoutMs: -1 }, KafkaErrorCodes.INVALID_REQUEST, 'RebalanceTimeoutMs must be provided in first request.'],
    [{ memberId: 'a', memberEpoch: 0, topicPartitions: owned(1) }, KafkaErrorCodes.INVALID_REQUEST, 'TopicPartitions must be empty when (re-)joining.'],
    [{ memberId: 'a', memberEpoch: -2 }, KafkaErrorCodes.INVALID_REQUEST, "InstanceId can't be null."],
    [{ memberId: 'a', memberEpoch: -3 }, KafkaErrorCodes.INVALID_REQUEST, 'MemberEpoch is invalid.'],
    [{ memberId: 'a', memberEpoch: 0, serverAssignor: 'sticky' }, KafkaErrorCodes.UNSUPPORTED_ASSIGNOR, 'ServerAssignor sticky is not supported. Supported assignors: uniform, range.'],
    [{ memberId: 'a', memberEpoch: 0, subscribedTopicNames: null, subscribedTopicRegex: 'a(?=b)' }, KafkaErrorCodes.INVALID_REGULAR_EXPRESSION, 'SubscribedTopicRegex `a(?=b)` is not a valid regular expression'],
  ])('%o → %i', (params, errorCode, message) => {
    const result = harness().heartbeat(params)
    expect(result.errorCode).toBe(errorCode)
    expect(result.errorMessage).toContain(message)
  })

  test('a refused regex changes nothing: no group, no member', () => {
    const h = harness()
    const result = h.heartbeat({ memberId: 'a', memberEpoch: 0, subscribedTopicNames: null, subscribedTopicRegex: '(?<=x)y' })
    expect(result.errorCode).toBe(KafkaErrorCodes.INVALID_REGULAR_EXPRESSION)
    expect(h.coordinator.groups.size).toBe(0)
    expect(h.written).toEqual([])
  })

  test('a heartbeat with an epoch to a group that does not exist is GROUP_ID_NOT_FOUND; a full group refuses newcomers', () => {
    const h = harness({ maxSize: 1 })
    expect(h.heartbeat({ memberId: 'a', memberEpoch: 3 })).toMatchObject({ errorCode: KafkaErrorCodes.GROUP_ID_NOT_FOUND, errorMessage: 'Consumer group g not found.' })
    h.heartbeat({ memberId: 'a', memberEpoch: 0 })
    expect(h.heartbeat({ memberId: 'b', memberEpoch: 0 })).toMatchObject({
      errorCode: KafkaErrorCodes.GROUP_MAX_SIZE_REACHED,
      errorMessage: 'The consumer group has reached its maximum capacity of 1 members.',
    })
  })
})

describe('static members', () => {
  test('a static member that leaves with -2 and comes back under a new member id keeps its partitions, and nobody rebalances', () => {
    const h = harness()
    h.heartbeat({ memberId: 'a', memberEpoch: 0, instanceId: 'instance-a' })
    h.heartbeat({ memberId: 'b', memberEpoch: 0 })
    const a = h.heartbeat({ memberId: 'a', memberEpoch: 1, instanceId: 'instance-a', topicPartitions: owned(0, 1, 2, 3, 4, 5) })
    const aPartitions = partitionsOf(a)!
    h.heartbeat({ memberId: 'a', memberEpoch: 1, instanceId: 'instance-a', topicPartitions: owned(...aPartitions) })
    const groupEpoch = h.coordinator.groups.get('g')!.groupEpoch

    // While instance-a is a member, another process with the same instance id is refused.
    expect(h.heartbeat({ memberId: 'a2', memberEpoch: 0, instanceId: 'instance-a' }).errorCode).toBe(KafkaErrorCodes.UNRELEASED_INSTANCE_ID)

    expect(h.heartbeat({ memberId: 'a', memberEpoch: -2, instanceId: 'instance-a' })).toMatchObject({ errorCode: KafkaErrorCodes.NONE, memberEpoch: -2 })
    const back = h.heartbeat({ memberId: 'a2', memberEpoch: 0, instanceId: 'instance-a' })
    expect(back).toMatchObject({ errorCode: KafkaErrorCodes.NONE, memberId: 'a2', memberEpoch: groupEpoch })
    expect(partitionsOf(back)).toEqual(aPartitions)
    expect(h.coordinator.groups.get('g')!.groupEpoch).toBe(groupEpoch)
    // The old member id is fenced from now on.
    expect(h.heartbeat({ memberId: 'a', memberEpoch: 2, instanceId: 'instance-a' }).errorCode).toBe(KafkaErrorCodes.FENCED_INSTANCE_ID)
  })
})

describe('persistence', () => {
  test('the records written rebuild the same group: epochs, members, targets and current assignments', () => {
    const h = harness()
    h.heartbeat({ memberId: 'a', memberEpoch: 0 })
    h.heartbeat({ memberId: 'b', memberEpoch: 0 })
    h.heartbeat({ memberId: 'a', memberEpoch: 1, topicPartitions: owned(0, 1, 2, 3, 4, 5) })
    const loader = new ConsumerGroupLoader(createLogger('test', 'silent'))
    for (const record of h.written) loader.apply(record.key, record.value)
    const [loaded] = loader.groups()
    const live = h.coordinator.groups.get('g')!
    expect(loaded).toBeDefined()
    expect({ epoch: loaded!.groupEpoch, assignment: loaded!.assignmentEpoch }).toEqual({ epoch: live.groupEpoch, assignment: live.assignmentEpoch })
    for (const [memberId, member] of live.members) {
      const restored = loaded!.members.get(memberId)!
      expect(restored.memberEpoch).toBe(member.memberEpoch)
      expect(restored.state).toBe(member.state)
      expect(toTopicPartitions(restored.assigned)).toEqual(toTopicPartitions(member.assigned))
      expect(toTopicPartitions(restored.pendingRevocation)).toEqual(toTopicPartitions(member.pendingRevocation))
      expect(toTopicPartitions(loaded!.targetAssignment.get(memberId)!)).toEqual(toTopicPartitions(live.targetAssignment.get(memberId)!))
    }
    expect(loaded!.members.get('a')!.state).toBe(MemberState.UNREVOKED_PARTITIONS)
    // Who owns what is rebuilt too: b still cannot have a's partitions pending revocation.
    for (const p of toTopicPartitions(live.members.get('a')!.pendingRevocation)[0]!.partitions) expect(loaded!.currentPartitionEpoch(T, p)).toBe(1)
  })

  test('a snapshot of the live records loads to the same state as the log it replaces', () => {
    const h = harness()
    h.heartbeat({ memberId: 'a', memberEpoch: 0 })
    const loader = new ConsumerGroupLoader(createLogger('test', 'silent'))
    for (const r of h.coordinator.liveRecords(h.coordinator.groups.get('g')!)) loader.apply(r.key, r.value)
    const [loaded] = loader.groups()
    expect(toTopicPartitions(loaded!.members.get('a')!.assigned)).toEqual(toTopicPartitions(fromTopicPartitions(owned(0, 1, 2, 3, 4, 5))))
  })
})
