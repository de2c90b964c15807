/**
 * One run: one workload against one broker. Creates the run's topics, starts the consumer and
 * producer threads, collects a sample from every thread once a second (plus the broker's and
 * the harness's CPU from /proc), stops the producers after warm-up + duration, lets the
 * consumers read up to the partitions' end offsets, and then checks the accounts: every
 * acknowledged message was appended, and every appended message reached every subscription
 * exactly once, in order.
 */
import { Admin } from '../../src/client/admin.js'
import { Cluster } from '../../src/client/cluster.js'
import { type Histogram, addCounts, encode, newHistogram, percentileSpectrum, summarize } from './histogram.js'
import { MachineSampler, ProcessSampler } from './proc-stats.js'
import type { BrokerCpuFigures, IntervalSample, RunResult, RunTarget, ThreadHealthFigures } from './run-result.js'
import { verify } from './verification.js'
import { WorkerHandle } from './worker-handle.js'
import type { AssignedPartition, ConsumedPartition, ConsumerSpec, ProducedPartition, ProducerSpec, WorkerSample } from './worker-messages.js'
import { partitionKey } from './worker-messages.js'
import type { Workload } from './workloads.js'

const INTERVAL_MS = 1000

export interface RunOptions {
  /** Total producer rate in msg/s; null for max rate. */
  readonly messagesPerSecond: number | null
  readonly repetition: number
  readonly producerThreads: number
  readonly consumerThreads: number
  readonly replicationFactor: number
  /** Delete the run's topics afterwards (an external broker keeps them otherwise). */
  readonly deleteTopics: boolean
  /** Called after each interval, for the live progress line. */
  readonly onInterval?: (sample: IntervalSample, elapsedSeconds: number, totalSeconds: number) => void
}

/** Splits `items` into `n` nearly equal consecutive ranges (the range assignor's split). */
export function splitRange<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = []
  const base = Math.floor(items.length / n)
  const extra = items.length % n
  let at = 0
  for (let i = 0; i < n; i++) {
    const size = base + (i < extra ? 1 : 0)
    out.push(items.slice(at, at + size))
    at += size
  }
  return out
}

/** Deals `items` round-robin into `n` groups, dropping empty ones. */
export function deal<T>(items: readonly T[], n: number): T[][] {
  const groups: T[][] = Array.from({ length: n }, () => [])
  items.forEach((item, i) => groups[i % n]!.push(item))
  return groups.filter((g) => g.length > 0)
}

