/**
 * Producer thread of the harness (a worker_threads entry). Runs one or more of the workload's
 * producers, each a lean-client `Producer` with its own connections, so that producing does not
 * compete with the main thread's bookkeeping.
 *
 * - Max rate: each producer keeps a bounded amount of data in its hands (twice the in-flight
 *   requests' worth of batches, at least 1 MiB) and sends the next chunk of about one
 *   batch whenever a chunk is acknowledged: the broker's acknowledgements set the pace, as
 *   kafka-producer-perf-test with --throughput -1 does. Publish latency runs from the `send`
 *   call to the acknowledgement (time in the producer's accumulator included, as in Java).
 * - Fixed rate: messages are sent on the schedule of rate-schedule.ts and both publish latency
 *   and the record timestamp (from which consumers measure end-to-end latency) start at each
 *   message's *intended* send time, which corrects for coordinated omission.
 *
 * Payloads are generated before the start, and messages go through the lean producer's
 * `sendEach`, which copies each record's bytes into the batch as it is described: no object per
 * message. Fixed-rate sends are paced by pacer.ts (every quarter millisecond, not every timer
 * tick). Encoding is inline in this thread when uncompressed; compression uses a worker pool,
 * where it pays.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { Producer, type RecordMetadata, type RecordSlot } from '../../src/client/producer.js'
import { WorkerPool } from '../../src/workers/pool.js'
import { LatencyRecorder } from './latency-recorder.js'
import { KeySource, generatePayloads } from './payloads.js'
import { Pacer } from './pacer.js'
import { FixedRateSchedule } from './rate-schedule.js'
import { type MainToWorker, type ProducedPartition, type ProducerSpec, type ProducerWorkerData, type WorkerSample, type WorkerToMain, partitionKey } from './worker-messages.js'
import { ThreadHealth } from './thread-health.js'

const PAYLOAD_VARIETY = 1000

const data = workerData as ProducerWorkerData
const port = parentPort!
const post = (message: WorkerToMain): void => port.postMessage(message)

const payloads = generatePayloads(data.messageSize, PAYLOAD_VARIETY, data.randomBytesRatio, data.seed)
const publishLatency = new LatencyRecorder()
const sendDelay = new LatencyRecorder()
const produced = new Map<string, { topic: string; partition: number; acknowledged: number }>()
let messages = 0
let errors = 0
let firstError: string | null = null
let running = false
const pool = data.compression === 'none' ? null : new WorkerPool({ minThreads: 1, idleTimeoutMs: 60_000 })
const pacer = new Pacer()

/** Messages per send call: about one batch of them (Java's accumulator appends one at a time; this is the same data, in fewer calls). */
const chunkSize = Math.max(1, Math.min(4096, Math.floor(data.batchSize / (data.messageSize + 16))))
/**
 * Data a max-rate producer keeps unacknowledged: the in-flight requests and as many batches
 * behind them. More only queues in the producer (measured on small-records: 16× in-flight
 * batches gave no more msg/s than 2× or 4×, and 5-8 times the publish latency).
 */
const maxOutstanding = Math.max(chunkSize, Math.ceil(Math.max(2 * data.maxInFlight * data.batchSize, 1024 * 1024) / Math.max(1, data.messageSize + 16)))

function acknowledged(results: RecordMetadata[]): void {
  for (const r of results) {
    const key = partitionKey(r.topic, r.partition)
    let entry = produced.get(key)
    if (entry === undefined) produced.set(key, (entry = { topic: r.topic, partition: r.partition, acknowledged: 0 }))
    entry.acknowledged += r.recordCount
    messages += r.recordCount
  }
}

function failed(error: unknown, count: number): void {
  errors += count
  firstError ??= (error as Error).message
}

class ProducerLoop {
  readonly #spec: ProducerSpec
  readonly #producer: Producer
  readonly #keys: KeySource
  #payloadIndex: number
  #outstanding = 0
  #idle: (() => void) | null = null

