/**
 * `PartitionLog`: the log of one partition, one directory in Kafka's layout, over the Rust
 * segment log (crates/seglog). This is the class embedders use (`import { PartitionLog } from
 * 'samsa/log'`); the broker reaches it through `LogManager`.
 *
 * On disk: `<20-digit base offset>.log` segments of RecordBatch v2 batches exactly as producers
 * sent them (with the broker-assigned baseOffset and partitionLeaderEpoch), a sparse `.index`
 * (offset → position) and `.timeindex` (timestamp → offset) per segment, and
 * `leader-epoch-checkpoint`, and for segments holding ABORT markers a `.txnindex` of the aborted
 * transactions (Kafka's 34-byte AbortedTxn entries: version, producer id, first offset, last
 * offset, last stable offset).
 *
 * Thread-safety and ownership: a PartitionLog belongs to the JS thread that opened it. Its
 * synchronous methods do page-cache work only (microseconds) and never wait on a disk; fsync,
 * recovery, retention deletes and close run on the libuv pool and return promises. Do not open
 * the same directory twice (in one process or two): nothing locks it.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { defaultLogConfig, type LogConfig } from './log-config.js'
import { toNativeConfig } from './native-config.js'
import { NativeLog, type CleanableStats, type CleanerCancel, type CleanOptions, type CleanStats } from './native.js'
import { register, unregister } from './open-logs.js'
import { ReadPlan } from './read-plan.js'

/** How the log was last closed; `LogManager` derives it from the clean-shutdown marker. */
export interface RecoveryOptions {
  /**
   * The previous process closed the log cleanly (LogManager's `.kafka_cleanshutdown`): nothing
   * is scanned, only index files are sanity-checked. When false, every segment from the one
   * holding `recoveryPoint` on is verified batch by batch and a torn tail is cut off.
   */
  cleanShutdown: boolean
  /** Offset below which data is known to be flushed (default 0: verify everything). */
  recoveryPoint?: number
  /** Log start offset remembered from before (DeleteRecords, retention). Default 0. */
  logStartOffset?: number
}

export interface AppendOptions {
  /** Reject batches whose baseOffset is not 0, as Kafka's broker does. Default true. */
  requireZeroBaseOffset?: boolean
  /** Accept control batches (transaction markers the broker writes itself). Default false. */
  allowControlBatches?: boolean
  /**
   * Refuse records without a key (SEGLOG_COMPACTED_TOPIC_MISSING_KEY), as Kafka does for a
   * compacted topic. Walks every record in Rust, so only compacted topics ask. Default false.
   */
  requireKeys?: boolean
}

export interface AppendResult {
  /** Offset given to the first record. */
  baseOffset: number
  /** Offset given to the last record. */
  lastOffset: number
  /** The time written into the batches under LogAppendTime, else -1. */
  logAppendTime: number
  /** Largest batch maxTimestamp of the append. */
  maxTimestamp: number
  recordCount: number
  /** A flush was scheduled (a segment rolled, or flush.messages was reached). */
  flushNeeded: boolean
}

export interface TimestampAndOffset {
  timestamp: number
  offset: number
}

export interface EpochEndOffset {
  /** Largest known leader epoch at or below the requested one, or -1. */
  epoch: number
  /** Where that epoch ends: the next epoch's start offset, or the log end offset; -1 if unknown. */
  endOffset: number
}

/** Producer fields of one stored batch, to rebuild idempotent-producer state at start. */
export interface BatchHeader {
  baseOffset: number
  lastOffset: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  /** baseSequence + lastOffsetDelta (wrapping at 2^31 like Kafka); -1 without a sequence. */
  lastSequence: number
  maxTimestamp: number
  isTransactional: boolean
  isControl: boolean
  partitionLeaderEpoch: number
}

/** An aborted transaction, as the `.txnindex` records it (Kafka's AbortedTxn). */
export interface AbortedTxn {
  producerId: number
  /** Offset of the transaction's first batch. */
  firstOffset: number
  /** Offset of its ABORT marker. */
  lastOffset: number
  /** The last stable offset once the marker was written: no later entry concerns offsets below it. */
  lastStableOffset: number
}

/** What opening found: how many segments were verified, rebuilt or cut. */
export interface OpenReport {
  segments: number
  recoveredSegments: number
  rebuiltIndexes: number
  truncatedBytes: number
  deletedSegments: number
}

export interface CloseResult {
  /** False when a truncation is still deferred by a live view: the next open must recover. */
  clean: boolean
}

