/**
 * Synthetic runs for the report tests: two brokers, one workload, a second of samples each,
 * latencies drawn into real histograms so spectra and summaries look like a real run's.
 */
import { encode, percentileSpectrum, summarize } from '../../../bench/harness/histogram.js'
import { LatencyRecorder } from '../../../bench/harness/latency-recorder.js'
import { seededRandom } from '../../../bench/harness/payloads.js'
import type { IntervalSample, RunResult } from '../../../bench/harness/run-result.js'
import { presetNamed } from '../../../bench/harness/workloads.js'

function latencies(seed: number, scaleMicros: number): LatencyRecorder {
  const random = seededRandom(seed)
  const recorder = new LatencyRecorder()
  // A lognormal-ish body with a long tail.
  for (let i = 0; i < 20_000; i++) recorder.record(scaleMicros * Math.exp(random() * 1.5 + (random() < 0.01 ? random() * 3 : 0)))
  return recorder
}

export function syntheticRun(label: string, seed: number, rate: number): RunResult {
  const workload = presetNamed('small-records')
  const publish = latencies(seed, 800)
  const e2e = latencies(seed + 1, 1200)
  const intervals: IntervalSample[] = Array.from({ length: 12 }, (_, i) => ({
    t: i + 1,
    phase: i < 2 ? 'warmup' : 'measure',
    publishRate: rate * (0.9 + 0.02 * (i % 5)),
    publishMBs: (rate * 100) / 1e6,
    consumeRate: rate * (0.88 + 0.02 * ((i + 2) % 5)),
    consumeMBs: (rate * 100) / 1e6,
    backlog: 1000 + i,
    publishErrors: 0,
    publishLatencyP50: 1 + (i % 3) * 0.1,
    publishLatencyP99: 3 + (i % 4) * 0.5,
    endToEndLatencyP50: 1.5,
    endToEndLatencyP99: 4 + (i % 3),
    brokerCores: 0.6,
    harnessCores: 0.9,
    otherCores: 0.05,
    writebackMBs: i === 8 ? 900 : 0,
    producerThreadBusy: 0.5,
    consumerThreadBusy: 0.3,
  }))
  const publishHistogram = publish.toHistogram()
  const e2eHistogram = e2e.toHistogram()
  return {
    workload,
    target: { label, bootstrap: '127.0.0.1:9092', pid: 1234, embedded: label.startsWith('samsa') },
    repetition: 1,
    targetRate: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    measuredSeconds: 10,
    intervals,
    publishRate: rate,
    publishMBs: (rate * 100) / 1e6,
    consumeRate: rate * 0.99,
    consumeMBs: (rate * 99) / 1e6,
    publishLatency: summarize(publishHistogram, publish.max),
    endToEndLatency: summarize(e2eHistogram, e2e.max),
    sendDelay: null,
    publishLatencySpectrum: percentileSpectrum(publishHistogram),
    endToEndLatencySpectrum: percentileSpectrum(e2eHistogram),
    histograms: { publishLatency: encode(publishHistogram), endToEndLatency: encode(e2eHistogram), sendDelay: null },
    harness: { cpuSeconds: 9, cores: 0.9, peakRssBytes: 200 * 1024 * 1024, peakRssAnonBytes: 150 * 1024 * 1024, producerThreadBusy: 0.5,
      consumerThreadBusy: 0.3,
      producerThreads: { loopDelay: summarize(latencies(seed + 2, 300).toHistogram()), gcShare: 0.004, gcMaxMs: 1.2 },
      consumerThreads: { loopDelay: summarize(latencies(seed + 3, 250).toHistogram()), gcShare: 0.002, gcMaxMs: 0.8 },
    },
    broker: { cpuSeconds: 6, cores: 0.6, cpuSecondsPerGB: 3.1, peakRssBytes: 300 * 1024 * 1024, peakRssAnonBytes: 120 * 1024 * 1024, lifetimePeakRssBytes: 310 * 1024 * 1024 },
    otherProcessesCores: 0.05,
    writebackMBs: 90,
    verification: { acknowledged: rate * 12, failedSends: 0, appended: rate * 12, subscriptions: [{ subscription: 0, expected: rate * 12, received: rate * 12, missing: 0, duplicates: 0, partitionsBehind: 0 }], logAppendTimeRecords: 0, ok: true, problems: [] },
    errors: [],
  }
}

export const CHART_KEYS = ['publish-rate', 'consume-rate', 'publish-latency', 'end-to-end-latency', 'latency-over-time', 'cpu'] as const
