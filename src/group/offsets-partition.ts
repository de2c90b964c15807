/**
 * One partition of `__consumer_offsets` while this broker leads it and coordinates its groups: it
 * appends the coordinator's records as one uncompressed RecordBatch v2 per write (as leader,
 * producer id -1, through the same Partition path as user data, so fetches and replication see
 * them like any other records), replays the log to rebuild state when leadership begins, and
 * keeps the coordinator snapshot that lets that replay skip most of the log.
 *
 * Writes are acks=all (Kafka's offsets.commit.required.acks): a write is done once the ISR has it,
 * which the delayed-produce purgatory reports; on a single broker that is at once. One instance
 * lives for one leadership: a new one is made at each load, so nothing of an earlier leadership
 * (writes still waiting, a divergence) leaks into the next.
 *
 * Event loop thread only; appends are synchronous (page cache), snapshot writes are async.
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { ControlRecordTypes, decodeControlRecordKey } from '../protocol/control-records.js'
import { batchBaseOffset, batchCrc, batchLastOffset, batchPartitionLeaderEpoch, nextBatch } from '../protocol/record-batch.js'
import { decodeRecordBatch, encodeRecordBatch, type RecordInput } from '../protocol/records.js'
import type { Partition } from '../replication/partition.js'
import type { DelayedProducePurgatory } from '../replication/purgatory/delayed-produce.js'
import { type CompressionCodec, decompress } from '../storage/codecs.js'
import { crc32c } from '../storage/native.js'
import { SNAPSHOT_FILE, type Snapshot, type SnapshotRecord, encodeSnapshot, readSnapshot, writeSnapshot } from './coordinator-snapshot.js'
import type { MaybeAsync } from './maybe-async.js'

/** How much log one replay step reads (whole batches; the first may be larger). */
const REPLAY_READ_BYTES = 16 * 1024 * 1024

/** The producer whose transaction a TxnOffsetCommit write belongs to. */
export interface TransactionalProducer {
  readonly producerId: number
  readonly producerEpoch: number
}

export interface CoordinatorWrite {
  readonly key: Buffer
  /** null writes a tombstone. */
  readonly value: Buffer | null
}

/**
 * When the coordinator's memory takes a write in: at once (tombstones: the state changes first,
 * as Kafka's cleanup does) or once the write is replicated (commits and group metadata: a
 * client must not see what the ISR may still lose).
 */
export type MemoryUpdate = 'at-append' | 'once-replicated'

export interface AppendResult {
  /** Whether the records reached this leader's log (they may still fail to replicate). */
  readonly appended: boolean
  /** The log offset of the first record written (the others follow it in order); -1 when not appended. */
  readonly baseOffset: number
  /** Why the append was refused, for the log; null when the records were appended. */
  readonly errorMessage: string | null
  /**
   * NONE once the ISR has the records; otherwise Kafka's error for the append or for its
   * replication (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT).
   */
  readonly outcome: MaybeAsync<number>
}

/** What writes need from the broker: the purgatory where acks=all writes wait, and how long. */
export interface CoordinatorWriteOptions {
  readonly produces: DelayedProducePurgatory
  /** Kafka's offsets.commit.timeout.ms. */
  readonly timeoutMs: number
}

/** What a load hands the state it rebuilds, in log order. */
export interface CoordinatorLogReader {
  /**
   * One record (`value` null: a tombstone) at log `offset` (-1 for one from the snapshot);
   * `transactionalProducerId` is the producer whose transaction wrote it (a TxnOffsetCommit), -1
   * for the coordinator's own writes.
   */
  record(key: Buffer | null, value: Buffer | null, offset: number, transactionalProducerId: number): void
  /** The COMMIT (`commit`) or ABORT marker of `producerId`'s transaction. */
  marker(producerId: number, commit: boolean): void
}

export interface LoadReport {
  /** Records applied from the snapshot. */
  readonly snapshotRecords: number
  /** Records replayed from the log after the snapshot (or from the log start). */
  readonly replayedRecords: number
  /** Why an existing snapshot was not used, if it was not. */
  readonly snapshotRejected: string | null
}

/** The batch that ends a snapshot's prefix of the log. */
interface BatchIdentity {
  readonly baseOffset: number
  readonly crc: number
  readonly leaderEpoch: number
}

const NO_BATCH: BatchIdentity = { baseOffset: -1, crc: 0, leaderEpoch: -1 }

