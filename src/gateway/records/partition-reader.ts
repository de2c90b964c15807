/**
 * PartitionReader: the gateway's consumer-side read. It reads one or more partitions of a topic
 * from given offsets through fetchRecords (the service the Kafka Fetch handler calls), as a
 * consumer does (read_uncommitted: up to the high watermark), optionally waiting for new records
 * the way a long-poll Fetch does (`maxWaitMs` / `minBytes`: the wait happens in the delayed-fetch
 * purgatory, woken by high watermark moves). Its callers: WebSocket streams, REST consumer
 * instances, the console's message browser.
 *
 * The storage read plans are copied out of the page cache into one buffer per read, moved (not
 * cloned) to the worker pool, and decoded there in one task (display-records.ts): records in the
 * binary (base64), json or text form, as objects, as ready-made JSON text, or as a binary record
 * frame. Nothing here touches a record; the event loop copies bytes and receives one result.
 *
 * Each partition's outcome says where to read next (after the last batch read, control batches
 * included, or the same offset when nothing came) and carries the partition's Kafka error code:
 * OFFSET_OUT_OF_RANGE (below the log start or past the end), UNKNOWN_TOPIC_OR_PARTITION,
 * NOT_LEADER_OR_FOLLOWER. A partition with an error does not stop the others.
 */
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { fetchRecords, type PartitionFetch } from '../../replication/fetch-records.js'
import type { ReplicaManager } from '../../replication/replica-manager.js'
import type { ReadPlan } from '../../storage/read-plan.js'
import type { WorkerPool } from '../../workers/pool.js'
import {
  type DisplayOutput,
  type DisplayRecord,
  type DisplayRecordsResult,
  type RecordFormat,
} from '../../workers/tasks/display-records.js'
import { RECORD_FRAME_HEADER_BYTES, writeFrameHeader } from '../../workers/tasks/record-frame.js'

export type { DisplayHeader, DisplayRecord, RecordFormat } from '../../workers/tasks/display-records.js'

export interface ReadPosition {
  readonly partition: number
  readonly offset: number
}

export interface PartitionReadRequest {
  readonly topic: string
  readonly positions: readonly ReadPosition[]
  /** How keys, values and header values are shown; default binary (base64). Frames ignore it. */
  readonly format?: RecordFormat
  /** Wait up to this long for `minBytes` (a long poll); default 0: answer at once. */
  readonly maxWaitMs?: number
  /** Default 1: any record ends the wait. */
  readonly minBytes?: number
  /** Bytes of batches over all partitions; default 1 MiB (the first batch is read whatever its size). */
  readonly maxBytes?: number
  /** Bytes of batches per partition; default `maxBytes`. */
  readonly partitionMaxBytes?: number
  /** Aborting ends a wait early; the read then returns what it has without decoding it. */
  readonly signal?: AbortSignal
}

export interface PartitionReadOutcome {
  readonly partition: number
  /** Kafka's error code for this partition; 0 when it was read. */
  readonly errorCode: number
  /** Where the next read of this partition starts. */
  readonly nextOffset: number
  /** -1 when the partition could not be read. */
  readonly highWatermark: number
  readonly logStartOffset: number
}

export interface PartitionRead<Output> {
  readonly partitions: PartitionReadOutcome[]
  /** Records in `output`. */
  readonly count: number
  /** Bytes of record batches read from the log. */
  readonly bytes: number
  readonly output: Output
}

export interface PartitionReaderOptions {
  readonly replicas: ReplicaManager
  readonly pool: WorkerPool
  /** The broker's fetch.max.bytes, which caps any read. */
  readonly fetchMaxBytes: number
}

const DEFAULT_MAX_BYTES = 1024 * 1024

export class PartitionReader {
  readonly #replicas: ReplicaManager
  readonly #pool: WorkerPool
  readonly #fetchMaxBytes: number

  constructor(options: PartitionReaderOptions) {
    this.#replicas = options.replicas
    this.#pool = options.pool
    this.#fetchMaxBytes = options.fetchMaxBytes
  }

  /** Records as objects. */
  readRecords(request: PartitionReadRequest): Promise<PartitionRead<DisplayRecord[]>> {
    return this.#read(request, 'records', (result) => result.records ?? [], () => [])
  }

