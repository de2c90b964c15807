import * as hdr from 'hdr-histogram-js'
import { describe, expect, it } from 'vitest'
import { LatencyRecorder, MAX_RECORDABLE_MICROS, countsIndexOf, valueAtIndex } from '../../../bench/harness/latency-recorder.js'
import { addCounts, newHistogram, percentileSpectrum, summarize } from '../../../bench/harness/histogram.js'
import { seededRandom } from '../../../bench/harness/payloads.js'

/** Values spread over six decades, as latencies in µs are. */
function sampleValues(count: number, seed: number): number[] {
  const random = seededRandom(seed)
  return Array.from({ length: count }, () => Math.floor(10 ** (random() * 7)))
}

describe('LatencyRecorder', () => {
  it('puts every value in the bucket HdrHistogram uses, so percentiles equal recording the raw values', () => {
    const values = sampleValues(50_000, 1)
    const recorder = new LatencyRecorder()
    const reference = hdr.build({ bitBucketSize: 64, lowestDiscernibleValue: 1, highestTrackableValue: MAX_RECORDABLE_MICROS, numberOfSignificantValueDigits: 3 })
    for (const v of values) {
      recorder.record(v)
      reference.recordValue(v)
    }
    const ours = recorder.toHistogram()
    expect(ours.totalCount).toBe(values.length)
    for (const p of [0, 10, 50, 90, 99, 99.9, 99.99, 100]) expect(ours.getValueAtPercentile(p)).toBe(reference.getValueAtPercentile(p))
  })

  it('maps each counts index back to the lowest value of its bucket', () => {
    for (const v of [0, 1, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 100_000, 2 ** 31, MAX_RECORDABLE_MICROS]) {
      const low = valueAtIndex(countsIndexOf(v))
      expect(low).toBeLessThanOrEqual(v)
      expect(countsIndexOf(low)).toBe(countsIndexOf(v))
      // 3 significant digits: the bucket's lowest value is within 0.1% of the value.
      expect(v - low).toBeLessThanOrEqual(Math.max(0, v / 1000))
    }
  })

  it('keeps the exact maximum, counts many at once, clamps what is out of range, and resets', () => {
    const recorder = new LatencyRecorder()
    recorder.recordMany(1500.4, 10)
    recorder.record(123_457)
    recorder.record(-5)
    expect(recorder.count).toBe(12)
    expect(recorder.max).toBe(123_457)
    recorder.record(MAX_RECORDABLE_MICROS * 4)
    expect(recorder.clamped).toBe(1)
    expect(recorder.max).toBe(MAX_RECORDABLE_MICROS)
    recorder.reset()
    expect(recorder.count).toBe(0)
    expect(recorder.takeCounts()).toBeNull()
  })

  it('merges what several threads handed over into one histogram with every count', () => {
    const a = new LatencyRecorder()
    const b = new LatencyRecorder()
    const all = new LatencyRecorder()
    sampleValues(10_000, 2).forEach((v, i) => {
      ;(i % 3 === 0 ? a : b).record(v)
      all.record(v)
    })
    const merged = newHistogram()
    addCounts(merged, a.takeCounts())
    addCounts(merged, b.takeCounts())
    addCounts(merged, null)
    const whole = all.toHistogram()
    expect(merged.totalCount).toBe(10_000)
    expect(a.count).toBe(0)
    expect(a.max).toBe(0)
    expect(a.takeCounts()).toBeNull()
    for (const p of [50, 99, 99.9]) expect(merged.getValueAtPercentile(p)).toBe(whole.getValueAtPercentile(p))
  })
})

describe('latency summaries', () => {
  it('reports milliseconds at OMB percentiles with the exact maximum when given', () => {
    const recorder = new LatencyRecorder()
    for (let i = 1; i <= 1000; i++) recorder.record(i * 1000)
    const summary = summarize(recorder.toHistogram(), 1_000_000)
    expect(summary.count).toBe(1000)
    expect(summary.p50).toBeCloseTo(500, 0)
    expect(summary.p99).toBeCloseTo(990, 0)
    expect(summary.max).toBe(1000)
    expect(summarize(newHistogram()).count).toBe(0)
  })

  it('gives a spectrum that rises with the percentile and ends at the maximum', () => {
    const recorder = new LatencyRecorder()
    sampleValues(100_000, 3).forEach((v) => recorder.record(v))
    const spectrum = percentileSpectrum(recorder.toHistogram())
    expect(spectrum[0]![0]).toBe(0)
    expect(spectrum[spectrum.length - 1]![0]).toBe(100)
    expect(spectrum.some(([p]) => p >= 99.99)).toBe(true)
    for (let i = 1; i < spectrum.length; i++) {
      expect(spectrum[i]![0]).toBeGreaterThan(spectrum[i - 1]![0])
      expect(spectrum[i]![1]).toBeGreaterThanOrEqual(spectrum[i - 1]![1])
    }
  })
})
