/**
 * One partition of `__consumer_offsets` as the coordinator uses it: it appends the
 * coordinator's records as one uncompressed RecordBatch v2 per write (as leader, producer id -1,
 * through the same Partition path as user data, so fetches and replication see them like any
 * other records), replays the log to rebuild state at start, and keeps the coordinator snapshot
 * that lets start-up skip most of that replay.
 *
 * Event loop thread only; appends are synchronous (page cache), snapshot writes are async.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { batchBaseOffset, batchCrc, batchIsControl, batchLastOffset, nextBatch } from '../protocol/record-batch.js'
import { decodeRecordBatch, encodeRecordBatch, type RecordInput } from '../protocol/records.js'
import type { Partition } from '../replication/partition.js'
import { type CompressionCodec, decompress } from '../storage/codecs.js'
import { crc32c } from '../storage/native.js'
import { type Snapshot, type SnapshotRecord, encodeSnapshot, readSnapshot, writeSnapshot } from './coordinator-snapshot.js'

/** How much log one replay step reads (whole batches; the first may be larger). */
const REPLAY_READ_BYTES = 16 * 1024 * 1024

export interface CoordinatorWrite {
  readonly key: Buffer
  /** null writes a tombstone. */
  readonly value: Buffer | null
}

export interface AppendError {
  readonly errorCode: number
  readonly errorMessage: string | null
}

export interface LoadReport {
  /** Records applied from the snapshot. */
  readonly snapshotRecords: number
  /** Records replayed from the log after the snapshot (or from the log start). */
  readonly replayedRecords: number
  /** Why an existing snapshot was not used, if it was not. */
  readonly snapshotRejected: string | null
}

export class OffsetsTopicPartition {
  readonly partition: Partition
  /** Records appended since the last snapshot (drives the record-count snapshot trigger). */
  recordsSinceSnapshot = 0
  /** The log end offset the last snapshot covers (-1: none yet). */
  snapshotEndOffset = -1
  #snapshotting: Promise<void> | null = null

  constructor(partition: Partition) {
    this.partition = partition
  }

  get index(): number {
    return this.partition.index
  }

  /**
   * Appends `writes` as one batch. Returns null on success, else the error as the coordinator
   * should report it (Kafka's mapping from storage errors to coordinator errors).
   */
  append(writes: readonly CoordinatorWrite[], nowMs: number): AppendError | null {
    if (writes.length === 0) return null
    const records: RecordInput[] = writes.map((w, i) => ({ key: w.key, value: w.value, offsetDelta: i }))
    const batch = encodeRecordBatch({ baseTimestamp: nowMs, producerId: -1, producerEpoch: -1, baseSequence: -1, records }, { crc32c })
    const outcome = this.partition.appendRecordsAsLeader(batch, -1, nowMs)
    if (outcome.errorCode === KafkaErrorCodes.NONE) {
      this.recordsSinceSnapshot += writes.length
      return null
    }
    return { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage }
  }

  /**
   * Rebuilds state: applies the snapshot's records if the snapshot still matches the log, then
   * every record after it, in log order. `apply` sees each key with its value (null for a
   * tombstone). Corrupt snapshots are ignored (the whole log is replayed instead).
   */
  async load(apply: (key: Buffer | null, value: Buffer | null) => void): Promise<LoadReport> {
    const log = this.partition.log
    let from = log.logStartOffset
    let snapshotRecords = 0
    let snapshotRejected: string | null = null
    let snapshot: Snapshot | null = null
    try {
      snapshot = await readSnapshot(log.dir)
    } catch (error) {
      snapshotRejected = `unreadable: ${(error as Error).message}`
    }
    if (snapshot !== null) {
      snapshotRejected = this.#snapshotMismatch(snapshot)
      if (snapshotRejected === null) {
        for (const record of snapshot.records) apply(record.key, record.value)
        snapshotRecords = snapshot.records.length
        from = snapshot.endOffset
        this.snapshotEndOffset = snapshot.endOffset
      }
    }
    const replayedRecords = this.#replay(from, apply)
    this.recordsSinceSnapshot = replayedRecords
    return { snapshotRecords, replayedRecords, snapshotRejected }
  }

