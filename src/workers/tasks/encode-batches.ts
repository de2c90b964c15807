/**
 * Task: partition, encode and compress a set of records into RecordBatch v2 batches, one or more
 * per partition, written back to back into one buffer.
 *
 * Partitioning follows the Java producer: an explicit partition wins; a keyed record goes to
 * `toPositive(murmur2(key)) % partitionCount`; keyless records stick to one partition until
 * about `batchBytes` of them went there, then move to the next (KIP-794's sticky batching, which
 * fills whole batches instead of spraying tiny ones). Within a partition, records keep their
 * input order, and a batch closes before a record would take it past `batchBytes` (a single
 * larger record gets a batch of its own, as in Java).
 *
 * With `baseSequences` the batches are idempotent: each carries the producer id and epoch and
 * the next sequence number of its partition, so the caller must know each partition's record
 * count in advance (it partitions explicitly, as Samsa's producer does).
 *
 * Pure and synchronous: the same function runs in a worker (through the pool) and inline (tests,
 * small sets). Output is one exclusively owned buffer, so moving it back costs nothing per byte.
 */
import { murmur2, toPositive } from '../../protocol/partitioner.js'
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  CRC_START_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
} from '../../protocol/record-batch.js'
import { CompressionCodec, compress } from '../../storage/codecs.js'
import { crc32c } from '../../storage/native.js'
import { sizeOfVarint, sizeOfVarlongNumber } from '../../protocol/varint.js'
import { copyBytes, viewOf } from './copy-bytes.js'
import {
  FIELD_HEADER_COUNT,
  FIELD_HEADERS_LENGTH,
  FIELD_HEADERS_START,
  FIELD_KEY_LENGTH,
  FIELD_KEY_START,
  FIELD_PARTITION,
  FIELD_VALUE_LENGTH,
  FIELD_VALUE_START,
  FIELDS_PER_RECORD,
  type RecordSet,
  fieldsOf,
  timestampsOf,
} from './record-set.js'

/** Java's default batch.size is 16 KiB; tasks default larger because they serve whole record sets. */
export const DEFAULT_TASK_BATCH_BYTES = 1024 * 1024

export interface EncodeBatchesTask {
  readonly records: RecordSet
  /** The topic's partition count; records with partition -1 are placed within it. */
  readonly partitionCount: number
  readonly compression: CompressionCodec
  /** The codec's Kafka level; omitted means Kafka's default. */
  readonly level?: number
  /** Uncompressed records bytes at which a batch closes and keyless records move on. */
  readonly batchBytes?: number
  /** Where keyless records go first; default: a random partition. */
  readonly stickyPartition?: number
  readonly producerId?: number
  readonly producerEpoch?: number
  /** Next sequence number per partition (index = partition), for idempotent batches. */
  readonly baseSequences?: readonly number[]
  /** Also return the partition each input record went to. */
  readonly reportPartitions?: boolean
}

/** Four numbers per batch in `EncodedBatches.batches`. */
export const BATCH_PARTITION = 0
export const BATCH_START = 1
export const BATCH_END = 2
export const BATCH_RECORD_COUNT = 3
export const BATCH_ROW = 4

export interface EncodedBatches {
  /** The batches back to back, then unused capacity: use the positions in `batches`. */
  readonly data: Buffer
  /** BATCH_ROW numbers per batch: partition, start, end, record count; partitions ascending. */
  readonly batches: number[]
  /** Where the next keyless record should go, to continue the stickiness in a later task. */
  readonly stickyPartition: number
  /** With `reportPartitions`: int32 per input record, its partition. */
  readonly partitions?: Uint8Array
}

/** The batch at `index` of an encode result, as a view (no copy). */
export function batchAt(result: EncodedBatches, index: number): { partition: number; recordCount: number; batch: Buffer } {
  const row = index * BATCH_ROW
  const b = result.batches
  return {
    partition: b[row + BATCH_PARTITION]!,
    recordCount: b[row + BATCH_RECORD_COUNT]!,
    batch: result.data.subarray(b[row + BATCH_START], b[row + BATCH_END]),
  }
}

/**
 * The output buffer an encode starts with (it grows when the records need more): the records'
 * bytes, a record's worst typical framing each, a batch header per partition. A caller that
 * passes its own buffer to `encodeBatches` sizes it with this.
 */
