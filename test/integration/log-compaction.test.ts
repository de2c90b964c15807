/**
 * Log compaction against a real broker process: a compacted topic ends with the latest record of
 * each key at its original offset, tombstones go once delete.retention.ms has passed since
 * their first cleaning, a consumer reading from the start while the cleaner works is owed (and
 * gets) every key's latest value in increasing offsets, Kafka's own DumpLogSegments reads the
 * cleaned segments, records without a key are refused on a compacted topic, and a kill -9 in
 * the middle of a cleaning loses and duplicates nothing.
 *
 * One broker (restarted for the kill -9 case); the cleaner wakes every 100 ms and its progress
 * is read from its log lines ("cleaning started", "cleaned").
 */
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Admin } from '../../src/client/admin.js'
import { Cluster } from '../../src/client/cluster.js'
import { Consumer, type ConsumerRecord } from '../../src/client/consumer.js'
import { KafkaError } from '../../src/client/kafka-error.js'
import { Producer } from '../../src/client/producer.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes } from '../../src/protocol/error-codes.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { kafkajs } from '../helpers/kafka-interop.js'
import { ensureKafkaTools, kafkaTool } from '../helpers/kafka-tools.js'

const CLEANER = {
  'log.cleaner.backoff.ms': 100,
  'log.cleaner.min.cleanable.ratio': 0.01,
  // One small-segmented offsets partition, so a few hundred commits make cleanable segments.
  'offsets.topic.num.partitions': 1,
  'offsets.topic.segment.bytes': 16384,
}
let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBroker({ settings: { ...CLEANER, 'num.partitions': 1, 'log.cleaner.io.max.bytes.per.second': 4_000_000 } })
}, 60_000)

afterAll(async () => {
  await broker?.stop()
})

/** Compacted, small segments so cleaning has old segments to work on, eager to clean. */
async function createCompacted(topic: string, extra: Record<string, string> = {}): Promise<void> {
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  try {
    await admin.createTopic({
      name: topic,
      partitions: 1,
      configs: { 'cleanup.policy': 'compact', 'segment.bytes': '16384', 'min.cleanable.dirty.ratio': '0.01', ...extra },
    })
  } finally {
    admin.close()
  }
}

interface Written {
  /** offset → [key, value] of every acknowledged record. */
  byOffset: Map<number, [string, string | null]>
  /** key → offset of its latest record. */
  latest: Map<string, number>
}

/** Produces `rounds` updates of each of `keys` keys; value null makes a tombstone. */
async function produce(
  topic: string,
  keys: number,
  rounds: number,
  written: Written,
  value = (k: number, r: number): string | null => `v${r}-${k}-${'x'.repeat(40)}`,
  firstKey = 0,
): Promise<void> {
  const producer = new Producer({ bootstrapServers: broker.bootstrap }, { lingerMs: 5 })
  try {
    for (let r = 0; r < rounds; r++) {
      const records = Array.from({ length: keys }, (_, i) => ({ key: `key-${firstKey + i}`, value: value(firstKey + i, r) }))
      const metadata = await producer.send(topic, records)
      let i = 0
      for (const run of metadata) {
        for (let o = run.baseOffset; o < run.baseOffset + run.recordCount; o++, i++) {
          const record = records[i]!
          written.byOffset.set(o, [record.key, record.value])
          written.latest.set(record.key, o)
        }
      }
    }
  } finally {
    await producer.close()
  }
}

/** The whole partition, up to the last record written (the active segment keeps it). */
async function readAll(topic: string, written: Written): Promise<ConsumerRecord[]> {
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap }, { maxWaitMs: 100 })
  await consumer.assignTopics([topic], 'earliest')
  const end = Math.max(-1, ...written.byOffset.keys()) + 1
  const records: ConsumerRecord[] = []
  try {
    for (let idle = 0; (records.at(-1)?.offset ?? -1) < end - 1 && idle < 50; ) {
      const batch = await consumer.poll()
      if (batch.length === 0) idle++
      records.push(...batch)
    }
  } finally {
    await consumer.close()
  }
  return records
}

/** What every reader of the whole log is owed: offsets increase, each record is one that was written at that offset, and each key's latest value is there. */
function expectOwed(records: ConsumerRecord[], written: Written): void {
  const offsets = records.map((r) => r.offset)
  expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!)).toBe(true)
  for (const r of records) {
    expect([r.key?.toString(), r.value?.toString() ?? null]).toEqual(written.byOffset.get(r.offset))
  }
  const served = new Set(offsets)
  const missing = [...written.latest].filter(([, offset]) => !served.has(offset) && written.byOffset.get(offset)![1] !== null)
  expect(missing).toEqual([])
}

