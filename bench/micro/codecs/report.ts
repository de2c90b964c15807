/** Runs benchmark.js suites and prints each result with its throughput. */
import Benchmark from 'benchmark'

export interface Case {
  name: string
  /** Bytes of uncompressed data one call processes, for MB/s. */
  bytes: number
  fn?: () => void
  /** An asynchronous case: resolve when the measured work is done. */
  async?: () => Promise<void>
}

/** Runs the cases one after another; `maxTime` seconds each (benchmark.js default is 5). */
export function runSuite(title: string, cases: Case[], maxTime = 2): Promise<void> {
  const suite = new Benchmark.Suite(title)
  for (const c of cases) {
    if (c.async !== undefined) {
      const run = c.async
      suite.add(c.name, {
        defer: true,
        maxTime,
        minSamples: 5,
        fn: (deferred: { resolve(): void }) => {
          run().then(
            () => deferred.resolve(),
            (error: unknown) => {
              console.error(error)
              process.exit(1)
            },
          )
        },
      })
    } else {
      suite.add(c.name, c.fn!, { maxTime, minSamples: 5 })
    }
  }
  return new Promise((resolve) => {
    suite.on('cycle', (event: Benchmark.Event) => {
      const bench = event.target as unknown as Benchmark & { name: string }
      const c = cases.find((candidate) => candidate.name === bench.name)!
      const mbPerSecond = (c.bytes * (bench.hz ?? 0)) / 1e6
      const rme = bench.stats?.rme ?? 0
      console.log(`${bench.name.padEnd(44)} ${mbPerSecond.toFixed(1).padStart(8)} MB/s  ±${rme.toFixed(1)}%  (${bench.stats?.sample.length} samples)`)
    })
    suite.on('complete', () => resolve())
    console.log(`\n## ${title}`)
    suite.run({ async: true })
  })
}

/** Fails the benchmark run (exit 1) unless `condition` holds: results are checked before timing. */
export function check(condition: boolean, what: string): void {
  if (!condition) {
    console.error(`check failed: ${what}`)
    process.exit(1)
  }
}