  /** Records as the JSON text of an array of display records. */
  readJson(request: PartitionReadRequest): Promise<PartitionRead<string>> {
    return this.#read(request, 'json', (result) => result.json ?? '[]', () => '[]')
  }

  /** Records as one binary record frame (record-frame.ts). */
  readFrame(request: PartitionReadRequest): Promise<PartitionRead<Uint8Array>> {
    return this.#read(request, 'frame', (result) => result.frame ?? emptyFrame(), emptyFrame)
  }

  async #read<Output>(
    request: PartitionReadRequest,
    output: DisplayOutput,
    pick: (result: DisplayRecordsResult) => Output,
    empty: () => Output,
  ): Promise<PartitionRead<Output>> {
    const maxBytes = request.maxBytes ?? DEFAULT_MAX_BYTES
    const partitionFetches: PartitionFetch[] = request.positions.map((position) => ({
      partition: position.partition,
      currentLeaderEpoch: -1,
      fetchOffset: position.offset,
      partitionMaxBytes: request.partitionMaxBytes ?? maxBytes,
    }))
    const fetched = await fetchRecords(
      this.#replicas,
      {
        replicaId: -1,
        maxWaitMs: request.maxWaitMs ?? 0,
        minBytes: request.minBytes ?? 1,
        maxBytes,
        isolationLevel: 0,
        topics: [{ topic: request.topic, topicId: '', partitions: partitionFetches }],
        byTopicId: false,
        signal: request.signal,
      },
      this.#fetchMaxBytes,
    )
    const outcomes = fetched[0]?.partitions ?? []
    const partitions: PartitionReadOutcome[] = []
    const plans: Array<{ index: number; plan: ReadPlan }> = []
    let bytes = 0
    for (let i = 0; i < partitionFetches.length; i++) {
      const position = request.positions[i]!
      const outcome = outcomes[i]
      partitions.push({
        partition: position.partition,
        errorCode: outcome?.errorCode ?? KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION,
        nextOffset: position.offset,
        highWatermark: outcome?.highWatermark ?? -1,
        logStartOffset: outcome?.logStartOffset ?? -1,
      })
      const plan = outcome?.records
      if (plan != null && plan.byteLength > 0) {
        plans.push({ index: i, plan })
        bytes += plan.byteLength
      }
    }
    if (plans.length === 0 || request.signal?.aborted === true) return { partitions, count: 0, bytes: 0, output: empty() }

    // The plans view the page cache through mmap; a worker needs bytes it can own, so they are
    // copied once into one buffer that is moved, not cloned, to the worker.
    const data = Buffer.allocUnsafeSlow(bytes)
    const parts: number[] = []
    /** The request position of each part. */
    const partIndexes: number[] = []
    let at = 0
    for (const { index, plan } of plans) {
      const start = at
      try {
        for (const slice of plan.toBuffers()) at += slice.copy(data, at)
      } catch {
        // A truncation (a new leader's log) removed the bytes since the plan was made: nothing of
        // this partition is read now, and the caller reads it again.
        at = start
        partitions[index] = { ...partitions[index]!, errorCode: KafkaErrorCodes.KAFKA_STORAGE_ERROR }
        continue
      }
      parts.push(request.positions[index]!.partition, request.positions[index]!.offset, at)
      partIndexes.push(index)
    }
    if (parts.length === 0) return { partitions, count: 0, bytes: 0, output: empty() }
    const result = await this.#pool.run('decodeDisplayRecords', {
      data: at === bytes ? data : data.subarray(0, at),
      parts,
      format: request.format ?? 'binary',
      output,
    })
    for (let i = 0; i < partIndexes.length; i++) {
      const next = result.nextOffsets[i]!
      if (next < 0) continue
      const index = partIndexes[i]!
      partitions[index] = { ...partitions[index]!, nextOffset: next }
    }
    return { partitions, count: result.count, bytes: at, output: pick(result) }
  }
}

function emptyFrame(): Uint8Array {
  const frame = new Uint8Array(RECORD_FRAME_HEADER_BYTES)
  writeFrameHeader(new DataView(frame.buffer), 0)
  return frame
}
