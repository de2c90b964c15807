/**
 * The figures a run is judged by, in the order tables and the report show them, and the
 * grouping of runs by workload and broker that both use. With repetitions, a broker's figure
 * is the mean over its runs. A ratio is first broker ÷ second broker, whatever the figure:
 * above 1 means the first broker's number is larger (better for rates, worse for latency,
 * CPU and memory).
 */
import type { RunResult } from './run-result.js'
import type { Workload } from './workloads.js'

export interface Figure {
  readonly key: string
  readonly label: string
  readonly unit: string
  readonly value: (run: RunResult) => number | null
}

const MiB = 1024 * 1024

export const FIGURES: readonly Figure[] = [
  { key: 'publishRate', label: 'publish rate', unit: 'msg/s', value: (r) => r.publishRate },
  { key: 'publishMBs', label: 'publish throughput', unit: 'MB/s', value: (r) => r.publishMBs },
  { key: 'consumeRate', label: 'consume rate', unit: 'msg/s', value: (r) => r.consumeRate },
  { key: 'consumeMBs', label: 'consume throughput', unit: 'MB/s', value: (r) => r.consumeMBs },
  { key: 'publishP50', label: 'publish latency p50', unit: 'ms', value: (r) => r.publishLatency.p50 },
  { key: 'publishP95', label: 'publish latency p95', unit: 'ms', value: (r) => r.publishLatency.p95 },
  { key: 'publishP99', label: 'publish latency p99', unit: 'ms', value: (r) => r.publishLatency.p99 },
  { key: 'publishP999', label: 'publish latency p99.9', unit: 'ms', value: (r) => r.publishLatency.p999 },
  { key: 'publishMax', label: 'publish latency max', unit: 'ms', value: (r) => r.publishLatency.max },
  { key: 'e2eP50', label: 'end-to-end latency p50', unit: 'ms', value: (r) => r.endToEndLatency.p50 },
  { key: 'e2eP95', label: 'end-to-end latency p95', unit: 'ms', value: (r) => r.endToEndLatency.p95 },
  { key: 'e2eP99', label: 'end-to-end latency p99', unit: 'ms', value: (r) => r.endToEndLatency.p99 },
  { key: 'e2eP999', label: 'end-to-end latency p99.9', unit: 'ms', value: (r) => r.endToEndLatency.p999 },
  { key: 'e2eMax', label: 'end-to-end latency max', unit: 'ms', value: (r) => r.endToEndLatency.max },
  { key: 'sendDelayP99', label: 'send delay p99 (fixed rate)', unit: 'ms', value: (r) => r.sendDelay?.p99 ?? null },
  { key: 'brokerCores', label: 'broker CPU', unit: 'cores', value: (r) => r.broker?.cores ?? null },
  { key: 'brokerCpuPerGB', label: 'broker CPU per GB in+out', unit: 'CPU-s/GB', value: (r) => r.broker?.cpuSecondsPerGB ?? null },
  { key: 'brokerPeakRss', label: 'broker peak RSS', unit: 'MiB', value: (r) => (r.broker === null ? null : r.broker.peakRssBytes / MiB) },
  { key: 'brokerPeakRssAnon', label: 'broker peak RSS, anonymous', unit: 'MiB', value: (r) => (r.broker === null ? null : r.broker.peakRssAnonBytes / MiB) },
  { key: 'harnessCores', label: 'load generator CPU', unit: 'cores', value: (r) => r.harness.cores },
  { key: 'producerThreadBusy', label: 'busiest producer thread, time busy', unit: '%', value: (r) => r.harness.producerThreadBusy * 100 },
  { key: 'consumerThreadBusy', label: 'busiest consumer thread, time busy', unit: '%', value: (r) => r.harness.consumerThreadBusy * 100 },
  { key: 'producerLoopDelayP99', label: 'producer threads, event-loop delay p99', unit: 'ms', value: (r) => r.harness.producerThreads.loopDelay.p99 },
  { key: 'producerLoopDelayMax', label: 'producer threads, event-loop delay max', unit: 'ms', value: (r) => r.harness.producerThreads.loopDelay.max },
  { key: 'producerGcShare', label: 'producer threads, time in GC pauses', unit: '%', value: (r) => r.harness.producerThreads.gcShare * 100 },
  { key: 'producerGcMax', label: 'producer threads, longest GC pause', unit: 'ms', value: (r) => r.harness.producerThreads.gcMaxMs },
  { key: 'consumerLoopDelayP99', label: 'consumer threads, event-loop delay p99', unit: 'ms', value: (r) => r.harness.consumerThreads.loopDelay.p99 },
  { key: 'consumerLoopDelayMax', label: 'consumer threads, event-loop delay max', unit: 'ms', value: (r) => r.harness.consumerThreads.loopDelay.max },
  { key: 'consumerGcShare', label: 'consumer threads, time in GC pauses', unit: '%', value: (r) => r.harness.consumerThreads.gcShare * 100 },
  { key: 'consumerGcMax', label: 'consumer threads, longest GC pause', unit: 'ms', value: (r) => r.harness.consumerThreads.gcMaxMs },
  { key: 'otherCores', label: 'everything else on the machine, CPU', unit: 'cores', value: (r) => r.otherProcessesCores },
  { key: 'writebackMBs', label: 'page cache written back to disk (machine)', unit: 'MB/s', value: (r) => r.writebackMBs },
  { key: 'harnessPeakRss', label: 'load generator peak RSS', unit: 'MiB', value: (r) => r.harness.peakRssBytes / MiB },
]

/** Runs of one workload (same name and rate), by broker label in first-run order. */
export interface WorkloadGroup {
  readonly workload: Workload
  readonly targetRate: number | null
  readonly byTarget: ReadonlyMap<string, readonly RunResult[]>
}

export function groupRuns(runs: readonly RunResult[]): WorkloadGroup[] {
  const groups: Array<{ workload: Workload; targetRate: number | null; byTarget: Map<string, RunResult[]> }> = []
  for (const run of runs) {
    let group = groups.find((g) => g.workload.name === run.workload.name && g.targetRate === run.targetRate)
    if (group === undefined) groups.push((group = { workload: run.workload, targetRate: run.targetRate, byTarget: new Map() }))
    let list = group.byTarget.get(run.target.label)
    if (list === undefined) group.byTarget.set(run.target.label, (list = []))
    list.push(run)
  }
  return groups
}

/** The mean of a figure over runs; null when no run has it. */
export function meanOf(runs: readonly RunResult[], figure: Figure): number | null {
  const values = runs.map(figure.value).filter((v): v is number => v !== null && Number.isFinite(v))
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length
}

/** First ÷ second; null when either is missing or the second is 0. */
export function ratioOf(first: number | null, second: number | null): number | null {
  if (first === null || second === null || second === 0) return null
  return first / second
}

/** A figure for a table cell: thousands separated for rates, 3 significant digits otherwise. */
export function formatFigure(value: number | null, unit: string): string {
  if (value === null) return '—'
  if (unit === 'msg/s') return Math.round(value).toLocaleString('en-US')
  if (value === 0) return '0'
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US')
  return String(Number(value.toPrecision(3)))
}
