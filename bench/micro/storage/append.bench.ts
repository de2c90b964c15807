/**
 * Append throughput of PartitionLog.appendAsLeader for 1 KiB, 16 KiB and 1 MiB batches (CRC-32C
 * check, offset rewrite, one pwrite into the page cache), next to a plain sequential
 * fs.writeSync of the same buffers measured in the same run. Both start over every 64 MiB
 * (truncateTo(0) / ftruncate) so the runs measure page-cache writes, not a growing disk. Each
 * bench starts after `sync`: otherwise the writeback of what the previous bench dirtied throttles
 * whichever bench runs next (Linux's dirty-page throttling), which skewed 1 MiB results by 3x.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PartitionLog } from '../../../src/storage/index.js'
import { type MeasuredRow, type MicroBench, type MicroBenchFile, runBenchFile } from '../micro-bench.js'
import { benchBatch } from './batch.js'

const RESTART_BYTES = 64 * 1024 * 1024
const SIZES: Array<[string, number]> = [
  ['1 KiB', 1024],
  ['16 KiB', 16 * 1024],
  ['1 MiB', 1024 * 1024],
]

function syncDisks(): void {
  execFileSync('sync')
}

let dir = ''
const logs = new Map<number, PartitionLog>()
const fds = new Map<number, number>()

function appendBench(label: string, size: number): MicroBench {
  const batch = benchBatch(size)
  let written = 0
  return {
    name: `append ${label} batch`,
    bytesPerOp: size,
    before: syncDisks,
    check: () => {
      const log = logs.get(size)!
      const before = log.logEndOffset
      const result = log.appendAsLeader(batch, 0, { requireZeroBaseOffset: false })
      if (result.baseOffset !== before || log.size !== size) throw new Error('append did not land')
    },
    fn: () => {
      const log = logs.get(size)!
      // The batch is rewritten in place (baseOffset) each time, so the same buffer appends again.
      log.appendAsLeader(batch, 0, { requireZeroBaseOffset: false })
      written += size
      if (written >= RESTART_BYTES) {
        log.truncateTo(0)
        written = 0
      }
    },
  }
}

function baselineBench(label: string, size: number): MicroBench {
  const batch = benchBatch(size)
  let position = 0
  return {
    name: `baseline fs.writeSync ${label}`,
    bytesPerOp: size,
    before: syncDisks,
    check: () => {
      if (writeSync(fds.get(size)!, batch, 0, size, 0) !== size) throw new Error('short write')
    },
    fn: () => {
      const fd = fds.get(size)!
      writeSync(fd, batch, 0, size, position)
      position += size
      if (position >= RESTART_BYTES) {
        ftruncateSync(fd, 0)
        position = 0
      }
    },
  }
}

/**
 * The fair comparison: one append and one plain write alternate, op by op, so that the kernel's
 * writeback throttling (which stalls whichever writer crosses the dirty limit, for milliseconds)
 * and the other load on the machine fall on both alike. Reports MB/s at the median op time
 * (robust to those stalls), over all ops, and the ratio of the medians.
 */
function measureInterleaved(): MeasuredRow[] {
  const rows: MeasuredRow[] = []
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  for (const [label, size] of SIZES) {
    const log = logs.get(size)!
    const fd = fds.get(size)!
    const batch = benchBatch(size)
    const ops = Math.max(64, (256 * 1024 * 1024) / size)
    const appendNs: number[] = []
    const writeNs: number[] = []
    let position = 0
    syncDisks()
    for (let i = 0; i < ops; i++) {
      let start = process.hrtime.bigint()
      log.appendAsLeader(batch, 0, { requireZeroBaseOffset: false })
      appendNs.push(Number(process.hrtime.bigint() - start))
      start = process.hrtime.bigint()
      writeSync(fd, batch, 0, size, position)
      writeNs.push(Number(process.hrtime.bigint() - start))
      position += size
      if (position >= RESTART_BYTES) {
        log.truncateTo(0)
        ftruncateSync(fd, 0)
        position = 0
      }
    }
    const totalMBps = (times: number[]): number => (ops * size) / 1e6 / (times.reduce((a, b) => a + b, 0) / 1e9)
    const appendTotal = totalMBps(appendNs)
    const writeTotal = totalMBps(writeNs)
    const appendMedian = size / 1e6 / (median(appendNs) / 1e9)
    const writeMedian = size / 1e6 / (median(writeNs) / 1e9)
    rows.push({ name: `alternating append ${label} (median op)`, value: appendMedian, unit: 'MB/s' })
    rows.push({ name: `alternating fs.writeSync ${label} (median op)`, value: writeMedian, unit: 'MB/s' })
    rows.push({ name: `alternating append/baseline ${label} (median)`, value: (100 * appendMedian) / writeMedian, unit: '%' })
    rows.push({ name: `alternating append/baseline ${label} (all ops)`, value: (100 * appendTotal) / writeTotal, unit: '%' })
  }
  return rows
}

const file: MicroBenchFile = {
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'samsa-bench-append-'))
    for (const [, size] of SIZES) {
      // writeback.bytes 0: this bench rewrites the same 64 MiB, and truncating pages that early
      // writeback has sent to the disk waits for the disk, which a log that only grows never
      // does; the baseline does not write back either, so both measure page-cache writes.
      logs.set(size, await PartitionLog.open(join(dir, `log-${size}`), { 'segment.bytes': 256 * 1024 * 1024, 'max.message.bytes': 2 * 1024 * 1024, 'writeback.bytes': 0 }))
      fds.set(size, openSync(join(dir, `baseline-${size}`), 'w'))
    }
  },
  benches: SIZES.flatMap(([label, size]) => [appendBench(label, size), baselineBench(label, size)]),
  measure: async () => measureInterleaved(),
  async teardown() {
    for (const log of logs.values()) await log.close()
    for (const fd of fds.values()) closeSync(fd)
    rmSync(dir, { recursive: true, force: true })
  },
}
await runBenchFile(file)