export class OffsetsTopicPartition {
  readonly partition: Partition
  /** Records appended since the last snapshot (drives the record-count snapshot trigger). */
  recordsSinceSnapshot = 0
  /** The log end offset the last snapshot covers (-1: none yet). */
  snapshotEndOffset = -1
  #snapshotting: Promise<void> | null = null
  readonly #writes: CoordinatorWriteOptions
  /** Appended writes that memory takes in once replicated and that have not settled yet. */
  #awaitingReplication = 0
  /**
   * A write the log holds but memory never took in (its replication failed or timed out): from
   * then on memory is no longer the log's state, so no snapshot may be taken from it until the
   * next load replays the log.
   */
  #diverged = false

  constructor(partition: Partition, writes: CoordinatorWriteOptions) {
    this.partition = partition
    this.#writes = writes
  }

  get index(): number {
    return this.partition.index
  }

  /**
   * Appends `writes` as one batch with acks=all and reports when the ISR has it. `memory` says
   * when the caller changes its state for this write, which decides whether a snapshot may be
   * taken while the write waits.
   */
  append(writes: readonly CoordinatorWrite[], nowMs: number, memory: MemoryUpdate, transaction: TransactionalProducer | null = null): AppendResult {
    if (writes.length === 0) return { appended: true, baseOffset: -1, errorMessage: null, outcome: KafkaErrorCodes.NONE }
    const records: RecordInput[] = writes.map((w, i) => ({ key: w.key, value: w.value, offsetDelta: i }))
    // A transactional write is a batch of the producer's own transaction, as Kafka writes it
    // (sequence 0; the partition checks the epoch, not the sequence, of a coordinator's batch):
    // the transaction's marker then ends it here like in any partition it wrote to.
    const producer = transaction === null
      ? { producerId: -1, producerEpoch: -1, baseSequence: -1 }
      : { producerId: transaction.producerId, producerEpoch: transaction.producerEpoch, baseSequence: 0, isTransactional: true }
    const batch = encodeRecordBatch({ baseTimestamp: nowMs, ...producer, records }, { crc32c })
    const appended = this.partition.appendRecordsAsLeader(batch, -1, nowMs, 'coordinator')
    if (appended.errorCode !== KafkaErrorCodes.NONE) return { appended: false, baseOffset: -1, errorMessage: appended.errorMessage, outcome: appended.errorCode }
    this.recordsSinceSnapshot += writes.length
    const requiredOffset = appended.requiredOffset
    const waiting = this.#writes.produces.wait([{ partition: this.partition, requiredOffset }], this.#writes.timeoutMs)
    const baseOffset = appended.baseOffset
    if (waiting === null) return { appended: true, baseOffset, errorMessage: null, outcome: this.#settle(requiredOffset, memory) }
    if (memory === 'once-replicated') this.#awaitingReplication++
    const outcome = waiting.then(() => {
      if (memory === 'once-replicated') this.#awaitingReplication--
      return this.#settle(requiredOffset, memory)
    })
    return { appended: true, baseOffset, errorMessage: null, outcome }
  }

  #settle(requiredOffset: number, memory: MemoryUpdate): number {
    const outcome = this.partition.replicationOutcome(requiredOffset)
    const errorCode = outcome === 'pending' ? KafkaErrorCodes.REQUEST_TIMED_OUT : outcome
    if (errorCode !== KafkaErrorCodes.NONE && memory === 'once-replicated') this.#diverged = true
    return errorCode
  }

