/**
 * The load generator's hot-path latency recorder: integer microseconds into HdrHistogram's own
 * bucket layout (lowest discernible value 1 µs, 3 significant digits, values up to 2^32 - 1 µs,
 * about 71 minutes), as a plain counts array.
 *
 * Why not record straight into hdr-histogram-js: its `recordValue` costs 50-250 ns per value
 * (Node 20, pure-JS mode; `npm run bench:micro -- harness`: 20 M values/s against 153 M/s for
 * this recorder, machine under load), which at a million records a second would be up to a
 * fifth of a core spent on bookkeeping. This layout needs one `Math.clz32` and a shift. Because the layout is the same, `toHistogram()` hands the counts to
 * hdr-histogram-js without losing anything: every bucket's lowest value falls back into the same
 * bucket there, so its percentiles are exactly those of recording the raw values.
 *
 * Workers hand over their counts as (index, count) pairs of the buckets in use, and the main
 * thread merges them into hdr-histogram-js histograms (histogram.ts): a few hundred numbers a
 * second instead of HdrHistogram's compressed encoding, which cost a worker 1-2 ms of its event
 * loop per histogram per sample (and a producer thread keeps three). Not thread-safe; one per
 * thread.
 */
import * as hdr from 'hdr-histogram-js'

/** 2^11 sub-buckets: the smallest power of two ≥ 2 × 10^3, for 3 significant digits. */
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE
const SUB_BUCKET_MASK = (SUB_BUCKET_HALF_COUNT << 1) - 1
/** Buckets needed for values below 2^32: bucket index 0..21, plus one half-bucket row. */
const COUNTS_LENGTH = (21 + 2) << SUB_BUCKET_HALF_COUNT_MAGNITUDE
/** The largest value recorded as itself; larger ones are clamped (and counted in `clamped`). */
export const MAX_RECORDABLE_MICROS = 0xffff_ffff
export const SIGNIFICANT_DIGITS = 3

/** HdrHistogram's counts index of an integer value in [0, 2^32). */
export function countsIndexOf(value: number): number {
  const bucketIndex = 21 - Math.clz32(value | SUB_BUCKET_MASK)
  const subBucketIndex = value >>> bucketIndex
  return ((bucketIndex + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + subBucketIndex - SUB_BUCKET_HALF_COUNT
}

/** The lowest value that lands in counts index `index`. */
export function valueAtIndex(index: number): number {
  let bucketIndex = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1
  let subBucketIndex = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT
  if (bucketIndex < 0) {
    subBucketIndex -= SUB_BUCKET_HALF_COUNT
    bucketIndex = 0
  }
  // A multiplication, not a shift: bucket 21 values pass 2^31.
  return subBucketIndex * 2 ** bucketIndex
}

/** Builds an empty hdr-histogram-js histogram with the layout the recorder uses. */
export function emptyHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_RECORDABLE_MICROS,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
  })
}

export class LatencyRecorder {
  readonly #counts = new Float64Array(COUNTS_LENGTH)
  #total = 0
  #clamped = 0
  #max = 0

  /** Records one latency in microseconds (rounded; negative counts as 0, beyond ~71 min is clamped). */
  record(micros: number): void {
    this.recordMany(micros, 1)
  }

  /** Records `count` occurrences of one latency. */
  recordMany(micros: number, count: number): void {
    let value = Math.round(micros)
    if (!(value >= 0)) value = 0
    if (value > MAX_RECORDABLE_MICROS) {
      value = MAX_RECORDABLE_MICROS
      this.#clamped += count
    }
    this.#counts[countsIndexOf(value)]! += count
    this.#total += count
    if (value > this.#max) this.#max = value
  }

  /** Values recorded since the last reset. */
  get count(): number {
    return this.#total
  }

  /** Values that were above the recordable range and stand at its maximum instead. */
  get clamped(): number {
    return this.#clamped
  }

  /** The largest value recorded since the last reset, exactly (the histogram keeps 3 digits). */
  get max(): number {
    return this.#max
  }

  reset(): void {
    if (this.#total === 0) return
    this.#counts.fill(0)
    this.#total = 0
    this.#clamped = 0
    this.#max = 0
  }

  /** The counts as an hdr-histogram-js histogram (values in µs). */
  toHistogram(): hdr.Histogram {
    const histogram = emptyHistogram()
    const counts = this.#counts
    for (let i = 0; i < counts.length; i++) {
      const count = counts[i]!
      if (count !== 0) histogram.recordValueWithCount(valueAtIndex(i), count)
    }
    return histogram
  }

  /**
   * What was recorded since the last take, as (counts index, count) pairs of the buckets in use,
   * then a reset; null when nothing was. `addCounts` (histogram.ts) merges them.
   */
  takeCounts(): Float64Array | null {
    if (this.#total === 0) return null
    const counts = this.#counts
    let used = 0
    for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) used++
    const pairs = new Float64Array(used * 2)
    for (let i = 0, at = 0; i < counts.length; i++) {
      const count = counts[i]!
      if (count === 0) continue
      pairs[at++] = i
      pairs[at++] = count
      counts[i] = 0
    }
    this.#total = 0
    this.#clamped = 0
    this.#max = 0
    return pairs
  }
}

/** Adds what `LatencyRecorder.takeCounts` returned to an hdr-histogram-js histogram. */
export function addCountPairs(histogram: hdr.Histogram, pairs: Float64Array | null | undefined): void {
  if (pairs === null || pairs === undefined) return
  for (let i = 0; i + 1 < pairs.length; i += 2) histogram.recordValueWithCount(valueAtIndex(pairs[i]!), pairs[i + 1]!)
}
