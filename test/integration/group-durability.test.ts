/**
 * Committed offsets are records in __consumer_offsets: they survive a broker restart after a
 * clean stop (SIGTERM, which also writes coordinator snapshots, so start-up replays nothing) and
 * after SIGKILL (the log is replayed), and a consumer that comes back resumes at its commit.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { committedOffsets, ensureTopic, produceNumbered, startProducer } from '../helpers/group-admin.js'
import { type ClientProcess, consumedRecords, startKafkajsConsumer } from '../helpers/group-clients.js'

const PARTITIONS = 3
let broker: BrokerProcess | undefined
const clients: ClientProcess[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.kill()))
  await broker?.stop()
})

async function produce(bootstrap: string, topic: string, from: number, count: number): Promise<void> {
  const producer = await startProducer(bootstrap)
  await produceNumbered(producer, topic, from, count, PARTITIONS)
  await producer.disconnect()
}

async function waitForCommits(bootstrap: string, groupId: string, topic: string, expected: number[]): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const committed = await committedOffsets(bootstrap, groupId, topic, PARTITIONS)
    if (committed.every((c, i) => c === expected[i])) return
    if (Date.now() > deadline) throw new Error(`commits ${JSON.stringify(committed)} never reached ${JSON.stringify(expected)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Consumes until `count` records arrived, then stops the consumer (it commits and leaves). */
async function consumeAndStop(bootstrap: string, groupId: string, topic: string, count: number): Promise<ClientProcess> {
  const consumer = startKafkajsConsumer({ bootstrap, groupId, topic, clientId: `resumer-${clients.length}` })
  clients.push(consumer)
  await consumer.waitFor(() => consumedRecords([consumer]).length >= count, 45_000, `${count} records`)
  await consumer.stop()
  return consumer
}

describe.each([
  ['SIGTERM', 'SIGTERM' as const],
  ['SIGKILL', 'SIGKILL' as const],
])('committed offsets across a broker restart after %s', (_name, signal) => {
  it('are still there, and a restarted consumer resumes from its commit', async () => {
    broker = await startBroker({ settings: { 'num.partitions': PARTITIONS } })
    const topic = 'ledger'
    const groupId = `resume-${signal}`
    await ensureTopic(broker.bootstrap, topic)
    await produce(broker.bootstrap, topic, 0, 300)
    const before = await consumeAndStop(broker.bootstrap, groupId, topic, 300)
    expect(new Set(consumedRecords([before]).map((r) => r.v)).size).toBe(300)
    await waitForCommits(broker.bootstrap, groupId, topic, [100, 100, 100])

    if (signal === 'SIGKILL') await broker.kill()
    else expect(await broker.stop('SIGTERM')).toBe(0)
    broker = await broker.restart()
    expect(await committedOffsets(broker.bootstrap, groupId, topic, PARTITIONS)).toEqual([100, 100, 100])
    // A clean stop leaves snapshots: the restart replays no log record. A crash replays the log.
    const loaded = /loaded groups and offsets groups=(\d+) partitions=\d+ snapshotRecords=(\d+) replayedRecords=(\d+)/.exec(broker.output())
    expect(loaded).not.toBeNull()
    expect(Number(loaded![1])).toBe(1)
    if (signal === 'SIGTERM') {
      expect(Number(loaded![2])).toBeGreaterThan(0)
      expect(Number(loaded![3])).toBe(0)
    } else {
      expect(Number(loaded![3])).toBeGreaterThan(0)
    }

    await produce(broker.bootstrap, topic, 300, 150)
    const after = await consumeAndStop(broker.bootstrap, groupId, topic, 150)
    const records = consumedRecords([after])
    expect(records.map((r) => Number(r.v)).sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => 300 + i))
    for (let p = 0; p < PARTITIONS; p++) {
      expect(Math.min(...records.filter((r) => r.p === p).map((r) => r.o))).toBe(100)
    }
  }, 120_000)
})
