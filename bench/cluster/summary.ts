/**
 * Prints bench:cluster's figures from the two harness results it made: the cluster's max-rate
 * throughput as a share of one broker's acks=1 throughput measured in the same run, the
 * cluster's broker CPU seconds per GB written (all three brokers), and the cluster's end-to-end
 * latency at half its own maximum rate.
 *
 * It also prints the three brokers' acks=1 throughput without replication, against the one broker.
 *
 *   node dist/bench/cluster/summary.js <single dir> <cluster dir> <spread dir> <cluster CPU seconds>
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

interface RunJson {
  readonly workload: string
  readonly aggregatedEndToEndLatency50pct: number
  readonly aggregatedEndToEndLatency99pct: number
  readonly aggregatedEndToEndLatency999pct: number
  readonly samsa: { readonly publishRateAvg: number; readonly publishMBsAvg: number; readonly measuredSeconds: number; readonly verification: { readonly ok: boolean } }
}

function runs(dir: string): RunJson[] {
  return (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { runs: RunJson[] }).runs
}

const [singleDir, clusterDir, spreadDir, cpuText] = process.argv.slice(2)
if (singleDir === undefined || clusterDir === undefined || spreadDir === undefined || cpuText === undefined) {
  process.stderr.write('usage: summary.js <single dir> <cluster dir> <spread dir> <cluster CPU seconds>\n')
  process.exit(2)
}
const single = runs(singleDir).find((r) => r.workload === 'small-records')!
const cluster = runs(clusterDir)
const max = cluster.find((r) => r.workload === 'small-records')!
const half = cluster.find((r) => r.workload === 'small-records-half-rate')
const spread = runs(spreadDir).find((r) => r.workload === 'small-records')!
const clusterBytes = cluster.reduce((sum, r) => sum + r.samsa.publishMBsAvg * r.samsa.measuredSeconds * 1e6, 0)
const cpuSeconds = Number(cpuText)
const mega = (rate: number): string => `${(rate / 1e6).toFixed(2)} M msg/s`

const lines = [
  '',
  'bench:cluster — 100-byte records, 8 partitions',
  `  one broker, acks=1:                 ${mega(single.samsa.publishRateAvg)}`,
  `  3 brokers, RF=3, acks=all:          ${mega(max.samsa.publishRateAvg)} (${((100 * max.samsa.publishRateAvg) / single.samsa.publishRateAvg).toFixed(0)}% of one broker, acks=1; target ≥ 40%)`,
  `  cluster broker CPU per GB written:  ${(cpuSeconds / (clusterBytes / 1e9)).toFixed(2)} CPU-s/GB over the three brokers (warm-ups included in the CPU, not in the bytes)`,
  half === undefined
    ? '  (no half-rate run)'
    : `  at half the cluster's max rate:     e2e p50 ${half.aggregatedEndToEndLatency50pct.toFixed(1)} ms, p99 ${half.aggregatedEndToEndLatency99pct.toFixed(1)} ms, p99.9 ${half.aggregatedEndToEndLatency999pct.toFixed(1)} ms`,
  `  3 brokers, RF=1, acks=1:            ${mega(spread.samsa.publishRateAvg)} (${(spread.samsa.publishRateAvg / single.samsa.publishRateAvg).toFixed(2)}× one broker: partitions spread over three processes)`,
  `  every message verified:             ${[single, spread, ...cluster].every((r) => r.samsa.verification.ok) ? 'yes' : 'NO'}`,
  '',
]
process.stdout.write(lines.join('\n'))
