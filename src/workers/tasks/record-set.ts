/**
 * A set of records to produce, packed for a worker thread: the key, value and header bytes of
 * every record back to back in one byte array, and a fixed-size row of integers per record saying
 * where each part lies. Three byte arrays cross to the worker (moved, not cloned) whatever the
 * number of records; an array of record objects would be cloned object by object, and each
 * Buffer view in it would drag its whole 8 KiB pool slab along.
 *
 * Layout of `fields` (native-endian int32, FIELDS_PER_RECORD per record):
 *   0 partition       the record's partition, or -1: let the task choose (key hash or sticky)
 *   1 keyStart        offset of the key in `data`
 *   2 keyLength       -1 for a null key
 *   3 valueStart
 *   4 valueLength     -1 for a null value
 *   5 headersStart    offset of the headers, already in record wire format (per header:
 *   6 headersLength   varint key length, UTF-8 key, varint value length or -1, value)
 *   7 headerCount
 * `timestamps` holds one native-endian float64 per record (milliseconds since the epoch).
 *
 * Both sides of the pool use this module: RecordSetBuilder on the event loop, the tasks in the
 * worker. Not thread-safe; a builder belongs to one caller.
 */
import { zigZagEncode32 } from '../../protocol/varint.js'

export const FIELDS_PER_RECORD = 8
export const FIELD_PARTITION = 0
export const FIELD_KEY_START = 1
export const FIELD_KEY_LENGTH = 2
export const FIELD_VALUE_START = 3
export const FIELD_VALUE_LENGTH = 4
export const FIELD_HEADERS_START = 5
export const FIELD_HEADERS_LENGTH = 6
export const FIELD_HEADER_COUNT = 7

/** Records packed for a task (see the module comment for the layout). */
export interface RecordSet {
  readonly count: number
  readonly data: Uint8Array
  /** Int32 rows, FIELDS_PER_RECORD per record, as bytes. */
  readonly fields: Uint8Array
  /** One float64 timestamp per record, as bytes. */
  readonly timestamps: Uint8Array
}

/** Bytes (key, value, header value) as the record API accepts them; strings are UTF-8 encoded. */
export type RecordBytes = Uint8Array | string | null | undefined

export interface RecordToPack {
  readonly key?: RecordBytes
  readonly value: RecordBytes
  /** Header values may repeat a key; order is kept. */
  readonly headers?: ReadonlyArray<readonly [string, RecordBytes]> | Readonly<Record<string, RecordBytes>>
  /** Milliseconds since the epoch; default: the builder's clock when appended. */
  readonly timestamp?: number
  /** An explicit partition wins over the key hash and stickiness. */
  readonly partition?: number
}

/** Int32 view over a RecordSet's `fields` (a copy when the bytes are not 4-byte aligned). */
export function fieldsOf(set: RecordSet): Int32Array {
  return alignedView(set.fields, Int32Array, set.count * FIELDS_PER_RECORD)
}

/** Float64 view over a RecordSet's `timestamps`. */
export function timestampsOf(set: RecordSet): Float64Array {
  return alignedView(set.timestamps, Float64Array, set.count)
}

function alignedView<T extends Int32Array | Float64Array>(
  bytes: Uint8Array,
  Kind: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number },
  length: number,
): T {
  if (bytes.byteLength < length * Kind.BYTES_PER_ELEMENT) {
    throw new RangeError(`a record set declares ${length} entries but carries ${bytes.byteLength} bytes of them`)
  }
  if (bytes.byteOffset % Kind.BYTES_PER_ELEMENT === 0) return new Kind(bytes.buffer, bytes.byteOffset, length)
  const copy = new Uint8Array(length * Kind.BYTES_PER_ELEMENT)
  copy.set(bytes.subarray(0, copy.byteLength))
  return new Kind(copy.buffer, 0, length)
}

function copyOf(bytes: Uint8Array, length: number): Uint8Array {
  const copy = new Uint8Array(length)
  copy.set(bytes.subarray(0, length))
  return copy
}

const INITIAL_RECORDS = 64
const INITIAL_DATA = 16 * 1024

/**
 * Packs records one at a time on the event loop (a memcpy of their bytes, no per-record
 * object kept). `build()` hands out exactly-sized arrays, so moving them to a worker moves only
 * these records' bytes, and resets the builder for the next set.
 */
