/**
 * How well a worker thread of the load generator kept up with its own work, sampled alongside
 * its messages: event-loop delay and garbage-collection pauses. A producer thread that stalls
 * sends late (its send delay grows, and with it every latency measured from the schedule); a
 * consumer thread that stalls stamps receipt late (end-to-end latency grows). These figures
 * tell such a stall from the broker's.
 *
 * - Event-loop delay: a 1 ms interval timer records how much later than due it fired (µs), as
 *   perf_hooks.monitorEventLoopDelay does, but into a LatencyRecorder so the main thread can
 *   merge threads and intervals exactly. Node's timers tick in whole milliseconds, so delays up
 *   to 1 ms are the timer's own granularity; what matters is the tail. Cost: about a thousand
 *   timer callbacks a second, each a few µs.
 * - GC: every pause V8 reports (perf_hooks 'gc' entries: scavenges, mark-compacts, incremental
 *   steps), summed and the longest kept.
 *
 * Not thread-safe; one per thread.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks'
import { LatencyRecorder } from './latency-recorder.js'

const RESOLUTION_MS = 1

export interface ThreadHealthSample {
  /** Event-loop delay, µs, as LatencyRecorder.takeCounts pairs. */
  readonly loopDelay: Float64Array | null
  readonly loopDelayMaxMicros: number
  /** Sum of the GC pauses in the interval, µs. */
  readonly gcPauseMicros: number
  readonly gcMaxMicros: number
  readonly gcCount: number
}

export class ThreadHealth {
  readonly #loopDelay = new LatencyRecorder()
  #timer: NodeJS.Timeout | null = null
  #observer: PerformanceObserver | null = null
  #last = 0
  #gcPauseMicros = 0
  #gcMaxMicros = 0
  #gcCount = 0

  start(): void {
    if (this.#timer !== null) return
    this.#last = performance.now()
    this.#timer = setInterval(this.#tick, RESOLUTION_MS)
    // The thread must be free to exit when its work is done.
    this.#timer.unref()
    this.#observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const micros = entry.duration * 1000
        this.#gcPauseMicros += micros
        this.#gcCount++
        if (micros > this.#gcMaxMicros) this.#gcMaxMicros = micros
      }
    })
    this.#observer.observe({ entryTypes: ['gc'] })
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    this.#observer?.disconnect()
    this.#observer = null
  }

  /** What happened since the previous take. */
  take(): ThreadHealthSample {
    const loopDelayMaxMicros = this.#loopDelay.max
    const sample: ThreadHealthSample = {
      loopDelay: this.#loopDelay.takeCounts(),
      loopDelayMaxMicros,
      gcPauseMicros: this.#gcPauseMicros,
      gcMaxMicros: this.#gcMaxMicros,
      gcCount: this.#gcCount,
    }
    this.#gcPauseMicros = 0
    this.#gcMaxMicros = 0
    this.#gcCount = 0
    return sample
  }

  readonly #tick = (): void => {
    const now = performance.now()
    this.#loopDelay.record((now - this.#last - RESOLUTION_MS) * 1000)
    this.#last = now
  }
}
