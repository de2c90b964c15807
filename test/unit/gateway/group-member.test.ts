import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrokerContext } from '../../../src/broker/broker-context.js'
import { GroupCoordinators } from '../../../src/gateway/records/group-coordinator-service.js'
import { GroupMember, type TopicPartition } from '../../../src/gateway/records/group-member.js'
import { type InProcessBroker, startInProcessBroker } from '../../helpers/in-process-broker.js'

let broker: InProcessBroker
let context: BrokerContext

beforeAll(async () => {
  broker = await startInProcessBroker({ 'num.partitions': 3, 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 3 })
  context = broker.broker.context
  await broker.createTopics('members')
})

afterAll(async () => {
  await broker?.stop()
})

const sorted = (list: readonly TopicPartition[]): number[] => list.map((p) => p.partition).sort((a, b) => a - b)

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within 30 s`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('GroupMember (an in-process member of a classic group)', () => {
  it('is coordinated here, by the broker\'s own GroupCoordinator, on a single broker', async () => {
    const coordinators = new GroupCoordinators(context, null)
    await coordinators.ensureOffsetsTopic()
    expect(coordinators.coordinatorId('any-group')).toBe(context.nodeId)
    expect(coordinators.forGroup('any-group')).toBe(context.groups)
  })

  it('leads with the range assignor, rejoins when another member joins, commits before the rebalance, and takes everything back when it leaves', async () => {
    const beforeRebalance: number[][] = []
    const first = new GroupMember(context, {
      groupId: 'ranged',
      clientId: 'first',
      clientHost: '127.0.0.1',
      heartbeatIntervalMs: 50,
      beforeRebalance: (owned) => {
        beforeRebalance.push(sorted(owned))
      },
    })
    const second = new GroupMember(context, { groupId: 'ranged', clientId: 'second', clientHost: '127.0.0.1', heartbeatIntervalMs: 50 })
    try {
      await first.subscribe(['members'])
      expect(sorted(first.assignment)).toEqual([0, 1, 2])

      await second.subscribe(['members'])
      await until(() => first.assignment.length + second.assignment.length === 3 && second.assignment.length > 0, 'the rebalance')
      // Range over sorted member ids: the first id takes partitions 0 and 1, the other 2.
      const [low, high] = [first, second].sort((a, b) => (a.memberId < b.memberId ? -1 : 1))
      expect(sorted(low!.assignment)).toEqual([0, 1])
      expect(sorted(high!.assignment)).toEqual([2])
      expect(first.generationId).toBe(second.generationId)
      expect(beforeRebalance).toEqual([[0, 1, 2]])

      const committed = await second.commit([{ topic: 'members', partition: 2, offset: 5, metadata: 'from second' }])
      expect(committed).toEqual([{ topic: 'members', partition: 2, errorCode: 0 }])
      expect(await first.committed([{ topic: 'members', partition: 2 }, { topic: 'members', partition: 0 }])).toEqual([
        { topic: 'members', partition: 2, offset: 5, metadata: 'from second' },
        { topic: 'members', partition: 0, offset: -1, metadata: '' },
      ])

      second.close()
      await until(() => first.assignment.length === 3, 'the first member taking every partition back')
      expect(sorted(first.assignment)).toEqual([0, 1, 2])
    } finally {
      first.close()
      second.close()
    }
  })

  it('commits outside group management (generation -1) while it only has assigned partitions', async () => {
    const member = new GroupMember(context, { groupId: 'manual', clientId: 'manual', clientHost: '127.0.0.1' })
    try {
      expect(await member.commit([{ topic: 'members', partition: 1, offset: 3 }])).toEqual([{ topic: 'members', partition: 1, errorCode: 0 }])
      expect((await member.committed([{ topic: 'members', partition: 1 }]))[0]!.offset).toBe(3)
    } finally {
      member.close()
    }
  })
})