const ALLOW_NON_ZERO_BASE_OFFSET = 1
const ALLOW_CONTROL_BATCHES = 2
const REQUIRE_KEYS = 4
/**
 * The addon writes an append's result here (baseOffset, lastOffset, logAppendTime, maxTimestamp,
 * recordCount, flushNeeded), and a read plan's byte length, rather than building a JS object
 * through N-API, which costs more than a small append itself. One per thread is enough: the
 * calls are synchronous.
 */
const resultFields = new Float64Array(6)
const resultBytes = Buffer.from(resultFields.buffer)

export class PartitionLog {
  /** The partition directory. */
  readonly dir: string
  #native: NativeLog
  #config: LogConfig
  /** cleanup.policy includes compact (kept as a field: the produce path asks on every append). */
  #compacted: boolean
  /** The latest flush, and the one among them that has not started its fsync yet. */
  #flushing: Promise<void> | undefined
  #flushQueued: Promise<void> | undefined
  #flushMsTimer: NodeJS.Timeout | undefined
  /** An fsync that failed in the background: the log refuses appends from then on. */
  #failure: unknown
  #closed = false
  /** This log's entry among the open logs (diagnostics, see open-logs.ts). */
  #registration: object

  private constructor(dir: string, native: NativeLog, config: LogConfig) {
    this.dir = dir
    this.#native = native
    this.#config = config
    this.#compacted = isCompactedConfig(config)
    this.#registration = register(this)
  }

  /**
   * Opens the partition directory `dir` (created if missing) on the libuv pool. Without
   * `recovery`, the whole log is verified (always safe; LogManager passes what it knows).
   */
  static async open(dir: string, config: LogConfig = {}, recovery?: RecoveryOptions): Promise<PartitionLog> {
    const native = await NativeLog.open(dir, toNativeConfig(config), recovery ?? { cleanShutdown: false })
    native.setResultBuffer(resultBytes)
    return new PartitionLog(dir, native, { ...config })
  }

  /**
   * Appends a producer's record set: one or more RecordBatch v2 batches back to back in
   * `records`. Every batch is validated first (magic 2, lengths, CRC-32C, lastOffsetDelta vs
   * recordsCount, size ≤ max.message.bytes, baseOffset 0, no control batch); if any fails, a
   * SEGLOG_* error names the check and nothing is written. Then offsets are assigned by
   * rewriting baseOffset and partitionLeaderEpoch IN PLACE in `records` (the caller's Buffer is
   * modified; under LogAppendTime also maxTimestamp and the CRC), and the bytes are written with
   * one write into the page cache. Synchronous; never waits on a disk.
   */
  appendAsLeader(records: Buffer, leaderEpoch: number, options?: AppendOptions): AppendResult {
    this.#checkUsable()
    let flags = 0
    if (options?.requireZeroBaseOffset === false) flags |= ALLOW_NON_ZERO_BASE_OFFSET
    if (options?.allowControlBatches === true) flags |= ALLOW_CONTROL_BATCHES
    if (options?.requireKeys === true) flags |= REQUIRE_KEYS
    this.#native.appendAsLeader(records, leaderEpoch, flags)
    return this.#afterAppend()
  }

  /**
   * Appends batches replicated from the leader, keeping their offsets and leader epochs. The
   * first batch must start at or after the log end offset. CRCs are checked. Synchronous.
   */
  appendAsFollower(records: Buffer): AppendResult {
    this.#checkUsable()
    this.#native.appendAsFollower(records)
    return this.#afterAppend()
  }

  /**
   * Plans a read: whole batches starting with the batch that contains `offset` (clients drop
   * the records below the offset they asked for), ending before the first batch that reaches
   * `upperBound` (the high watermark; default the log end offset), at most `maxBytes` except that
   * the first batch is always included. The plan may span segments. Throws
   * SEGLOG_OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset]. Synchronous, no data read.
   */
  read(offset: number, maxBytes: number, upperBound?: number): ReadPlan {
    const handle = this.#native.read(offset, maxBytes, upperBound ?? -1)
    return new ReadPlan(handle, resultFields[0]!)
  }

  /**
   * For ListOffsets: the first record whose timestamp is ≥ `timestamp` and its timestamp, or
   * null if every record is older. Exact for uncompressed batches; for a compressed batch the
   * answer is its base offset and max timestamp (it is not decompressed; clients skip the
   * earlier records they receive).
   */
  offsetForTimestamp(timestamp: number): TimestampAndOffset | null {
    return this.#native.offsetForTimestamp(timestamp)
  }

