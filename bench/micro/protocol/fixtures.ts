/**
 * Inputs shared by the protocol benchmarks: a 64 KiB RecordBatch of 100-byte values, the size the
 * broker's throughput targets assume.
 */
import { encodeRecordBatch } from '../../../src/protocol/records.js'

export const VALUE_BYTES = 100
export const BATCH_TARGET_BYTES = 64 * 1024

/** A RecordBatch v2 of just under 64 KiB: keyless 100-byte values, as a load generator sends. */
export function batch64KiB(): { batch: Buffer; records: number } {
  const value = Buffer.alloc(VALUE_BYTES, 0x61)
  const records: Array<{ value: Buffer; timestampDelta: number }> = []
  const encode = () =>
    encodeRecordBatch({ baseTimestamp: 1_700_000_000_000, producerId: 1000, producerEpoch: 0, baseSequence: 0, records })
  // Each record takes about 111 bytes (100 of value, 11 of varints and flags); fill, then trim.
  while (records.length * 111 < BATCH_TARGET_BYTES) records.push({ value, timestampDelta: records.length })
  let batch = encode()
  while (batch.length > BATCH_TARGET_BYTES) {
    records.pop()
    batch = encode()
  }
  return { batch, records: records.length }
}
