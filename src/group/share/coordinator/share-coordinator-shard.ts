/**
 * The share-partition state of one `__share_group_state` partition (Kafka's
 * ShareCoordinatorShard): what replaying its log gives, and what each request would write.
 * Pure: no I/O, no clock of its own. The coordinator appends the records a request yields and,
 * once the in-sync replicas have them, applies the same records here (`replay`), so memory is
 * always what a load of the log would rebuild.
 *
 * Per share-partition it keeps Kafka's ShareGroupOffset: snapshot epoch, state epoch, leader
 * epoch, start offset and the state batches of in-flight records. A write becomes a ShareUpdate
 * holding the merged batches (so the latest update alone, all compaction keeps, is enough on
 * top of its snapshot), or a whole ShareSnapshot once
 * share.coordinator.snapshot.update.records.per.snapshot updates follow the last snapshot, so
 * a load never replays more than that many updates per share-partition.
 *
 * Fencing, as Kafka: a read or write with a leader epoch below the highest seen is
 * FENCED_LEADER_EPOCH (a newer leader has read the state); a write with a state epoch below
 * the one held, or an initialize not above it, FENCED_STATE_EPOCH (an admin reset the state).
 */
import { KafkaErrorCodes } from '../../../protocol/error-codes.js'
import type { CoordinatorWrite } from '../../offsets-partition.js'
import {
  type SharePartitionKey,
  ShareRecordType,
  type ShareSnapshotRecord,
  type StateBatch,
  decodeShareStateRecord,
  shareSnapshotRecordValue,
  shareStateRecordKey,
  shareUpdateRecordValue,
} from './share-coordinator-records.js'

/** A share-partition's state as the coordinator holds it. */
export interface ShareGroupOffset {
  readonly snapshotEpoch: number
  readonly stateEpoch: number
  readonly leaderEpoch: number
  readonly startOffset: number
  readonly createTimestamp: number
  readonly stateBatches: readonly StateBatch[]
  /** ShareUpdate records since the snapshot this state rests on. */
  readonly updatesSinceSnapshot: number
}

/** What a request decided: refused (`records` empty, `errorCode` set) or the records to write. */
export interface ShardDecision {
  readonly errorCode: number
  readonly errorMessage: string | null
  readonly records: CoordinatorWrite[]
}

export interface ShareWriteRequest {
  readonly stateEpoch: number
  readonly leaderEpoch: number
  /** -1: keep the start offset held. */
  readonly startOffset: number
  readonly stateBatches: readonly StateBatch[]
}

/** What a read returns for a share-partition that was never written (Kafka's uninitialized state). */
export const UNINITIALIZED = { stateEpoch: 0, startOffset: -1, stateBatches: [] as StateBatch[] } as const

export function shareKeyId(key: SharePartitionKey): string {
  return `${key.groupId}\u0000${key.topicId}\u0000${key.partition}`
}

/** The delivery states a state batch may hold: a lock does not outlive its leader, so never ACQUIRED. */
const PERSISTED_STATES = new Set([0, 2, 4])

const refused = (errorCode: number, errorMessage: string): ShardDecision => ({ errorCode, errorMessage, records: [] })

export class ShareCoordinatorShard {
  readonly #updatesPerSnapshot: number
  readonly #states = new Map<string, ShareGroupOffset>()

  /** `updatesPerSnapshot`: share.coordinator.snapshot.update.records.per.snapshot. */
  constructor(updatesPerSnapshot: number) {
    this.#updatesPerSnapshot = updatesPerSnapshot
  }

  get size(): number {
    return this.#states.size
  }

  state(key: SharePartitionKey): ShareGroupOffset | undefined {
    return this.#states.get(shareKeyId(key))
  }

