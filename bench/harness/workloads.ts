/**
 * Workloads in OpenMessaging Benchmark's vocabulary (topics, partitionsPerTopic, messageSize,
 * producersPerTopic, subscriptionsPerTopic, consumerPerSubscription, producerRate, keyDistributor,
 * testDuration, warmupDuration) plus the producer settings that decide what a run measures
 * (acks, compression, batch.size, linger.ms, in-flight requests), and the named presets.
 *
 * A producer rate is `max` (as fast as acknowledgements allow), a fixed number of messages per
 * second, or a fraction of the maximum that an earlier `max` run of the same workload measured
 * in this suite (the way "latency at half the maximum rate" is asked for).
 */
import { SamsaError, ErrorCodes } from '../../src/common/errors.js'

export type ProducerRate =
  | { readonly kind: 'max' }
  | { readonly kind: 'fixed'; readonly messagesPerSecond: number }
  | { readonly kind: 'fraction-of-max'; readonly fraction: number }

/** OMB's key distributors: no key, keys taken in turn from a set, a random key per message. */
export const keyDistributors = ['none', 'round-robin', 'random'] as const
export type KeyDistributor = (typeof keyDistributors)[number]

export const compressionNames = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
export type CompressionName = (typeof compressionNames)[number]

export type Acks = -1 | 0 | 1

export interface Workload {
  readonly name: string
  readonly description: string
  readonly topics: number
  readonly partitionsPerTopic: number
  /** Payload bytes per message (the record value). */
  readonly messageSize: number
  readonly producersPerTopic: number
  readonly subscriptionsPerTopic: number
  readonly consumerPerSubscription: number
  readonly producerRate: ProducerRate
  readonly acks: Acks
  readonly compression: CompressionName
  readonly keyDistributor: KeyDistributor
  /** Share of each payload that is random bytes; the rest repeats a text, so codecs have work. */
  readonly randomBytesRatio: number
  readonly durationSeconds: number
  readonly warmupSeconds: number
  /** Producer batch.size in bytes. */
  readonly batchSize: number
  readonly lingerMs: number
  /** Produce requests in flight per connection (max.in.flight.requests.per.connection). */
  readonly maxInFlight: number
}

const smallRecords: Workload = {
  name: 'small-records',
  description: '100-byte messages, 8 partitions, acks=1, as fast as the broker acknowledges',
  topics: 1,
  partitionsPerTopic: 8,
  messageSize: 100,
  // Two producers, each in its own thread: one producer thread was 80% busy at 1.4 M msg/s
  // (event-loop utilization), close to setting the pace itself; two gave 1.49-1.55 M msg/s.
  producersPerTopic: 2,
  subscriptionsPerTopic: 1,
  consumerPerSubscription: 1,
  producerRate: { kind: 'max' },
  acks: 1,
  compression: 'none',
  keyDistributor: 'none',
  randomBytesRatio: 1,
  durationSeconds: 30,
  warmupSeconds: 5,
  batchSize: 64 * 1024,
  // 1 ms, not the Java client's 5: at half rate a partition's 64 KiB batch takes ~13 ms to
  // fill, so every batch waits out its linger, and a 5 ms linger alone puts the end-to-end p99
  // above 5 ms on any broker (measured here: p99 7 ms with 5, 5 ms with 1). At the maximum rate
  // batches fill first and the throughput was the same with either (1.49-1.52 M msg/s).
  lingerMs: 1,
  maxInFlight: 5,
}

export const presets: readonly Workload[] = [
  smallRecords,
  {
    ...smallRecords,
    name: 'small-records-half-rate',
    description: 'small-records at a fixed rate of half the maximum measured by small-records in this run: the latency target',
    producerRate: { kind: 'fraction-of-max', fraction: 0.5 },
  },
  {
    name: '1-topic-100-partitions-1kb-4p-4c',
    description: "OMB's 1 KiB, 100-partition, 4-producer, 4-consumer workload at max rate, run for 60 s after 10 s of warm-up (OMB: 15 min after 1 min)",
    topics: 1,
    partitionsPerTopic: 100,
    messageSize: 1024,
    producersPerTopic: 4,
    subscriptionsPerTopic: 1,
    consumerPerSubscription: 4,
    producerRate: { kind: 'max' },
    acks: -1,
    compression: 'none',
    keyDistributor: 'none',
    randomBytesRatio: 1,
    durationSeconds: 60,
    warmupSeconds: 10,
    batchSize: 64 * 1024,
    lingerMs: 5,
    maxInFlight: 5,
  },
]