  constructor(spec: ProducerSpec) {
    this.#spec = spec
    this.#producer = new Producer(
      { bootstrapServers: data.bootstrap, clientId: `samsa-bench-producer-${spec.id}`, maxInFlightRequests: data.maxInFlight },
      { acks: data.acks, lingerMs: data.lingerMs, batchSize: data.batchSize, compression: data.compression, pool, allowAutoTopicCreation: false },
    )
    this.#keys = new KeySource(data.keyDistributor, 10_000, data.seed + spec.id)
    this.#payloadIndex = (spec.id * 7919) % PAYLOAD_VARIETY
  }

  /** Connects to every leader of the topic, so the first send does not pay for it. */
  async connect(): Promise<void> {
    const cluster = this.#producer.cluster
    const info = await cluster.topicMetadata(this.#spec.topic)
    for (const leader of new Set(info.partitions.map((p) => p.leader))) if (leader >= 0) await cluster.brokerConnection(leader)
  }

  start(): void {
    if (this.#spec.messagesPerSecond === null) this.#pumpMaxRate()
    else this.#runFixedRate(this.#spec.messagesPerSecond)
  }

  /** Waits until everything sent is acknowledged or failed, then closes. */
  async finish(): Promise<void> {
    await this.#producer.flush()
    if (this.#outstanding > 0) await new Promise<void>((resolve) => (this.#idle = resolve))
    await this.#producer.close()
  }

  /** Sends `count` messages, the i-th stamped `timestamp(i)`; resolves when all are acknowledged. */
  #send(count: number, timestamp: (i: number) => number): Promise<RecordMetadata[]> {
    const first = this.#payloadIndex
    this.#payloadIndex = (first + count) % PAYLOAD_VARIETY
    const keys = this.#keys
    return this.#producer.sendEach(this.#spec.topic, count, (i: number, record: RecordSlot) => {
      record.key = keys.next()
      record.value = payloads[(first + i) % PAYLOAD_VARIETY]!
      record.timestamp = timestamp(i)
    })
  }

  #settled(count: number): void {
    this.#outstanding -= count
    if (this.#outstanding === 0 && this.#idle !== null) this.#idle()
  }

  #pumpMaxRate(): void {
    while (running && this.#outstanding + chunkSize <= maxOutstanding) {
      const count = chunkSize
      const now = Date.now()
      const sentAt = performance.now()
      this.#outstanding += count
      this.#send(count, () => now).then(
        (results) => {
          publishLatency.recordMany((performance.now() - sentAt) * 1000, count)
          acknowledged(results)
          this.#settled(count)
          this.#pumpMaxRate()
        },
        (error: unknown) => {
          failed(error, count)
          this.#settled(count)
          // A failing broker should not be hammered in a tight loop.
          setTimeout(() => this.#pumpMaxRate(), 100)
        },
      )
    }
  }

  #runFixedRate(rate: number): void {
    const schedule = new FixedRateSchedule(rate, performance.now())
    const epochOffset = performance.timeOrigin
    // Unacknowledged messages beyond two seconds' worth wait: the schedule keeps their intended times, so the wait shows as latency.
    const cap = Math.max(chunkSize, Math.ceil(rate * 2))
    let next = 0
    const stamp = (first: number) => (i: number) => Math.floor(epochOffset + schedule.intendedTime(first + i))
    const tick = (): void => {
      if (!running) return
      const now = performance.now()
      const due = schedule.dueBy(now)
      while (next < due && this.#outstanding < cap) {
        const first = next
        const count = Math.min(due - first, chunkSize)
        next += count
        for (let i = 0; i < count; i++) sendDelay.record((now - schedule.intendedTime(first + i)) * 1000)
        this.#outstanding += count
        this.#send(count, stamp(first)).then(
          (results) => {
            const ackedAt = performance.now()
            for (let i = 0; i < count; i++) publishLatency.record((ackedAt - schedule.intendedTime(first + i)) * 1000)
            acknowledged(results)
            this.#settled(count)
          },
          (error: unknown) => {
            failed(error, count)
            this.#settled(count)
          },
        )
      }
      // Held back by the cap on unacknowledged messages: acknowledgements come first.
      if (next < due) setTimeout(tick, 1)
      else pacer.after(schedule.intendedTime(next) - performance.now(), tick)
    }
    tick()
  }
}

const health = new ThreadHealth()
health.start()
let loopTime = performance.eventLoopUtilization()
let sleptBefore = 0

/** Event-loop utilization since the previous sample, less the pacer's sleeps (which count as busy). */
function busySinceLastSample(): number {
  const now = performance.eventLoopUtilization()
  const delta = performance.eventLoopUtilization(now, loopTime)
  const slept = pacer.sleptMs - sleptBefore
  sleptBefore = pacer.sleptMs
  loopTime = now
  const elapsed = delta.active + delta.idle
  return elapsed > 0 ? Math.max(0, delta.active - slept) / elapsed : 0
}

function takeSample(): WorkerSample {
  const sample: WorkerSample = {
    messages,
    bytes: messages * data.messageSize,
    errors,
    latencyMaxMicros: publishLatency.max,
    latency: publishLatency.takeCounts(),
    sendDelayMaxMicros: sendDelay.max,
    sendDelay: sendDelay.takeCounts(),
    firstError,
    busy: busySinceLastSample(),
    health: health.take(),
  }
  messages = 0
  errors = 0
  firstError = null
  return sample
}

const loops = data.producers.map((spec) => new ProducerLoop(spec))

port.on('message', (message: MainToWorker) => {
  switch (message.type) {
    case 'start':
      running = true
      for (const loop of loops) loop.start()
      break
    case 'collect':
      post({ type: 'sample', seq: message.seq, sample: takeSample() })
      break
    case 'stop':
      running = false
      void Promise.all(loops.map((loop) => loop.finish()))
        .then(async () => {
          await pool?.close()
          const list: ProducedPartition[] = [...produced.values()]
          post({ type: 'finished', sample: takeSample(), produced: list })
          health.stop()
          port.close()
        })
        .catch((error: unknown) => post({ type: 'error', message: `stopping producers: ${(error as Error).message}` }))
      break
    case 'drain':
      break
  }
})

try {
  await Promise.all(loops.map((loop) => loop.connect()))
  post({ type: 'ready' })
} catch (error) {
  post({ type: 'error', message: `producer thread could not connect: ${(error as Error).message}` })
}