  /** Applies one record of the log (or one this shard decided on, once written). */
  replay(key: Buffer | null, value: Buffer | null): void {
    const record = decodeShareStateRecord(key, value)
    const id = shareKeyId(record.key)
    if (record.value === null) {
      this.#states.delete(id)
      return
    }
    if (record.type === ShareRecordType.SNAPSHOT) {
      const v = record.value
      this.#states.set(id, { ...v, updatesSinceSnapshot: 0 })
      return
    }
    const current = this.#states.get(id)
    const update = record.value
    // An update of an older snapshot (kept by compaction before a newer snapshot) is superseded.
    if (current === undefined || update.snapshotEpoch !== current.snapshotEpoch) return
    const startOffset = update.startOffset === -1 ? current.startOffset : update.startOffset
    this.#states.set(id, {
      ...current,
      leaderEpoch: update.leaderEpoch,
      startOffset,
      stateBatches: mergeBatches(current.stateBatches, update.stateBatches, startOffset),
      updatesSinceSnapshot: current.updatesSinceSnapshot + 1,
    })
  }

  /**
   * ReadShareGroupState by the partition leader at `leaderEpoch`: refused if an newer leader
   * has read or written; a newer leader's epoch is recorded (one ShareUpdate) so that the
   * previous leader's writes are fenced from then on.
   */
  read(key: SharePartitionKey, leaderEpoch: number, nowMs: number): ShardDecision {
    const current = this.#states.get(shareKeyId(key))
    if (current === undefined || leaderEpoch === -1 || leaderEpoch === current.leaderEpoch) return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, records: [] }
    if (leaderEpoch < current.leaderEpoch) {
      return refused(KafkaErrorCodes.FENCED_LEADER_EPOCH, `Leader epoch ${leaderEpoch} is older than ${current.leaderEpoch}, the epoch of the leader that last read or wrote this share-partition.`)
    }
    return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, records: [this.#nextRecord(key, current, { stateEpoch: current.stateEpoch, leaderEpoch, startOffset: -1, stateBatches: [] }, nowMs)] }
  }

  /** WriteShareGroupState: the records that take the write in, or why it is fenced. */
  write(key: SharePartitionKey, request: ShareWriteRequest, nowMs: number): ShardDecision {
    const current = this.#states.get(shareKeyId(key))
    if (current !== undefined) {
      if (request.leaderEpoch !== -1 && request.leaderEpoch < current.leaderEpoch) {
        return refused(KafkaErrorCodes.FENCED_LEADER_EPOCH, `Leader epoch ${request.leaderEpoch} is older than ${current.leaderEpoch}: another broker leads this partition now.`)
      }
      if (request.stateEpoch < current.stateEpoch) {
        return refused(KafkaErrorCodes.FENCED_STATE_EPOCH, `State epoch ${request.stateEpoch} is older than ${current.stateEpoch}: the share-partition state was reset (AlterShareGroupOffsets) since it was read.`)
      }
    }
    for (const batch of request.stateBatches) {
      if (batch.lastOffset < batch.firstOffset || batch.firstOffset < 0) return refused(KafkaErrorCodes.INVALID_REQUEST, `State batch ${batch.firstOffset}-${batch.lastOffset} is not a range of offsets.`)
      if (!PERSISTED_STATES.has(batch.deliveryState) || batch.deliveryCount < 0) {
        return refused(KafkaErrorCodes.INVALID_REQUEST, `State batch ${batch.firstOffset}-${batch.lastOffset} has delivery state ${batch.deliveryState} and count ${batch.deliveryCount}; persisted states are 0 (available), 2 (acknowledged) and 4 (archived).`)
      }
    }
    if (current === undefined) {
      const startOffset = request.startOffset === -1 ? (request.stateBatches[0]?.firstOffset ?? 0) : request.startOffset
      return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, records: [this.#snapshotRecord(key, { snapshotEpoch: 0, stateEpoch: request.stateEpoch, leaderEpoch: request.leaderEpoch, startOffset, createTimestamp: nowMs, writeTimestamp: nowMs, stateBatches: mergeBatches([], request.stateBatches, startOffset) })] }
    }
    return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, records: [this.#nextRecord(key, current, request, nowMs)] }
  }

  /** InitializeShareGroupState: a fresh state at `stateEpoch` from `startOffset`, nothing in flight. */
  initialize(key: SharePartitionKey, stateEpoch: number, startOffset: number, nowMs: number): ShardDecision {
    const current = this.#states.get(shareKeyId(key))
    if (current !== undefined && stateEpoch <= current.stateEpoch) {
      return refused(KafkaErrorCodes.FENCED_STATE_EPOCH, `State epoch ${stateEpoch} is not newer than ${current.stateEpoch}, the one held.`)
    }
    if (startOffset < -1) return refused(KafkaErrorCodes.INVALID_REQUEST, `Start offset ${startOffset} is negative.`)
    return {
      errorCode: KafkaErrorCodes.NONE,
      errorMessage: null,
      records: [
        this.#snapshotRecord(key, {
          snapshotEpoch: current === undefined ? 0 : current.snapshotEpoch + 1,
          stateEpoch,
          // The leader keeps its fence: its next write meets the new state epoch and reloads.
          leaderEpoch: current?.leaderEpoch ?? -1,
          startOffset,
          createTimestamp: nowMs,
          writeTimestamp: nowMs,
          stateBatches: [],
        }),
      ],
    }
  }

  /** DeleteShareGroupState: tombstones for the snapshot and the update key (nothing when unknown). */
  delete(key: SharePartitionKey): ShardDecision {
    if (!this.#states.has(shareKeyId(key))) return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, records: [] }
    return {
      errorCode: KafkaErrorCodes.NONE,
      errorMessage: null,
      records: [
        { key: shareStateRecordKey(ShareRecordType.SNAPSHOT, key), value: null },
        { key: shareStateRecordKey(ShareRecordType.UPDATE, key), value: null },
      ],
    }
  }

  /** The update that takes `request` in, or a whole snapshot when enough updates followed the last. */
  #nextRecord(key: SharePartitionKey, current: ShareGroupOffset, request: ShareWriteRequest, nowMs: number): CoordinatorWrite {
    const startOffset = request.startOffset === -1 ? current.startOffset : request.startOffset
    const stateBatches = mergeBatches(current.stateBatches, request.stateBatches, startOffset)
    const leaderEpoch = request.leaderEpoch === -1 ? current.leaderEpoch : request.leaderEpoch
    if (current.updatesSinceSnapshot >= this.#updatesPerSnapshot) {
      return this.#snapshotRecord(key, {
        snapshotEpoch: current.snapshotEpoch + 1,
        stateEpoch: Math.max(current.stateEpoch, request.stateEpoch),
        leaderEpoch,
        startOffset,
        createTimestamp: current.createTimestamp,
        writeTimestamp: nowMs,
        stateBatches,
      })
    }
    return {
      key: shareStateRecordKey(ShareRecordType.UPDATE, key),
      value: shareUpdateRecordValue({ snapshotEpoch: current.snapshotEpoch, leaderEpoch, startOffset, stateBatches }),
    }
  }

  #snapshotRecord(key: SharePartitionKey, value: ShareSnapshotRecord): CoordinatorWrite {
    return { key: shareStateRecordKey(ShareRecordType.SNAPSHOT, key), value: shareSnapshotRecordValue(value) }
  }
}

