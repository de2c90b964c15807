/**
 * Task: turn the record batches of one read (one or more partitions of a topic) into records a
 * person or an HTTP client can use: {partition, offset, timestamp, key, value, headers}, with
 * keys, values and headers in a requested form. One task per read, never per record.
 *
 * Forms (`format`):
 * - binary: key, value and header values as base64 strings;
 * - json: key and value parsed as JSON; one that is not JSON becomes null, with `keyError` /
 *   `valueError` saying why and `keyBase64` / `valueBase64` holding its bytes, so nothing is lost
 *   and one odd record does not fail the read; header values as UTF-8 text;
 * - text: key, value and header values as UTF-8 text (invalid sequences become U+FFFD).
 * Null stays null in every form. Offsets are decimal strings (they are int64 in Kafka, and
 * JavaScript clients lose precision past 2^53); timestamps are milliseconds.
 *
 * Outputs (`output`):
 * - records: the records as objects (for callers that post-process them: REST, the console);
 * - json: the JSON text of the records array, ready to embed in a response, so the event loop
 *   handles one string rather than an object per record;
 * - json-bytes: the same text between `envelope`'s prefix and suffix, as UTF-8 bytes: a whole
 *   WebSocket text frame, encoded once here however many subscribers it is sent to;
 * - frame: the compact binary frame of record-frame.ts (raw bytes, `format` does not apply).
 *
 * Records before a partition's fetch offset (a read starts at the batch holding it) and control
 * batches (transaction markers) are left out; compressed batches are decompressed here, bounded
 * by `maxDecompressedBytes` per batch. A corrupt batch fails the task with its position.
 */
import { Reader } from '../../protocol/reader.js'
import {
  BATCH_FLAG_CONTROL,
  BATCH_FLAGS,
  BATCH_FIRST_RECORD,
  BATCH_INFO_ROW,
  BATCH_LAST_OFFSET,
  BATCH_RECORD_COUNT,
  type DecodedBatches,
  decodeBatches,
  RECORD_HEADER_COUNT,
  RECORD_HEADERS_START,
  RECORD_KEY_LENGTH,
  RECORD_KEY_START,
  RECORD_OFFSET,
  RECORD_ROW,
  RECORD_TIMESTAMP,
  RECORD_VALUE_LENGTH,
  RECORD_VALUE_START,
} from './decode-batches.js'
import { HEADER_FIXED_BYTES, RECORD_FIXED_BYTES, writeFrameHeader, writeInt64 } from './record-frame.js'

export type RecordFormat = 'binary' | 'json' | 'text'
export type DisplayOutput = 'records' | 'json' | 'json-bytes' | 'frame'

export interface DisplayHeader {
  readonly key: string
  readonly value: string | null
}

export interface DisplayRecord {
  readonly partition: number
  /** Decimal: int64. */
  readonly offset: string
  /** Milliseconds since the epoch (CreateTime, or LogAppendTime if the topic uses it). */
  readonly timestamp: number
  readonly key: unknown
  readonly value: unknown
  readonly headers: DisplayHeader[]
  /** json form only: why the key is not JSON. */
  readonly keyError?: string
  readonly keyBase64?: string
  /** json form only: why the value is not JSON. */
  readonly valueError?: string
  readonly valueBase64?: string
}

/** Numbers per fetched partition in `parts`. */
export const PART_ROW = 3
export const PART_PARTITION = 0
/** Records before this offset are left out. */
export const PART_FETCH_OFFSET = 1
/** Where this partition's batches end in `data` (they start where the previous part's end). */
export const PART_END = 2

export interface DisplayRecordsTask {
  /** The batches of every fetched partition, back to back. */
  readonly data: Uint8Array
  /** PART_ROW numbers per fetched partition, in the order of `data`. */
  readonly parts: number[]
  readonly format: RecordFormat
  readonly output: DisplayOutput
  /** For json-bytes: the text before and after the records array. */
  readonly envelope?: readonly [string, string]
  /** Bound on each batch's decompressed records; default 64 MiB. */
  readonly maxDecompressedBytes?: number
}

