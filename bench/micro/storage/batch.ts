/** A RecordBatch v2 of about `size` bytes (one record) for the storage benchmarks. */
import { crc32c } from '../../../src/storage/native.js'

export function benchBatch(size: number): Buffer {
  const batch = Buffer.alloc(size, 0x61)
  batch.writeBigInt64BE(0n, 0)
  batch.writeInt32BE(size - 12, 8)
  batch.writeInt32BE(-1, 12)
  batch.writeInt8(2, 16)
  batch.writeInt16BE(0, 21)
  batch.writeInt32BE(0, 23)
  batch.writeBigInt64BE(BigInt(Date.now()), 27)
  batch.writeBigInt64BE(BigInt(Date.now()), 35)
  batch.writeBigInt64BE(-1n, 43)
  batch.writeInt16BE(-1, 51)
  batch.writeInt32BE(-1, 53)
  batch.writeInt32BE(1, 57)
  // The record bytes are filler: the log checks the header and CRC, never decodes records.
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17)
  return batch
}