async function waitForLeaders(cluster: Cluster, topics: readonly string[]): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const infos = await cluster.refreshMetadata(topics)
    if (infos.every((t) => t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return
    if (Date.now() > deadline) throw new Error(`the run's topics have no leaders after 60 s`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/**
 * The log end offset of every partition. Retried for a while: a broker may name a partition's
 * leader in Metadata a moment before that leader answers for it (Kafka right after
 * CreateTopics says NOT_LEADER_OR_FOLLOWER until the partition is loaded).
 */
async function endOffsets(cluster: Cluster, admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      const offsets = new Map<string, number>()
      for (const topic of topics) for (const p of await admin.listOffsets(topic)) offsets.set(partitionKey(topic, p.partition), p.latest)
      return offsets
    } catch (error) {
      if (Date.now() > deadline) throw error
      for (const topic of topics) cluster.invalidate(topic)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
}

export async function runWorkload(target: RunTarget, workload: Workload, options: RunOptions): Promise<RunResult> {
  const runId = Math.random().toString(36).slice(2, 8)
  const topics = Array.from({ length: workload.topics }, (_, i) => `bench-${workload.name}-${runId}-${i}`)
  const cluster = new Cluster({ bootstrapServers: target.bootstrap, clientId: 'samsa-bench-admin' })
  const admin = new Admin(cluster)
  const workers: WorkerHandle[] = []
  try {
    for (const name of topics) {
      await admin.createTopic({ name, partitions: workload.partitionsPerTopic, replicationFactor: options.replicationFactor })
    }
    await waitForLeaders(cluster, topics)
    const starts = await endOffsets(cluster, admin, topics)

    // Consumers: every subscription reads every partition, split among its consumers.
    const consumerSpecs: ConsumerSpec[] = []
    for (const topic of topics) {
      const partitions: AssignedPartition[] = Array.from({ length: workload.partitionsPerTopic }, (_, partition) => ({
        topic,
        partition,
        startOffset: starts.get(partitionKey(topic, partition)) ?? 0,
      }))
      for (let subscription = 0; subscription < workload.subscriptionsPerTopic; subscription++) {
        for (const share of splitRange(partitions, workload.consumerPerSubscription)) {
          if (share.length > 0) consumerSpecs.push({ id: consumerSpecs.length, subscription, partitions: share })
        }
      }
    }
    const producerCount = workload.topics * workload.producersPerTopic
    const perProducerRate = options.messagesPerSecond === null ? null : options.messagesPerSecond / producerCount
    const producerSpecs: ProducerSpec[] = Array.from({ length: producerCount }, (_, id) => ({ id, topic: topics[id % topics.length]!, messagesPerSecond: perProducerRate }))

    const consumerHandles = deal(consumerSpecs, options.consumerThreads).map(
      (consumers) =>
        new WorkerHandle('./consumer-worker.js', { role: 'consumer', bootstrap: target.bootstrap, consumers, messageSize: workload.messageSize, maxWaitMs: 500, maxBytes: 50 * 1024 * 1024, partitionMaxBytes: 1024 * 1024 }),
    )
    workers.push(...consumerHandles)
    await Promise.all(consumerHandles.map((w) => w.ready()))
    const producerHandles = deal(producerSpecs, options.producerThreads).map(
      (producers) =>
        new WorkerHandle('./producer-worker.js', {
          role: 'producer',
          bootstrap: target.bootstrap,
          producers,
          messageSize: workload.messageSize,
          randomBytesRatio: workload.randomBytesRatio,
          keyDistributor: workload.keyDistributor,
          acks: workload.acks,
          compression: workload.compression,
          batchSize: workload.batchSize,
          lingerMs: workload.lingerMs,
          maxInFlight: workload.maxInFlight,
          seed: 42,
        }),
    )
    workers.push(...producerHandles)
    await Promise.all(producerHandles.map((w) => w.ready()))

    return await measure(target, workload, options, topics, cluster, admin, producerHandles, consumerHandles)
  } finally {
    for (const w of workers) await w.worker.terminate()
    if (options.deleteTopics) {
      for (const name of topics) await admin.deleteTopic(name).catch(() => {})
    }
    cluster.close()
  }
}

/** The event-loop delay and GC pauses of one role's threads over the measured intervals. */
class HealthAccount {
  readonly #loopDelay: Histogram = newHistogram()
  #loopDelayMax = 0
  readonly #gcPauseMicros: number[]
  #gcMaxMicros = 0

  constructor(threads: number) {
    this.#gcPauseMicros = new Array<number>(threads).fill(0)
  }

  add(samples: readonly WorkerSample[]): void {
    samples.forEach((s, thread) => {
      addCounts(this.#loopDelay, s.health.loopDelay)
      this.#loopDelayMax = Math.max(this.#loopDelayMax, s.health.loopDelayMaxMicros)
      this.#gcPauseMicros[thread]! += s.health.gcPauseMicros
      this.#gcMaxMicros = Math.max(this.#gcMaxMicros, s.health.gcMaxMicros)
    })
  }

  figures(seconds: number): ThreadHealthFigures {
    return {
      loopDelay: summarize(this.#loopDelay, this.#loopDelayMax),
      gcShare: seconds > 0 ? Math.max(0, ...this.#gcPauseMicros) / 1e6 / seconds : 0,
      gcMaxMs: this.#gcMaxMicros / 1000,
    }
  }
}

async function measure(
  target: RunTarget,
  workload: Workload,
  options: RunOptions,
  topics: readonly string[],
  cluster: Cluster,
  admin: Admin,
  producers: readonly WorkerHandle[],
  consumers: readonly WorkerHandle[],
): Promise<RunResult> {
  const publish = newHistogram()
  const endToEnd = newHistogram()
  const delay = newHistogram()
  let publishMax = 0
  let endToEndMax = 0
  let delayMax = 0
  const producerHealth = new HealthAccount(producers.length)
  const consumerHealth = new HealthAccount(consumers.length)
  const errors: string[] = []
  const noteError = (s: WorkerSample): void => {
    if (s.firstError !== null && errors.length < 10) errors.push(s.firstError)
  }
  const brokerSampler = target.pid === null ? null : new ProcessSampler(target.pid)
  const harnessSampler = new ProcessSampler('self')
  const machineSampler = new MachineSampler()
  brokerSampler?.start()
  harnessSampler.start()
  machineSampler.start()

  const intervals: IntervalSample[] = []
  const totalSeconds = workload.warmupSeconds + workload.durationSeconds
  const measured = { published: 0, consumed: 0, publishErrors: 0, seconds: 0, brokerCpu: 0, harnessCpu: 0, otherCpu: 0 as number | null, writtenBack: 0 as number | null, producerBusy: 0, consumerBusy: 0, intervals: 0 }
  let publishedSoFar = 0
  let consumedSoFar = 0
  const startedAt = new Date().toISOString()
  const t0 = performance.now()
  let last = t0
  for (const p of producers) p.send({ type: 'start' })

  for (let seq = 1; ; seq++) {
    const elapsedTarget = seq * INTERVAL_MS
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + elapsedTarget - performance.now())))
    const [producerSamples, consumerSamples] = await Promise.all([Promise.all(producers.map((p) => p.collect(seq))), Promise.all(consumers.map((c) => c.collect(seq)))])
    const now = performance.now()
    const seconds = (now - last) / 1000
    // An interval belongs to the warm-up when it started within it (collection can run late).
    const phase = (last - t0) / 1000 < workload.warmupSeconds - 0.05 ? 'warmup' : 'measure'
    last = now
    const elapsed = (now - t0) / 1000
    const brokerCpu = brokerSampler?.sample() ?? null
    const harnessCpu = harnessSampler.sample()
    const machine = machineSampler.sample()
    // Everything else that ran on the machine (other processes, the kernel's threads: page-cache
    // writeback, for one); the samples tick at 10 ms, so a small negative is rounding.
    const otherCpu = machine.cpuSeconds === null ? null : Math.max(0, machine.cpuSeconds - harnessCpu - (brokerCpu ?? 0))
    const intervalPublish = newHistogram()
    const intervalEndToEnd = newHistogram()
    let published = 0
    let consumed = 0
    let publishErrors = 0
    if (phase === 'measure') {
      producerHealth.add(producerSamples)
      consumerHealth.add(consumerSamples)
    }
    for (const s of producerSamples) {
      published += s.messages
      publishErrors += s.errors
      addCounts(intervalPublish, s.latency)
      noteError(s)
      if (phase === 'measure') {
        addCounts(delay, s.sendDelay)
        publishMax = Math.max(publishMax, s.latencyMaxMicros)
        delayMax = Math.max(delayMax, s.sendDelayMaxMicros)
      }
    }
    for (const s of consumerSamples) {
      consumed += s.messages
      addCounts(intervalEndToEnd, s.latency)
      noteError(s)
      if (phase === 'measure') endToEndMax = Math.max(endToEndMax, s.latencyMaxMicros)
    }
    publishedSoFar += published
    consumedSoFar += consumed
    const producerThreadBusy = Math.max(0, ...producerSamples.map((s) => s.busy))
    const consumerThreadBusy = Math.max(0, ...consumerSamples.map((s) => s.busy))
    if (phase === 'measure') {
      publish.add(intervalPublish)
      endToEnd.add(intervalEndToEnd)
      measured.published += published
      measured.consumed += consumed
      measured.publishErrors += publishErrors
      measured.seconds += seconds
      measured.brokerCpu += brokerCpu ?? 0
      measured.harnessCpu += harnessCpu
      measured.otherCpu = measured.otherCpu === null || otherCpu === null ? null : measured.otherCpu + otherCpu
      measured.writtenBack = measured.writtenBack === null || machine.writtenBackBytes === null ? null : measured.writtenBack + machine.writtenBackBytes
      measured.producerBusy += producerThreadBusy
      measured.consumerBusy += consumerThreadBusy
      measured.intervals++
    }
    const quantile = (h: typeof publish, q: number): number | null => (h.totalCount === 0 ? null : h.getValueAtPercentile(q) / 1000)
    const sample: IntervalSample = {
      t: Math.round(elapsed * 1000) / 1000,
      phase,
      publishRate: published / seconds,
      publishMBs: (published * workload.messageSize) / seconds / 1e6,
      consumeRate: consumed / seconds,
      consumeMBs: (consumed * workload.messageSize) / seconds / 1e6,
      // A consumer can see a message before its producer sees the acknowledgement: never below 0.
      backlog: Math.max(0, publishedSoFar * workload.subscriptionsPerTopic - consumedSoFar),
      publishErrors,
      publishLatencyP50: quantile(intervalPublish, 50),
      publishLatencyP99: quantile(intervalPublish, 99),
      endToEndLatencyP50: quantile(intervalEndToEnd, 50),
      endToEndLatencyP99: quantile(intervalEndToEnd, 99),
      brokerCores: brokerCpu === null ? null : brokerCpu / seconds,
      harnessCores: harnessCpu / seconds,
      otherCores: otherCpu === null ? null : otherCpu / seconds,
      writebackMBs: machine.writtenBackBytes === null ? null : machine.writtenBackBytes / seconds / 1e6,
      producerThreadBusy,
      consumerThreadBusy,
    }
    intervals.push(sample)
    options.onInterval?.(sample, elapsed, totalSeconds)
    if (elapsed >= totalSeconds - 0.05) break
  }

  // Wind down: producers flush and report; then consumers read up to the end offsets.
  for (const p of producers) p.send({ type: 'stop' })
  const producerFinals = await Promise.all(producers.map((p) => p.finished()))
  const ends = await endOffsets(cluster, admin, topics)
  const drainTimeoutMs = 60_000
  for (const c of consumers) c.send({ type: 'drain', endOffsets: Object.fromEntries(ends), timeoutMs: drainTimeoutMs })
  const consumerFinals = await Promise.all(consumers.map((c) => c.finished()))
  brokerSampler?.sample()
  harnessSampler.sample()

  const produced: ProducedPartition[] = []
  let failedSends = 0
  for (const f of producerFinals) {
    addCounts(publish, f.sample.latency)
    addCounts(delay, f.sample.sendDelay)
    publishMax = Math.max(publishMax, f.sample.latencyMaxMicros)
    delayMax = Math.max(delayMax, f.sample.sendDelayMaxMicros)
    failedSends += f.sample.errors
    noteError(f.sample)
    produced.push(...(f.produced ?? []))
  }
  const consumed: ConsumedPartition[] = []
  for (const f of consumerFinals) {
    addCounts(endToEnd, f.sample.latency)
    endToEndMax = Math.max(endToEndMax, f.sample.latencyMaxMicros)
    noteError(f.sample)
    consumed.push(...(f.consumed ?? []))
  }
  failedSends += intervals.reduce((n, s) => n + s.publishErrors, 0)

  const measuredSeconds = measured.seconds
  const publishedBytes = measured.published * workload.messageSize
  const consumedBytes = measured.consumed * workload.messageSize
  const brokerTotals = brokerSampler?.totals() ?? null
  const harnessTotals = harnessSampler.totals()
  const broker: BrokerCpuFigures | null =
    brokerTotals === null
      ? null
      : {
          cpuSeconds: measured.brokerCpu,
          cores: measured.brokerCpu / measuredSeconds,
          cpuSecondsPerGB: publishedBytes + consumedBytes === 0 ? 0 : measured.brokerCpu / ((publishedBytes + consumedBytes) / 1e9),
          peakRssBytes: brokerTotals.peakRssBytes,
          peakRssAnonBytes: brokerTotals.peakRssAnonBytes,
          lifetimePeakRssBytes: brokerTotals.lifetimePeakRssBytes,
        }
  return {
    workload,
    target,
    repetition: options.repetition,
    targetRate: options.messagesPerSecond,
    startedAt,
    measuredSeconds,
    intervals,
    publishRate: measured.published / measuredSeconds,
    publishMBs: publishedBytes / measuredSeconds / 1e6,
    consumeRate: measured.consumed / measuredSeconds,
    consumeMBs: consumedBytes / measuredSeconds / 1e6,
    publishLatency: summarize(publish, publishMax),
    endToEndLatency: summarize(endToEnd, endToEndMax),
    sendDelay: options.messagesPerSecond === null ? null : summarize(delay, delayMax),
    publishLatencySpectrum: percentileSpectrum(publish),
    endToEndLatencySpectrum: percentileSpectrum(endToEnd),
    histograms: { publishLatency: encode(publish), endToEndLatency: encode(endToEnd), sendDelay: encode(delay) },
    harness: {
      cpuSeconds: measured.harnessCpu,
      cores: measured.harnessCpu / measuredSeconds,
      peakRssBytes: harnessTotals?.peakRssBytes ?? 0,
      peakRssAnonBytes: harnessTotals?.peakRssAnonBytes ?? 0,
      producerThreadBusy: measured.intervals === 0 ? 0 : measured.producerBusy / measured.intervals,
      consumerThreadBusy: measured.intervals === 0 ? 0 : measured.consumerBusy / measured.intervals,
      producerThreads: producerHealth.figures(measuredSeconds),
      consumerThreads: consumerHealth.figures(measuredSeconds),
    },
    broker,
    otherProcessesCores: measured.otherCpu === null ? null : measured.otherCpu / measuredSeconds,
    writebackMBs: measured.writtenBack === null ? null : measured.writtenBack / measuredSeconds / 1e6,
    verification: verify(workload, produced, consumed, ends, failedSends, consumerFinals.every((f) => f.drained === true)),
    errors,
  }
}
