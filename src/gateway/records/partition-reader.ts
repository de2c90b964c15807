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
 * Subscribers reading the same bytes share one decode: a read whose partitions, offsets and batch
 * lengths (and form) match one decoded in the last second, or still being decoded, takes that
 * result instead of copying and decoding again. That is the common case of a fan-out: every
 * caught-up subscriber of a topic is woken by the same append and reads the same new batches, and
 * subscribers that start together from the same offset stay in step. Results are shared, so
 * callers must not modify them.
 *
 * Partitions another broker leads are read with a Fetch to their leader (remote-fetch.ts: replica
 * id -1, read_uncommitted, the wait as the Fetch's maxWaitMs) and their bytes decoded by the same
 * task. A read of partitions led here only takes the local path alone, as before cluster mode.
 *
 * Each partition's outcome says where to read next (after the last batch read, control batches
 * included, or the same offset when nothing came) and carries the partition's Kafka error code:
 * OFFSET_OUT_OF_RANGE (below the log start or past the end), UNKNOWN_TOPIC_OR_PARTITION,
 * NOT_LEADER_OR_FOLLOWER. A partition with an error does not stop the others.
 */
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { fetchRecords, type PartitionFetch } from '../../replication/fetch-records.js'
import type { ReplicaManager } from '../../replication/replica-manager.js'
import type { WorkerPool } from '../../workers/pool.js'
import {
  type DisplayOutput,
  type DisplayRecord,
  type DisplayRecordsResult,
  type RecordFormat,
} from '../../workers/tasks/display-records.js'
import { RECORD_FRAME_HEADER_BYTES, writeFrameHeader } from '../../workers/tasks/record-frame.js'
import type { MetadataStore } from '../../metadata/metadata-store.js'
import type { PeerBrokers } from '../../broker/peer-brokers.js'
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
/** Decodes kept for sharing: at most this many, for at most this long after they were started. */
const SHARED_DECODES = 32
const SHARED_DECODE_MS = 1000

interface SharedDecode {
  readonly startedAt: number
  readonly result: Promise<Decoded>
}

export class PartitionReader {
  readonly #replicas: ReplicaManager
  readonly #pool: WorkerPool
  readonly #fetchMaxBytes: number
  readonly #remote: RemoteReads | undefined
  /** Decodes by what they decoded (see the module comment), oldest first. */
  readonly #shared = new Map<string, SharedDecode>()
  #sharedHits = 0

  constructor(options: PartitionReaderOptions) {
    this.#replicas = options.replicas
    this.#pool = options.pool
    this.#fetchMaxBytes = options.fetchMaxBytes
    this.#remote = options.remote
  }

  /** Reads that took another read's decode instead of decoding (for tests and stats). */
  get sharedDecodes(): number {
    return this.#sharedHits
  }

  /** Records as objects. */
  readRecords(request: PartitionReadRequest): Promise<PartitionRead<DisplayRecord[]>> {
    return this.#read(request, 'records', (result) => result.records ?? [], () => [])
  }

  /** Records as the JSON text of an array of display records. */
  readJson(request: PartitionReadRequest): Promise<PartitionRead<string>> {
    return this.#read(request, 'json', (result) => result.json ?? '[]', () => '[]')
  }

