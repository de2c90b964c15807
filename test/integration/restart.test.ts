/**
 * Stopping and starting the real broker process: SIGTERM and SIGINT shut down cleanly (exit 0,
 * clean-shutdown marker written), SIGKILL does not, and every start after either serves every
 * acknowledged record again, at the same offsets, and goes on appending after them. A torn tail
 * left by a crash is cut off at the next start.
 */
import { existsSync, rmSync } from 'node:fs'
import { appendFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes } from '../../src/protocol/index.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { type ReadRecord, kcat, readWithKcat } from '../helpers/clients.js'
import { WireClient } from '../helpers/wire-client.js'

const TOPIC = 'durable'
const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown'

let broker: BrokerProcess
let produced = 0

async function produce(count: number): Promise<void> {
  const lines: string[] = []
  for (let i = produced; i < produced + count; i++) lines.push(`key-${i % 100}:value-${i}`)
  // acks=all: kcat exits only once every record is acknowledged.
  await kcat(['-P', '-b', broker.bootstrap, '-t', TOPIC, '-K:', '-X', 'acks=all'], lines.join('\n') + '\n')
  produced += count
}

/** Reads everything and checks that exactly records 0..produced-1 are there, each once. */
async function expectEverything(): Promise<ReadRecord[]> {
  const records = await readWithKcat(broker.bootstrap, TOPIC)
  expect(records).toHaveLength(produced)
  const values = records.map((r) => Number(r.value!.toString().slice('value-'.length))).sort((a, b) => a - b)
  expect(values.every((v, i) => v === i)).toBe(true)
  return records
}

function positions(records: readonly ReadRecord[]): Map<string, string> {
  return new Map(records.map((r) => [r.value!.toString(), `${r.partition}@${r.offset}`]))
}

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 3 } })
})

afterAll(async () => {
  await broker?.stop()
  if (broker !== undefined) rmSync(broker.dataDir, { recursive: true, force: true })
})

describe('restart', () => {
  it('shuts down cleanly on SIGTERM and serves every record at the same offset after a restart', async () => {
    await produce(20_000)
    const before = positions(await expectEverything())
    expect(await broker.stop('SIGTERM')).toBe(0)
    expect(existsSync(join(broker.dataDir, CLEAN_SHUTDOWN_FILE))).toBe(true)
    broker = await broker.restart()
    // The marker only says "closed cleanly" while nothing has the directory open.
    expect(existsSync(join(broker.dataDir, CLEAN_SHUTDOWN_FILE))).toBe(false)
    expect(positions(await expectEverything())).toEqual(before)
  })

  it('shuts down cleanly on SIGINT too', async () => {
    await produce(1_000)
    expect(await broker.stop('SIGINT')).toBe(0)
    expect(existsSync(join(broker.dataDir, CLEAN_SHUTDOWN_FILE))).toBe(true)
    broker = await broker.restart()
    await expectEverything()
  })

  it('recovers after SIGKILL: every acknowledged record is served, and appends continue after them', async () => {
    await produce(20_000)
    const before = positions(await expectEverything())
    await broker.kill()
    expect(existsSync(join(broker.dataDir, CLEAN_SHUTDOWN_FILE))).toBe(false)
    broker = await broker.restart()
    expect(positions(await expectEverything())).toEqual(before)
    await produce(5_000)
    await expectEverything()
  })

  it('cuts off a torn tail left by a crash and appends after the last whole batch', async () => {
    const before = positions(await expectEverything())
    await broker.kill()
    // A crash in the middle of a write leaves part of a batch at the end of the active segment.
    const dir = join(broker.dataDir, `${TOPIC}-0`)
    const segments = (await readdir(dir)).filter((name) => name.endsWith('.log')).sort()
    const torn = Buffer.alloc(300, 0xab)
    torn.writeBigInt64BE(999_999n, 0)
    torn.writeInt32BE(5_000, 8)
    await appendFile(join(dir, segments[segments.length - 1]!), torn)
    broker = await broker.restart()
    expect(positions(await expectEverything())).toEqual(before)
    await produce(3_000)
    const after = await expectEverything()
    for (const partition of [0, 1, 2]) {
      const offsets = after.filter((r) => r.partition === partition).map((r) => r.offset)
      expect(offsets).toEqual(offsets.map((_, i) => i))
    }
  })

  it('keeps a DeleteRecords log start offset across a clean restart', async () => {
    const client = await WireClient.connect(broker.host, broker.port)
    const deleted = await client.request(ApiKeys.DeleteRecords, 2, { topics: [{ name: TOPIC, partitions: [{ partitionIndex: 1, offset: 100n }] }], timeoutMs: 5000 })
    expect(deleted.topics[0]!.partitions[0]).toMatchObject({ errorCode: KafkaErrorCodes.NONE, lowWatermark: 100n })
    client.close()
    expect(await broker.stop()).toBe(0)
    broker = await broker.restart()
    const again = await WireClient.connect(broker.host, broker.port)
    const offsets = await again.request(ApiKeys.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -2n }] }],
    })
    expect(offsets.topics[0]!.partitions[0]!.offset).toBe(100n)
    again.close()
  })
})
