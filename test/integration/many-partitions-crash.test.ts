/**
 * kill -9 of a broker hosting 2,000 partitions, then a restart on the same directory: every
 * acknowledged record is readable again (sampled across the partitions, every partition's end
 * offset checked), whether its segment's indexes were trusted or rebuilt. The 10,000-partition
 * figure is in bench/scale (too slow for CI on two shared cores).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { Admin } from '../../src/client/admin.js'
import { Consumer } from '../../src/client/consumer.js'
import { Producer } from '../../src/client/producer.js'
import { closeWorkerPool } from '../../src/workers/pool.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'

const PARTITIONS = 2000
const TOPIC = 'crowd'
const brokers: BrokerProcess[] = []
afterAll(async () => {
  await Promise.all(brokers.map((b) => b.stop()))
  await closeWorkerPool()
})

describe('kill -9 with 2,000 partitions', () => {
  it('keeps every acknowledged record after a restart', async () => {
    const first = await startBroker({ readyTimeoutMs: 90_000 })
    brokers.push(first)
    const admin = new Admin({ bootstrapServers: first.bootstrap })
    // Small segments, so the heavier partitions have old segments whose indexes were written.
    await admin.createTopic({ name: TOPIC, partitions: PARTITIONS, configs: { 'segment.bytes': '4096' } }, { timeoutMs: 120_000 })
    await admin.close()

    const producer = new Producer({ bootstrapServers: first.bootstrap }, { acks: -1, lingerMs: 0, pool: null, retries: 20, retryBackoffMs: 50 })
    const expected = new Map<number, string[]>()
    const acknowledged = async (partition: number, value: string): Promise<void> => {
      await producer.send(TOPIC, [{ partition, value }])
      let list = expected.get(partition)
      if (list === undefined) expected.set(partition, (list = []))
      list.push(value)
    }
    await Promise.all(Array.from({ length: PARTITIONS }, (_, partition) => acknowledged(partition, `p${partition}-0`)))
    // Every 100th partition gets 30 more records of ~500 bytes: several segments each.
    const heavy = Array.from({ length: PARTITIONS / 100 }, (_, i) => i * 100 + 7)
    for (let n = 1; n <= 30; n++) {
      await Promise.all(heavy.map((partition) => acknowledged(partition, `p${partition}-${n}-${'v'.repeat(500)}`)))
    }
    await producer.close()

    await first.kill()
    const restarted = await first.restart({ readyTimeoutMs: 90_000 })
    brokers.push(restarted)

    const check = new Admin({ bootstrapServers: restarted.bootstrap })
    try {
      const offsets = await check.listOffsets(TOPIC)
      expect(offsets).toHaveLength(PARTITIONS)
      const wrong = offsets.filter((o) => o.latest !== expected.get(o.partition)!.length)
      expect(wrong).toEqual([])
    } finally {
      await check.close()
    }
    const sample = [...heavy, ...Array.from({ length: 20 }, (_, i) => i * 97 + 1)]
    const consumer = new Consumer({ bootstrapServers: restarted.bootstrap }, { maxWaitMs: 200, pool: null })
    try {
      await consumer.assign(sample.map((partition) => ({ topic: TOPIC, partition, from: 'earliest' as const })))
      const read = new Map<number, string[]>()
      const total = sample.reduce((n, p) => n + expected.get(p)!.length, 0)
      let count = 0
      const deadline = Date.now() + 60_000
      while (count < total && Date.now() < deadline) {
        for (const record of await consumer.poll()) {
          let list = read.get(record.partition)
          if (list === undefined) read.set(record.partition, (list = []))
          list.push(Buffer.from(record.value ?? []).toString())
          count++
        }
      }
      for (const partition of sample) expect(read.get(partition), `partition ${partition}`).toEqual(expected.get(partition))
    } finally {
      await consumer.close()
    }
  }, 300_000)
})
