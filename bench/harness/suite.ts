/**
 * The order of runs in one invocation. Workloads run in the order given; with two brokers each
 * workload runs on the first, then the second (A, B, A, B with repetitions), so slow drifts of
 * the machine fall on both. A workload whose rate is a share of the maximum takes that maximum
 * from the max-rate runs of the same shape earlier in the suite (running one first if there is
 * none); with two brokers, from the lower of their two maxima, so that both get the same fixed
 * rate and both can sustain it. Before each run the machine's dirty page cache is flushed, so
 * runs do not inherit each other's disk writeback.
 */
import { execFile } from 'node:child_process'
import { parseHostPort } from '../../src/client/cluster.js'
import { EmbeddedBroker } from './embedded-broker.js'
import type { HarnessOptions, TargetSpec } from './options.js'
import { findListeningPid, isLocalHost } from './proc-stats.js'
import type { Progress } from './progress.js'
import type { RunResult, RunTarget } from './run-result.js'
import { runWorkload } from './run-workload.js'
import { type Workload, describeRate, sameShape } from './workloads.js'

export const EMBEDDED_LABEL = 'samsa (embedded)'

/** A broker given by address: its label, and its pid when it listens on this machine. */
export function externalTarget(spec: TargetSpec): RunTarget {
  const address = spec.bootstrap!
  const { host, port } = parseHostPort(address)
  const pid = spec.pid ?? (isLocalHost(host) ? findListeningPid(port) : null)
  return { label: spec.label ?? address, bootstrap: address, pid, embedded: false }
}

/**
 * Writes the machine's dirty page cache to disk (sync(1)) before a run, so that one run's
 * leftovers (a stopped broker's segments, a deleted topic's files) are not written back during
 * the next and stall its broker's writes. Best effort: a machine without sync(1) just goes on.
 */
function flushPageCache(): Promise<void> {
  return new Promise((resolve) => execFile('sync', { timeout: 120_000 }, () => resolve()))
}

export async function runSuite(options: HarnessOptions, progress: Progress, onRun: (run: RunResult) => void = () => {}): Promise<RunResult[]> {
  const results: RunResult[] = []
  const externals = options.targets.map((spec) => (spec.bootstrap === null ? null : externalTarget(spec)))
  for (const [i, target] of externals.entries()) {
    if (target === null) continue
    progress.note(`broker ${i === 0 ? 'A' : 'B'}: ${target.label} at ${target.bootstrap}${target.pid === null ? ' (not local: no CPU or memory figures)' : ` (pid ${target.pid}: CPU and memory from /proc)`}`)
  }

  const runOne = async (index: number, workload: Workload, rate: number | null, repetition: number): Promise<void> => {
    const spec = options.targets[index]!
    await flushPageCache()
    const embedded = spec.bootstrap === null ? await EmbeddedBroker.start(options.brokerSettings) : null
    try {
      const target: RunTarget = embedded === null ? externals[index]! : { label: spec.label ?? EMBEDDED_LABEL, bootstrap: embedded.bootstrap, pid: embedded.pid, embedded: true }
      const producers = workload.topics * workload.producersPerTopic
      const consumers = workload.topics * workload.subscriptionsPerTopic * workload.consumerPerSubscription
      const rateText = rate === null ? 'max rate' : `${Math.round(rate).toLocaleString('en-US')} msg/s`
      progress.note(`▶ ${workload.name} (${rateText}) on ${target.label}${options.repetitions > 1 ? `, run ${repetition} of ${options.repetitions}` : ''}`)
      const label = `${workload.name} · ${target.label}`
      const result = await runWorkload(target, workload, {
        messagesPerSecond: rate,
        repetition,
        producerThreads: options.producerThreads ?? Math.min(producers, 2),
        consumerThreads: options.consumerThreads ?? Math.min(consumers, 2),
        replicationFactor: options.replicationFactor,
        deleteTopics: embedded === null && !options.keepTopics,
        onInterval: (sample, elapsed, total) => progress.update(label, sample, elapsed, total),
      })
      progress.end()
      results.push(result)
      onRun(result)
    } catch (error) {
      progress.end()
      if (embedded !== null) (error as Error).message += `\nbroker output:\n${embedded.recentOutput}`
      throw error
    } finally {
      await embedded?.stop()
    }
  }

  const runAll = async (workload: Workload, rate: number | null): Promise<RunResult[]> => {
    const before = results.length
    for (let repetition = 1; repetition <= options.repetitions; repetition++) {
      for (let index = 0; index < options.targets.length; index++) await runOne(index, workload, rate, repetition)
    }
    return results.slice(before)
  }

  for (const workload of options.workloads) {
    const producerRate = workload.producerRate
    if (producerRate.kind === 'max') await runAll(workload, null)
    else if (producerRate.kind === 'fixed') await runAll(workload, producerRate.messagesPerSecond)
    else {
      let base = results.filter((r) => r.targetRate === null && sameShape(r.workload, workload))
      if (base.length === 0) {
        progress.note(`${workload.name} runs at ${describeRate(producerRate)}: measuring the maximum first`)
        base = await runAll({ ...workload, name: `${workload.name}-max`, description: `the maximum rate ${workload.name} takes its share of`, producerRate: { kind: 'max' } }, null)
      }
      const maxima = [...new Set(base.map((r) => r.target.label))].map((label) => {
        const runs = base.filter((r) => r.target.label === label)
        return runs.reduce((sum, r) => sum + r.publishRate, 0) / runs.length
      })
      const rate = producerRate.fraction * Math.min(...maxima)
      if (!(rate > 0)) throw new Error(`${workload.name}: the max-rate run published nothing, so there is no rate to take ${describeRate(producerRate)} of`)
      await runAll(workload, rate)
    }
  }
  return results
}
