/**
 * Coordinator snapshots: the state of one `__consumer_offsets` partition up to a log offset,
 * written as the records a compaction of that prefix would keep (the latest value of every live
 * key), so that start-up reads the snapshot and replays only the log after it.
 *
 * Until Samsa compacts logs, `__consumer_offsets` grows with every commit; replaying a million
 * commits at every start would make start-up slow. A snapshot bounds the replay to what was
 * appended after it. It is valid after a crash too (state at an offset depends only on the log
 * before it), provided the log still holds exactly the batch the snapshot ended at: the file
 * records that batch's base offset, CRC and partition leader epoch, and the loader checks them.
 *
 * The leader epoch is what makes the check sound in a cluster. A follower copies the log, not
 * the snapshot, and may truncate a diverged tail and copy another leader's batches in its place;
 * a snapshot from an earlier leadership then describes a log that no longer exists. Only the
 * leader of an epoch writes batches stamped with it and followers truncate to where their epochs
 * agree with the leader's (KIP-101, KIP-279), so two logs holding the same batch at the same
 * offset with the same epoch agree on everything before it; the CRC alone would not prove that.
 * Version 1 files (no epoch) are therefore refused by the loader, which replays the log instead.
 *
 * File `<partition dir>/group-coordinator.snapshot`, written to a temp file, fsynced and renamed:
 *
 *   magic             8 bytes  "SAMSAGC" 0x02
 *   endOffset         int64    the snapshot covers log offsets [logStart, endOffset)
 *   lastBatchBase     int64    base offset of the log batch that ends at endOffset-1 (-1: none)
 *   lastBatchCrc      uint32   that batch's CRC (0 when none)
 *   lastBatchEpoch    int32    that batch's partition leader epoch (-1 when none)
 *   batches           RecordBatch v2, uncompressed, CRC-32C checked on read; record keys and
 *                     values exactly as in the log
 */
import { open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeRecordBatch, type RecordInput, decodeRecordBatches } from '../protocol/records.js'
import { crc32c } from '../storage/native.js'

export const SNAPSHOT_FILE = 'group-coordinator.snapshot'

const MAGIC_PREFIX = Buffer.from('SAMSAGC', 'latin1')
const VERSION = 2
const V1_HEADER_BYTES = MAGIC_PREFIX.length + 1 + 8 + 8 + 4
const HEADER_BYTES = V1_HEADER_BYTES + 4
/** Records per batch in a snapshot: keeps each batch well under a few MiB. */
const RECORDS_PER_BATCH = 10_000

export interface SnapshotRecord {
  readonly key: Buffer
  readonly value: Buffer
}

export interface Snapshot {
  readonly endOffset: number
  readonly lastBatchBaseOffset: number
  readonly lastBatchCrc: number
  /**
   * That batch's partition leader epoch; -1 when there is no batch. null in a version 1 file,
   * which did not record it (the loader does not trust such a file).
   */
  readonly lastBatchLeaderEpoch?: number | null
  readonly records: readonly SnapshotRecord[]
}

/** Encodes a snapshot file's bytes (CPU only; the caller writes them). */
export function encodeSnapshot(snapshot: Snapshot, nowMs: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES)
  MAGIC_PREFIX.copy(header, 0)
  header.writeUInt8(VERSION, 7)
  header.writeBigInt64BE(BigInt(snapshot.endOffset), 8)
  header.writeBigInt64BE(BigInt(snapshot.lastBatchBaseOffset), 16)
  header.writeUInt32BE(snapshot.lastBatchCrc >>> 0, 24)
  header.writeInt32BE(snapshot.lastBatchLeaderEpoch ?? -1, 28)
  const parts: Buffer[] = [header]
  for (let start = 0; start < snapshot.records.length; start += RECORDS_PER_BATCH) {
    const records: RecordInput[] = snapshot.records.slice(start, start + RECORDS_PER_BATCH).map((r) => ({ key: r.key, value: r.value }))
    parts.push(encodeRecordBatch({ baseOffset: start, baseTimestamp: nowMs, producerId: -1, producerEpoch: -1, baseSequence: -1, records }, { crc32c }))
  }
  return Buffer.concat(parts)
}

/** Decodes a snapshot file; throws on any corruption (callers then replay the whole log). */
export function decodeSnapshot(bytes: Buffer): Snapshot {
  const version = bytes.length >= V1_HEADER_BYTES && bytes.subarray(0, MAGIC_PREFIX.length).equals(MAGIC_PREFIX) ? bytes.readUInt8(7) : -1
  const headerBytes = version === 1 ? V1_HEADER_BYTES : HEADER_BYTES
  if ((version !== 1 && version !== VERSION) || bytes.length < headerBytes) throw new Error('not a coordinator snapshot (bad magic)')
  const endOffset = Number(bytes.readBigInt64BE(8))
  const lastBatchBaseOffset = Number(bytes.readBigInt64BE(16))
  const lastBatchCrc = bytes.readUInt32BE(24)
  const lastBatchLeaderEpoch = version === 1 ? null : bytes.readInt32BE(28)
  const body = bytes.subarray(headerBytes)
  const records: SnapshotRecord[] = []
  let decodedBytes = 0
  for (const batch of decodeRecordBatches(body, { crc32c })) {
    decodedBytes += batch.batchLength + 12
    for (const record of batch.records) {
      if (record.key === null || record.value === null) throw new Error('a snapshot record lacks a key or value')
      records.push({ key: record.key, value: record.value })
    }
  }
  // decodeRecordBatches leaves out a cut-off last batch; a snapshot must be whole.
  if (decodedBytes !== body.length) throw new Error('the snapshot ends in a partial batch')
  return { endOffset, lastBatchBaseOffset, lastBatchCrc, lastBatchLeaderEpoch, records }
}

/** Reads a partition directory's snapshot; null when there is none. Throws when it is corrupt. */
export async function readSnapshot(dir: string): Promise<Snapshot | null> {
  let bytes: Buffer
  try {
    bytes = await readFile(join(dir, SNAPSHOT_FILE))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  return decodeSnapshot(bytes)
}

/** Writes a snapshot durably: temp file, fsync, rename. */
export async function writeSnapshot(dir: string, bytes: Buffer): Promise<void> {
  const target = join(dir, SNAPSHOT_FILE)
  const temp = `${target}.tmp`
  const handle = await open(temp, 'w')
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temp, target)
}
