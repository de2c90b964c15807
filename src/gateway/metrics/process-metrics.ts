/**
 * Node process metrics under the names prom-client gives them, so the Node.js dashboards that
 * exist for prom-client read them unchanged: CPU seconds, resident memory, heap, open file
 * descriptors, event-loop delay (perf_hooks.monitorEventLoopDelay, a histogram sampled in C++
 * every 10 ms, reset after each scrape as prom-client does; like prom-client's, its values include
 * the 10 ms sampling interval, so an idle loop reads about 0.010 s) and garbage-collection pauses (a
 * PerformanceObserver on 'gc', one entry per collection, counted into fixed buckets).
 *
 * One instance per gateway (two brokers in one process each have their own); `close` stops the
 * sampler and the observer.
 */
import { readdirSync } from 'node:fs'
import { type IntervalHistogram, PerformanceObserver, constants as perfConstants, monitorEventLoopDelay } from 'node:perf_hooks'
import type { Exposition } from './exposition.js'

/** prom-client's GC buckets, in seconds. */
const GC_BUCKETS_S: readonly number[] = Object.freeze([0.001, 0.01, 0.1, 1, 2, 5])

const GC_KINDS: ReadonlyArray<readonly [number, string]> = [
  [perfConstants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]

interface GcKindStats {
  readonly kind: string
  readonly buckets: Float64Array
  sumSeconds: number
}

export class ProcessMetrics {
  readonly #eventLoop: IntervalHistogram
  readonly #gcObserver: PerformanceObserver
  readonly #gc = new Map<number, GcKindStats>()
  readonly #startTimeSeconds = Math.round((Date.now() - process.uptime() * 1000) / 1000)

  constructor() {
    this.#eventLoop = monitorEventLoopDelay({ resolution: 10 })
    this.#eventLoop.enable()
    for (const [flag, kind] of GC_KINDS) this.#gc.set(flag, { kind, buckets: new Float64Array(GC_BUCKETS_S.length + 1), sumSeconds: 0 })
    this.#gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const stats = this.#gc.get((entry as { detail?: { kind?: number } }).detail?.kind ?? -1)
        if (stats === undefined) continue
        const seconds = entry.duration / 1000
        let i = 0
        while (i < GC_BUCKETS_S.length && seconds > GC_BUCKETS_S[i]!) i++
        stats.buckets[i]!++
        stats.sumSeconds += seconds
      }
    })
    this.#gcObserver.observe({ entryTypes: ['gc'] })
  }

  /** Writes the process families into `out`, then starts a new event-loop delay window. */
  write(out: Exposition): void {
    const cpu = process.cpuUsage()
    const memory = process.memoryUsage()
    out.family('process_cpu_user_seconds_total', 'counter', 'Total user CPU time spent in seconds.').add('', cpu.user / 1e6)
    out.family('process_cpu_system_seconds_total', 'counter', 'Total system CPU time spent in seconds.').add('', cpu.system / 1e6)
    out.family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.').add('', (cpu.user + cpu.system) / 1e6)
    out.family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.').add('', this.#startTimeSeconds)
    out.family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.').add('', memory.rss)
    const fds = openFileDescriptors()
    if (fds !== undefined) out.family('process_open_fds', 'gauge', 'Number of open file descriptors.').add('', fds)
    out.family('nodejs_heap_size_total_bytes', 'gauge', 'Process heap size from Node.js in bytes.').add('', memory.heapTotal)
    out.family('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.').add('', memory.heapUsed)
    out.family('nodejs_external_memory_bytes', 'gauge', 'Node.js external memory size in bytes.').add('', memory.external)

    const loop = this.#eventLoop
    // Before the first 10 ms sample the histogram is empty and reports NaN/huge values: say 0.
    const sampled = loop.count > 0
    const seconds = (ns: number): number => (sampled ? ns / 1e9 : 0)
    out.family('nodejs_eventloop_lag_min_seconds', 'gauge', 'The minimum recorded event loop delay.').add('', seconds(loop.min))
    out.family('nodejs_eventloop_lag_max_seconds', 'gauge', 'The maximum recorded event loop delay.').add('', seconds(loop.max))
    out.family('nodejs_eventloop_lag_mean_seconds', 'gauge', 'The mean of the recorded event loop delays.').add('', seconds(loop.mean))
    out.family('nodejs_eventloop_lag_stddev_seconds', 'gauge', 'The standard deviation of the recorded event loop delays.').add('', seconds(loop.stddev))
    out.family('nodejs_eventloop_lag_p50_seconds', 'gauge', 'The 50th percentile of the recorded event loop delays.').add('', seconds(loop.percentile(50)))
    out.family('nodejs_eventloop_lag_p90_seconds', 'gauge', 'The 90th percentile of the recorded event loop delays.').add('', seconds(loop.percentile(90)))
    out.family('nodejs_eventloop_lag_p99_seconds', 'gauge', 'The 99th percentile of the recorded event loop delays.').add('', seconds(loop.percentile(99)))
    loop.reset()

    const gc = out.family('nodejs_gc_duration_seconds', 'histogram', 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.')
    for (const stats of this.#gc.values()) gc.addHistogram(`kind="${stats.kind}"`, GC_BUCKETS_S, stats.buckets, stats.sumSeconds)
  }

  close(): void {
    this.#eventLoop.disable()
    this.#gcObserver.disconnect()
  }
}

/** Open file descriptors (Linux: the entries of /proc/self/fd), or undefined elsewhere. */
function openFileDescriptors(): number | undefined {
  try {
    // The listing's own descriptor is among the entries.
    return readdirSync('/proc/self/fd').length - 1
  } catch {
    return undefined
  }
}