export interface DisplayRecordsResult {
  /** Per part: the offset after its last batch (control batches count), or -1 if it had none. */
  readonly nextOffsets: number[]
  /** Records in the output. */
  readonly count: number
  readonly records?: DisplayRecord[]
  readonly json?: string
  readonly jsonBytes?: Uint8Array
  readonly frame?: Uint8Array
}

interface DecodedPart {
  readonly partition: number
  readonly decoded: DecodedBatches
  readonly rows: Float64Array
  /** Rows (record indexes) to show, in order. */
  readonly shown: number[]
}

export function displayRecords(task: DisplayRecordsTask): DisplayRecordsResult {
  const all = Buffer.from(task.data.buffer, task.data.byteOffset, task.data.byteLength)
  const parts: DecodedPart[] = []
  const nextOffsets: number[] = []
  let count = 0
  let start = 0
  for (let i = 0; i < task.parts.length; i += PART_ROW) {
    const partition = task.parts[i + PART_PARTITION]!
    const fetchOffset = task.parts[i + PART_FETCH_OFFSET]!
    const end = task.parts[i + PART_END]!
    const decoded = decodeBatches({ records: all.subarray(start, end), maxDecompressedBytes: task.maxDecompressedBytes })
    start = end
    const rows = new Float64Array(decoded.records.buffer, decoded.records.byteOffset, decoded.recordCount * RECORD_ROW)
    const shown: number[] = []
    const batches = decoded.batches
    for (let b = 0; b < batches.length; b += BATCH_INFO_ROW) {
      if ((batches[b + BATCH_FLAGS]! & BATCH_FLAG_CONTROL) !== 0) continue
      const first = batches[b + BATCH_FIRST_RECORD]!
      const last = first + batches[b + BATCH_RECORD_COUNT]!
      for (let r = first; r < last; r++) if (rows[r * RECORD_ROW + RECORD_OFFSET]! >= fetchOffset) shown.push(r)
    }
    nextOffsets.push(batches.length === 0 ? -1 : batches[batches.length - BATCH_INFO_ROW + BATCH_LAST_OFFSET]! + 1)
    count += shown.length
    parts.push({ partition, decoded, rows, shown })
  }
  if (task.output === 'frame') return { nextOffsets, count, frame: encodeFrame(parts, count) }
  const records: DisplayRecord[] = []
  for (const part of parts) for (const r of part.shown) records.push(displayRecord(part, r, task.format))
  if (task.output === 'json') return { nextOffsets, count, json: JSON.stringify(records) }
  if (task.output === 'json-bytes') {
    const [prefix, suffix] = task.envelope ?? ['', '']
    return { nextOffsets, count, jsonBytes: Buffer.from(prefix + JSON.stringify(records) + suffix, 'utf8') }
  }
  return { nextOffsets, count, records }
}

function displayRecord(part: DecodedPart, r: number, format: RecordFormat): DisplayRecord {
  const { rows } = part
  const data = part.decoded.data
  const row = r * RECORD_ROW
  const record: Record<string, unknown> = {
    partition: part.partition,
    offset: String(rows[row + RECORD_OFFSET]),
    timestamp: rows[row + RECORD_TIMESTAMP],
    key: null,
    value: null,
    headers: [],
  }
  setField(record, 'key', data, rows[row + RECORD_KEY_START]!, rows[row + RECORD_KEY_LENGTH]!, format)
  setField(record, 'value', data, rows[row + RECORD_VALUE_START]!, rows[row + RECORD_VALUE_LENGTH]!, format)
  const headerCount = rows[row + RECORD_HEADER_COUNT]!
  if (headerCount > 0) {
    const headers: DisplayHeader[] = []
    forEachHeader(data, rows[row + RECORD_HEADERS_START]!, headerCount, (keyStart, keyLength, valueStart, valueLength) => {
      headers.push({
        key: data.toString('utf8', keyStart, keyStart + keyLength),
        value: valueLength < 0 ? null : data.toString(format === 'binary' ? 'base64' : 'utf8', valueStart, valueStart + valueLength),
      })
    })
    record.headers = headers
  }
  return record as unknown as DisplayRecord
}

