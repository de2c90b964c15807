/**
 * Fetch-path costs on a warm log of 4 x 64 MiB segments of 1 KiB batches (index entry every
 * 4096 bytes, Kafka's default): an index lookup (offset → batch position, the plan of one batch)
 * and a 1 MiB read plan (lookup of the start, then of the last whole batch under the budget).
 * Both include the N-API call from JavaScript.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PartitionLog } from '../../../src/storage/index.js'
import { type MicroBenchFile, runBenchFile } from '../micro-bench.js'
import { benchBatch } from './batch.js'

const BATCHES = 256 * 1024
let dir = ''
let log: PartitionLog
let next = 0
/** Offsets visited in a scattered but repeatable order. */
function nextOffset(): number {
  next = (next + 7919) % BATCHES
  return next
}

const file: MicroBenchFile = {
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'samsa-bench-read-'))
    log = await PartitionLog.open(dir, { 'segment.bytes': 64 * 1024 * 1024 })
    const batch = benchBatch(1024)
    for (let i = 0; i < BATCHES; i++) log.appendAsLeader(batch, 0, { requireZeroBaseOffset: false })
  },
  benches: [
    {
      name: 'index lookup (read plan of one batch)',
      check: () => {
        const plan = log.read(123_456, 1)
        const first = plan.toBuffers()[0]!
        if (plan.byteLength !== 1024 || Number(first.readBigInt64BE(0)) !== 123_456) throw new Error('wrong batch')
      },
      fn: () => log.read(nextOffset(), 1),
    },
    {
      name: 'read plan 1 MiB',
      check: () => {
        const plan = log.read(1000, 1024 * 1024)
        if (plan.byteLength !== 1024 * 1024) throw new Error(`plan of ${plan.byteLength} bytes`)
      },
      fn: () => log.read(nextOffset(), 1024 * 1024),
    },
    {
      name: 'tail lookup (consumer at the log end)',
      fn: () => log.read(BATCHES - 1, 1024 * 1024),
    },
  ],
  async teardown() {
    await log.close()
    rmSync(dir, { recursive: true, force: true })
  },
}
await runBenchFile(file)
