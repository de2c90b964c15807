/**
 * REST produce: a produce body in an embedded format (binary or json) appended to a topic with
 * acks=all, answered per record with its partition and offset or its error.
 *
 * The body is encoded in the worker pool in one task (encode-embedded-records.ts: parse,
 * validate, partition with murmur2, one RecordBatch v2 per partition), then the batches go
 * to their leaders (leader-appends.ts): through appendRecords, the same service as the Kafka
 * Produce handler, for partitions this broker leads, forwarded as a Produce request to the
 * leader for the others, retried while leadership moves. A body that fails validation is refused
 * as a whole before anything is appended. A partition whose append fails (no leader within the
 * timeout, its ISR is too small, the timeout passed) fails its own records only, as Produce does
 * per partition; the error names the leader when leadership is the reason.
 *
 * Keyless records go to one partition per request, taken round-robin per topic: the state for
 * that lives in the ProduceRecords instance (one per gateway), never in a module global.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import { KafkaErrorCodes, kafkaError } from '../../protocol/error-codes.js'
import type { AppendOutcome } from '../../replication/partition.js'
import type { WorkerPool } from '../../workers/pool.js'
import type { EmbeddedFormat } from '../../workers/tasks/encode-embedded-records.js'
import { appendAtLeaders } from './leader-appends.js'
import type { PeerBrokers } from '../../broker/peer-brokers.js'
import { ProxyError, ProxyErrorCodes, describeBroker, partitionNotFound, topicNotFound } from './proxy-error.js'

/** One record's outcome, in the REST Proxy v2 response shape. */
export interface RecordOffset {
  readonly partition: number | null
  readonly offset: number | null
  readonly error_code: number | null
  readonly error: string | null
}

export interface ProduceRequest {
  readonly topic: string
  /** The partition in the URL (POST /topics/t/partitions/p), or -1. */
  readonly partition: number
  readonly format: EmbeddedFormat
  readonly body: Uint8Array
}

const BATCH_ROW = 4

export class ProduceRecords {
  readonly #broker: BrokerContext
  readonly #pool: WorkerPool
  readonly #peers: PeerBrokers
  readonly #timeoutMs: number
  /** Per topic, the partition the next request's keyless records go to. */
  readonly #nextSticky = new Map<string, number>()

  constructor(broker: BrokerContext, pool: WorkerPool, peers: PeerBrokers) {
    this.#broker = broker
    this.#pool = pool
    this.#peers = peers
    this.#timeoutMs = broker.config.get('http.producer.request.timeout.ms')
  }

  /** Appends the records; throws ProxyError when the request is refused as a whole. */
  async produce(request: ProduceRequest): Promise<RecordOffset[]> {
    const topic = this.#broker.metadata.topic(request.topic)
    if (topic === undefined) throw topicNotFound(request.topic)
    const partitionCount = topic.partitions
    if (request.partition !== -1 && !(request.partition >= 0 && request.partition < partitionCount)) {
      throw partitionNotFound(request.topic, request.partition, partitionCount)
    }
    const sticky = this.#takeSticky(request.topic, partitionCount)
    const encoded = await this.#pool.run('encodeEmbeddedRecordBatches', {
      body: request.body,
      format: request.format,
      partitionCount,
      partition: request.partition,
      stickyPartition: sticky,
    })
    if (encoded.rejected) throw new ProxyError(encoded.status, encoded.errorCode, encoded.message)

    const data = Buffer.from(encoded.data.buffer, encoded.data.byteOffset, encoded.data.byteLength)
    const batchCount = encoded.batches.length / BATCH_ROW
    const partitionData = []
    for (let b = 0; b < batchCount; b++) {
      const row = b * BATCH_ROW
      partitionData.push({ index: encoded.batches[row]!, records: data.subarray(encoded.batches[row + 1], encoded.batches[row + 2]) })
    }
    const outcomes = await appendAtLeaders(this.#broker, this.#peers, request.topic, partitionData, this.#timeoutMs)
    return this.#recordOffsets(request.topic, encoded.count, new Int32Array(encoded.partitions.buffer, encoded.partitions.byteOffset, encoded.count), outcomes)
  }

  /** Offsets in request order: a record's offset is its batch's base offset plus its place in the batch. */
  #recordOffsets(topic: string, count: number, partitions: Int32Array, outcomes: ReadonlyMap<number, AppendOutcome>): RecordOffset[] {
    const placed = new Map<number, number>()
    const offsets: RecordOffset[] = new Array(count)
    const failures = new Map<number, RecordOffset>()
    for (let i = 0; i < count; i++) {
      const partition = partitions[i]!
      const outcome = outcomes.get(partition)!
      if (outcome.errorCode !== KafkaErrorCodes.NONE) {
        let failure = failures.get(partition)
        if (failure === undefined) failures.set(partition, (failure = this.#failure(topic, partition, outcome)))
        offsets[i] = failure
        continue
      }
      const index = placed.get(partition) ?? 0
      placed.set(partition, index + 1)
      offsets[i] = { partition, offset: outcome.baseOffset + index, error_code: null, error: null }
    }
    return offsets
  }

  /** A failed partition's per-record error: Confluent's 50003 when retrying may help, else 50002. */
  #failure(topic: string, partition: number, outcome: AppendOutcome): RecordOffset {
    const info = kafkaError(outcome.errorCode)
    let message = outcome.errorMessage ?? info.message
    if (outcome.errorCode === KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER) {
      const leader = this.#broker.metadata.partitionState(topic, partition)?.leader ?? -1
      message = `${message} (the leader of ${topic}-${partition} is now ${describeBroker(this.#broker, leader)}; it did not take the records within the request timeout)`
    }
    return {
      partition,
      offset: null,
      error_code: info.retriable ? ProxyErrorCodes.KAFKA_RETRIABLE_ERROR : ProxyErrorCodes.KAFKA_ERROR,
      error: `${info.name}: ${message}`,
    }
  }

  #takeSticky(topic: string, partitionCount: number): number {
    const next = this.#nextSticky.get(topic) ?? Math.floor(Math.random() * partitionCount)
    this.#nextSticky.set(topic, (next + 1) % partitionCount)
    return next % partitionCount
  }
}
