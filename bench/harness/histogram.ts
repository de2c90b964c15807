/**
 * Latency histograms on the main thread: HdrHistogram (hdr-histogram-js, pure-JS mode) built
 * from the bucket counts the worker threads send (latency-recorder.ts), merged, summarized in
 * milliseconds at the quantiles OpenMessaging Benchmark reports, and encoded in HdrHistogram's
 * compressed base64 interchange format for the JSON result.
 *
 * Values inside histograms are microseconds; everything this module returns is milliseconds.
 */
import * as hdr from 'hdr-histogram-js'
import { addCountPairs, emptyHistogram } from './latency-recorder.js'

export type Histogram = hdr.Histogram

/** Percentiles of the summary table and the JSON's aggregated quantiles (OMB reports these). */
export const REPORTED_PERCENTILES = [50, 75, 95, 99, 99.9, 99.99] as const

export interface LatencySummary {
  /** Values recorded. */
  readonly count: number
  readonly avg: number
  readonly p50: number
  readonly p75: number
  readonly p95: number
  readonly p99: number
  readonly p999: number
  readonly p9999: number
  readonly max: number
}

export function newHistogram(): Histogram {
  return emptyHistogram()
}

/** Adds a worker's counts (LatencyRecorder.takeCounts) into `target`. */
export function addCounts(target: Histogram, counts: Float64Array | null | undefined): void {
  addCountPairs(target, counts)
}

export function encode(histogram: Histogram): string | null {
  return histogram.totalCount === 0 ? null : hdr.encodeIntoCompressedBase64(histogram)
}

export function decode(encoded: string): Histogram {
  const histogram = emptyHistogram()
  histogram.add(hdr.decodeFromCompressedBase64(encoded, 64))
  return histogram
}

const ms = (micros: number): number => micros / 1000

/**
 * Summary in milliseconds. `exactMaxMicros` (tracked beside the histogram) replaces the
 * histogram's max, which is only good to 3 significant digits.
 */
export function summarize(histogram: Histogram, exactMaxMicros?: number): LatencySummary {
  if (histogram.totalCount === 0) return { count: 0, avg: 0, p50: 0, p75: 0, p95: 0, p99: 0, p999: 0, p9999: 0, max: 0 }
  return {
    count: histogram.totalCount,
    avg: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p75: ms(histogram.getValueAtPercentile(75)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    p9999: ms(histogram.getValueAtPercentile(99.99)),
    max: ms(exactMaxMicros ?? histogram.getValueAtPercentile(100)),
  }
}

/**
 * The latency at percentiles spread the way HdrHistogram plots them (ever closer to 100), in
 * milliseconds: `[percentile, latency]` pairs, for the JSON's quantile map and the HTML chart.
 */
export function percentileSpectrum(histogram: Histogram): Array<[number, number]> {
  if (histogram.totalCount === 0) return []
  const points: Array<[number, number]> = []
  for (const p of [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90]) points.push([p, ms(histogram.getValueAtPercentile(p))])
  // Each step halves the distance to 100: 95, 97.5, 98.75, ... down to what the count resolves.
  for (let remaining = 10; remaining >= 100 / histogram.totalCount && remaining > 0.0005; remaining /= 2) {
    const p = 100 - remaining / 2
    points.push([p, ms(histogram.getValueAtPercentile(p))])
  }
  points.push([100, ms(histogram.getValueAtPercentile(100))])
  return points
}