function cleanedLines(topic: string, broker_: BrokerProcess = broker): string[] {
  return broker_.output().split('\n').filter((l) => l.includes('cleaned ') && l.includes(`topic="${topic}"`))
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; broker output:\n${broker.output().slice(-4000)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The cleaner checkpoint the last "cleaned" line of `topic` reported. */
function cleanUpTo(topic: string, broker_: BrokerProcess = broker): number {
  const last = cleanedLines(topic, broker_).at(-1)
  return last === undefined ? 0 : Number(/cleanUpTo=(\d+)/.exec(last)![1])
}

describe('log compaction', () => {
  const updates: Written = { byOffset: new Map(), latest: new Map() }

  it('leaves the latest record of each key, at its original offset', async () => {
    await createCompacted('updates')
    await produce('updates', 50, 40, updates)
    // 2,000 records of ~65 bytes: the active segment (16 KiB) starts above offset 1,700.
    await waitFor('the cleaning of updates up to the active segment', () => cleanUpTo('updates') > 1500)
    const cleanEnd = cleanUpTo('updates')
    const records = await readAll('updates', updates)
    expectOwed(records, updates)
    // Below the cleaner checkpoint: one record per key, the latest written below it.
    const clean = records.filter((r) => r.offset < cleanEnd)
    const keys = clean.map((r) => r.key!.toString())
    expect(new Set(keys).size).toBe(keys.length)
    const latestBelow = new Map<string, number>()
    for (const [offset, [key]] of updates.byOffset) if (offset < cleanEnd) latestBelow.set(key, offset)
    expect(new Map(clean.map((r) => [r.key!.toString(), r.offset]))).toEqual(latestBelow)
    expect(records.length).toBeLessThan(updates.byOffset.size / 3)
  })

  it("is read by Kafka's DumpLogSegments with valid batches", async () => {
    await ensureKafkaTools()
    const dir = join(broker.dataDir, 'updates-0')
    // The cleaned segments: every segment but the active (last) one. A swap by a cleaning
    // running meanwhile may rename one away between the listing and the tool: list again.
    let dump = { code: -1, stdout: '', stderr: '' }
    for (let attempt = 0; attempt < 5 && dump.code !== 0; attempt++) {
      const cleaned = readdirSync(dir).filter((f) => f.endsWith('.log')).sort().slice(0, -1)
      expect(cleaned.length).toBeGreaterThan(0)
      const files = cleaned.map((f) => join(dir, f)).join(',')
      dump = await kafkaTool('kafka.tools.DumpLogSegments', '--files', files, '--deep-iteration', '--print-data-log')
    }
    expect(dump.code, dump.stderr).toBe(0)
    expect(dump.stdout).toMatch(/baseOffset: \d+ lastOffset: \d+/)
    expect(dump.stdout).toContain('isvalid: true')
    expect(dump.stdout).not.toMatch(/isvalid: false|Found .* invalid|corrupt/i)
    // Kafka sees what the cleaner promised: below its checkpoint, one record per key.
    const cleanEnd = cleanUpTo('updates')
    const keys = [...dump.stdout.matchAll(/offset: (\d+) .*key: (key-\d+)/g)].filter((m) => Number(m[1]) < cleanEnd).map((m) => m[2])
    expect(keys.length).toBeGreaterThan(0)
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('a consumer reading from the start while the cleaner works gets everything it is owed', async () => {
    const written: Written = { byOffset: new Map(), latest: new Map() }
    await createCompacted('concurrent')
    await produce('concurrent', 100, 30, written)
    const cleanedBefore = cleanedLines('concurrent').length
    // Read the whole log again and again until the cleaner has finished at least once meanwhile.
    let passes = 0
    for (; passes < 3 || cleanedLines('concurrent').length === cleanedBefore; passes++) {
      expectOwed(await readAll('concurrent', written), written)
      if (passes > 200) throw new Error('the cleaner never ran')
    }
    expect(cleanedLines('concurrent').length).toBeGreaterThan(cleanedBefore)
  })

  it('removes tombstones once delete.retention.ms has passed since they were cleaned', async () => {
    const written: Written = { byOffset: new Map(), latest: new Map() }
    await createCompacted('tombstones', { 'delete.retention.ms': '500' })
    await produce('tombstones', 20, 5, written)
    // Keys 0-9 deleted, then updates of keys 10-19 push the tombstones out of the active segment.
    await produce('tombstones', 10, 1, written, () => null)
    const tombstones = [...written.byOffset].filter(([, [, v]]) => v === null).map(([o]) => o)
    await produce('tombstones', 10, 30, written, (k, r) => `after-${r}-${k}-${'y'.repeat(40)}`, 10)
    await waitFor('the first cleaning', () => cleanUpTo('tombstones') > Math.max(...tombstones))
    const afterFirst = await readAll('tombstones', written)
    expect(afterFirst.filter((r) => r.value === null).map((r) => r.offset)).toEqual(tombstones)
    // Past delete.retention.ms, new writes make the log dirty and the next cleaning drops them.
    await new Promise((resolve) => setTimeout(resolve, 700))
    const cleanedSoFar = cleanedLines('tombstones').length
    await produce('tombstones', 10, 30, written, (k, r) => `late-${r}-${k}-${'z'.repeat(40)}`, 10)
    await waitFor('a later cleaning', () => cleanedLines('tombstones').length > cleanedSoFar)
    const records = await readAll('tombstones', written)
    expect(records.filter((r) => Number(r.key!.toString().slice(4)) < 10)).toEqual([])
    expectOwed(records, written)
  })

  it('refuses a record without a key on a compacted topic, and takes it on a normal one', async () => {
    await createCompacted('needs-keys')
    const producer = new Producer({ bootstrapServers: broker.bootstrap }, { retries: 0 })
    try {
      const refused = await producer.send('needs-keys', { key: null, value: 'no key' }).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(KafkaError)
      expect((refused as KafkaError).errorCode).toBe(KafkaErrorCodes.INVALID_RECORD)
      expect((refused as KafkaError).message).toContain('Compacted topic cannot accept message without key')
      // Nothing of the refused batch reached the log: a keyed record gets offset 0.
      const [keyed] = await producer.send('needs-keys', { key: 'k', value: 'with key' })
      expect(keyed!.baseOffset).toBe(0)
      const [accepted] = await producer.send('plain-topic', { key: null, value: 'no key' })
      expect(accepted!.baseOffset).toBe(0)
    } finally {
      await producer.close()
    }
  })

  it('rebuilds consumer groups from a compacted __consumer_offsets, deleted groups staying deleted', async () => {
    const { Kafka, logLevel } = kafkajs()
    // Plain OffsetCommits (no member, generation -1), as a tool that sets offsets sends them.
    const cluster = new Cluster({ bootstrapServers: broker.bootstrap })
    try {
      for (let round = 1; round <= 20; round++) {
        for (let g = 0; g < 10; g++) {
          const coordinator = await cluster.coordinator(`g-${g}`)
          const response = await coordinator.request(ApiKeys.OffsetCommit, {
            groupId: `g-${g}`,
            generationIdOrMemberEpoch: -1,
            memberId: '',
            topics: [{ name: 'updates', partitions: [{ partitionIndex: 0, committedOffset: BigInt(round * 10 + g), committedMetadata: '' }] }],
          })
          expect(response.topics[0]!.partitions[0]!.errorCode).toBe(0)
        }
      }
    } finally {
      cluster.close()
    }
    const admin = new Kafka({ brokers: [broker.bootstrap], clientId: 'compaction', logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    try {
      await admin.deleteGroups(['g-5', 'g-6', 'g-7', 'g-8', 'g-9'])
    } finally {
      await admin.disconnect()
    }
    await waitFor('a cleaning of __consumer_offsets', () => cleanUpTo('__consumer_offsets') > 0)
    // Without its snapshot, the restarted coordinator rebuilds from the compacted log alone.
    await broker.kill()
    rmSync(join(broker.dataDir, '__consumer_offsets-0', 'group-coordinator.snapshot'), { force: true })
    broker = await broker.restart({ settings: { ...CLEANER, 'num.partitions': 1, 'log.cleaner.io.max.bytes.per.second': 4_000_000 } })
    expect(broker.output()).toMatch(/loaded groups and offsets .*snapshotRecords=0 replayedRecords=[1-9]/)
    const again = new Kafka({ brokers: [broker.bootstrap], clientId: 'compaction', logLevel: logLevel.NOTHING }).admin()
    await again.connect()
    try {
      for (let g = 0; g < 10; g++) {
        const [offsets] = await again.fetchOffsets({ groupId: `g-${g}`, topics: ['updates'] })
        expect(offsets!.partitions[0]!.offset, `g-${g}`).toBe(g < 5 ? String(200 + g) : '-1')
      }
    } finally {
      await again.disconnect()
    }
  }, 120_000)

  it('loses and duplicates nothing when killed -9 in the middle of a cleaning', async () => {
    const written: Written = { byOffset: new Map(), latest: new Map() }
    await broker.stop()
    // A crawling cleaner that first looks after the records are written, so it cleans them in
    // one long pass and the kill lands while it is writing.
    broker = await broker.restart({
      settings: { ...CLEANER, 'num.partitions': 1, 'log.cleaner.io.max.bytes.per.second': 30_000, 'log.cleaner.backoff.ms': 4000 },
    })
    await createCompacted('crash')
    await produce('crash', 100, 40, written)
    const started = (): boolean => broker.output().split('\n').some((l) => l.includes('cleaning started') && l.includes('topic="crash"'))
    await waitFor('the cleaning of crash to start', started)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(cleanedLines('crash')).toEqual([])
    await broker.kill()
    broker = await broker.restart({ settings: { ...CLEANER, 'num.partitions': 1 } })
    expectOwed(await readAll('crash', written), written)
    // And the restarted cleaner finishes the job.
    await waitFor('a cleaning after the restart', () => cleanUpTo('crash') > 0)
    const records = await readAll('crash', written)
    expectOwed(records, written)
    expect(records.length).toBeLessThan(written.byOffset.size / 2)
  })
})