/**
 * `older` with `newer` laid over it (a newer batch wins for the offsets it covers), without
 * the offsets below `startOffset`, sorted, and adjacent batches of the same state and count
 * joined (Kafka's combineStateBatches).
 */
export function mergeBatches(older: readonly StateBatch[], newer: readonly StateBatch[], startOffset: number): StateBatch[] {
  const pieces: StateBatch[] = []
  for (const batch of older) {
    let pending: StateBatch[] = [batch]
    for (const cover of newer) {
      const next: StateBatch[] = []
      for (const piece of pending) {
        if (cover.lastOffset < piece.firstOffset || cover.firstOffset > piece.lastOffset) next.push(piece)
        else {
          if (piece.firstOffset < cover.firstOffset) next.push({ ...piece, lastOffset: cover.firstOffset - 1 })
          if (piece.lastOffset > cover.lastOffset) next.push({ ...piece, firstOffset: cover.lastOffset + 1 })
        }
      }
      pending = next
    }
    pieces.push(...pending)
  }
  pieces.push(...newer)
  pieces.sort((a, b) => a.firstOffset - b.firstOffset)
  const merged: StateBatch[] = []
  for (const piece of pieces) {
    if (piece.lastOffset < startOffset) continue
    const batch = piece.firstOffset < startOffset ? { ...piece, firstOffset: startOffset } : piece
    const last = merged[merged.length - 1]
    if (last !== undefined && last.lastOffset + 1 === batch.firstOffset && last.deliveryState === batch.deliveryState && last.deliveryCount === batch.deliveryCount) {
      merged[merged.length - 1] = { ...last, lastOffset: batch.lastOffset }
    } else merged.push({ firstOffset: batch.firstOffset, lastOffset: batch.lastOffset, deliveryState: batch.deliveryState, deliveryCount: batch.deliveryCount })
  }
  return merged
}
