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
import type { MetadataStore } from '../../metadata/metadata-store.js'
import type { WorkerPool } from '../../workers/pool.js'
import {
  type DisplayOutput,
  type DisplayRecord,
  type DisplayRecordsResult,
  type RecordFormat,
} from '../../workers/tasks/display-records.js'
import { RECORD_FRAME_HEADER_BYTES, writeFrameHeader } from '../../workers/tasks/record-frame.js'
import type { PeerBrokers } from './peer-brokers.js'
import { fetchFromLeader, type Piece } from './remote-fetch.js'

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

/** What a reader needs to read partitions that other brokers lead. */
export interface RemoteReads {
  readonly nodeId: number
  readonly metadata: MetadataStore
  readonly peers: PeerBrokers
}

export interface PartitionReaderOptions {
  readonly replicas: ReplicaManager
  /** Without it, partitions led elsewhere answer NOT_LEADER_OR_FOLLOWER. */
  readonly remote?: RemoteReads
  readonly pool: WorkerPool
  /** The broker's fetch.max.bytes, which caps any read. */
  readonly fetchMaxBytes: number
}

const DEFAULT_MAX_BYTES = 1024 * 1024

export class PartitionReader {
  readonly #replicas: ReplicaManager
  readonly #pool: WorkerPool
  readonly #fetchMaxBytes: number
  readonly #remote: RemoteReads | undefined

  constructor(options: PartitionReaderOptions) {
    this.#replicas = options.replicas
    this.#remote = options.remote
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
    const remote = this.#remote === undefined ? null : remoteLeaders(this.#remote, request)
    const partitions: PartitionReadOutcome[] = request.positions.map((position) => ({
      partition: position.partition,
      errorCode: KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION,
      nextOffset: position.offset,
      highWatermark: -1,
      logStartOffset: -1,
    }))
    let pieces: Piece[]
    if (remote === null) {
      pieces = await this.#readHere(request, request.positions.map((_, i) => i), partitions, request.signal)
    } else {
      pieces = await this.#readAnywhere(request, remote, partitions)
    }
    if (pieces.length === 0 || request.signal?.aborted === true) return { partitions, count: 0, bytes: 0, output: empty() }

    // Local plans view the page cache through mmap; a worker needs bytes it can own, so every
    // piece is copied once into one buffer that is moved, not cloned, to the worker.
    let bytes = 0
    for (const piece of pieces) bytes += piece.length
    const data = Buffer.allocUnsafeSlow(bytes)
    const parts: number[] = []
    /** The request position of each part. */
    const partIndexes: number[] = []
    let at = 0
    for (const { index, plan, records } of pieces) {
      const start = at
      if (records !== null) {
        at += records.copy(data, at)
      } else {
        try {
          for (const slice of plan!.toBuffers()) at += slice.copy(data, at)
        } catch {
          // A truncation (a new leader's log) removed the bytes since the plan was made: nothing of
          // this partition is read now, and the caller reads it again.
          at = start
          partitions[index] = { ...partitions[index]!, errorCode: KafkaErrorCodes.KAFKA_STORAGE_ERROR }
          continue
        }
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

  /** The positions at `indexes`, read through this broker's fetchRecords; fills their outcomes. */
  async #readHere(request: PartitionReadRequest, indexes: readonly number[], partitions: PartitionReadOutcome[], signal: AbortSignal | undefined): Promise<Piece[]> {
    const maxBytes = request.maxBytes ?? DEFAULT_MAX_BYTES
    const partitionFetches: PartitionFetch[] = indexes.map((i) => ({
      partition: request.positions[i]!.partition,
      currentLeaderEpoch: -1,
      fetchOffset: request.positions[i]!.offset,
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
        signal,
      },
      this.#fetchMaxBytes,
    )
    const outcomes = fetched[0]?.partitions ?? []
    const pieces: Piece[] = []
    indexes.forEach((index, i) => {
      const outcome = outcomes[i]
      if (outcome === undefined) return
      partitions[index] = { ...partitions[index]!, errorCode: outcome.errorCode, highWatermark: outcome.highWatermark, logStartOffset: outcome.logStartOffset }
      const plan = outcome.records
      if (plan != null && plan.byteLength > 0) pieces.push({ index, plan, records: null, length: plan.byteLength })
    })
    return pieces
  }

  /**
   * Positions led here and elsewhere: each leader's share is read at once, and the first read
   * that brings records ends the others' waits (a local wait is aborted; a remote Fetch still
   * parked at its leader is left to finish on its own connection, and its partitions keep their
   * positions, to be read next time).
   */
  async #readAnywhere(request: PartitionReadRequest, byLeader: Map<number, number[]>, partitions: PartitionReadOutcome[]): Promise<Piece[]> {
    const remote = this.#remote!
    const waitEnded = new AbortController()
    const stopWaiting = (): void => waitEnded.abort()
    request.signal?.addEventListener('abort', stopWaiting, { once: true })
    const settled: Piece[] = []
    const reads: Array<Promise<void>> = []
    /** Outcomes are copied into `partitions` only from reads that finished before the answer. */
    let answered = false
    for (const [leader, indexes] of byLeader) {
      const outcomes = partitions.slice()
      const read = leader === remote.nodeId
        ? this.#readHere(request, indexes, outcomes, waitEnded.signal)
        : fetchFromLeader(remote.peers, leader, request, indexes, outcomes)
      reads.push(read.then((pieces) => {
        if (answered) return
        for (const index of indexes) partitions[index] = outcomes[index]!
        settled.push(...pieces)
        if (pieces.length > 0) stopWaiting()
      }))
    }
    try {
      await new Promise<void>((resolve, reject) => {
        let left = reads.length
        for (const read of reads) {
          read.then(() => {
            if (--left === 0 || waitEnded.signal.aborted) resolve()
          }, reject)
        }
      })
    } finally {
      answered = true
      request.signal?.removeEventListener('abort', stopWaiting)
      waitEnded.abort()
    }
    return settled
  }
}

/** Request indexes by leader, or null when this broker leads every partition read (the fast path). */
function remoteLeaders(remote: RemoteReads, request: PartitionReadRequest): Map<number, number[]> | null {
  // Without a leader a partition is asked here, which answers with the error a client expects.
  const leaderOf = (partition: number): number => {
    const leader = remote.metadata.partitionState(request.topic, partition)?.leader ?? -1
    return leader < 0 ? remote.nodeId : leader
  }
  if (request.positions.every((position) => leaderOf(position.partition) === remote.nodeId)) return null
  const byLeader = new Map<number, number[]>()
  request.positions.forEach((position, i) => {
    const leader = leaderOf(position.partition)
    let list = byLeader.get(leader)
    if (list === undefined) byLeader.set(leader, (list = []))
    list.push(i)
  })
  return byLeader
}

function emptyFrame(): Uint8Array {
  const frame = new Uint8Array(RECORD_FRAME_HEADER_BYTES)
  writeFrameHeader(new DataView(frame.buffer), 0)
  return frame
}
