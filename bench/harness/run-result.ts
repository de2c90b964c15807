/**
 * What one run of one workload against one broker measured: the shape run-workload.ts fills in
 * and the table, the JSON result and the HTML report read.
 *
 * Rates count the measurement window only (after warm-up, before the producers stop); latency
 * histograms take every message sent in that window, including those acknowledged or consumed
 * while the run winds down. Sizes are payload bytes (messages × message size), as OMB counts
 * MB/s. Latencies are milliseconds.
 */
import type { LatencySummary } from './histogram.js'
import type { Workload } from './workloads.js'

export interface RunTarget {
  /** How tables and charts name this broker, e.g. `samsa (embedded)` or `kafka 127.0.0.1:29092`. */
  readonly label: string
  readonly bootstrap: string
  /** The broker's local pid when its /proc can be read; null for a remote broker. */
  readonly pid: number | null
  readonly embedded: boolean
}

/** One collection interval (about a second). */
export interface IntervalSample {
  /** Seconds since the producers started, at the end of the interval. */
  readonly t: number
  readonly phase: 'warmup' | 'measure'
  readonly publishRate: number
  readonly publishMBs: number
  readonly consumeRate: number
  readonly consumeMBs: number
  /** Published minus consumed (per subscription, summed) so far. */
  readonly backlog: number
  readonly publishErrors: number
  readonly publishLatencyP50: number | null
  readonly publishLatencyP99: number | null
  readonly endToEndLatencyP50: number | null
  readonly endToEndLatencyP99: number | null
  /** The busiest producer and consumer thread's event-loop utilization (0-1). */
  readonly producerThreadBusy: number
  readonly consumerThreadBusy: number
  /** Cores the broker used in the interval (CPU seconds per second); null when not local. */
  readonly brokerCores: number | null
  readonly harnessCores: number
  /** Cores everything else on the machine used (other processes, kernel threads); null off Linux. */
  readonly otherCores: number | null
  /** MB/s of page cache the kernel wrote back to disk, machine-wide; null off Linux. */
  readonly writebackMBs: number | null
}

export interface CpuFigures {
  readonly cpuSeconds: number
  /** CPU seconds per wall second over the measurement window. */
  readonly cores: number
  /** Largest resident set size sampled during the run (file pages the process maps included). */
  readonly peakRssBytes: number
  /** Largest anonymous resident set sampled (heaps and buffers, no mapped file pages). */
  readonly peakRssAnonBytes: number
}

export interface LoadGeneratorFigures extends CpuFigures {
  /**
   * Mean over the measured intervals of the busiest producer thread's event-loop utilization
   * (0-1); near 1 means the producers, not the broker, were the limit.
   */
  readonly producerThreadBusy: number
  readonly consumerThreadBusy: number
  readonly producerThreads: ThreadHealthFigures
  readonly consumerThreads: ThreadHealthFigures
}

/**
 * How the load generator's threads of one role kept up while measuring (thread-health.ts): a
 * stalled producer thread sends late, a stalled consumer thread stamps receipt late.
 */
export interface ThreadHealthFigures {
  /** Event-loop delay of all the role's threads merged, ms (a 1 ms timer's lateness). */
  readonly loopDelay: LatencySummary
  /** Share of the measured time (0-1) the thread with the most GC spent in GC pauses. */
  readonly gcShare: number
  /** The longest single GC pause in any of the role's threads, ms. */
  readonly gcMaxMs: number
}

export interface BrokerCpuFigures extends CpuFigures {
  /** Broker CPU seconds per GB (10^9 bytes) of payload published plus consumed. */
  readonly cpuSecondsPerGB: number
  /** The process's VmHWM: its peak resident set since it started (it may predate the run). */
  readonly lifetimePeakRssBytes: number
}

export interface SubscriptionCheck {
  readonly subscription: number
  /** Messages the log gained during the run (end offset minus start offset, summed). */
  readonly expected: number
  readonly received: number
  readonly missing: number
  readonly duplicates: number
  /** Partitions whose consumer did not reach the end offset in time. */
  readonly partitionsBehind: number
}

export interface Verification {
  /** Messages the producers saw acknowledged over the whole run (warm-up included). */
  readonly acknowledged: number
  readonly failedSends: number
  /** Messages appended to the run's partitions (end minus start offsets). */
  readonly appended: number
  readonly subscriptions: readonly SubscriptionCheck[]
  /** Records that carried LOG_APPEND_TIME timestamps (no end-to-end latency for them). */
  readonly logAppendTimeRecords: number
  readonly ok: boolean
  /** What did not add up, in words. */
  readonly problems: readonly string[]
}

export interface RunResult {
  readonly workload: Workload
  readonly target: RunTarget
  readonly repetition: number
  /** The total producer rate asked for (msg/s); null for max rate. */
  readonly targetRate: number | null
  readonly startedAt: string
  readonly measuredSeconds: number
  readonly intervals: readonly IntervalSample[]
  readonly publishRate: number
  readonly publishMBs: number
  readonly consumeRate: number
  readonly consumeMBs: number
  readonly publishLatency: LatencySummary
  readonly endToEndLatency: LatencySummary
  /** Fixed rate only: how late messages left against their schedule. */
  readonly sendDelay: LatencySummary | null
  readonly publishLatencySpectrum: ReadonlyArray<readonly [number, number]>
  readonly endToEndLatencySpectrum: ReadonlyArray<readonly [number, number]>
  /** HdrHistogram compressed base64 (values in µs), for anyone who wants to re-analyse. */
  readonly histograms: { readonly publishLatency: string | null; readonly endToEndLatency: string | null; readonly sendDelay: string | null }
  readonly harness: LoadGeneratorFigures
  readonly broker: BrokerCpuFigures | null
  /**
   * Cores everything but the broker and the load generator used while measuring (other
   * processes, the kernel's threads such as page-cache writeback): how shared the machine was.
   * Includes the broker when it is local but its pid is unknown. Null off Linux.
   */
  readonly otherProcessesCores: number | null
  /**
   * MB/s of page cache the kernel wrote back to disk while measuring, machine-wide. A broker's
   * appends land in the page cache; the kernel writes them back in bursts (after 30 s, or past
   * the dirty-memory threshold), and a write that meets a burst can block. Null off Linux.
   */
  readonly writebackMBs: number | null
  readonly verification: Verification
  /** The first errors producers or consumers reported, if any. */
  readonly errors: readonly string[]
}