export function initialOutputBytes(records: RecordSet, partitionCount: number, compression: CompressionCodec): number {
  const estimate = records.data.byteLength + records.count * 16 + partitionCount * RECORDS_OFFSET + RECORDS_OFFSET
  // Compressed output is usually far smaller than the records; start small and grow.
  return compression !== CompressionCodec.None ? Math.max(4096, estimate >>> 2) : estimate
}

/**
 * Partitions and encodes `task.records`. `output`, when given and at least
 * `initialOutputBytes` long, is written into instead of a new buffer (a caller on the event
 * loop reusing buffers whose requests completed); the result's `data` is then that buffer,
 * unless the records outgrew it.
 */
export function encodeBatches(task: EncodeBatchesTask, output?: Buffer): EncodedBatches {
  const { records, partitionCount } = task
  if (!(Number.isInteger(partitionCount) && partitionCount > 0)) {
    throw new RangeError(`partitionCount must be a positive integer, got ${partitionCount}`)
  }
  const count = records.count
  const fields = fieldsOf(records)
  // A plain Uint8Array, not a Buffer: its subarray() is several times cheaper (no FastBuffer).
  const data = Buffer.isBuffer(records.data) ? new Uint8Array(records.data.buffer, records.data.byteOffset, records.data.byteLength) : records.data
  const batchBytes = task.batchBytes ?? DEFAULT_TASK_BATCH_BYTES
  let sticky = task.stickyPartition ?? Math.floor(Math.random() * partitionCount)
  if (!(sticky >= 0 && sticky < partitionCount)) sticky = 0
  let stickyBytes = 0

  // Choose partitions, count records per partition.
  const reportPartitions = task.reportPartitions === true
  const partitions = reportPartitions ? new Int32Array(count) : scratchInts(0, count)
  const perPartition = new Int32Array(partitionCount)
  for (let i = 0; i < count; i++) {
    const row = i * FIELDS_PER_RECORD
    let partition = fields[row + FIELD_PARTITION]!
    if (partition === -1) {
      const keyLength = fields[row + FIELD_KEY_LENGTH]!
      if (keyLength >= 0) {
        const keyStart = fields[row + FIELD_KEY_START]!
        partition = toPositive(murmur2(data, keyStart, keyStart + keyLength)) % partitionCount
      } else {
        partition = sticky
        stickyBytes += recordDataBytes(fields, row) + 12
        if (stickyBytes >= batchBytes) {
          sticky = (sticky + 1) % partitionCount
          stickyBytes = 0
        }
      }
    } else if (!(partition >= 0 && partition < partitionCount)) {
      throw new RangeError(`record ${i} names partition ${partition}, outside 0-${partitionCount - 1}`)
    }
    partitions[i] = partition
    perPartition[partition]!++
  }

  // Counting sort: record indexes grouped by partition, input order kept within each.
  const order = scratchInts(1, count)
  const next = new Int32Array(partitionCount)
  for (let p = 1; p < partitionCount; p++) next[p] = next[p - 1]! + perPartition[p - 1]!
  for (let i = 0; i < count; i++) order[next[partitions[i]!]!++] = i

  const writer = new BatchWriter(task, data, fields, timestampsOf(records), batchBytes, output)
  let position = 0
  for (let p = 0; p < partitionCount; p++) {
    const n = perPartition[p]!
    if (n > 0) writer.writePartition(p, order, position, position + n)
    position += n
  }
  const result: EncodedBatches = {
    data: writer.output,
    batches: writer.batches,
    stickyPartition: sticky,
  }
  if (reportPartitions) return { ...result, partitions: new Uint8Array(partitions.buffer) }
  return result
}

/**
 * Per-record working arrays of an encode (partition of each record, the partition-grouped
 * order), kept between calls: each was an ArrayBuffer of its own per encode, malloc'd, counted
 * as external memory and swept by the GC, for a thousand encodes a second on a producer. Safe to
 * share because an encode is synchronous and a module instance belongs to one thread.
 */
const scratch: [Int32Array, Int32Array] = [new Int32Array(1024), new Int32Array(1024)]

/** The first `count` entries of scratch array `which`, grown when needed; contents undefined. */
function scratchInts(which: 0 | 1, count: number): Int32Array {
  if (scratch[which].length < count) scratch[which] = new Int32Array(Math.max(count, scratch[which].length * 2))
  return scratch[which].subarray(0, count)
}

/** Key, value and header bytes of the record at `row`. */
function recordDataBytes(fields: Int32Array, row: number): number {
  return Math.max(0, fields[row + FIELD_KEY_LENGTH]!) + Math.max(0, fields[row + FIELD_VALUE_LENGTH]!) + fields[row + FIELD_HEADERS_LENGTH]!
}