function setField(record: Record<string, unknown>, name: 'key' | 'value', data: Buffer, start: number, length: number, format: RecordFormat): void {
  if (length < 0) return
  if (format === 'binary') {
    record[name] = data.toString('base64', start, start + length)
    return
  }
  const text = data.toString('utf8', start, start + length)
  if (format === 'text') {
    record[name] = text
    return
  }
  try {
    record[name] = JSON.parse(text)
  } catch (error) {
    record[`${name}Error`] = `the ${name} is not JSON: ${(error as Error).message}`
    record[`${name}Base64`] = data.toString('base64', start, start + length)
  }
}

/** Calls `visit` with the positions in `data` of each header's key and value (-1 length: null). */
function forEachHeader(data: Buffer, start: number, count: number, visit: (keyStart: number, keyLength: number, valueStart: number, valueLength: number) => void): void {
  const reader = new Reader(data, start)
  for (let h = 0; h < count; h++) {
    const keyLength = reader.readVarint()
    const keyStart = reader.offset
    reader.skip(keyLength)
    const valueLength = reader.readVarint()
    const valueStart = reader.offset
    if (valueLength > 0) reader.skip(valueLength)
    visit(keyStart, keyLength, valueStart, valueLength)
  }
}

function encodeFrame(parts: readonly DecodedPart[], count: number): Uint8Array {
  let size = 8
  for (const { rows, shown, decoded } of parts) {
    for (const r of shown) {
      const row = r * RECORD_ROW
      size += RECORD_FIXED_BYTES + Math.max(0, rows[row + RECORD_KEY_LENGTH]!) + Math.max(0, rows[row + RECORD_VALUE_LENGTH]!)
      forEachHeader(decoded.data, rows[row + RECORD_HEADERS_START]!, rows[row + RECORD_HEADER_COUNT]!, (_keyStart, keyLength, _valueStart, valueLength) => {
        if (keyLength > 0xffff) throw new RangeError(`a header key of ${keyLength} bytes does not fit a record frame (at most 65535)`)
        size += HEADER_FIXED_BYTES + keyLength + Math.max(0, valueLength)
      })
    }
  }
  const frame = new Uint8Array(size)
  const view = new DataView(frame.buffer)
  let at = writeFrameHeader(view, count)
  for (const { partition, rows, shown, decoded } of parts) {
    const data = decoded.data
    const copy = (start: number, length: number): void => {
      view.setInt32(at, length)
      at += 4
      if (length > 0) frame.set(data.subarray(start, start + length), at)
      at += Math.max(0, length)
    }
    for (const r of shown) {
      const row = r * RECORD_ROW
      view.setInt32(at, partition)
      writeInt64(view, at + 4, rows[row + RECORD_OFFSET]!)
      writeInt64(view, at + 12, rows[row + RECORD_TIMESTAMP]!)
      at += 20
      copy(rows[row + RECORD_KEY_START]!, rows[row + RECORD_KEY_LENGTH]!)
      copy(rows[row + RECORD_VALUE_START]!, rows[row + RECORD_VALUE_LENGTH]!)
      view.setInt32(at, rows[row + RECORD_HEADER_COUNT]!)
      at += 4
      forEachHeader(data, rows[row + RECORD_HEADERS_START]!, rows[row + RECORD_HEADER_COUNT]!, (keyStart, keyLength, valueStart, valueLength) => {
        view.setUint16(at, keyLength)
        at += 2
        frame.set(data.subarray(keyStart, keyStart + keyLength), at)
        at += keyLength
        copy(valueStart, valueLength)
      })
    }
  }
  return frame
}
