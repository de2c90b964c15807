/**
 * Shared bits of the protocol micro benchmarks: a check that stops the run when a benchmarked
 * function gives a wrong result (a fast wrong answer is worth nothing), and a suite runner that
 * prints each case's time per operation and a derived rate.
 */
import Benchmark from 'benchmark'

export function check(condition: boolean, what: string): void {
  if (!condition) {
    console.error(`check failed: ${what}`)
    process.exit(1)
  }
}

export interface Case {
  readonly name: string
  readonly fn: () => void
  /** Items one call handles (records, bytes, varints), for the rate column. */
  readonly items: number
  /** What an item is, for the rate column ("records", "MB", "varints"). */
  readonly unit: string
}

/** Runs the cases and prints `name  time/op  rate  ±rme` per case. */
export function runCases(title: string, cases: readonly Case[], maxTime = 2): void {
  const suite = new Benchmark.Suite(title)
  for (const c of cases) suite.add(c.name, c.fn, { maxTime })
  suite.on('cycle', (event: Benchmark.Event) => {
    const bench = event.target as unknown as Benchmark & { name: string }
    const c = cases.find((x) => x.name === bench.name)!
    const hz = bench.hz ?? 0
    const perOp = 1e9 / hz
    const time = perOp >= 1e6 ? `${(perOp / 1e6).toFixed(2)} ms` : perOp >= 1e3 ? `${(perOp / 1e3).toFixed(2)} µs` : `${perOp.toFixed(1)} ns`
    const rate = hz * c.items
    const rateText = rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M` : rate >= 1e3 ? `${(rate / 1e3).toFixed(1)} k` : rate.toFixed(1)
    console.log(`${bench.name.padEnd(52)} ${time.padStart(10)}/op  ${rateText.padStart(9)} ${c.unit}/s  ±${(bench.stats?.rme ?? 0).toFixed(1)}%`)
  })
  console.log(`\n## ${title}`)
  suite.run()
}
