/**
 * The harness records a latency per message on its hot path: its own HdrHistogram-layout
 * recorder against hdr-histogram-js's recordValue (pure-JS mode), the reason the recorder exists.
 * Both must agree on the percentiles before anything is timed.
 */
import * as hdr from 'hdr-histogram-js'
import { LatencyRecorder, MAX_RECORDABLE_MICROS } from '../../harness/latency-recorder.js'
import { type Case, check, runCases } from '../protocol/bench-util.js'

const values = Float64Array.from({ length: 4096 }, (_, i) => Math.floor(10 ** (((i * 7919) % 4096) / 700)))
const recorder = new LatencyRecorder()
const histogram = hdr.build({ bitBucketSize: 64, lowestDiscernibleValue: 1, highestTrackableValue: MAX_RECORDABLE_MICROS, numberOfSignificantValueDigits: 3 })
for (const v of values) {
  recorder.record(v)
  histogram.recordValue(v)
}
const ours = recorder.toHistogram()
for (const p of [50, 90, 99, 99.9, 100]) check(ours.getValueAtPercentile(p) === histogram.getValueAtPercentile(p), `p${p} agrees with hdr-histogram-js`)

const cases: Case[] = [
  { name: 'LatencyRecorder.record, 4096 values', fn: () => { for (let i = 0; i < values.length; i++) recorder.record(values[i]!) }, items: values.length, unit: 'values' },
  { name: 'hdr-histogram-js recordValue, 4096 values', fn: () => { for (let i = 0; i < values.length; i++) histogram.recordValue(values[i]!) }, items: values.length, unit: 'values' },
]
runCases('latency recording', cases)
