/**
 * The compact binary encoding of a set of fetched records, sent as one WebSocket binary frame
 * (`frames=binary` on a stream). Keys, values and header values travel as raw bytes, so a binary
 * frame costs no base64 or JSON escaping and a client reads it with a DataView.
 *
 * Layout (all integers big-endian, as on Kafka's wire):
 *
 *   offset  size  field
 *   0       1     frame type: 1 = records
 *   1       1     layout version: 1
 *   2       2     reserved, 0
 *   4       4     record count (uint32)
 *   8       ...   the records, back to back:
 *
 *   record:
 *     int32   partition
 *     int64   offset
 *     int64   timestamp (milliseconds since the epoch)
 *     int32   key length, -1 for a null key;  then the key bytes
 *     int32   value length, -1 for a null value;  then the value bytes
 *     int32   header count;  then per header:
 *       uint16  key length;  then the key, UTF-8
 *       int32   value length, -1 for null;  then the value bytes
 *
 * Records appear in partition order, and within a partition in offset order. Offsets and
 * timestamps are int64 on the wire although Samsa's storage keeps them below 2^53.
 *
 * Pure functions over byte arrays: the decode-for-display task writes frames in a worker thread;
 * tests and JavaScript clients read them with `decodeRecordFrame`.
 */

export const RECORD_FRAME_TYPE = 1
export const RECORD_FRAME_VERSION = 1
export const RECORD_FRAME_HEADER_BYTES = 8
/** Fixed bytes of one record: partition, offset, timestamp, key length, value length, header count. */
export const RECORD_FIXED_BYTES = 4 + 8 + 8 + 4 + 4 + 4
/** Fixed bytes of one header: key length and value length. */
export const HEADER_FIXED_BYTES = 2 + 4

/** One record of a frame, as `decodeRecordFrame` returns it (views into the frame). */
export interface FramedRecord {
  readonly partition: number
  readonly offset: bigint
  readonly timestamp: bigint
  readonly key: Uint8Array | null
  readonly value: Uint8Array | null
  readonly headers: ReadonlyArray<{ readonly key: string; readonly value: Uint8Array | null }>
}

/** Writes a frame's header; the records follow at RECORD_FRAME_HEADER_BYTES. */
export function writeFrameHeader(view: DataView, recordCount: number): number {
  view.setUint8(0, RECORD_FRAME_TYPE)
  view.setUint8(1, RECORD_FRAME_VERSION)
  view.setUint16(2, 0)
  view.setUint32(4, recordCount)
  return RECORD_FRAME_HEADER_BYTES
}

/** Writes an int64 that is known to be a safe integer. */
export function writeInt64(view: DataView, at: number, value: number): void {
  view.setBigInt64(at, BigInt(value))
}

/**
 * Reads a records frame. Throws a RangeError naming the position for a frame that is cut short
 * or is not a records frame of a known version.
 */
export function decodeRecordFrame(frame: Uint8Array): FramedRecord[] {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const need = (at: number, bytes: number): void => {
    if (at + bytes > frame.byteLength) throw new RangeError(`record frame cut short at byte ${at}: ${bytes} more bytes expected, ${frame.byteLength - at} left`)
  }
  need(0, RECORD_FRAME_HEADER_BYTES)
  if (view.getUint8(0) !== RECORD_FRAME_TYPE) throw new RangeError(`frame type ${view.getUint8(0)} is not a records frame (${RECORD_FRAME_TYPE})`)
  if (view.getUint8(1) !== RECORD_FRAME_VERSION) throw new RangeError(`record frame version ${view.getUint8(1)} is unknown (expected ${RECORD_FRAME_VERSION})`)
  const count = view.getUint32(4)
  const records: FramedRecord[] = []
  let at = RECORD_FRAME_HEADER_BYTES
  const bytes = (length: number): Uint8Array | null => {
    if (length === -1) return null
    if (length < -1) throw new RangeError(`negative length ${length} at byte ${at - 4}`)
    need(at, length)
    const slice = frame.subarray(at, at + length)
    at += length
    return slice
  }
  for (let i = 0; i < count; i++) {
    need(at, RECORD_FIXED_BYTES - 8)
    const partition = view.getInt32(at)
    const offset = view.getBigInt64(at + 4)
    const timestamp = view.getBigInt64(at + 12)
    at += 20
    const keyLength = view.getInt32(at)
    at += 4
    const key = bytes(keyLength)
    need(at, 4)
    const valueLength = view.getInt32(at)
    at += 4
    const value = bytes(valueLength)
    need(at, 4)
    const headerCount = view.getInt32(at)
    at += 4
    const headers: Array<{ key: string; value: Uint8Array | null }> = []
    for (let h = 0; h < headerCount; h++) {
      need(at, 2)
      const headerKeyLength = view.getUint16(at)
      at += 2
      need(at, headerKeyLength)
      const headerKey = Buffer.from(frame.buffer, frame.byteOffset + at, headerKeyLength).toString('utf8')
      at += headerKeyLength
      need(at, 4)
      const headerValueLength = view.getInt32(at)
      at += 4
      headers.push({ key: headerKey, value: bytes(headerValueLength) })
    }
    records.push({ partition, offset, timestamp, key, value, headers })
  }
  if (at !== frame.byteLength) throw new RangeError(`${frame.byteLength - at} bytes follow the ${count} records of the frame`)
  return records
}