  /**
   * Rebuilds state: applies the snapshot's records if the snapshot still matches the log, then
   * every record after it, in log order, up to the log end. `apply` sees each key with its value
   * (null for a tombstone), and the transaction markers (a plain function sees the records only).
   * Corrupt or stale snapshots are ignored (the whole log is replayed).
   *
   * It reads to the log end, not the high watermark, as Kafka's loader does: a new leader's log
   * is the partition's truth, and followers will copy its tail or the leadership ends (and with
   * it, this state).
   */
  async load(reader: CoordinatorLogReader | ((key: Buffer | null, value: Buffer | null) => void)): Promise<LoadReport> {
    // A log without transactions (__transaction_state) is read record by record.
    const apply: CoordinatorLogReader = typeof reader === 'function' ? { record: (key, value) => reader(key, value), marker: () => undefined } : reader
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
      snapshotRejected = this.#snapshotMismatch(snapshot) ?? (await this.#snapshotOutlivedTombstones())
      if (snapshotRejected === null) {
        for (const record of snapshot.records) apply.record(record.key, record.value, -1, -1)
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
   * covering the log up to its current end. Concurrent calls share the one in progress. Does
   * nothing while memory may differ from the log: a write waits for replication (the log has
   * it, memory not yet), or one failed after its append (the log has it, memory never will).
   */
  snapshot(liveRecords: () => SnapshotRecord[], nowMs: number): Promise<void> {
    if (this.#snapshotting !== null) return this.#snapshotting
    if (this.#awaitingReplication > 0 || this.#diverged) return Promise.resolve()
    const endOffset = this.partition.logEndOffset
    if (endOffset === this.snapshotEndOffset) return Promise.resolve()
    const last = this.#lastBatch(endOffset)
    const bytes = encodeSnapshot(
      { endOffset, lastBatchBaseOffset: last.baseOffset, lastBatchCrc: last.crc, lastBatchLeaderEpoch: last.leaderEpoch, records: liveRecords() },
      nowMs,
    )
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

  /**
   * The log cleaner removes a tombstone delete.retention.ms after cleaning it; a snapshot older
   * than that may hold a group or offset whose tombstone, after the snapshot's end, is gone
   * from the log, and would bring it back. Such a snapshot is not used: the compacted log alone
   * is the truth.
   */
  async #snapshotOutlivedTombstones(): Promise<string | null> {
    const retentionMs = this.partition.config['delete.retention.ms']
    try {
      const ageMs = Date.now() - (await stat(join(this.partition.log.dir, SNAPSHOT_FILE))).mtimeMs
      return ageMs > retentionMs ? `it is ${Math.round(ageMs)} ms old, more than delete.retention.ms (${retentionMs}): tombstones after it may have been compacted away` : null
    } catch {
      return null
    }
  }

  #snapshotMismatch(snapshot: Snapshot): string | null {
    const log = this.partition.log
    if (snapshot.endOffset > log.logEndOffset) return `it covers offsets up to ${snapshot.endOffset}, beyond the log end ${log.logEndOffset}`
    if (snapshot.endOffset < log.logStartOffset) return `it ends at ${snapshot.endOffset}, before the log start ${log.logStartOffset}`
    if (snapshot.lastBatchLeaderEpoch === null || snapshot.lastBatchLeaderEpoch === undefined) {
      return 'it does not record the leader epoch of its last batch (a version 1 file)'
    }
    const last = this.#lastBatch(snapshot.endOffset)
    if (last.baseOffset !== snapshot.lastBatchBaseOffset || last.crc !== snapshot.lastBatchCrc || last.leaderEpoch !== snapshot.lastBatchLeaderEpoch) {
      return `the log batch before offset ${snapshot.endOffset} is not the one the snapshot was taken after`
    }
    return null
  }

  /** The batch that holds `endOffset - 1`, or NO_BATCH at the log start. */
  #lastBatch(endOffset: number): BatchIdentity {
    const log = this.partition.log
    if (endOffset <= log.logStartOffset) return NO_BATCH
    try {
      const buffer = log.read(endOffset - 1, 1).toBuffers()[0]
      if (buffer === undefined || buffer.length < 21) return NO_BATCH
      return { baseOffset: batchBaseOffset(buffer, 0), crc: batchCrc(buffer, 0), leaderEpoch: batchPartitionLeaderEpoch(buffer, 0) }
    } catch {
      // Unreadable here means no batch to vouch for the snapshot: it will not match on load.
      return { baseOffset: -2, crc: 0, leaderEpoch: -2 }
    }
  }

  /** Applies every record and transaction marker from `from` to the log end; returns how many records. */
  #replay(from: number, apply: CoordinatorLogReader): number {
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
          if (lastOffset >= position) {
            const batch = decodeRecordBatch(buffer, { crc32c, decompress: decompressBatch }, at)
            const base = Number(batch.baseOffset)
            const producerId = Number(batch.producerId)
            if (batch.isControl) {
              const type = batch.records.length > 0 ? controlRecordType(batch.records[0]!.key) : -1
              if (type === ControlRecordTypes.COMMIT || type === ControlRecordTypes.ABORT) apply.marker(producerId, type === ControlRecordTypes.COMMIT)
            } else {
              const transactionalProducerId = batch.isTransactional ? producerId : -1
              for (const record of batch.records) {
                const offset = base + record.offsetDelta
                if (offset < position) continue
                apply.record(record.key, record.value, offset, transactionalProducerId)
                count++
              }
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

/** The type of a control record from its key; -1 when the key is too short to say. */
function controlRecordType(key: Buffer | null): number {
  try {
    return decodeControlRecordKey(key).type
  } catch {
    return -1
  }
}

/** The storage codecs, for the (unusual) compressed batch in __consumer_offsets. */
function decompressBatch(codec: number, data: Buffer, maxBytes: number): Buffer {
  return decompress(codec as CompressionCodec, data, maxBytes)
}
