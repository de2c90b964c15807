/**
 * What the harness's main thread and its producer and consumer threads say to each other.
 *
 * The main thread drives the clock: it sends `collect` once a second and every worker answers
 * with what happened since its last answer (counts, latency histograms, its own health), so all
 * workers' samples fall into the same interval. Latency histograms travel as the bucket counts
 * of a LatencyRecorder (latency-recorder.ts), values in microseconds.
 */
import type { ThreadHealthSample } from './thread-health.js'
import type { Acks, CompressionName, KeyDistributor } from './workloads.js'

export interface ProducerSpec {
  readonly id: number
  readonly topic: string
  /** Messages per second for this producer; null: as fast as acknowledgements allow. */
  readonly messagesPerSecond: number | null
}

export interface ProducerWorkerData {
  readonly role: 'producer'
  readonly bootstrap: string
  readonly producers: readonly ProducerSpec[]
  readonly messageSize: number
  readonly randomBytesRatio: number
  readonly keyDistributor: KeyDistributor
  readonly acks: Acks
  readonly compression: CompressionName
  readonly batchSize: number
  readonly lingerMs: number
  readonly maxInFlight: number
  readonly seed: number
}

export interface AssignedPartition {
  readonly topic: string
  readonly partition: number
  /** The log end offset before the run: every message from here on is this run's. */
  readonly startOffset: number
}

export interface ConsumerSpec {
  readonly id: number
  readonly subscription: number
  readonly partitions: readonly AssignedPartition[]
}

export interface ConsumerWorkerData {
  readonly role: 'consumer'
  readonly bootstrap: string
  readonly consumers: readonly ConsumerSpec[]
  /** Payload bytes per message, for MB/s (counted as OMB does: messages × message size). */
  readonly messageSize: number
  /** Fetch max.wait.ms, fetch.max.bytes and max.partition.fetch.bytes (Kafka's defaults unless told). */
  readonly maxWaitMs: number
  readonly maxBytes: number
  readonly partitionMaxBytes: number
}

export type WorkerData = ProducerWorkerData | ConsumerWorkerData

/** What a worker did since its previous sample. */
export interface WorkerSample {
  /** Messages acknowledged (producers) or received (consumers). */
  readonly messages: number
  /** Payload bytes of those messages. */
  readonly bytes: number
  /** Failed sends (producers) or failed fetches (consumers). */
  readonly errors: number
  /** Publish latency (producers) or end-to-end latency (consumers), µs, LatencyRecorder counts. */
  readonly latency: Float64Array | null
  readonly latencyMaxMicros: number
  /** Fixed-rate producers: how late messages left against their intended time, µs, LatencyRecorder counts. */
  readonly sendDelay: Float64Array | null
  readonly sendDelayMaxMicros: number
  /** The first error message of the interval, to show the user. */
  readonly firstError: string | null
  /**
   * Share of the interval this thread's event loop was busy (0-1). Near 1, the thread was
   * saturated: the load generator, not the broker, set the pace.
   */
  readonly busy: number
  /** The thread's event-loop delay and GC pauses in the interval. */
  readonly health: ThreadHealthSample
}

/** A producer thread's count of acknowledged messages per partition. */
export interface ProducedPartition {
  readonly topic: string
  readonly partition: number
  readonly acknowledged: number
}

/** A consumer's account of one partition it read. */
export interface ConsumedPartition {
  readonly subscription: number
  readonly topic: string
  readonly partition: number
  readonly startOffset: number
  /** The offset after the last message received. */
  readonly nextOffset: number
  readonly received: number
  /** Offsets that never arrived (a gap between consecutive messages). */
  readonly missing: number
  /** Messages received again at an offset already passed (counted once only). */
  readonly duplicates: number
  /** Records whose batches said LOG_APPEND_TIME: their end-to-end latency cannot be measured. */
  readonly logAppendTime: number
}

export type MainToWorker =
  | { readonly type: 'start' }
  | { readonly type: 'collect'; readonly seq: number }
  | { readonly type: 'stop' }
  /** Consumers: read on until every partition reaches its end offset (key `topic:partition`). */
  | { readonly type: 'drain'; readonly endOffsets: Readonly<Record<string, number>>; readonly timeoutMs: number }

export type WorkerToMain =
  | { readonly type: 'ready' }
  | { readonly type: 'sample'; readonly seq: number; readonly sample: WorkerSample }
  | { readonly type: 'finished'; readonly sample: WorkerSample; readonly produced?: ProducedPartition[]; readonly consumed?: ConsumedPartition[]; readonly drained?: boolean }
  | { readonly type: 'error'; readonly message: string }

export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`