/** Worst-case framing of one record: length, attributes, timestamp delta, offset delta, key, value, header count. */
const MAX_RECORD_OVERHEAD = 5 + 1 + 10 + 5 + 5 + 5 + 5

const NO_SCRATCH = Buffer.alloc(0)

class BatchWriter {
  readonly batches: number[] = []
  output: Buffer
  #position = 0
  /** Records section being built for a compressed batch. */
  #scratch: Buffer
  readonly #task: EncodeBatchesTask
  readonly #data: Uint8Array
  readonly #dataView: DataView
  readonly #fields: Int32Array
  readonly #timestamps: Float64Array
  readonly #batchBytes: number
  readonly #compressed: boolean

  constructor(task: EncodeBatchesTask, data: Uint8Array, fields: Int32Array, timestamps: Float64Array, batchBytes: number, output: Buffer | undefined) {
    this.#task = task
    this.#data = data
    this.#dataView = viewOf(data)
    this.#fields = fields
    this.#timestamps = timestamps
    this.#batchBytes = batchBytes
    this.#compressed = task.compression !== 0
    const initial = initialOutputBytes(task.records, task.partitionCount, task.compression)
    this.output = output !== undefined && output.length >= initial ? output : Buffer.allocUnsafeSlow(initial)
    this.#scratch = this.#compressed ? Buffer.allocUnsafeSlow(Math.min(initialOutputBytes(task.records, task.partitionCount, CompressionCodec.None), batchBytes + 4096)) : NO_SCRATCH
  }

  /** Encodes records order[from, to), all of partition `partition`, into one or more batches. */
  writePartition(partition: number, order: Int32Array, from: number, to: number): void {
    const sequenceBase = this.#task.baseSequences?.[partition] ?? -1
    let emitted = 0
    let i = from
    while (i < to) {
      const end = this.#batchEnd(order, i, to)
      const baseSequence = sequenceBase < 0 ? -1 : (sequenceBase + emitted) | 0
      this.#writeBatch(partition, order, i, end, baseSequence)
      emitted += end - i
      i = end
    }
  }

  /** Where the batch that starts at order[from] ends: before the record that would pass batchBytes. */
  #batchEnd(order: Int32Array, from: number, to: number): number {
    const fields = this.#fields
    let bytes = 0
    let i = from
    for (; i < to; i++) {
      const size = recordDataBytes(fields, order[i]! * FIELDS_PER_RECORD) + 12
      if (i > from && bytes + size > this.#batchBytes) break
      bytes += size
    }
    return i
  }

