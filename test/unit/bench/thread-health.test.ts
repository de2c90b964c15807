import { describe, expect, it } from 'vitest'
import { newHistogram, addCounts } from '../../../bench/harness/histogram.js'
import { ThreadHealth } from '../../../bench/harness/thread-health.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('ThreadHealth', () => {
  it('sees a blocked event loop as event-loop delay at least as long as the block', async () => {
    const health = new ThreadHealth()
    health.start()
    try {
      await sleep(20)
      const until = performance.now() + 40
      while (performance.now() < until) {
        // The timer cannot fire while this runs.
      }
      await sleep(10)
      const sample = health.take()
      expect(sample.loopDelayMaxMicros).toBeGreaterThanOrEqual(35_000)
      const histogram = newHistogram()
      addCounts(histogram, sample.loopDelay)
      expect(histogram.totalCount).toBeGreaterThan(1)
      expect(histogram.maxValue).toBeGreaterThanOrEqual(35_000 * 0.999)
      // Taking resets: the next sample starts from nothing.
      expect(health.take().loopDelayMaxMicros).toBeLessThan(35_000)
    } finally {
      health.stop()
    }
  })

  it('counts garbage-collection pauses', async () => {
    const health = new ThreadHealth()
    health.start()
    try {
      let keep: unknown[] = []
      for (let round = 0; round < 200; round++) {
        keep = Array.from({ length: 10_000 }, (_, i) => ({ i, round }))
        await Promise.resolve()
      }
      expect(keep.length).toBe(10_000)
      // GC entries reach observers asynchronously.
      await sleep(20)
      const sample = health.take()
      expect(sample.gcCount).toBeGreaterThan(0)
      expect(sample.gcPauseMicros).toBeGreaterThan(0)
      expect(sample.gcMaxMicros).toBeLessThanOrEqual(sample.gcPauseMicros)
    } finally {
      health.stop()
    }
  })
})
