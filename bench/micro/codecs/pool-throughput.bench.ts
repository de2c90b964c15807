/**
 * Codec throughput through the worker pool (2 threads on the 2-core box), kept saturated: each
 * measured cycle submits four tasks at once and waits for all of them. Inputs are views into one
 * larger buffer, as record batches inside a request frame are, so the pool copies each payload
 * once before moving it; results are transferred back. The 1 KiB case shows the fixed cost of a
 * task round trip, which is why tasks carry several payloads.
 */
import { CompressionCodec, compress, decompress } from '../../../src/storage/codecs.js'
import { WorkerPool } from '../../../src/workers/pool.js'
import { KiB, MiB, codecNames, jsonRecords } from './payloads.js'
import { type Case, check, runSuite } from './report.js'

const codecs = { gzip: CompressionCodec.Gzip, snappy: CompressionCodec.Snappy, lz4: CompressionCodec.Lz4, zstd: CompressionCodec.Zstd }
const TASKS_PER_CYCLE = 4

const pool = new WorkerPool()
const frame = jsonRecords(2 * MiB)
const oneMiB = frame.subarray(0, MiB)
const sixteenSmall = Array.from({ length: 16 }, (_, i) => frame.subarray(i * 64 * KiB, (i + 1) * 64 * KiB))
const tiny = [frame.subarray(0, KiB)]

async function cycle(run: () => Promise<unknown>): Promise<void> {
  const tasks: Array<Promise<unknown>> = []
  for (let i = 0; i < TASKS_PER_CYCLE; i++) tasks.push(run())
  await Promise.all(tasks)
}

const cases: Case[] = []
for (const name of codecNames) {
  const codec = codecs[name]
  const [check1] = await pool.run('compressPayloads', { codec, payloads: [oneMiB] })
  check(decompress(codec, check1, MiB).equals(oneMiB), `${name}: pool compress output round trips`)
  // Views into one buffer, like compressed batches inside a produce request: copied per task,
  // never detached, so every cycle can send them again.
  const compressedFrame = Buffer.concat([compress(codec, oneMiB), ...sixteenSmall.map((payload) => compress(codec, payload))])
  const bigLength = compress(codec, oneMiB).length
  const compressedBig = [compressedFrame.subarray(0, bigLength)]
  const compressedSmall: Buffer[] = []
  for (let offset = bigLength, i = 0; i < sixteenSmall.length; i++) {
    const length = compress(codec, sixteenSmall[i]).length
    compressedSmall.push(compressedFrame.subarray(offset, offset + length))
    offset += length
  }
  const [check2] = await pool.run('decompressPayloads', { codec, maxBytes: MiB, payloads: compressedBig })
  check(Buffer.isBuffer(check2) && check2.equals(oneMiB), `${name}: pool decompress output`)

  cases.push({
    name: `${name} compress 1 MiB x1 per task`,
    bytes: TASKS_PER_CYCLE * MiB,
    async: () => cycle(() => pool.run('compressPayloads', { codec, payloads: [oneMiB] })),
  })
  cases.push({
    name: `${name} compress 64 KiB x16 per task`,
    bytes: TASKS_PER_CYCLE * MiB,
    async: () => cycle(() => pool.run('compressPayloads', { codec, payloads: sixteenSmall })),
  })
  cases.push({
    name: `${name} decompress 1 MiB x1 per task`,
    bytes: TASKS_PER_CYCLE * MiB,
    async: () => cycle(() => pool.run('decompressPayloads', { codec, maxBytes: MiB, payloads: compressedBig })),
  })
  cases.push({
    name: `${name} decompress 64 KiB x16 per task`,
    bytes: TASKS_PER_CYCLE * MiB,
    async: () => cycle(() => pool.run('decompressPayloads', { codec, maxBytes: MiB, payloads: compressedSmall })),
  })
}
cases.push({
  name: 'lz4 compress 1 KiB x1 per task (overhead)',
  bytes: TASKS_PER_CYCLE * KiB,
  async: () => cycle(() => pool.run('compressPayloads', { codec: CompressionCodec.Lz4, payloads: tiny })),
})

await runSuite(`codecs through the worker pool (${TASKS_PER_CYCLE} tasks in flight)`, cases)
await pool.close()
