/**
 * The shape of a declarative micro-benchmark file: a list of timed functions (each checked before
 * it is timed) and/or a custom measurement, run by `runBenchFile` in the file's own process
 * (bench/micro/run.ts starts one process per file). Timings use the `benchmark` package
 * (ops/s ± relative margin of error); `bytesPerOp` derives MB/s. BENCH_MAX_TIME sets seconds
 * per benchmark (default 2).
 */
import Benchmark from 'benchmark'

export interface MicroBench {
  name: string
  /** Bytes handled by one call of `fn`, to report MB/s (10^6 bytes per second). */
  bytesPerOp?: number
  /** The timed function (synchronous). */
  fn: () => unknown
  /** Throws if `fn`'s result is wrong; runs once before timing. */
  check?: () => void | Promise<void>
  /** Runs before `check`, e.g. to let the OS finish writing back what an earlier bench dirtied. */
  before?: () => void | Promise<void>
}

export interface MeasuredRow {
  name: string
  value: number
  unit: string
}

export interface MicroBenchFile {
  setup?: () => void | Promise<void>
  benches?: MicroBench[]
  measure?: (filter: string) => Promise<MeasuredRow[]>
  teardown?: () => void | Promise<void>
}

function format(value: number, digits = 1): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

function runOne(bench: MicroBench): void {
  const b = new Benchmark(bench.name, bench.fn, { maxTime: Number(process.env.BENCH_MAX_TIME ?? 2) })
  b.run()
  if (b.error !== undefined) throw b.error
  const hz = b.hz
  const perOpNs = 1e9 / hz
  const derived = bench.bytesPerOp === undefined ? '' : `  ${format((hz * bench.bytesPerOp) / 1e6)} MB/s`
  console.log(
    `${bench.name.padEnd(48)} ${format(hz, 0).padStart(14)} ops/s ±${format(b.stats.rme, 2)}%  ${format(perOpNs, 0)} ns/op${derived}`,
  )
}

/** Runs a declarative bench file: setup, then each bench's check and timing, then measure(). */
export async function runBenchFile(benchFile: MicroBenchFile): Promise<void> {
  await benchFile.setup?.()
  try {
    for (const bench of benchFile.benches ?? []) {
      await bench.before?.()
      await bench.check?.()
      runOne(bench)
    }
    if (benchFile.measure !== undefined) {
      for (const row of await benchFile.measure('')) {
        console.log(`${row.name.padEnd(48)} ${format(row.value, 2).padStart(14)} ${row.unit}`)
      }
    }
  } finally {
    await benchFile.teardown?.()
  }
}