export class RecordSetBuilder {
  #data = Buffer.allocUnsafe(INITIAL_DATA)
  #dataLength = 0
  #fields = new Int32Array(INITIAL_RECORDS * FIELDS_PER_RECORD)
  #timestamps = new Float64Array(INITIAL_RECORDS)
  #count = 0
  #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  get count(): number {
    return this.#count
  }

  /** Bytes of keys, values and headers so far. */
  get dataBytes(): number {
    return this.#dataLength
  }

  /**
   * Roughly the bytes these records take in an uncompressed batch: their data plus a typical
   * per-record framing. Used for batch.size decisions, where an estimate is what Java uses too.
   */
  get estimatedBatchBytes(): number {
    return 61 + this.#dataLength + this.#count * 12
  }

  /** Packs one record; returns its index in the set. `partition` overrides the record's own. */
  append(record: RecordToPack, partition = record.partition ?? -1): number {
    const index = this.#count
    if ((index + 1) * FIELDS_PER_RECORD > this.#fields.length) this.#growRows()
    const row = index * FIELDS_PER_RECORD
    const fields = this.#fields
    fields[row + FIELD_PARTITION] = partition
    this.#writeBytes(record.key, row + FIELD_KEY_START)
    this.#writeBytes(record.value, row + FIELD_VALUE_START)
    const headers = record.headers
    if (headers === undefined) {
      fields[row + FIELD_HEADERS_START] = this.#dataLength
      fields[row + FIELD_HEADERS_LENGTH] = 0
      fields[row + FIELD_HEADER_COUNT] = 0
    } else {
      this.#writeHeaders(headers, row)
    }
    this.#timestamps[index] = record.timestamp ?? this.#now()
    this.#count = index + 1
    return index
  }

  /** The partition recorded for record `index` (-1 when the task is to choose). */
  partitionOf(index: number): number {
    return this.#fields[index * FIELDS_PER_RECORD + FIELD_PARTITION]!
  }

  /** The packed records, in exactly-sized arrays; the builder starts empty again. */
  build(): RecordSet {
    const count = this.#count
    const set: RecordSet = {
      count,
      data: copyOf(this.#data, this.#dataLength),
      fields: new Uint8Array(this.#fields.buffer.slice(0, count * FIELDS_PER_RECORD * 4)),
      timestamps: new Uint8Array(this.#timestamps.buffer.slice(0, count * 8)),
    }
    this.clear()
    return set
  }

  /**
   * The packed records as views of the builder's own arrays, for a task run on this thread:
   * no copy, where `build()` allocates three arrays (60 KiB for 400 small records) only to make
   * them movable. Valid until the next `append` or `clear`, which the caller does after the task.
   */
  view(): RecordSet {
    const count = this.#count
    return {
      count,
      data: this.#data.subarray(0, this.#dataLength),
      fields: new Uint8Array(this.#fields.buffer, 0, count * FIELDS_PER_RECORD * 4),
      timestamps: new Uint8Array(this.#timestamps.buffer, 0, count * 8),
    }
  }

  /** Forgets the records; the builder keeps its arrays for the next ones. */
  clear(): void {
    this.#count = 0
    this.#dataLength = 0
  }

  #writeBytes(bytes: RecordBytes, at: number): void {
    const fields = this.#fields
    if (bytes === null || bytes === undefined) {
      fields[at] = this.#dataLength
      fields[at + 1] = -1
      return
    }
    const start = this.#dataLength
    let length: number
    if (typeof bytes === 'string') {
      this.#ensure(bytes.length * 3)
      length = this.#data.write(bytes, start, 'utf8')
    } else {
      length = bytes.byteLength
      this.#ensure(length)
      this.#data.set(bytes, start)
    }
    this.#dataLength = start + length
    fields[at] = start
    fields[at + 1] = length
  }

  #writeHeaders(headers: NonNullable<RecordToPack['headers']>, row: number): void {
    const entries = Array.isArray(headers) ? headers : Object.entries(headers)
    const start = this.#dataLength
    for (const [key, value] of entries as Array<readonly [string, RecordBytes]>) {
      const keyBytes = Buffer.from(key, 'utf8')
      this.#writeVarint(keyBytes.length)
      this.#ensure(keyBytes.length)
      this.#data.set(keyBytes, this.#dataLength)
      this.#dataLength += keyBytes.length
      if (value === null || value === undefined) {
        this.#writeVarint(-1)
        continue
      }
      const valueBytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
      this.#writeVarint(valueBytes.byteLength)
      this.#ensure(valueBytes.byteLength)
      this.#data.set(valueBytes, this.#dataLength)
      this.#dataLength += valueBytes.byteLength
    }
    this.#fields[row + FIELD_HEADERS_START] = start
    this.#fields[row + FIELD_HEADERS_LENGTH] = this.#dataLength - start
    this.#fields[row + FIELD_HEADER_COUNT] = entries.length
  }

  #writeVarint(value: number): void {
    this.#ensure(5)
    let v = zigZagEncode32(value)
    const data = this.#data
    let p = this.#dataLength
    while (v >= 0x80) {
      data[p++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    data[p++] = v
    this.#dataLength = p
  }

  #ensure(extra: number): void {
    const needed = this.#dataLength + extra
    if (needed <= this.#data.length) return
    const grown = Buffer.allocUnsafe(Math.max(needed, this.#data.length * 2))
    this.#data.copy(grown, 0, 0, this.#dataLength)
    this.#data = grown
  }

  #growRows(): void {
    const fields = new Int32Array(this.#fields.length * 2)
    fields.set(this.#fields)
    this.#fields = fields
    const timestamps = new Float64Array(this.#timestamps.length * 2)
    timestamps.set(this.#timestamps)
    this.#timestamps = timestamps
  }
}
