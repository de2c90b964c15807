/**
 * Micro-benchmark runner: `npm run bench:micro -- [filter]`.
 *
 * Discovers every compiled `*.bench.js` under dist/bench/micro/ and runs the benchmarks whose
 * name (or file path) contains the filter. A bench file default-exports a `MicroBenchFile`:
 * - `benches`: a static list (state they need is made in `setup`, which runs only if one of them
 *   is selected), timed by the `benchmark` package (ops/s ± relative margin of error),
 *   each with an optional `check()` that must pass before timing starts and an optional
 *   `bytesPerOp` from which MB/s is derived;
 * - or `measure()`: a custom measurement (for example a transfer over a socket) returning rows.
 * Figures are indicative: the machine has 2 cores shared with other work.
 */
import { readdirSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
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

const root = dirname(fileURLToPath(import.meta.url))

function findBenchFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) return findBenchFiles(path)
      return name.endsWith('.bench.js') ? [path] : []
    })
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

async function main(): Promise<void> {
  const filter = process.argv[2] ?? ''
  for (const file of findBenchFiles(root)) {
    const label = relative(root, file)
    const module = (await import(pathToFileURL(file).href)) as { default: MicroBenchFile }
    const benchFile = module.default
    const benches = (benchFile.benches ?? []).filter((b) => b.name.includes(filter) || label.includes(filter))
    const wantsMeasure = benchFile.measure !== undefined && (filter === '' || label.includes(filter))
    if (benches.length === 0 && !wantsMeasure) continue
    console.log(`# ${label}`)
    await benchFile.setup?.()
    try {
      for (const bench of benches) {
        await bench.before?.()
        await bench.check?.()
        runOne(bench)
      }
      if (wantsMeasure) {
        for (const row of await benchFile.measure!(filter)) {
          console.log(`${row.name.padEnd(48)} ${format(row.value, 2).padStart(14)} ${row.unit}`)
        }
      }
    } finally {
      await benchFile.teardown?.()
    }
  }
}

await main()