/** What runs with no preset named. */
export const DEFAULT_SUITE = ['small-records', 'small-records-half-rate'] as const

/** --quick: the default suite, short (each run 2 s of warm-up and 8 s measured). */
export const QUICK_TIMING = { warmupSeconds: 2, durationSeconds: 8 } as const

export function presetNamed(name: string): Workload {
  const preset = presets.find((p) => p.name === name)
  if (preset === undefined) {
    throw new SamsaError(ErrorCodes.USAGE, `There is no workload preset '${name}'. Presets: ${presets.map((p) => p.name).join(', ')}.`)
  }
  return preset
}

export type WorkloadOverrides = Partial<Omit<Workload, 'name' | 'description'>>

/** A preset with overrides; the name stays the preset's when nothing but timing changed. */
export function withOverrides(workload: Workload, overrides: WorkloadOverrides): Workload {
  const result: Workload = { ...workload, ...overrides }
  validateWorkload(result)
  return result
}

export function validateWorkload(w: Workload): void {
  const positive: Array<keyof Workload> = ['topics', 'partitionsPerTopic', 'producersPerTopic', 'subscriptionsPerTopic', 'consumerPerSubscription', 'batchSize', 'maxInFlight']
  for (const key of positive) {
    const value = w[key] as number
    if (!(Number.isInteger(value) && value > 0)) throw new SamsaError(ErrorCodes.USAGE, `Workload '${w.name}': ${key} must be a positive integer, not ${value}.`)
  }
  if (!(Number.isInteger(w.messageSize) && w.messageSize >= 0)) throw new SamsaError(ErrorCodes.USAGE, `Workload '${w.name}': the message size must be a whole number of bytes.`)
  if (!(w.durationSeconds > 0)) throw new SamsaError(ErrorCodes.USAGE, `Workload '${w.name}': the duration must be more than 0 s.`)
  if (!(w.warmupSeconds >= 0)) throw new SamsaError(ErrorCodes.USAGE, `Workload '${w.name}': the warm-up cannot be negative.`)
  if (!(w.lingerMs >= 0)) throw new SamsaError(ErrorCodes.USAGE, `Workload '${w.name}': linger.ms cannot be negative.`)
  if (!(w.randomBytesRatio >= 0 && w.randomBytesRatio <= 1)) throw new SamsaError(ErrorCodes.USAGE, `Workload '${w.name}': the random-bytes ratio lies between 0 and 1.`)
  const rate = w.producerRate
  if (rate.kind === 'fixed' && !(rate.messagesPerSecond > 0)) throw new SamsaError(ErrorCodes.USAGE, `Workload '${w.name}': a fixed rate must be above 0 msg/s.`)
  if (rate.kind === 'fraction-of-max' && !(rate.fraction > 0 && rate.fraction <= 1)) {
    throw new SamsaError(ErrorCodes.USAGE, `Workload '${w.name}': a rate as a share of the maximum lies in (0%, 100%].`)
  }
}

/**
 * Whether two workloads put the same load on a broker but for the producer rate and the timing:
 * a fraction-of-max workload takes its maximum from a max-rate run of the same shape.
 */
export function sameShape(a: Workload, b: Workload): boolean {
  const ignored = new Set(['name', 'description', 'producerRate', 'durationSeconds', 'warmupSeconds'])
  for (const key of Object.keys(a) as Array<keyof Workload>) {
    if (!ignored.has(key) && a[key] !== b[key]) return false
  }
  return true
}

export function describeRate(rate: ProducerRate): string {
  switch (rate.kind) {
    case 'max':
      return 'max'
    case 'fixed':
      return `${Math.round(rate.messagesPerSecond).toLocaleString('en-US')} msg/s`
    case 'fraction-of-max':
      return `${rate.fraction * 100}% of max`
  }
}

/** One line naming the workload's shape, for tables and the report. */
export function describeWorkload(w: Workload): string {
  const acks = w.acks === -1 ? 'all' : String(w.acks)
  return (
    `${w.topics} topic(s) × ${w.partitionsPerTopic} partitions, ${w.messageSize} B, ` +
    `${w.producersPerTopic}p/${w.subscriptionsPerTopic}s×${w.consumerPerSubscription}c, rate ${describeRate(w.producerRate)}, ` +
    `acks=${acks}, ${w.compression}, keys ${w.keyDistributor}, batch ${w.batchSize} B, linger ${w.lingerMs} ms, ` +
    `${w.warmupSeconds} s warm-up + ${w.durationSeconds} s`
  )
}