  /**
   * Records as the UTF-8 bytes of `envelope[0]` + the JSON array + `envelope[1]`: a whole text
   * frame, encoded once in the worker and shared by every reader of the same bytes.
   */
  readJsonBytes(request: PartitionReadRequest, envelope: readonly [string, string]): Promise<PartitionRead<Uint8Array>> {
    const empty = (): Uint8Array => Buffer.from(`${envelope[0]}[]${envelope[1]}`)
    return this.#read(request, 'json-bytes', (result) => result.jsonBytes ?? empty(), empty, envelope)
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
    envelope?: readonly [string, string],
  ): Promise<PartitionRead<Output>> {
    const remote = this.#remote === undefined ? null : remoteLeaders(this.#remote, request)
    const partitions: PartitionReadOutcome[] = request.positions.map((position) => ({
      partition: position.partition,
      errorCode: KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION,
      nextOffset: position.offset,
      highWatermark: -1,
      logStartOffset: -1,
    }))
    const read = remote === null
      ? await this.#readHere(request, request.positions.map((_, i) => i), partitions, request.signal)
      : await this.#readAnywhere(request, remote, partitions)
    const pieces = read.pieces
    if (pieces.length === 0 || request.signal?.aborted === true) return { partitions, count: 0, bytes: 0, output: empty() }
    pieces.sort((x, y) => x.index - y.index)

    const format = request.format ?? 'binary'
    let key = `${read.topicId ?? request.topic}|${format}|${output}|${envelope?.join('|') ?? ''}`
    for (const { index, length } of pieces) key += `|${request.positions[index]!.partition}:${request.positions[index]!.offset}:${length}`
    const now = Date.now()
    for (const [oldKey, entry] of this.#shared) {
      if (now - entry.startedAt < SHARED_DECODE_MS && this.#shared.size <= SHARED_DECODES) break
      this.#shared.delete(oldKey)
    }
    let decode = this.#shared.get(key)?.result
    if (decode !== undefined) this.#sharedHits++
    else {
      decode = this.#decode(pieces, request, format, output, envelope)
      const entry = { startedAt: now, result: decode }
      this.#shared.set(key, entry)
      const forget = (): void => {
        if (this.#shared.get(key) === entry) this.#shared.delete(key)
      }
      // Kept a short while for readers a step behind, then let go even if no read comes to purge
      // it; a failed decode is not kept at all (the next read tries again).
      decode.then(() => setTimeout(forget, SHARED_DECODE_MS).unref(), forget)
    }
    const shared = await decode
    // Outcomes are this caller's: partitions come back by number, whoever started the decode.
    for (let i = 0; i < shared.decoded.length; i++) {
      const next = shared.result.nextOffsets[i]!
      const index = request.positions.findIndex((position) => position.partition === shared.decoded[i])
      if (next >= 0 && index >= 0) partitions[index] = { ...partitions[index]!, nextOffset: next }
    }
    for (const partition of shared.unreadable) {
      const index = request.positions.findIndex((position) => position.partition === partition)
      if (index >= 0) partitions[index] = { ...partitions[index]!, errorCode: KafkaErrorCodes.KAFKA_STORAGE_ERROR }
    }
    return { partitions, count: shared.result.count, bytes: shared.bytes, output: shared.result.count === 0 ? empty() : pick(shared.result) }
  }

  /**
   * Copies the pieces' bytes (local plans out of the page cache, a leader's bytes out of its
   * response) into one buffer (a worker needs bytes it can own; the plans view segments through
   * mmap) and decodes them in one pool task.
   */
  async #decode(
    pieces: readonly Piece[],
    request: PartitionReadRequest,
    format: RecordFormat,
    output: DisplayOutput,
    envelope: readonly [string, string] | undefined,
  ): Promise<Decoded> {
    const data = Buffer.allocUnsafeSlow(pieces.reduce((sum, { length }) => sum + length, 0))
    const parts: number[] = []
    const decoded: number[] = []
    const unreadable: number[] = []
    let at = 0
    for (const { index, plan, records } of pieces) {
      const { partition, offset } = request.positions[index]!
      const start = at
      try {
        if (records !== null) at += records.copy(data, at)
        else for (const slice of plan!.toBuffers()) at += slice.copy(data, at)
      } catch {
        // A truncation (a new leader's log) removed the bytes since the plan was made: nothing of
        // this partition is read now, and the caller reads it again.
        at = start
        unreadable.push(partition)
        continue
      }
      parts.push(partition, offset, at)
      decoded.push(partition)
    }
    if (decoded.length === 0) return { result: { nextOffsets: [], count: 0 }, decoded, unreadable, bytes: 0 }
    const result = await this.#pool.run('decodeDisplayRecords', { data: at === data.length ? data : data.subarray(0, at), parts, format, output, envelope })
    return { result, decoded, unreadable, bytes: at }
  }

  /** The positions at `indexes`, read through this broker's fetchRecords; fills their outcomes. */
  async #readHere(request: PartitionReadRequest, indexes: readonly number[], partitions: PartitionReadOutcome[], signal: AbortSignal | undefined): Promise<PiecesRead> {
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
    return { pieces, topicId: fetched[0]?.topic?.topicId }
  }

