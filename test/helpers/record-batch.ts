/**
 * Test helper: builds RecordBatch v2 batches (uncompressed) the way a producer sends them
 * (baseOffset 0, no leader epoch), and splits stored bytes back into batches. Kept independent of
 * src/protocol so the storage tests stand on their own.
 */
import { crc32c } from '../../src/storage/native.js'

function zigzagVarint(value: number): number[] {
  let v = value >= 0 ? value * 2 : -value * 2 - 1
  const out: number[] = []
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
  return out
}

export interface BatchOptions {
  /** Number of records (default 1). */
  records?: number
  /** Bytes per record value (default 16). */
  valueSize?: number
  /** Timestamp of the first record; record i gets baseTimestamp + i. */
  baseTimestamp?: number
  /** Seed for the value bytes, so batches differ. */
  seed?: number
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
  control?: boolean
}

export function makeBatch(options: BatchOptions = {}): Buffer {
  const count = options.records ?? 1
  const valueSize = options.valueSize ?? 16
  const baseTimestamp = options.baseTimestamp ?? 1_700_000_000_000
  const seed = options.seed ?? 0
  const records: Buffer[] = []
  for (let i = 0; i < count; i++) {
    const value = Buffer.alloc(valueSize)
    for (let j = 0; j < valueSize; j++) value[j] = (seed + i * 31 + j) & 0xff
    const head = Buffer.from([0, ...zigzagVarint(i), ...zigzagVarint(i), ...zigzagVarint(-1), ...zigzagVarint(valueSize)])
    const body = Buffer.concat([head, value, Buffer.from(zigzagVarint(0))])
    records.push(Buffer.from(zigzagVarint(body.length)), body)
  }
  const payload = Buffer.concat(records)
  const batch = Buffer.alloc(61 + payload.length)
  payload.copy(batch, 61)
  batch.writeBigInt64BE(0n, 0)
  batch.writeInt32BE(batch.length - 12, 8)
  batch.writeInt32BE(-1, 12)
  batch.writeInt8(2, 16)
  batch.writeInt16BE(options.control === true ? 0x20 : 0, 21)
  batch.writeInt32BE(count - 1, 23)
  batch.writeBigInt64BE(BigInt(baseTimestamp), 27)
  batch.writeBigInt64BE(BigInt(baseTimestamp + count - 1), 35)
  batch.writeBigInt64BE(BigInt(options.producerId ?? -1), 43)
  batch.writeInt16BE(options.producerEpoch ?? -1, 51)
  batch.writeInt32BE(options.baseSequence ?? -1, 53)
  batch.writeInt32BE(count, 57)
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17)
  return batch
}

export interface StoredBatch {
  baseOffset: number
  lastOffset: number
  partitionLeaderEpoch: number
  bytes: Buffer
}

/** Splits whole batches; throws if a batch is torn or fails its CRC. */
export function splitBatches(bytes: Buffer): StoredBatch[] {
  const out: StoredBatch[] = []
  let position = 0
  while (position < bytes.length) {
    if (bytes.length - position < 61) throw new Error(`torn batch header at ${position}`)
    const size = 12 + bytes.readInt32BE(position + 8)
    if (position + size > bytes.length) throw new Error(`torn batch at ${position}: ${size} bytes declared`)
    const batch = bytes.subarray(position, position + size)
    if (crc32c(batch.subarray(21)) !== batch.readUInt32BE(17)) throw new Error(`CRC mismatch at ${position}`)
    const baseOffset = Number(batch.readBigInt64BE(0))
    out.push({ baseOffset, lastOffset: baseOffset + batch.readInt32BE(23), partitionLeaderEpoch: batch.readInt32BE(12), bytes: batch })
    position += size
  }
  return out
}

/** Whether a stored batch holds what was sent (all bytes but baseOffset and partitionLeaderEpoch). */
export function sameContent(stored: Buffer, sent: Buffer): boolean {
  return (
    stored.length === sent.length &&
    stored.subarray(8, 12).equals(sent.subarray(8, 12)) &&
    stored.subarray(16).equals(sent.subarray(16))
  )
}
