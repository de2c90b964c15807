/**
 * Records per second to partition and encode 100-byte records into RecordBatch v2 batches
 * (the pool's encodeRecordBatches task): on the event loop, and through the pool with both
 * threads kept busy (each cycle submits four 20 000-record tasks and waits for all). Also the
 * event-loop cost of packing records into a RecordSet, which the caller pays before a task.
 *
 * Keys are 12-byte strings (murmur2 partitioning over 12 partitions); keyless records use sticky
 * batching. The record sets handed to the pool are views into a larger buffer, as a load
 * generator's would be, so each task pays its one copy before the move, as in real use.
 */
import Benchmark from 'benchmark'
import { decodeRecordBatch } from '../../../src/protocol/records.js'
import { WorkerPool } from '../../../src/workers/pool.js'
import { BATCH_ROW, batchAt, encodeBatches } from '../../../src/workers/tasks/encode-batches.js'
import { type RecordSet, RecordSetBuilder } from '../../../src/workers/tasks/record-set.js'
import { check } from '../codecs/report.js'

const RECORDS_PER_TASK = 20_000
const TASKS_PER_CYCLE = 4
const PARTITIONS = 12
const value = Buffer.alloc(100, 'v')

function recordSet(keyed: boolean): RecordSet {
  const builder = new RecordSetBuilder(() => 1_700_000_000_000)
  for (let i = 0; i < RECORDS_PER_TASK; i++) builder.append({ key: keyed ? `key-${String(i).padStart(8, '0')}` : null, value })
  const set = builder.build()
  // Views into larger buffers: the pool copies exactly these bytes once per task.
  const within = (bytes: Uint8Array): Uint8Array => {
    const larger = new Uint8Array(bytes.byteLength + 64)
    larger.set(bytes, 8)
    return larger.subarray(8, 8 + bytes.byteLength)
  }
  return { count: set.count, data: within(set.data), fields: within(set.fields), timestamps: within(set.timestamps) }
}

const keyed = recordSet(true)
const keyless = recordSet(false)
const task = (records: RecordSet) => ({ records, partitionCount: PARTITIONS, compression: 0 as const, batchBytes: 1024 * 1024 })

// Check before timing: every record comes back, in valid batches.
for (const records of [keyed, keyless]) {
  const result = encodeBatches(task(records))
  let total = 0
  for (let i = 0; i < result.batches.length / BATCH_ROW; i++) total += decodeRecordBatch(batchAt(result, i).batch).records.length
  check(total === RECORDS_PER_TASK, 'every record is encoded')
}

const pool = new WorkerPool()
const warm = await pool.run('encodeRecordBatches', task(keyed))
check(warm.batches.length / BATCH_ROW >= PARTITIONS, 'the pool encodes per-partition batches')

interface Case {
  name: string
  records: number
  fn?: () => void
  async?: () => Promise<unknown>
}

const cases: Case[] = [
  {
    name: 'pack 100-byte keyed records (event loop)',
    records: RECORDS_PER_TASK,
    fn: () => {
      const builder = new RecordSetBuilder()
      for (let i = 0; i < RECORDS_PER_TASK; i++) builder.append({ key: 'key-00000000', value })
      builder.build()
    },
  },
  { name: 'partition+encode keyed (event loop)', records: RECORDS_PER_TASK, fn: () => encodeBatches(task(keyed)) },
  { name: 'partition+encode keyless (event loop)', records: RECORDS_PER_TASK, fn: () => encodeBatches(task(keyless)) },
  {
    name: 'partition+encode keyed (pool, 2 threads)',
    records: RECORDS_PER_TASK * TASKS_PER_CYCLE,
    async: () => Promise.all(Array.from({ length: TASKS_PER_CYCLE }, () => pool.run('encodeRecordBatches', task(keyed)))),
  },
  {
    name: 'partition+encode keyless (pool, 2 threads)',
    records: RECORDS_PER_TASK * TASKS_PER_CYCLE,
    async: () => Promise.all(Array.from({ length: TASKS_PER_CYCLE }, () => pool.run('encodeRecordBatches', task(keyless)))),
  },
]

const suite = new Benchmark.Suite('records')
for (const c of cases) {
  if (c.async !== undefined) {
    const run = c.async
    suite.add(c.name, {
      defer: true,
      maxTime: 3,
      minSamples: 5,
      fn: (deferred: { resolve(): void }) => void run().then(() => deferred.resolve()),
    })
  } else {
    suite.add(c.name, c.fn!, { maxTime: 3, minSamples: 5 })
  }
}
console.log('\n## partition + encode 100-byte records')
suite.on('cycle', (event: Benchmark.Event) => {
  const bench = event.target as unknown as Benchmark & { name: string }
  const c = cases.find((candidate) => candidate.name === bench.name)!
  const perSecond = c.records * (bench.hz ?? 0)
  console.log(`${bench.name.padEnd(46)} ${(perSecond / 1e6).toFixed(2).padStart(7)} M records/s  ±${(bench.stats?.rme ?? 0).toFixed(1)}%`)
})
await new Promise<void>((resolve) => {
  suite.on('complete', () => resolve())
  suite.run({ async: true })
})
await pool.close()
