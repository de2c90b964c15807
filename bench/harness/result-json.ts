/**
 * The JSON result, shaped like OpenMessaging Benchmark's per-run result so that tools reading
 * OMB files (and people used to them) find the same names: `publishRate` and `consumeRate` as
 * per-interval msg/s series, `backlog`, per-interval latency percentiles, and the aggregated
 * latency figures in milliseconds (`aggregatedPublishLatency99pct`,
 * `aggregatedEndToEndLatencyQuantiles`, ...). OMB samples every 10 s; this harness every second.
 *
 * What OMB does not have lives under `samsa`: the workload in full, the measured window's totals
 * and averages, the verification of every message, CPU and memory of broker and load generator,
 * and the HdrHistograms themselves (compressed base64, µs) for re-analysis.
 *
 * The summary file holds every run of the invocation plus the machine and, with two brokers, the
 * ratios of every figure.
 */
import { cpus, loadavg } from 'node:os'
import { FIGURES, groupRuns, meanOf, ratioOf } from './figures.js'
import type { LatencySummary } from './histogram.js'
import { cpuModel } from './proc-stats.js'
import type { RunResult } from './run-result.js'

function aggregated(prefix: string, s: LatencySummary, spectrum: ReadonlyArray<readonly [number, number]>): Record<string, unknown> {
  return {
    [`aggregated${prefix}Avg`]: s.avg,
    [`aggregated${prefix}50pct`]: s.p50,
    [`aggregated${prefix}75pct`]: s.p75,
    [`aggregated${prefix}95pct`]: s.p95,
    [`aggregated${prefix}99pct`]: s.p99,
    [`aggregated${prefix}999pct`]: s.p999,
    [`aggregated${prefix}9999pct`]: s.p9999,
    [`aggregated${prefix}Max`]: s.max,
    [`aggregated${prefix}Quantiles`]: Object.fromEntries(spectrum.map(([p, v]) => [String(p), v])),
  }
}

/** One run as an OMB-style result object. */
export function runJson(run: RunResult): Record<string, unknown> {
  const w = run.workload
  const measured = run.intervals.filter((i) => i.phase === 'measure')
  return {
    workload: w.name,
    driver: run.target.label,
    messageSize: w.messageSize,
    topics: w.topics,
    partitions: w.partitionsPerTopic,
    producersPerTopic: w.producersPerTopic,
    consumersPerTopic: w.consumerPerSubscription * w.subscriptionsPerTopic,
    sampleRateMillis: 1000,
    publishRate: measured.map((i) => i.publishRate),
    publishErrorRate: measured.map((i) => i.publishErrors),
    consumeRate: measured.map((i) => i.consumeRate),
    backlog: measured.map((i) => i.backlog),
    publishLatency50pct: measured.map((i) => i.publishLatencyP50),
    publishLatency99pct: measured.map((i) => i.publishLatencyP99),
    endToEndLatency50pct: measured.map((i) => i.endToEndLatencyP50),
    endToEndLatency99pct: measured.map((i) => i.endToEndLatencyP99),
    ...aggregated('PublishLatency', run.publishLatency, run.publishLatencySpectrum),
    ...(run.sendDelay === null ? {} : aggregated('PublishDelayLatency', run.sendDelay, [])),
    ...aggregated('EndToEndLatency', run.endToEndLatency, run.endToEndLatencySpectrum),
    samsa: {
      workload: w,
      broker: run.target,
      repetition: run.repetition,
      targetRate: run.targetRate,
      startedAt: run.startedAt,
      measuredSeconds: run.measuredSeconds,
      publishRateAvg: run.publishRate,
      publishMBsAvg: run.publishMBs,
      consumeRateAvg: run.consumeRate,
      consumeMBsAvg: run.consumeMBs,
      published: run.verification.acknowledged,
      consumed: run.verification.subscriptions.map((s) => s.received),
      verification: run.verification,
      brokerProcess: run.broker,
      loadGenerator: run.harness,
      intervals: run.intervals,
      errors: run.errors,
      histograms: run.histograms,
    },
  }
}

export interface Machine {
  readonly cpuModel: string
  readonly cores: number
  readonly loadAverage: readonly number[]
  readonly node: string
}

export function machine(): Machine {
  return { cpuModel: cpuModel(), cores: cpus().length, loadAverage: loadavg().map((l) => Math.round(l * 100) / 100), node: process.version }
}

/** Every figure side by side for two brokers, per workload. */
export function comparisons(runs: readonly RunResult[]): Array<Record<string, unknown>> {
  const result: Array<Record<string, unknown>> = []
  for (const group of groupRuns(runs)) {
    const labels = [...group.byTarget.keys()]
    if (labels.length !== 2) continue
    const [a, b] = labels as [string, string]
    const figures: Record<string, unknown> = {}
    for (const figure of FIGURES) {
      const first = meanOf(group.byTarget.get(a)!, figure)
      const second = meanOf(group.byTarget.get(b)!, figure)
      if (first === null && second === null) continue
      figures[figure.key] = { unit: figure.unit, [a]: first, [b]: second, ratio: ratioOf(first, second) }
    }
    result.push({ workload: group.workload.name, targetRate: group.targetRate, ratio: `${a} ÷ ${b}`, figures })
  }
  return result
}

export function summaryJson(runs: readonly RunResult[], info: { readonly command: string; readonly startedAt: string; readonly machineBefore: Machine }): Record<string, unknown> {
  return {
    tool: 'samsa-bench',
    format: 1,
    command: info.command,
    startedAt: info.startedAt,
    finishedAt: new Date().toISOString(),
    machine: { ...info.machineBefore, loadAverageAtEnd: machine().loadAverage },
    ok: runs.every((r) => r.verification.ok),
    runs: runs.map(runJson),
    comparisons: comparisons(runs),
  }
}
