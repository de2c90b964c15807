/**
 * Task: decompress and decode the record batches of one fetched partition into a packed form
 * the event loop turns into records without parsing anything but header keys.
 *
 * Output: every batch's (decompressed) records section back to back in `data`, and per record a
 * row of RECORD_ROW float64s: offset, timestamp, key start and length, value start and length,
 * headers start and header count (positions in `data`, -1 lengths for null). Per batch, a row of
 * BATCH_INFO_ROW numbers: base offset, last offset, flags (control, transactional), producer
 * id, first record row, record count. A cut-off last batch, which a fetch may end with, is left
 * out; anything else malformed fails the whole task with the batch's position and the reason
 * (a consumer cannot skip part of a partition silently).
 *
 * Pure and synchronous: runs inline for small uncompressed fetches and in a worker otherwise.
 */
import { type Decompress, DEFAULT_MAX_DECOMPRESSED_BYTES } from '../../protocol/records.js'
import { protocolError, withContext } from '../../protocol/protocol-error.js'
import { Reader } from '../../protocol/reader.js'
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  COMPRESSION_CODEC_MASK,
  CONTROL_FLAG_MASK,
  CRC_OFFSET,
  CRC_START_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG_MASK,
  nextBatch,
} from '../../protocol/record-batch.js'
import { type CompressionCodec, decompress as decompressBytes } from '../../storage/codecs.js'
import { crc32c } from '../../storage/native.js'

export interface DecodeBatchesTask {
  /** A partition's records field from a Fetch response (one or more whole batches). */
  readonly records: Uint8Array
  /** Bound on each batch's decompressed records; default 64 MiB. */
  readonly maxDecompressedBytes?: number
}

export const RECORD_OFFSET = 0
export const RECORD_TIMESTAMP = 1
export const RECORD_KEY_START = 2
export const RECORD_KEY_LENGTH = 3
export const RECORD_VALUE_START = 4
export const RECORD_VALUE_LENGTH = 5
export const RECORD_HEADERS_START = 6
export const RECORD_HEADER_COUNT = 7
export const RECORD_ROW = 8

export const BATCH_BASE_OFFSET = 0
export const BATCH_LAST_OFFSET = 1
export const BATCH_FLAGS = 2
export const BATCH_PRODUCER_ID = 3
export const BATCH_FIRST_RECORD = 4
export const BATCH_RECORD_COUNT = 5
export const BATCH_INFO_ROW = 6

export const BATCH_FLAG_CONTROL = 1
export const BATCH_FLAG_TRANSACTIONAL = 2

export interface DecodedBatches {
  /** Records sections, decompressed, back to back. */
  readonly data: Buffer
  /** RECORD_ROW float64s per record, as bytes. */
  readonly records: Uint8Array
  readonly recordCount: number
  /** BATCH_INFO_ROW numbers per batch. */
  readonly batches: number[]
}

const MIN_RECORD_BYTES = 7
const INITIAL_ROWS = 256

export function decodeBatches(task: DecodeBatchesTask, decompress: Decompress = decompressBytes as Decompress): DecodedBatches {
  const input = Buffer.from(task.records.buffer, task.records.byteOffset, task.records.byteLength)
  const maxBytes = task.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES
  const sections: Buffer[] = []
  let sectionsLength = 0
  const batches: number[] = []
  let rows = new Float64Array(INITIAL_ROWS * RECORD_ROW)
  let recordCount = 0

  let position = 0
  while (position < input.length) {
    const end = nextBatch(input, position, input.length, true)
    if (end === -1) break
    try {
      const magic = input.readInt8(position + MAGIC_OFFSET)
      if (magic !== CURRENT_MAGIC) throw protocolError(`magic ${magic} is not supported (only RecordBatch v2)`)
      const crc = input.readUInt32BE(position + CRC_OFFSET)
      const computed = crc32c(input.subarray(position + CRC_START_OFFSET, end))
      if (computed !== crc) throw protocolError(`CRC mismatch: the batch says ${crc}, its bytes give ${computed}`)
      const attributes = input.readInt16BE(position + ATTRIBUTES_OFFSET)
      const codec = attributes & COMPRESSION_CODEC_MASK
      const count = input.readInt32BE(position + RECORDS_COUNT_OFFSET)
      let section = input.subarray(position + RECORDS_OFFSET, end)
      if (codec !== 0) {
        if (codec > 4) throw protocolError(`compression codec ${codec} is unknown`)
        try {
          section = decompress(codec as CompressionCodec, section, maxBytes)
        } catch (error) {
          throw protocolError(`decompressing the records (codec ${codec}) failed: ${(error as Error).message}`, error)
        }
      }
      if (count < 0 || count * MIN_RECORD_BYTES > section.length) {
        throw protocolError(`recordsCount ${count} cannot fit in ${section.length} bytes of records`)
      }
      const baseOffset = readInt64(input, position + BASE_OFFSET_OFFSET)
      const logAppendTime = (attributes & TIMESTAMP_TYPE_MASK) !== 0
      const baseTimestamp = readInt64(input, position + BASE_TIMESTAMP_OFFSET)
      const maxTimestamp = readInt64(input, position + MAX_TIMESTAMP_OFFSET)
      if ((recordCount + count) * RECORD_ROW > rows.length) {
        const grown = new Float64Array(Math.max(rows.length * 2, (recordCount + count) * RECORD_ROW))
        grown.set(rows)
        rows = grown
      }
      decodeRecordRows(section, count, sectionsLength, rows, recordCount, baseOffset, logAppendTime ? maxTimestamp : baseTimestamp, logAppendTime)
      const flags =
        ((attributes & CONTROL_FLAG_MASK) !== 0 ? BATCH_FLAG_CONTROL : 0) |
        ((attributes & TRANSACTIONAL_FLAG_MASK) !== 0 ? BATCH_FLAG_TRANSACTIONAL : 0)
      batches.push(
        baseOffset,
        baseOffset + input.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET),
        flags,
        readInt64(input, position + PRODUCER_ID_OFFSET),
        recordCount,
        count,
      )
      recordCount += count
      sections.push(section)
      sectionsLength += section.length
    } catch (error) {
      throw withContext(error, `record batch at byte ${position}`)
    }
    position = end
  }
  return {
    data: Buffer.concat(sections, sectionsLength),
    records: new Uint8Array(rows.buffer.slice(0, recordCount * RECORD_ROW * 8)),
    recordCount,
    batches,
  }
}

