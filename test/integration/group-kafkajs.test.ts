/**
 * Consumer groups with kafkajs consumers, each in its own process, against the real broker:
 * partitions shared across members, each record delivered once while the group is stable, a
 * new member taking a share, a SIGKILLed member's partitions taken over after its session
 * timeout with nothing lost (duplicates only at or after the last committed offset), idle
 * members standing by and taking over, and two groups each receiving everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Producer } from 'kafkajs'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { committedOffsets, describeGroup, ensureTopic, produceNumbered, startProducer } from '../helpers/group-admin.js'
import { type ClientProcess, consumedRecords, latestAssignments, startKafkajsConsumer } from '../helpers/group-clients.js'

const PARTITIONS = 6
const SESSION_TIMEOUT = 10_000

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

function consumer(groupId: string, topic: string, clientId: string, batchDelayMs = 0): ClientProcess {
  const client = startKafkajsConsumer({ bootstrap: broker.bootstrap, groupId, topic, clientId, sessionTimeout: SESSION_TIMEOUT, batchDelayMs })
  clients.push(client)
  return client
}

/** True when the clients' latest assignments split all partitions between them, each once. */
function assignmentIsComplete(members: readonly ClientProcess[]): boolean {
  const assignments = latestAssignments(members)
  if (assignments.size !== members.length) return false
  const all = [...assignments.values()].flat().sort((a, b) => a - b)
  return all.length === PARTITIONS && all.every((p, i) => p === i)
}

async function waitForBalancedGroup(groupId: string, members: readonly ClientProcess[], timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (assignmentIsComplete(members)) {
      const group = await describeGroup(broker.bootstrap, groupId)
      if (group.state === 'Stable' && group.members.length === members.length) {
        // Fetches sent under an earlier assignment may still be parked in the broker for up to
        // the client's maxWaitTime (200 ms here); let them run out, so that what is produced next
        // is fetched under the final assignment only.
        await new Promise((resolve) => setTimeout(resolve, 1000))
        return
      }
    }
    if (Date.now() > deadline) throw new Error(`group ${groupId} did not balance over ${members.length} members: ${JSON.stringify([...latestAssignments(members)])}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function waitForValues(members: readonly ClientProcess[], count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const seen = new Set(consumedRecords(members).map((r) => r.v))
    if (seen.size >= count) return
    if (Date.now() > deadline) throw new Error(`only ${seen.size} of ${count} values consumed within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe('kafkajs consumer group', () => {
  it('shares 60,000 records across 3 members once each, rebalances onto a 4th, and survives a SIGKILLed member', async () => {
    const topic = 'orders'
    const groupId = 'order-processors'
    expect(await ensureTopic(broker.bootstrap, topic)).toBe(PARTITIONS)
    const first = [consumer(groupId, topic, 'c1'), consumer(groupId, topic, 'c2'), consumer(groupId, topic, 'c3')]
    await waitForBalancedGroup(groupId, first)
    for (const [, partitions] of latestAssignments(first)) expect(partitions).toHaveLength(2)

    // Stable group: every record exactly once.
    await produceNumbered(producer, topic, 0, 60_000, PARTITIONS)
    await waitForValues(first, 60_000, 60_000)
    const phaseOne = consumedRecords(first)
    expect(phaseOne).toHaveLength(60_000)
    expect(new Set(phaseOne.map((r) => r.v)).size).toBe(60_000)

    // A fourth member joins and gets a share.
    const fourth = consumer(groupId, topic, 'c4', 5)
    const all = [...first, fourth]
    await waitForBalancedGroup(groupId, all)
    expect(latestAssignments([fourth]).get('c4')!.length).toBeGreaterThan(0)

    // Records flow while one member dies without a word.
    const victim = first[0]!
    const victimPartitions = latestAssignments([victim]).get('c1')!
    expect(victimPartitions.length).toBeGreaterThan(0)
    const producing = produceNumbered(producer, topic, 60_000, 30_000, PARTITIONS, 500)
    await victim.waitFor(() => consumedRecords([victim]).some((r) => Number(r.v) >= 60_000), 30_000, 'c1 consuming new records')
    await victim.kill()
    const committedAtKill = await committedOffsets(broker.bootstrap, groupId, topic, PARTITIONS)
    await producing

    // The survivors take the victim's partitions over once its session expires, and get everything.
    const survivors = all.filter((c) => c !== victim)
    await waitForBalancedGroup(groupId, survivors, SESSION_TIMEOUT + 30_000)
    expect(broker.output()).toMatch(/member session expired; removing it from the group group="order-processors"/)
    await waitForValues(all, 90_000, SESSION_TIMEOUT + 60_000)

    const records = consumedRecords(all)
    const byValue = new Map<string, typeof records>()
    for (const r of records) byValue.set(r.v, [...(byValue.get(r.v) ?? []), r])
    for (let i = 0; i < 90_000; i++) expect(byValue.has(String(i)), `record ${i} was lost`).toBe(true)
    // At least once: a record is delivered again only if it lies at or after the offset its
    // partition had committed when the member died (the killed member's uncommitted tail, or a
    // survivor's, since the takeover moves partitions between survivors too).
    for (const [value, deliveries] of byValue) {
      if (deliveries.length === 1) continue
      const { p, o } = deliveries[0]!
      expect(o, `record ${value} (partition ${p}) delivered again below the offset committed at the kill`).toBeGreaterThanOrEqual(committedAtKill[p]!)
    }
  }, 240_000)

  it('keeps members beyond the partition count idle and gives them partitions when others stop', async () => {
    const topic = 'standby'
    const groupId = 'standby-group'
    await ensureTopic(broker.bootstrap, topic)
    const members = Array.from({ length: 8 }, (_, i) => consumer(groupId, topic, `s${i}`))
    await waitForBalancedGroup(groupId, members, 60_000)
    const idle = [...latestAssignments(members)].filter(([, partitions]) => partitions.length === 0).map(([id]) => id)
    expect(idle).toHaveLength(2)

    // Two working members stop (and leave the group); the standbys take their partitions.
    const leaving = members.filter((m) => !idle.includes(m.clientId)).slice(0, 2)
    await Promise.all(leaving.map((m) => m.stop()))
    const remaining = members.filter((m) => !leaving.includes(m))
    await waitForBalancedGroup(groupId, remaining, 60_000)
    for (const id of idle) expect(latestAssignments(remaining).get(id)!.length).toBe(1)

    await produceNumbered(producer, topic, 0, 600, PARTITIONS)
    await waitForValues(remaining, 600, 30_000)
    const standbyRecords = consumedRecords(remaining.filter((m) => idle.includes(m.clientId)))
    expect(standbyRecords.length).toBe(200)
  }, 180_000)

  it('delivers every record to each of two groups on the same topic', async () => {
    const topic = 'fanout'
    await ensureTopic(broker.bootstrap, topic)
    const billing = [consumer('billing', topic, 'b1'), consumer('billing', topic, 'b2')]
    const audit = [consumer('audit', topic, 'a1')]
    await Promise.all([waitForBalancedGroup('billing', billing), waitForBalancedGroup('audit', audit)])
    await produceNumbered(producer, topic, 0, 3000, PARTITIONS)
    await Promise.all([waitForValues(billing, 3000, 30_000), waitForValues(audit, 3000, 30_000)])
    for (const group of [billing, audit]) {
      const values = consumedRecords(group).map((r) => r.v)
      expect(values).toHaveLength(3000)
      expect(new Set(values).size).toBe(3000)
    }
  }, 120_000)
})
