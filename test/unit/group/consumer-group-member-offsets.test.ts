/**
 * Offsets of a KIP-848 consumer group and the member epoch that guards them, as Kafka checks it:
 * OffsetFetch v9 names the member and its epoch (an admin fetch names neither), OffsetCommit v9
 * carries the epoch as its generation, and a transactional commit (TxnOffsetCommit, sent with
 * the consumer's group metadata) is checked against the same member, with the error a producer
 * understands.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ConsumerGroupHeartbeatResult } from '../../../src/group/consumer-group-coordinator.js'
import { KafkaErrorCodes as E } from '../../../src/protocol/error-codes.js'
import { tempDir } from '../../helpers/temp-dir.js'
import { encodeSubscription } from '../../../src/protocol/messages/consumer-protocol.js'
import { type OpenCoordinator, join as joinClassic, joinAll, joinParams, openCoordinator, sync } from './coordinator-fixture.js'

let open: OpenCoordinator | undefined

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  open = await openCoordinator(tempDir(), {
    consumer: { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5000, maxSize: 100, assignors: ['uniform', 'range'], migrationPolicy: 'bidirectional' },
  })
  await open.metadata.createTopic('orders', [[1], [1], [1]])
})

afterEach(async () => {
  vi.useRealTimers()
  await open?.close()
  open = undefined
})

function join(groupId: string, memberId: string): Promise<ConsumerGroupHeartbeatResult> {
  return Promise.resolve(
    open!.coordinator.consumerGroupHeartbeat({
      groupId,
      memberId,
      memberEpoch: 0,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: 30_000,
      subscribedTopicNames: ['orders'],
      subscribedTopicRegex: null,
      serverAssignor: null,
      topicPartitions: [],
      clientId: 'client',
      clientHost: '/127.0.0.1',
      apiVersion: 1,
    }),
  )
}

const commit = (groupId: string, memberId: string, memberEpoch: number, apiVersion = 9) =>
  Promise.resolve(
    open!.coordinator.commitOffsets({ groupId, generationId: memberEpoch, memberId, groupInstanceId: null, apiVersion, offsets: [{ topic: 'orders', partition: 0, offset: 42, leaderEpoch: -1, metadata: '' }] }),
  )

const fetch = (groupId: string, memberId: string | null, memberEpoch: number) => open!.coordinator.fetchOffsets(groupId, [{ name: 'orders', partitionIndexes: [0] }], false, { memberId, memberEpoch })

const txnCommit = (groupId: string, memberId: string, generationId: number, groupInstanceId: string | null = null) =>
  Promise.resolve(
    open!.coordinator.commitTransactionalOffsets({
      groupId,
      transactionalId: 'copier',
      producerId: 7,
      producerEpoch: 0,
      generationId,
      memberId,
      groupInstanceId,
      offsets: [{ topic: 'orders', partition: 1, offset: 9, leaderEpoch: -1, metadata: null }],
    }),
  )

describe('OffsetFetch v9 in a consumer group', () => {
  it('answers the member at its current epoch, and an admin fetch that names no member', async () => {
    const { memberEpoch } = await join('g', 'm1')
    expect(await commit('g', 'm1', memberEpoch)).toEqual([E.NONE])
    for (const answer of [fetch('g', 'm1', memberEpoch), fetch('g', null, -1)]) {
      expect(answer.errorCode).toBe(E.NONE)
      expect(answer.topics[0]!.partitions[0]).toMatchObject({ partitionIndex: 0, committed: { offset: 42 }, errorCode: E.NONE })
    }
  })

  it('refuses another epoch with STALE_MEMBER_EPOCH and a member it does not know with UNKNOWN_MEMBER_ID, reading nothing', async () => {
    const { memberEpoch } = await join('g', 'm1')
    await commit('g', 'm1', memberEpoch)
    const stale = fetch('g', 'm1', memberEpoch + 1)
    expect(stale.errorCode).toBe(E.STALE_MEMBER_EPOCH)
    expect(stale.topics[0]!.partitions[0]).toMatchObject({ committed: { offset: -1 }, errorCode: E.STALE_MEMBER_EPOCH })
    expect(fetch('g', 'm1', memberEpoch - 1).errorCode).toBe(E.STALE_MEMBER_EPOCH)
    expect(fetch('g', 'someone-else', memberEpoch).errorCode).toBe(E.UNKNOWN_MEMBER_ID)
    // A member id with the admin's -1 is still a member's fetch: it must be known and current.
    expect(fetch('g', 'someone-else', -1).errorCode).toBe(E.UNKNOWN_MEMBER_ID)
    expect(fetch('g', 'm1', -1).errorCode).toBe(E.STALE_MEMBER_EPOCH)
  })

  it('a classic member of the consumer group fetching at another generation is told ILLEGAL_GENERATION, the error it knows', async () => {
    await join('g', 'm1')
    const subscription = encodeSubscription({ topics: ['orders'] })
    const classic = await joinClassic(open!.coordinator, joinParams('g', { protocols: [{ name: 'cooperative-sticky', metadata: subscription }] }))
    expect(classic.errorCode).toBe(E.NONE)
    expect(fetch('g', classic.memberId, classic.generationId).errorCode).toBe(E.NONE)
    expect(fetch('g', classic.memberId, classic.generationId + 1).errorCode).toBe(E.ILLEGAL_GENERATION)
  })

  it('a classic group and a group that does not exist ignore the member fields, as in Kafka', async () => {
    const [joined] = await joinAll(open!.coordinator, [joinParams('classic-g')])
    await sync(open!.coordinator, 'classic-g', joined!, [{ memberId: joined!.memberId, assignment: Buffer.alloc(0) }])
    expect(fetch('classic-g', 'not-a-member', 99).errorCode).toBe(E.NONE)
    const missing = fetch('nobody', 'm1', 3)
    expect(missing.errorCode).toBe(E.NONE)
    expect(missing.topics[0]!.partitions[0]!.committed.offset).toBe(-1)
  })
})

describe('OffsetCommit v9 in a consumer group', () => {
  it('takes the member epoch; another epoch is STALE_MEMBER_EPOCH, an older version UNSUPPORTED_VERSION, an admin commit UNKNOWN_MEMBER_ID while members are there', async () => {
    const { memberEpoch } = await join('g', 'm1')
    expect(await commit('g', 'm1', memberEpoch + 1)).toEqual([E.STALE_MEMBER_EPOCH])
    expect(await commit('g', 'm1', memberEpoch - 1)).toEqual([E.STALE_MEMBER_EPOCH])
    expect(await commit('g', 'm1', memberEpoch, 8)).toEqual([E.UNSUPPORTED_VERSION])
    expect(await commit('g', 'm2', memberEpoch)).toEqual([E.UNKNOWN_MEMBER_ID])
    expect(await commit('g', '', -1)).toEqual([E.UNKNOWN_MEMBER_ID])
    // None of the refusals wrote anything.
    expect(fetch('g', null, -1).topics[0]!.partitions[0]!.committed.offset).toBe(-1)
  })
})

describe('TxnOffsetCommit from a consumer-group member (sendOffsetsToTransaction with the group metadata)', () => {
  it('accepts the member at its epoch and a request that names no member; another epoch is ILLEGAL_GENERATION, a stranger UNKNOWN_MEMBER_ID', async () => {
    const { memberEpoch } = await join('g', 'm1')
    expect(await txnCommit('g', 'm1', memberEpoch)).toEqual([E.NONE])
    expect(await txnCommit('g', '', -1)).toEqual([E.NONE])
    expect(await txnCommit('g', 'm1', memberEpoch + 1)).toEqual([E.ILLEGAL_GENERATION])
    expect(await txnCommit('g', 'stranger', memberEpoch)).toEqual([E.UNKNOWN_MEMBER_ID])
    expect(await txnCommit('g', '', -1, 'instance-1')).toEqual([E.UNKNOWN_MEMBER_ID])
  })
})