  #writeBatch(partition: number, order: Int32Array, from: number, to: number, baseSequence: number): void {
    const timestamps = this.#timestamps
    const baseTimestamp = timestamps[order[from]!]!
    let maxTimestamp = baseTimestamp
    for (let i = from + 1; i < to; i++) {
      const ts = timestamps[order[i]!]!
      if (ts > maxTimestamp) maxTimestamp = ts
    }
    let dataBytes = 0
    for (let i = from; i < to; i++) dataBytes += recordDataBytes(this.#fields, order[i]! * FIELDS_PER_RECORD)
    const sectionBound = dataBytes + (to - from) * MAX_RECORD_OVERHEAD

    const start = this.#position
    let end: number
    if (this.#compressed) {
      if (this.#scratch.length < sectionBound) this.#scratch = Buffer.allocUnsafeSlow(sectionBound)
      const sectionLength = this.#writeRecords(this.#scratch, 0, order, from, to, baseTimestamp)
      const section = compress(this.#task.compression, this.#scratch.subarray(0, sectionLength), this.#task.level)
      this.#ensure(RECORDS_OFFSET + section.length)
      section.copy(this.output, start + RECORDS_OFFSET)
      end = start + RECORDS_OFFSET + section.length
    } else {
      this.#ensure(RECORDS_OFFSET + sectionBound)
      end = this.#writeRecords(this.output, start + RECORDS_OFFSET, order, from, to, baseTimestamp)
    }
    this.#writeHeader(start, end, to - from, baseTimestamp, maxTimestamp, baseSequence)
    this.#position = end
    this.batches.push(partition, start, end, to - from)
  }

  #writeHeader(start: number, end: number, count: number, baseTimestamp: number, maxTimestamp: number, baseSequence: number): void {
    const out = this.output
    out.writeBigInt64BE(0n, start + BASE_OFFSET_OFFSET)
    out.writeInt32BE(end - start - LOG_OVERHEAD, start + BATCH_LENGTH_OFFSET)
    out.writeInt32BE(-1, start + PARTITION_LEADER_EPOCH_OFFSET)
    out[start + MAGIC_OFFSET] = CURRENT_MAGIC
    out.writeInt16BE(this.#task.compression, start + ATTRIBUTES_OFFSET)
    out.writeInt32BE(count - 1, start + LAST_OFFSET_DELTA_OFFSET)
    writeInt64(out, start + BASE_TIMESTAMP_OFFSET, baseTimestamp)
    writeInt64(out, start + MAX_TIMESTAMP_OFFSET, maxTimestamp)
    writeInt64(out, start + PRODUCER_ID_OFFSET, this.#task.producerId ?? -1)
    out.writeInt16BE(this.#task.producerEpoch ?? -1, start + PRODUCER_EPOCH_OFFSET)
    out.writeInt32BE(baseSequence, start + BASE_SEQUENCE_OFFSET)
    out.writeInt32BE(count, start + RECORDS_COUNT_OFFSET)
    out.writeUInt32BE(crc32c(out.subarray(start + CRC_START_OFFSET, end)), start + CRC_OFFSET)
  }

  /** Writes records order[from, to) at `at` in `out` (which has room); returns the end position. */
  #writeRecords(out: Buffer, at: number, order: Int32Array, from: number, to: number, baseTimestamp: number): number {
    const fields = this.#fields
    const data = this.#data
    const dataView = this.#dataView
    const outView = viewOf(out)
    const timestamps = this.#timestamps
    let p = at
    for (let i = from; i < to; i++) {
      const index = order[i]!
      const row = index * FIELDS_PER_RECORD
      const offsetDelta = i - from
      const timestampDelta = timestamps[index]! - baseTimestamp
      const keyLength = fields[row + FIELD_KEY_LENGTH]!
      const valueLength = fields[row + FIELD_VALUE_LENGTH]!
      const headersLength = fields[row + FIELD_HEADERS_LENGTH]!
      const headerCount = fields[row + FIELD_HEADER_COUNT]!
      const bodySize =
        1 +
        varlongSize(timestampDelta) +
        sizeOfVarint(offsetDelta) +
        (keyLength < 0 ? 1 : sizeOfVarint(keyLength) + keyLength) +
        (valueLength < 0 ? 1 : sizeOfVarint(valueLength) + valueLength) +
        sizeOfVarint(headerCount) +
        headersLength
      p = writeVarint(out, p, bodySize)
      out[p++] = 0
      p = writeVarlong(out, p, timestampDelta)
      p = writeVarint(out, p, offsetDelta)
      p = writeVarint(out, p, keyLength)
      if (keyLength > 0) p = copyBytes(data, dataView, fields[row + FIELD_KEY_START]!, keyLength, out, outView, p)
      p = writeVarint(out, p, valueLength)
      if (valueLength > 0) p = copyBytes(data, dataView, fields[row + FIELD_VALUE_START]!, valueLength, out, outView, p)
      p = writeVarint(out, p, headerCount)
      if (headersLength > 0) p = copyBytes(data, dataView, fields[row + FIELD_HEADERS_START]!, headersLength, out, outView, p)
    }
    return p
  }

  #ensure(extra: number): void {
    const needed = this.#position + extra
    if (needed <= this.output.length) return
    const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.output.length * 2))
    this.output.copy(grown, 0, 0, this.#position)
    this.output = grown
  }
}

function writeVarint(out: Buffer, at: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  out[at++] = v
  return at
}

/** Timestamp deltas are numbers (|delta| < 2^53); the common small ones take the int32 path. */
function varlongSize(value: number): number {
  return value >= -0x4000_0000 && value < 0x4000_0000 ? sizeOfVarint(value) : sizeOfVarlongNumber(value)
}

function writeVarlong(out: Buffer, at: number, value: number): number {
  if (value >= -0x4000_0000 && value < 0x4000_0000) return writeVarint(out, at, value)
  let zigZag = value >= 0 ? value * 2 : -value * 2 - 1
  while (zigZag >= 0x80) {
    out[at++] = (zigZag % 0x80) | 0x80
    zigZag = Math.floor(zigZag / 0x80)
  }
  out[at++] = zigZag
  return at
}

function writeInt64(out: Buffer, at: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000)
  out.writeInt32BE(high | 0, at)
  out.writeUInt32BE(value - high * 0x1_0000_0000, at + 4)
}