  /**
   * Writes a snapshot of `records` (the live keys, as `liveRecords` gives them at this moment)
   * covering the log up to its current end. Concurrent calls share the one in progress.
   */
  snapshot(liveRecords: () => SnapshotRecord[], nowMs: number): Promise<void> {
    if (this.#snapshotting !== null) return this.#snapshotting
    const endOffset = this.partition.logEndOffset
    if (endOffset === this.snapshotEndOffset) return Promise.resolve()
    const last = this.#lastBatch(endOffset)
    const bytes = encodeSnapshot({ endOffset, lastBatchBaseOffset: last.baseOffset, lastBatchCrc: last.crc, records: liveRecords() }, nowMs)
    const appendedMeanwhile = this.recordsSinceSnapshot
    this.#snapshotting = writeSnapshot(this.partition.log.dir, bytes)
      .then(() => {
        this.snapshotEndOffset = endOffset
        this.recordsSinceSnapshot = Math.max(0, this.recordsSinceSnapshot - appendedMeanwhile)
      })
      .finally(() => {
        this.#snapshotting = null
      })
    return this.#snapshotting
  }

  #snapshotMismatch(snapshot: Snapshot): string | null {
    const log = this.partition.log
    if (snapshot.endOffset > log.logEndOffset) return `it covers offsets up to ${snapshot.endOffset}, beyond the log end ${log.logEndOffset}`
    if (snapshot.endOffset < log.logStartOffset) return `it ends at ${snapshot.endOffset}, before the log start ${log.logStartOffset}`
    const last = this.#lastBatch(snapshot.endOffset)
    if (last.baseOffset !== snapshot.lastBatchBaseOffset || last.crc !== snapshot.lastBatchCrc) {
      return `the log batch before offset ${snapshot.endOffset} is not the one the snapshot was taken after`
    }
    return null
  }

  /** Base offset and CRC of the batch that holds `endOffset - 1`, or (-1, 0) at the log start. */
  #lastBatch(endOffset: number): { baseOffset: number; crc: number } {
    const log = this.partition.log
    if (endOffset <= log.logStartOffset) return { baseOffset: -1, crc: 0 }
    try {
      const buffer = log.read(endOffset - 1, 1).toBuffers()[0]
      if (buffer === undefined || buffer.length < 21) return { baseOffset: -1, crc: 0 }
      return { baseOffset: batchBaseOffset(buffer, 0), crc: batchCrc(buffer, 0) }
    } catch {
      // Unreadable here means no batch to vouch for the snapshot: it will not match on load.
      return { baseOffset: -1, crc: 0 }
    }
  }

  /** Applies every record from `from` to the log end; returns how many. */
  #replay(from: number, apply: (key: Buffer | null, value: Buffer | null) => void): number {
    const log = this.partition.log
    let position = from
    let count = 0
    while (position < log.logEndOffset) {
      const buffers = log.read(position, REPLAY_READ_BYTES).toBuffers()
      let next = position
      for (const buffer of buffers) {
        let at = 0
        while (at < buffer.length) {
          const end = nextBatch(buffer, at, buffer.length, true)
          if (end === -1) break
          const lastOffset = batchLastOffset(buffer, at)
          if (lastOffset >= position && !batchIsControl(buffer, at)) {
            const batch = decodeRecordBatch(buffer, { crc32c, decompress: decompressBatch }, at)
            const base = Number(batch.baseOffset)
            for (const record of batch.records) {
              if (base + record.offsetDelta < position) continue
              apply(record.key, record.value)
              count++
            }
          }
          next = Math.max(next, lastOffset + 1)
          at = end
        }
      }
      // A read that made no progress would loop forever; the log must end here.
      if (next <= position) break
      position = next
    }
    return count
  }
}

/** The storage codecs, for the (unusual) compressed batch in __consumer_offsets. */
function decompressBatch(codec: number, data: Buffer, maxBytes: number): Buffer {
  return decompress(codec as CompressionCodec, data, maxBytes)
}