  /**
   * Positions led here and elsewhere, each leader's share read at once, in two passes as a
   * consumer reading several leaders does: the first without waiting, answered as soon as every
   * leader answered; only when it found nothing (and no error) a second pass waits at every
   * leader, and the first leader to bring records ends the others' waits (a local wait is
   * aborted; a remote Fetch still parked is left to finish on its own connection, and its
   * partitions keep the first pass's outcome and their positions, to be read next time).
   */
  async #readAnywhere(request: PartitionReadRequest, byLeader: Map<number, number[]>, partitions: PartitionReadOutcome[]): Promise<PiecesRead> {
    const maxWaitMs = request.maxWaitMs ?? 0
    // One leader (all elsewhere): its own Fetch waits, nothing to coordinate.
    if (byLeader.size === 1) return this.#readLeaders(request, byLeader, partitions, false)
    const first = await this.#readLeaders(maxWaitMs === 0 ? request : { ...request, maxWaitMs: 0 }, byLeader, partitions, false)
    if (maxWaitMs === 0 || first.pieces.length > 0 || request.signal?.aborted === true || partitions.some((p) => p.errorCode !== KafkaErrorCodes.NONE)) return first
    return this.#readLeaders(request, byLeader, partitions, true)
  }

  /**
   * One read at each leader at once; with `firstEndsWait`, the first to bring records ends the
   * others' waits, else the answer waits for every leader.
   */
  async #readLeaders(request: PartitionReadRequest, byLeader: Map<number, number[]>, partitions: PartitionReadOutcome[], firstEndsWait: boolean): Promise<PiecesRead> {
    const remote = this.#remote!
    const waitEnded = new AbortController()
    const stopWaiting = (): void => waitEnded.abort()
    if (request.signal?.aborted === true) stopWaiting()
    else request.signal?.addEventListener('abort', stopWaiting, { once: true })
    const settled: Piece[] = []
    let topicId: string | undefined
    const reads: Array<Promise<void>> = []
    /** Outcomes are copied into `partitions` only from reads that finished before the answer. */
    let answered = false
    for (const [leader, indexes] of byLeader) {
      const outcomes = partitions.slice()
      const read: Promise<PiecesRead> = leader === remote.nodeId
        ? this.#readHere(request, indexes, outcomes, waitEnded.signal)
        : fetchFromLeader(remote.peers, leader, request, indexes, outcomes).then((pieces) => ({ pieces, topicId: undefined }))
      reads.push(read.then((result) => {
        if (answered) return
        for (const index of indexes) partitions[index] = outcomes[index]!
        settled.push(...result.pieces)
        topicId ??= result.topicId
        if (firstEndsWait && result.pieces.length > 0) stopWaiting()
      }))
    }
    try {
      await new Promise<void>((resolve, reject) => {
        let left = reads.length
        for (const read of reads) {
          read.then(() => {
            if (--left === 0 || (firstEndsWait && waitEnded.signal.aborted)) resolve()
          }, reject)
        }
      })
    } finally {
      answered = true
      request.signal?.removeEventListener('abort', stopWaiting)
      waitEnded.abort()
    }
    return { pieces: settled, topicId }
  }
}

/** A read's pieces, and the topic's id when this broker's log told it (decodes are shared by it). */
interface PiecesRead {
  readonly pieces: Piece[]
  readonly topicId: string | undefined
}

/** Request indexes by leader, or null when this broker leads every partition read (the fast path). */
function remoteLeaders(remote: RemoteReads, request: PartitionReadRequest): Map<number, number[]> | null {
  let byLeader: Map<number, number[]> | null = null
  const positions = request.positions
  for (let i = 0; i < positions.length; i++) {
    // Without a leader a partition is asked here, which answers with the error a client expects.
    const leader = remote.metadata.partitionState(request.topic, positions[i]!.partition)?.leader ?? -1
    const target = leader < 0 ? remote.nodeId : leader
    if (byLeader === null) {
      if (target === remote.nodeId) continue
      // The first partition led elsewhere: those before it are read here.
      byLeader = new Map([[remote.nodeId, Array.from({ length: i }, (_, j) => j)]])
    }
    let list = byLeader.get(target)
    if (list === undefined) byLeader.set(target, (list = []))
    list.push(i)
  }
  if (byLeader?.get(remote.nodeId)?.length === 0) byLeader.delete(remote.nodeId)
  return byLeader
}

/** One decode, as shared between reads. */
interface Decoded {
  readonly result: DisplayRecordsResult
  /** Partitions in the order of `result.nextOffsets`. */
  readonly decoded: number[]
  /** Partitions whose bytes were gone by the time they were copied. */
  readonly unreadable: number[]
  readonly bytes: number
}

function emptyFrame(): Uint8Array {
  const frame = new Uint8Array(RECORD_FRAME_HEADER_BYTES)
  writeFrameHeader(new DataView(frame.buffer), 0)
  return frame
}
