/**
 * The lean producer's allocation-light path (`sendEach`, which the benchmark harness uses)
 * against the real broker: records described into one reused slot arrive whole, with their
 * keys, headers, timestamps and partitions, and a bad partition stops the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Producer } from '../../src/client/producer.js'
import { ErrorCodes, SamsaError } from '../../src/common/errors.js'
import { partitionForKey } from '../../src/protocol/partitioner.js'
import { closeWorkerPool } from '../../src/workers/pool.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { consumeAll } from '../helpers/lean-consumer.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 3 } })
})

afterAll(async () => {
  await broker?.stop()
  await closeWorkerPool()
})


describe('Producer.sendEach', () => {
  it('sends every described record whole, though one slot and one reused value buffer carried them all', async () => {
    const producer = new Producer({ bootstrapServers: broker.bootstrap }, { lingerMs: 2, batchSize: 4096 })
    const scratch = Buffer.alloc(16)
    const slots = new Set<object>()
    const results = await producer.sendEach('generated', 2000, (i, slot) => {
      slots.add(slot)
      // The same bytes are overwritten for every record: the producer must have copied them.
      scratch.fill(0)
      scratch.write(`value ${i}`)
      slot.value = scratch.subarray(0, `value ${i}`.length)
      if (i % 2 === 0) slot.key = `key-${i % 13}`
      if (i % 5 === 0) slot.headers = { n: String(i) }
      slot.timestamp = 1_700_000_000_000 + i
      if (i === 7) slot.partition = 2
    })
    await producer.close()
    expect(slots.size).toBe(1)
    expect(results.reduce((n, r) => n + r.recordCount, 0)).toBe(2000)

    const consumed = await consumeAll(broker.bootstrap, 'generated', 2000)
    expect(consumed).toHaveLength(2000)
    for (const record of consumed) {
      const i = Number(record.value!.toString().slice('value '.length))
      expect(record.timestamp).toBe(1_700_000_000_000 + i)
      // The slot was reset between records: no key, header or partition leaked into the next.
      if (i % 2 === 0) {
        expect(record.key!.toString()).toBe(`key-${i % 13}`)
        expect(record.partition).toBe(partitionForKey(Buffer.from(`key-${i % 13}`), 3))
      } else {
        expect(record.key).toBeNull()
      }
      expect(record.headers).toEqual(i % 5 === 0 ? [['n', Buffer.from(String(i))]] : [])
    }
    expect(consumed.find((r) => r.value!.toString() === 'value 7')!.partition).toBe(2)
    // Per partition, the records keep the order they were described in.
    for (const partition of [0, 1, 2]) {
      const order = consumed.filter((r) => r.partition === partition).map((r) => Number(r.value!.toString().slice(6)))
      expect(order).toEqual([...order].sort((a, b) => a - b))
    }
  })

  it('keeps every record of many pipelined sends intact while it reuses encode buffers between them', async () => {
    // Small batches and several sends outstanding at a time: buffers go back to the producer
    // while other requests are in flight, and later drains encode into them.
    const producer = new Producer({ bootstrapServers: broker.bootstrap, maxInFlightRequests: 3 }, { lingerMs: 1, batchSize: 2048, pool: null })
    const value = Buffer.alloc(64)
    const sends = 60
    const perSend = 50
    let outstanding: Array<Promise<unknown>> = []
    for (let s = 0; s < sends; s++) {
      outstanding.push(
        producer.sendEach('reused', perSend, (i, slot) => {
          value.fill(0x61 + ((s + i) % 26))
          value.write(`${s * perSend + i};`)
          slot.value = value
          slot.partition = (s + i) % 3
        }),
      )
      if (outstanding.length === 4) {
        await Promise.all(outstanding)
        outstanding = []
      }
    }
    await Promise.all(outstanding)
    await producer.close()
    const consumed = await consumeAll(broker.bootstrap, 'reused', sends * perSend)
    expect(consumed).toHaveLength(sends * perSend)
    const seen = new Set<number>()
    for (const record of consumed) {
      const text = record.value!.toString('latin1')
      const n = Number(text.slice(0, text.indexOf(';')))
      const [s, i] = [Math.floor(n / perSend), n % perSend]
      const expected = Buffer.alloc(64, 0x61 + ((s + i) % 26))
      expected.write(`${n};`)
      expect(record.value!.equals(expected)).toBe(true)
      expect(record.partition).toBe((s + i) % 3)
      seen.add(n)
    }
    expect(seen.size).toBe(sends * perSend)
  })

  it('rejects a partition the topic does not have, and sends nothing for a count of 0', async () => {
    const producer = new Producer({ bootstrapServers: broker.bootstrap })
    expect(await producer.sendEach('generated', 0, () => {})).toEqual([])
    const error = await producer.sendEach('generated', 3, (i, slot) => {
      slot.value = `v${i}`
      if (i === 1) slot.partition = 3
    }).catch((e: unknown) => e)
    expect(SamsaError.is(error, ErrorCodes.USAGE)).toBe(true)
    expect((error as Error).message).toBe("Topic 'generated' has partitions 0-2; partition 3 does not exist.")
    const notACount = await producer.sendEach('generated', 1.5, () => {}).catch((e: unknown) => e)
    expect(SamsaError.is(notACount, ErrorCodes.USAGE)).toBe(true)
    await producer.close()
  })
})