/**
 * Reads `count` records of a section into rows starting at row `first`. Positions are made
 * absolute in the output by adding `base` (where this section will start in `data`).
 */
function decodeRecordRows(
  section: Buffer,
  count: number,
  base: number,
  rows: Float64Array,
  first: number,
  baseOffset: number,
  timestampBase: number,
  logAppendTime: boolean,
): void {
  const reader = new Reader(section)
  for (let i = 0; i < count; i++) {
    try {
      const length = reader.readVarint()
      if (length < MIN_RECORD_BYTES - 1 || length > reader.remaining) {
        throw protocolError(`record length ${length} is invalid with ${reader.remaining} bytes remaining`)
      }
      const end = reader.offset + length
      reader.readInt8()
      const timestampDelta = reader.readVarlongAsNumber()
      const offsetDelta = reader.readVarint()
      const row = (first + i) * RECORD_ROW
      rows[row + RECORD_OFFSET] = baseOffset + offsetDelta
      // With LogAppendTime the broker's time (the batch's maxTimestamp) is every record's time.
      rows[row + RECORD_TIMESTAMP] = logAppendTime ? timestampBase : timestampBase + timestampDelta
      const keyLength = readLength(reader, end, 'key')
      rows[row + RECORD_KEY_START] = base + reader.offset
      rows[row + RECORD_KEY_LENGTH] = keyLength
      if (keyLength > 0) reader.skip(keyLength)
      const valueLength = readLength(reader, end, 'value')
      rows[row + RECORD_VALUE_START] = base + reader.offset
      rows[row + RECORD_VALUE_LENGTH] = valueLength
      if (valueLength > 0) reader.skip(valueLength)
      const headerCount = reader.readVarint()
      if (headerCount < 0 || headerCount * 2 > end - reader.offset) {
        throw protocolError(`header count ${headerCount} is invalid with ${end - reader.offset} bytes left in the record`)
      }
      rows[row + RECORD_HEADERS_START] = base + reader.offset
      rows[row + RECORD_HEADER_COUNT] = headerCount
      for (let h = 0; h < headerCount; h++) {
        const keyBytes = readLength(reader, end, 'header key')
        if (keyBytes < 0) throw protocolError('a header key is null')
        reader.skip(keyBytes)
        const valueBytes = readLength(reader, end, 'header value')
        if (valueBytes > 0) reader.skip(valueBytes)
      }
      if (reader.offset !== end) throw protocolError(`record declares ${length} bytes but its fields take ${reader.offset - end + length}`)
    } catch (error) {
      throw withContext(error, `record ${i}`)
    }
  }
  if (reader.remaining !== 0) throw protocolError(`${reader.remaining} bytes follow the ${count} records the batch declares`)
}

function readLength(reader: Reader, end: number, what: string): number {
  const length = reader.readVarint()
  if (length < -1 || reader.offset + Math.max(0, length) > end) {
    throw protocolError(`${what} length ${length} does not fit the record`)
  }
  return length
}

function readInt64(buffer: Buffer, at: number): number {
  return buffer.readInt32BE(at) * 0x1_0000_0000 + buffer.readUInt32BE(at + 4)
}

/** Reads the headers of a decoded record (positions from its row) as [key, value] pairs. */
export function readHeaders(data: Buffer, start: number, count: number): Array<[string, Buffer | null]> {
  const reader = new Reader(data, start)
  const headers: Array<[string, Buffer | null]> = []
  for (let h = 0; h < count; h++) {
    const key = reader.readUtf8(reader.readVarint())
    const length = reader.readVarint()
    headers.push([key, length < 0 ? null : reader.readRawBytes(length)])
  }
  return headers
}