  /** The largest batch timestamp and the last offset of the first batch carrying it, or null. */
  maxTimestamp(): TimestampAndOffset | null {
    return this.#native.maxTimestamp()
  }

  /** For OffsetForLeaderEpoch: where `epoch` ends in this log. */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.#native.endOffsetForEpoch(epoch)
  }

  /** Producer fields of up to `maxBatches` batches from the one containing `fromOffset`. */
  readBatchHeaders(fromOffset: number, maxBatches: number): BatchHeader[] {
    return this.#native.readBatchHeaders(fromOffset, maxBatches)
  }

  /**
   * Enters an aborted transaction in the `.txnindex` of the segment holding its ABORT marker;
   * returns false when it is there already (a rebuild offers every one again). Synchronous, a
   * page-cache write.
   */
  appendAbortedTxn(txn: AbortedTxn): boolean {
    this.#checkUsable()
    return this.#native.appendAbortedTxn(txn.producerId, txn.firstOffset, txn.lastOffset, txn.lastStableOffset)
  }

  /**
   * The aborted transactions overlapping [`fetchOffset`, `upperBound`), from the `.txnindex` of
   * the segment holding `fetchOffset` and later ones (Kafka's collectAbortedTransactions): what
   * a read_committed fetch of that range reports. Synchronous, from memory.
   */
  collectAbortedTxns(fetchOffset: number, upperBound: number): AbortedTxn[] {
    return this.#native.collectAbortedTxns(fetchOffset, upperBound)
  }

  /** First offset still readable. */
  get logStartOffset(): number {
    return this.#native.logStartOffset
  }

  /** Offset the next appended record gets. */
  get logEndOffset(): number {
    return this.#native.logEndOffset
  }

  /** Offset below which everything is known to be fsynced (persist it to reopen quickly). */
  get recoveryPoint(): number {
    return this.#native.recoveryPoint
  }

  /** Bytes in all segments. */
  get size(): number {
    return this.#native.size
  }

  /** Latest leader epoch recorded, or null. */
  get latestEpoch(): number | null {
    return this.#native.latestEpoch
  }

  /** Base offsets of the segments, oldest first. */
  get segmentBaseOffsets(): number[] {
    return this.#native.segmentBaseOffsets
  }

  /** What opening found and repaired. */
  get openReport(): OpenReport {
    return this.#native.openReport
  }

  /** The settings in force (only those that were set; the rest are Kafka's defaults). */
  get config(): Readonly<LogConfig> {
    return this.#config
  }

  /**
   * Removes every batch from the one containing `offset` on (followers truncate to a batch
   * boundary). Later segments are deleted in two phases; a segment that a live mmap view still
   * reads is cut logically now and physically once the views are gone. Synchronous.
   */
  truncateTo(offset: number): void {
    this.#checkUsable()
    this.#native.truncateTo(offset)
  }

  /**
   * Empties the log and starts it again at `offset`, which may lie past the log end (a follower
   * whose whole log is below the leader's log start offset). Leader epochs are forgotten; old
   * segments go in two phases, as for truncateTo. Synchronous.
   */
  truncateFullyAndStartAt(offset: number): void {
    this.#checkUsable()
    this.#native.truncateFullyAndStartAt(offset)
  }

  /**
   * Moves the log start offset up to `offset` (DeleteRecords) and returns the new start. Reads
   * below it fail from now on; the segments wholly below it go in the next retention pass.
   */
  deleteRecordsBefore(offset: number): number {
    this.#checkUsable()
    return this.#native.deleteRecordsBefore(offset)
  }

  /** Whether the log cleaner compacts this log (cleanup.policy includes `compact`). */
  get isCompacted(): boolean {
    return this.#compacted
  }

  /** How dirty the log is for the cleaner (in-memory segment sizes; quick). */
  cleanableStats(options: CleanOptions): CleanableStats {
    return this.#native.cleanableStats(options)
  }

  /**
   * One cleaning (compaction) of the segments below the active one, on the libuv pool (seglog's
   * cleaner.rs). Appends and reads go on meanwhile; the swap takes the log's lock for renames
   * only. `cancel` stops it between batches; a close waits for a cleaning, so cancel first.
   */
  clean(options: CleanOptions, cancel: CleanerCancel): Promise<CleanStats> {
    return this.#native.clean(options, cancel)
  }

  /**
   * Retention on the libuv pool: deletes the oldest segments that are below the log start
   * offset, older than retention.ms or beyond retention.bytes, never at or past `highWatermark`
   * (default: the log end offset). Files are renamed to `.deleted` at once and unlinked when
   * their last read plan or Buffer is gone. Resolves to the number of segments deleted.
   */
  deleteOldSegments(nowMs: number = Date.now(), highWatermark?: number): Promise<number> {
    return this.#native.deleteOldSegments(nowMs, highWatermark)
  }

  /**
   * Closes the `.log` files of old segments that were not read since the previous call and that
   * no read plan or Buffer holds (they open again on the next read); the active segment stays
   * open. Returns how many old segments still hold a file. Synchronous and quick (close and
   * munmap only); the LogManager calls it for every log on a timer.
   */
  releaseIdleSegments(): number {
    if (this.#closed) return 0
    return this.#native.releaseIdleSegments()
  }

  /**
   * fsyncs everything appended so far on the libuv pool, then advances the recovery point.
   * Appends continue meanwhile. Concurrent calls share one flush when they can.
   */
  flush(): Promise<void> {
    // A flush that has not started yet covers every append made before it starts: share it.
    if (this.#flushQueued !== undefined) return this.#flushQueued
    const previous = this.#flushing?.catch(() => undefined) ?? Promise.resolve()
    const flush = previous.then(() => {
      this.#flushQueued = undefined
      return this.#native.flush()
    })
    const settle = (): void => {
      if (this.#flushing === flush) this.#flushing = undefined
    }
    flush.then(settle, settle)
    this.#flushQueued = flush
    this.#flushing = flush
    return flush
  }

  /**
   * Flushes, writes the index tails and the leader-epoch checkpoint, and releases the files
   * (read plans and Buffers keep theirs). Every other method throws SEGLOG_CLOSED afterwards.
   */
  async close(): Promise<CloseResult> {
    this.#closed = true
    this.#clearFlushTimer()
    try {
      await this.#flushing?.catch(() => undefined)
      return await this.#native.close()
    } finally {
      unregister(this.#registration)
    }
  }

  /**
   * Closes without flushing, for a partition that is being deleted: every other method throws
   * SEGLOG_CLOSED at once. Resolves when the work already running for the log on the libuv pool
   * (a flush, a retention pass) has finished; from then on nothing writes into the directory,
   * so it may be renamed or removed.
   */
  async abandon(): Promise<void> {
    this.#closed = true
    this.#clearFlushTimer()
    try {
      await this.#native.abandon()
    } finally {
      unregister(this.#registration)
    }
  }

  /** Replaces the settings (unknown names throw SAMSA_CONFIG); they apply from the next append. */
  updateConfig(config: LogConfig): void {
    this.#native.updateConfig(toNativeConfig(config))
    this.#config = { ...config }
    this.#compacted = isCompactedConfig(config)
  }

  #checkUsable(): void {
    if (this.#failure !== undefined) {
      throw new SamsaError(ErrorCodes.STORAGE, `The log at ${this.dir} is offline after a failed background flush.`, {
        cause: this.#failure,
      })
    }
  }

  /** Reads the append's result from `resultFields` and schedules the flush it asks for. */
  #afterAppend(): AppendResult {
    const result: AppendResult = {
      baseOffset: resultFields[0]!,
      lastOffset: resultFields[1]!,
      logAppendTime: resultFields[2]!,
      maxTimestamp: resultFields[3]!,
      recordCount: resultFields[4]!,
      flushNeeded: resultFields[5] === 1,
    }
    if (result.flushNeeded) {
      this.#flushInBackground()
      return result
    }
    const flushMs = this.#config['flush.ms'] ?? defaultLogConfig['flush.ms']
    if (flushMs !== null && this.#flushMsTimer === undefined) {
      // Flushes within flush.ms of the first unflushed append; unref'd so an idle log never
      // keeps the process alive.
      this.#flushMsTimer = setTimeout(() => {
        this.#flushMsTimer = undefined
        this.#flushInBackground()
      }, flushMs).unref()
    }
    return result
  }

  #flushInBackground(): void {
    if (this.#closed) return
    this.#clearFlushTimer()
    this.flush().catch((error: unknown) => {
      // An fsync failure may have lost written data (the kernel drops the dirty pages), so the
      // log stops taking appends, as Kafka takes a failed log dir offline.
      this.#failure ??= error
    })
  }

  #clearFlushTimer(): void {
    if (this.#flushMsTimer !== undefined) clearTimeout(this.#flushMsTimer)
    this.#flushMsTimer = undefined
  }
}

function isCompactedConfig(config: LogConfig): boolean {
  return config['cleanup.policy']?.includes('compact') ?? false
}
