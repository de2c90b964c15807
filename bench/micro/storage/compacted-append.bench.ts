/**
 * What the compacted-topic key check costs an append, and that an uncompacted append does not
 * pay it: a 16 KiB batch of 100 keyed records appended as an uncompacted topic does (no flag)
 * and as a compacted one does (requireKeys: every record is walked in Rust; a zstd batch is
 * decompressed first). Appends alternate op by op, so machine load falls on both alike; the
 * median op time is reported. The uncompacted row is the one to compare with the same row of
 * an older build (the flag test is the only change on that path).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeRecordBatch, type RecordInput } from '../../../src/protocol/records.js'
import { compress, crc32c } from '../../../src/storage/native.js'
import { PartitionLog } from '../../../src/storage/index.js'
import { type MeasuredRow, type MicroBenchFile, runBenchFile } from '../micro-bench.js'

const RESTART_BYTES = 64 * 1024 * 1024
let dir = ''
let log: PartitionLog

function keyedBatch(codec: number): Buffer {
  const records: RecordInput[] = []
  for (let i = 0; i < 100; i++) records.push({ key: Buffer.from(`key-${i}`.padEnd(16, '-')), value: Buffer.alloc(140, 0x61 + (i % 26)) })
  return encodeRecordBatch({ baseTimestamp: Date.now(), compression: codec, records }, { crc32c, compress: (c, data) => compress(c, data) })
}

function measure(): MeasuredRow[] {
  const plain = keyedBatch(0)
  const zstd = keyedBatch(4)
  const variants: Array<[string, Buffer, boolean]> = [
    ['uncompacted, 16 KiB keyed batch', plain, false],
    ['compacted (keys checked), 16 KiB batch', plain, true],
    ['compacted (keys checked), zstd batch', zstd, true],
  ]
  const times: number[][] = variants.map(() => [])
  let written = 0
  for (let op = 0; op < 20_000; op++) {
    variants.forEach(([, batch, requireKeys], v) => {
      const start = process.hrtime.bigint()
      log.appendAsLeader(batch, 0, { requireZeroBaseOffset: false, requireKeys })
      times[v]!.push(Number(process.hrtime.bigint() - start))
      written += batch.length
    })
    if (written >= RESTART_BYTES) {
      log.truncateTo(0)
      written = 0
    }
  }
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  return variants.map(([name], v) => ({ name: `append ${name} (median op)`, value: median(times[v]!) / 1000, unit: 'µs' }))
}

const file: MicroBenchFile = {
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'samsa-bench-compacted-append-'))
    log = await PartitionLog.open(join(dir, 'log'), { 'segment.bytes': 256 * 1024 * 1024, 'writeback.bytes': 0 })
  },
  measure: async () => measure(),
  async teardown() {
    await log.close()
    rmSync(dir, { recursive: true, force: true })
  },
}
await runBenchFile(file)
