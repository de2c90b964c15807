/**
 * kcat (librdkafka) against the real broker: metadata, 100,000 keyed records over three
 * partitions read back by kcat, kafkajs and @platformatic/kafka, headers with null keys and
 * values, and offsets by timestamp.
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, logLevel } from 'kafkajs'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { type ReadRecord, byPartition, kcat, readWithKcat, readers } from '../helpers/clients.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 3 } })
})

afterAll(async () => {
  await broker?.stop()
  if (broker !== undefined) rmSync(broker.dataDir, { recursive: true, force: true })
})

const RECORDS = 100_000
const KEYS = 1_000

/** Every record present once, in produce order within each partition, each key in one partition. */
function checkKeyed(records: readonly ReadRecord[]): void {
  expect(records).toHaveLength(RECORDS)
  const seen = new Uint8Array(RECORDS)
  const keyPartition = new Map<string, number>()
  for (const [partition, list] of byPartition(records)) {
    let previous = -1
    list.forEach((record, i) => {
      expect(record.offset).toBe(i)
      const value = record.value!.toString()
      const n = Number(value.slice('value-'.length))
      expect(record.key!.toString()).toBe(`key-${n % KEYS}`)
      expect(n).toBeGreaterThan(previous)
      previous = n
      seen[n]!++
      const key = record.key!.toString()
      const first = keyPartition.get(key) ?? partition
      expect(first).toBe(partition)
      keyPartition.set(key, partition)
    })
  }
  expect(seen.every((count) => count === 1)).toBe(true)
  expect(keyPartition.size).toBe(KEYS)
  expect(new Set(keyPartition.values()).size).toBe(3)
}

describe('kcat', () => {
  it('lists the broker and its topics (kcat -L)', async () => {
    await kcat(['-P', '-b', broker.bootstrap, '-t', 'listed'], 'one\n')
    const { stdout } = await kcat(['-L', '-b', broker.bootstrap])
    const text = stdout.toString()
    expect(text).toContain(`broker 1 at ${broker.bootstrap}`)
    expect(text).toContain('topic "listed" with 3 partitions')
    expect(text).toMatch(/partition 2, leader 1, replicas: 1, isrs: 1/)
  })

  it('produces 100,000 keyed records that kcat, kafkajs and @platformatic/kafka read back whole and in order', async () => {
    const lines: string[] = []
    for (let i = 0; i < RECORDS; i++) lines.push(`key-${i % KEYS}:value-${i}`)
    await kcat(['-P', '-b', broker.bootstrap, '-t', 'keyed', '-K:'], lines.join('\n') + '\n')
    for (const [name, read] of readers) {
      const records = await read(broker.bootstrap, 'keyed')
      try {
        checkKeyed(records)
      } catch (error) {
        throw new Error(`${name} read back ${records.length} records that fail the check: ${(error as Error).message}`)
      }
    }
  }, 180_000)

  it('keeps headers, null keys and null values', async () => {
    await kcat(['-P', '-b', broker.bootstrap, '-t', 'nulls', '-p', '0', '-K:', '-Z', '-H', 'trace=abc', '-H', 'empty='], 'k1:v1\n:v2\nk3:\n:\n')
    for (const [name, read] of readers) {
      const records = await read(broker.bootstrap, 'nulls')
      const shape = records.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null, r.headers.map(([k, v]) => `${k}=${v?.toString() ?? 'null'}`)])
      expect(shape, name).toEqual([
        ['k1', 'v1', ['trace=abc', 'empty=']],
        [null, 'v2', ['trace=abc', 'empty=']],
        ['k3', null, ['trace=abc', 'empty=']],
        [null, null, ['trace=abc', 'empty=']],
      ])
    }
  })

  it('finds offsets by timestamp, to the record (kcat -Q)', async () => {
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'kcat-q-test', logLevel: logLevel.NOTHING })
    const producer = kafka.producer({ allowAutoTopicCreation: true })
    await producer.connect()
    const base = Date.now() - 60_000
    // One request, one batch per partition: ten records one second apart in partition 1.
    await producer.send({
      topic: 'timed',
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: 1, value: `t${i}`, timestamp: String(base + i * 1000) })),
    })
    await producer.disconnect()
    const query = async (timestamp: number): Promise<string> =>
      (await kcat(['-Q', '-b', broker.bootstrap, '-t', `timed:1:${timestamp}`])).stdout.toString().trim()
    expect(await query(base - 5000)).toBe('timed [1] offset 0')
    expect(await query(base + 4500)).toBe('timed [1] offset 5')
    expect(await query(base + 9000)).toBe('timed [1] offset 9')
    expect(await query(base + 9001)).toBe('timed [1] offset -1')
    // kcat -o s@<ts> starts consuming there.
    const from = await readWithKcat(broker.bootstrap, 'timed', ['-p', '1', '-o', `s@${base + 6500}`])
    expect(from.map((r) => r.value!.toString())).toEqual(['t7', 't8', 't9'])
  })
})
