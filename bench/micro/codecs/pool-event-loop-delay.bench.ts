/**
 * How late the event loop runs while the worker pool compresses flat out: the main thread's
 * event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) over a few seconds of
 * gzip on 1 MiB tasks with the queue kept full. Target: p99 under 5 ms. Compared: no load,
 * and pool configurations that justify pool.ts's defaults (threads = cores, lowered priority).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { CompressionCodec, decompress } from '../../../src/storage/codecs.js'
import { WorkerPool, type WorkerPoolOptions } from '../../../src/workers/pool.js'
import { MiB, jsonRecords } from './payloads.js'
import { check } from './report.js'

const SECONDS = 4
const input = jsonRecords(2 * MiB).subarray(0, MiB)

interface Outcome {
  p50: number
  p99: number
  max: number
  mbPerSecond: number
}

async function measure(options: WorkerPoolOptions | null): Promise<Outcome> {
  const pool = options === null ? null : new WorkerPool({ ...options, minThreads: options.maxThreads })
  if (pool !== null) {
    const [out] = await pool.run('compressPayloads', { codec: CompressionCodec.Gzip, payloads: [input] })
    check(decompress(CompressionCodec.Gzip, out, MiB).equals(input), 'gzip through the pool round trips')
  }
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  let stop = false
  let done = 0
  const producers: Array<Promise<void>> = []
  if (pool !== null) {
    // More producers than slots, so the queue stays full and run() exercises its waiting path.
    for (let i = 0; i < 16; i++) {
      producers.push(
        (async () => {
          while (!stop) {
            await pool.run('compressPayloads', { codec: CompressionCodec.Gzip, payloads: [input] })
            done++
          }
        })(),
      )
    }
  }
  histogram.enable()
  const started = performance.now()
  await sleep(SECONDS * 1000)
  histogram.disable()
  const elapsed = (performance.now() - started) / 1000
  stop = true
  await Promise.all(producers)
  await pool?.close()
  return {
    p50: histogram.percentile(50) / 1e6,
    p99: histogram.percentile(99) / 1e6,
    max: histogram.max / 1e6,
    mbPerSecond: (done * MiB) / 1e6 / elapsed,
  }
}

const configurations: Array<[string, WorkerPoolOptions | null]> = [
  ['no pool load (baseline)', null],
  ['2 threads, nice +5 (default)', { maxThreads: 2, niceIncrement: 5 }],
  ['2 threads, nice +19', { maxThreads: 2, niceIncrement: 19 }],
  ['2 threads, nice 0', { maxThreads: 2, niceIncrement: 0 }],
  ['1 thread, nice 0', { maxThreads: 1, niceIncrement: 0 }],
  ['3 threads, nice 0 (oversubscribed)', { maxThreads: 3, niceIncrement: 0 }],
]

console.log(`\n## event-loop delay while the pool gzips 1 MiB tasks, ${SECONDS} s each`)
for (const [label, options] of configurations) {
  const { p50, p99, max, mbPerSecond } = await measure(options)
  console.log(
    `${label.padEnd(36)} p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  max ${max.toFixed(2)} ms  gzip ${mbPerSecond.toFixed(1)} MB/s`,
  )
}
