/**
 * Share groups (KIP-932) with the Java client 4.x's KafkaShareConsumer against one real broker:
 * several consumers on one partition, each record processed by one of them; records held by a
 * consumer killed with SIGKILL go to another once their lock times out; REJECTed records never
 * come back; a RELEASEd record is delivered at most group.share.delivery.count.limit times; and
 * a broker restart keeps the share-partition's state. Kafka 4.1's kafka-share-groups lists and
 * describes the group, shows its start offsets and deletes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { kcat } from '../helpers/clients.js'
import { kafkaShareGroups, missingJavaTools, prepareShareConsumers, ShareConsumers } from '../helpers/java-share-consumers.js'

const LOCK_MS = 4000
const DELIVERY_LIMIT = 3

describe.skipIf(missingJavaTools.length > 0)('share groups with the Java client 4.x (KafkaShareConsumer)', () => {
  let broker: BrokerProcess
  const running: ShareConsumers[] = []

  const consumers = (group: string, topic: string, count: number, behaviour: ConstructorParameters<typeof ShareConsumers>[4], prefix: string): ShareConsumers => {
    const started = new ShareConsumers(broker.bootstrap, group, topic, count, behaviour, prefix)
    running.push(started)
    return started
  }

  const createTopic = async (topic: string): Promise<void> => {
    await kcat(['-b', broker.bootstrap, '-L', '-t', topic])
  }

  const produce = async (topic: string, values: readonly string[]): Promise<void> => {
    await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', '-X', 'acks=all'], values.join('\n') + '\n')
  }

  /** The broker logs each share-partition it initializes; records produced after it are the group's. */
  const shareInitialized = async (group: string, timeoutMs = 90_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs
    while (!broker.output().includes(`share-partition initialized group="${group}"`)) {
      if (Date.now() > deadline) throw new Error(`share-partition of ${group} not initialized:\n${broker.output().slice(-3000)}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  beforeAll(async () => {
    prepareShareConsumers()
    broker = await startBroker({
      settings: {
        'num.partitions': 1,
        'group.share.record.lock.duration.ms': LOCK_MS,
        'group.share.delivery.count.limit': DELIVERY_LIMIT,
        'group.share.heartbeat.interval.ms': 1000,
      },
    })
  }, 300_000)

  afterAll(async () => {
    await Promise.all(running.map((c) => c.kill()))
    await broker?.stop()
  })

  it('five consumers on one partition: every record is accepted by exactly one of them', async () => {
    const topic = 'share-five'
    await createTopic(topic)
    const five = consumers('share-five-group', topic, 5, 'accept', 'five')
    await five.waitFor(() => five.ready.size === 5, 'five consumers polling')
    await shareInitialized('share-five-group')
    const values: string[] = []
    for (let round = 0; round < 10; round++) {
      const batch = Array.from({ length: 50 }, (_, i) => `five-${round * 50 + i}`)
      values.push(...batch)
      await produce(topic, batch)
    }
    const accepted = () => five.deliveries.filter((d) => d.committed && d.ack === 'ACCEPT')
    await five.waitFor(() => new Set(accepted().map((d) => d.offset)).size === values.length, 'every record accepted')
    // Accepted once each: a second acceptance would be a duplicate, a missing one a loss.
    const byOffset = new Map<number, number>()
    for (const d of accepted()) byOffset.set(d.offset, (byOffset.get(d.offset) ?? 0) + 1)
    expect([...byOffset.values()].every((n) => n === 1)).toBe(true)
    expect(accepted().map((d) => d.value).sort()).toEqual([...values].sort())
    // A record seen twice was redelivered only because its first holder's lock ran out.
    for (const d of five.deliveries.filter((x) => x.deliveryCount > 1)) expect(d.deliveryCount).toBeLessThanOrEqual(DELIVERY_LIMIT)
    // Records were shared out, not all taken by one consumer.
    const consumersWithRecords = new Set(accepted().map((d) => d.consumer))
    expect(consumersWithRecords.size).toBeGreaterThan(1)
    expect(five.errors).toEqual([])

    // kafka-share-groups sees the live group: listed, its five members on partition 0, and the
    // start offset past every accepted record.
    const listed = await kafkaShareGroups('--bootstrap-server', broker.bootstrap, '--list')
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout.split('\n')).toContain('share-five-group')
    const members = await kafkaShareGroups('--bootstrap-server', broker.bootstrap, '--describe', '--group', 'share-five-group', '--members')
    expect(members.code, members.stderr).toBe(0)
    const memberLines = members.stdout.split('\n').filter((line) => line.startsWith('share-five-group'))
    expect(memberLines).toHaveLength(5)
    for (const line of memberLines) expect(line).toMatch(/share-five:0/)
    const offsets = await kafkaShareGroups('--bootstrap-server', broker.bootstrap, '--describe', '--group', 'share-five-group')
    expect(offsets.code, offsets.stderr).toBe(0)
    expect(offsets.stdout).toMatch(new RegExp(`share-five-group\\s+share-five\\s+0\\s+${values.length}\\b`))
    await five.stop()
  }, 300_000)

  it('records held by a consumer killed with SIGKILL go to another once its connection closes', async () => {
    const topic = 'share-kill'
    await createTopic(topic)
    const holder = consumers('share-kill-group', topic, 1, 'hold', 'holder')
    await holder.waitFor(() => holder.ready.size === 1, 'holder polling')
    await shareInitialized('share-kill-group')
    const values = Array.from({ length: 10 }, (_, i) => `kill-${i}`)
    await produce(topic, values)
    await holder.waitFor(() => holder.deliveries.length === 10, 'holder acquired the records')
    await holder.kill()
    const heir = consumers('share-kill-group', topic, 1, 'accept', 'heir')
    await heir.waitFor(() => heir.deliveries.filter((d) => d.committed).length === 10, 'records redelivered to the other consumer')
    expect(heir.deliveries.map((d) => d.value).sort()).toEqual([...values].sort())
    // Second deliveries: the killed consumer's share session went with its connection (as in
    // Kafka 4.1+), releasing what it held; the broker log says so.
    expect(heir.deliveries.every((d) => d.deliveryCount === 2)).toBe(true)
    expect(broker.output()).toContain('share session closed with its connection')
    await heir.stop()
  }, 300_000)

  it('REJECTed records never come back; RELEASEd ones come back until the delivery count limit', async () => {
    const topic = 'share-ack-types'
    await createTopic(topic)
    const rejecter = consumers('share-reject-group', topic, 1, 'reject-odd', 'rejecter')
    const releaser = consumers('share-release-group', topic, 1, 'release', 'releaser')
    await rejecter.waitFor(() => rejecter.ready.size === 1, 'rejecter polling')
    await releaser.waitFor(() => releaser.ready.size === 1, 'releaser polling')
    await shareInitialized('share-reject-group')
    await shareInitialized('share-release-group')
    const values = Array.from({ length: 10 }, (_, i) => `ack-${i}`)
    await produce(topic, values)
    await rejecter.waitFor(() => rejecter.deliveries.filter((d) => d.committed).length >= 10, 'first deliveries acknowledged')
    // A later record is delivered only after the earlier ones were settled or are held:
    // once it has been accepted, a rejected record that were to come back would have by now.
    await produce(topic, ['ack-sentinel-0'])
    await rejecter.waitFor(() => rejecter.deliveries.some((d) => d.value === 'ack-sentinel-0' && d.committed), 'sentinel accepted')
    const rejected = rejecter.deliveries.filter((d) => d.ack === 'REJECT')
    expect(rejected.map((d) => d.value).sort()).toEqual(['ack-1', 'ack-3', 'ack-5', 'ack-7', 'ack-9'])
    for (const value of values) expect(rejecter.deliveries.filter((d) => d.value === value)).toHaveLength(1)

    // The releasing group sees each record DELIVERY_LIMIT times, then it is archived.
    await releaser.waitFor(() => values.every((v) => releaser.deliveries.some((d) => d.value === v && d.deliveryCount === DELIVERY_LIMIT && d.committed)), 'last deliveries')
    await releaser.waitFor(() => releaser.deliveries.some((d) => d.value === 'ack-sentinel-0' && d.deliveryCount === DELIVERY_LIMIT && d.committed), 'sentinel delivered to the limit')
    for (const value of values) {
      expect(releaser.deliveries.filter((d) => d.value === value).map((d) => d.deliveryCount)).toEqual([1, 2, 3])
    }
    expect(Math.max(...releaser.deliveries.map((d) => d.deliveryCount))).toBe(DELIVERY_LIMIT)
    await rejecter.stop()
    await releaser.stop()
  }, 300_000)

  it('a broker restart keeps the share-partition state: nothing accepted comes back, nothing available is skipped', async () => {
    const topic = 'share-restart'
    await createTopic(topic)
    const before = consumers('share-restart-group', topic, 1, 'accept', 'before')
    await before.waitFor(() => before.ready.size === 1, 'consumer polling')
    await shareInitialized('share-restart-group')
    const first = Array.from({ length: 20 }, (_, i) => `restart-${i}`)
    await produce(topic, first)
    await before.waitFor(() => before.deliveries.filter((d) => d.committed).length === 20, 'first records accepted')
    await before.stop()
    // Produced while no one consumes: a share-partition started afresh at the high watermark
    // (share.auto.offset.reset latest) would skip them.
    const second = Array.from({ length: 5 }, (_, i) => `restart-late-${i}`)
    await produce(topic, second)
    await broker.stop()
    broker = await broker.restart()
    const after = consumers('share-restart-group', topic, 1, 'accept', 'after')
    await after.waitFor(() => after.deliveries.filter((d) => d.committed).length >= 5, 'late records accepted after the restart')
    expect(broker.output()).toContain('from="persisted state"')
    expect(after.deliveries.map((d) => d.value).sort()).toEqual([...second].sort())
    expect(after.deliveries.every((d) => d.deliveryCount === 1)).toBe(true)
    await after.stop()

    // The group is empty now: kafka-share-groups shows its start offset past all 25 records,
    // deletes its offsets for the topic, and then has none to show.
    const tool = (...args: string[]) => kafkaShareGroups('--bootstrap-server', broker.bootstrap, ...args)
    const described = await tool('--describe', '--group', 'share-restart-group')
    expect(described.stdout).toMatch(/share-restart-group\s+share-restart\s+0\s+25\b/)
    const deleted = await tool('--delete-offsets', '--group', 'share-restart-group', '--topic', topic)
    expect(deleted.stdout).toMatch(/share-restart\s+Successful/)
    const emptied = await tool('--describe', '--group', 'share-restart-group')
    expect(emptied.stdout).not.toMatch(/share-restart-group\s+share-restart\s+0/)
  }, 300_000)
})
