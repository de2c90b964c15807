/**
 * Static membership (KIP-345) with @platformatic/kafka: a member with a group.instance.id that
 * crashes and comes back within its session timeout takes its old place, under a new member
 * id, in the same generation with the same partitions; the other member never rebalances.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Producer } from 'kafkajs'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { describeGroup, ensureTopic, produceNumbered, startProducer } from '../helpers/group-admin.js'
import { type ClientEvent, type ClientProcess, consumedRecords, startPlatformaticConsumer, waitUntil } from '../helpers/group-clients.js'

const PARTITIONS = 4
let broker: BrokerProcess
let producer: Producer
const clients: ClientProcess[] = []

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': PARTITIONS } })
  producer = await startProducer(broker.bootstrap)
})

afterAll(async () => {
  await Promise.all(clients.map((c) => c.kill()))
  await producer?.disconnect()
  await broker?.stop()
})

const joins = (client: ClientProcess): ClientEvent[] => client.events.filter((e) => e.e === 'joined')

describe('static membership', () => {
  it('gives a restarted static member its partitions back without a rebalance', async () => {
    const topic = 'static-topic'
    const groupId = 'static-group'
    await ensureTopic(broker.bootstrap, topic)
    const start = (instance: string, clientId: string): ClientProcess => {
      const client = startPlatformaticConsumer({ bootstrap: broker.bootstrap, groupId, topic, clientId, groupInstanceId: instance, sessionTimeout: 20_000 })
      clients.push(client)
      return client
    }
    const a = start('instance-a', 'static-a')
    const b = start('instance-b', 'static-b')
    await waitUntil(async () => {
      const group = await describeGroup(broker.bootstrap, groupId)
      return group.state === 'Stable' && group.members.length === 2 && group.members.every((m) => m.partitions.length === 2)
    }, 45_000, 'a stable group of two static members')
    await waitUntil(() => {
      const lastA = joins(a).at(-1)
      const lastB = joins(b).at(-1)
      return lastA !== undefined && lastB !== undefined && lastA.generationId === lastB.generationId
    }, 30_000, 'both members in the same generation')
    const before = await describeGroup(broker.bootstrap, groupId)
    const oldA = before.members.find((m) => m.groupInstanceId === 'instance-a')!
    const generation = joins(a).at(-1)!.generationId
    const bJoins = joins(b).length

    // A crashes and comes back at once, well within its 20 s session timeout.
    await a.kill()
    const a2 = start('instance-a', 'static-a2')
    await a2.waitFor((events) => events.some((e) => e.e === 'joined'), 30_000, 'the restarted member joining')
    expect(joins(a2)[0]!.generationId).toBe(generation)
    expect([...(joins(a2)[0]!.partitions as number[])].sort()).toEqual(oldA.partitions)

    const after = await describeGroup(broker.bootstrap, groupId)
    expect(after.state).toBe('Stable')
    const newA = after.members.find((m) => m.groupInstanceId === 'instance-a')!
    expect(newA.memberId).not.toBe(oldA.memberId)
    expect(newA.partitions).toEqual(oldA.partitions)
    expect(after.members).toHaveLength(2)

    // Both keep consuming their own partitions, and B never had to rejoin.
    await produceNumbered(producer, topic, 0, 400, PARTITIONS)
    await waitUntil(() => consumedRecords([a2, b]).length >= 400, 30_000, '400 records')
    for (const r of consumedRecords([a2])) expect(oldA.partitions).toContain(r.p)
    expect(joins(b)).toHaveLength(bJoins)
    expect(broker.output()).toContain('static member rejoined a stable group without a rebalance')
  }, 120_000)
})
