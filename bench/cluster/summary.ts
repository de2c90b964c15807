/**
 * Prints bench:cluster's figures from the two harness results it made: the cluster's max-rate
 * throughput as a share of one broker's acks=1 throughput measured in the same run, the
 * cluster's broker CPU seconds per GB written (all three brokers), and the cluster's end-to-end
 * latency at half its own maximum rate.
 *
 *   node dist/bench/cluster/summary.js <single dir> <cluster dir> <spread dir> <cluster CPU seconds>
 *       [<Kafka cluster result dir> <Kafka cluster CPU seconds>]
 *
 * It also prints the three brokers' acks=1 throughput without replication (the spread dir),
 * against the one broker's.
 *
 * With the last two (COMPARE_KAFKA=1), it also prints Samsa's and Kafka's three-broker figures
 * side by side: each at its own maximum rate, and each at half of its own maximum.
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

const [singleDir, clusterDir, spreadDir, cpuText, kafkaDir, kafkaCpuText] = process.argv.slice(2)
if (singleDir === undefined || clusterDir === undefined || spreadDir === undefined || cpuText === undefined) {
  process.stderr.write('usage: summary.js <single dir> <cluster dir> <spread dir> <cluster CPU seconds> [<kafka dir> <kafka CPU seconds>]\n')
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

/** The figures of one three-broker cluster's pair of runs (max rate and half rate). */
function clusterFigures(dir: string, cpu: number): { rate: number; mbs: number; cpuPerGb: number; p50: number | undefined; p99: number | undefined; ok: boolean } {
  const all = runs(dir)
  const top = all.find((r) => r.workload === 'small-records')!
  const halfRun = all.find((r) => r.workload === 'small-records-half-rate')
  const bytes = all.reduce((sum, r) => sum + r.samsa.publishMBsAvg * r.samsa.measuredSeconds * 1e6, 0)
  return {
    rate: top.samsa.publishRateAvg,
    mbs: top.samsa.publishMBsAvg,
    cpuPerGb: cpu / (bytes / 1e9),
    p50: halfRun?.aggregatedEndToEndLatency50pct,
    p99: halfRun?.aggregatedEndToEndLatency99pct,
    ok: all.every((r) => r.samsa.verification.ok),
  }
}

if (kafkaDir !== undefined && kafkaCpuText !== undefined) {
  const samsa = clusterFigures(clusterDir, cpuSeconds)
  const kafka = clusterFigures(kafkaDir, Number(kafkaCpuText))
  const ms = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(1)} ms`)
  const row = (name: string, a: string, b: string, ratio = ''): string => `  ${name.padEnd(36)}${a.padStart(16)}${b.padStart(16)}${ratio.padStart(12)}`
  const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || b === 0 ? '' : `${(a / b).toFixed(2)}×`)
  lines.push(
    'Samsa and Apache Kafka 3.9, each three brokers, RF=3, acks=all, same workloads, one after the other',
    row('', 'samsa', 'kafka', 'samsa/kafka'),
    row('max rate', mega(samsa.rate), mega(kafka.rate), ratio(samsa.rate, kafka.rate)),
    row('max rate, payload', `${samsa.mbs.toFixed(1)} MB/s`, `${kafka.mbs.toFixed(1)} MB/s`, ratio(samsa.mbs, kafka.mbs)),
    row('broker CPU per GB (three brokers)', `${samsa.cpuPerGb.toFixed(2)} CPU-s`, `${kafka.cpuPerGb.toFixed(2)} CPU-s`, ratio(samsa.cpuPerGb, kafka.cpuPerGb)),
    row('e2e p50 at half its own max rate', ms(samsa.p50), ms(kafka.p50), ratio(samsa.p50, kafka.p50)),
    row('e2e p99 at half its own max rate', ms(samsa.p99), ms(kafka.p99), ratio(samsa.p99, kafka.p99)),
    row('every message verified', samsa.ok ? 'yes' : 'NO', kafka.ok ? 'yes' : 'NO'),
    '',
  )
}
process.stdout.write(lines.join('\n'))
