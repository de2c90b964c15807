/**
 * RecordBatch v2 encode and decode, records included: for clients, tools, tests and the rare
 * broker paths that must look inside a batch (recompression, compacted-topic key checks). The
 * produce and fetch hot paths never come here; they use the header view in record-batch.ts.
 *
 * Record layout inside a batch (all varints zig-zag):
 *   length varint, attributes int8 (unused, 0), timestampDelta varlong, offsetDelta varint,
 *   keyLength varint (-1 = null), key, valueLength varint (-1 = null), value,
 *   headerCount varint, then per header: keyLength varint, UTF-8 key, valueLength varint
 *   (-1 = null), value.
 *
 * Decoding never trusts a length: each record length, key, value and header length is checked
 * against what remains, each record must end exactly where its length says, the declared record
 * count must fit the bytes (at least 7 bytes a record) and must consume them all, and
 * decompression is bounded by `maxDecompressedBytes`. Compression and CRC are injected
 * (functions with the signatures of the seglog addon's), so this module never loads the addon.
 * Decoded keys, values and header values are views into the batch (or into the decompressed
 * buffer), not copies.
 */
import { type Crc32c, crc32c as pureCrc32c } from './crc32c.js'
import { protocolError, withContext } from './protocol-error.js'
import { Reader } from './reader.js'
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_CODEC_MASK,
  CONTROL_FLAG_MASK,
  CRC_OFFSET,
  CRC_START_OFFSET,
  CURRENT_MAGIC,
  DELETE_HORIZON_FLAG_MASK,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORDS_COUNT_OFFSET,
  RECORDS_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG_MASK,
  nextBatch,
} from './record-batch.js'
import { sizeOfVarint, sizeOfVarlongNumber } from './varint.js'
import { Writer } from './writer.js'

/** Compresses a records section with a codec of CompressionCodecs (the addon's `compress`). */
export type Compress = (codec: number, data: Buffer) => Buffer
/** Decompresses, failing rather than producing more than `maxBytes` (the addon's `decompress`). */
export type Decompress = (codec: number, data: Buffer, maxBytes: number) => Buffer

/** Default bound on one batch's decompressed records: 64 MiB, far above message.max.bytes. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024

/** The smallest record: length, attributes, timestampDelta, offsetDelta, key, value, header count. */
const MIN_RECORD_BYTES = 7

export interface RecordHeader {
  readonly key: string
  readonly value: Buffer | null
}

export interface DecodedRecord {
  readonly attributes: number
  /** Add to the batch's baseTimestamp for the record's timestamp. */
  readonly timestampDelta: number
  /** Add to the batch's baseOffset for the record's offset. */
  readonly offsetDelta: number
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: RecordHeader[]
}

export interface DecodedRecordBatch {
  readonly baseOffset: bigint
  readonly batchLength: number
  readonly partitionLeaderEpoch: number
  readonly magic: number
  readonly crc: number
  readonly attributes: number
  readonly compression: number
  readonly timestampType: number
  readonly isTransactional: boolean
  readonly isControl: boolean
  readonly hasDeleteHorizon: boolean
  readonly lastOffsetDelta: number
  readonly baseTimestamp: bigint
  readonly maxTimestamp: bigint
  readonly producerId: bigint
  readonly producerEpoch: number
  readonly baseSequence: number
  readonly records: DecodedRecord[]
}

export interface RecordHeaderInput {
  readonly key: string
  readonly value: Uint8Array | null
}

export interface RecordInput {
  readonly key?: Uint8Array | null
  readonly value: Uint8Array | null
  readonly headers?: readonly RecordHeaderInput[]
  /** Default 0. */
  readonly timestampDelta?: number
  /** Default: the record's index in the batch. */
  readonly offsetDelta?: number
}

export interface RecordBatchHeaderInput {
  /** Default 0 (what producers send; the leader assigns offsets). */
  readonly baseOffset?: bigint | number
  /** Default -1. */
  readonly partitionLeaderEpoch?: number
  /** A CompressionCodecs value; default none. */
  readonly compression?: number
  /** A TimestampTypes value; default CreateTime. */
  readonly timestampType?: number
  readonly isTransactional?: boolean
  readonly isControl?: boolean
  readonly baseTimestamp: bigint | number
  /** Default: baseTimestamp plus the largest timestampDelta. */
  readonly maxTimestamp?: bigint | number
  /** Default: the last record's offsetDelta. */
  readonly lastOffsetDelta?: number
  /** Default -1 (no idempotence). */
  readonly producerId?: bigint | number
  readonly producerEpoch?: number
  readonly baseSequence?: number
}

export interface RecordBatchInput extends RecordBatchHeaderInput {
  readonly records: readonly RecordInput[]
}

export interface RecordBatchEncodeOptions {
  /** Required when `compression` is not none. */
  readonly compress?: Compress
  readonly crc32c?: Crc32c
}

export interface RecordBatchDecodeOptions {
  /** Required to decode compressed batches. */
  readonly decompress?: Decompress
  /** Default DEFAULT_MAX_DECOMPRESSED_BYTES. */
  readonly maxDecompressedBytes?: number
  /** Default true: a CRC mismatch throws SAMSA_PROTOCOL. */
  readonly verifyCrc?: boolean
  readonly crc32c?: Crc32c
}

/** Encodes one RecordBatch v2. Returns a Buffer of exactly the batch. */
export function encodeRecordBatch(batch: RecordBatchInput, options: RecordBatchEncodeOptions = {}): Buffer {
  const compression = batch.compression ?? 0
  const crc32c = options.crc32c ?? pureCrc32c
  if (compression === 0) {
    // Header and records in one buffer: reserve the header, write the records after it.
    const writer = new Writer(RECORDS_OFFSET + estimateRecordsSize(batch.records))
    writer.writeRaw(EMPTY_HEADER)
    writeRecords(batch.records, writer)
    const buffer = writer.toBuffer()
    writeBatchHeader(buffer, batch, batch.records, crc32c)
    return buffer
  }
  if (options.compress === undefined) {
    throw protocolError(`compression codec ${compression} needs a compress function (none was given)`)
  }
  const section = options.compress(compression, encodeRecords(batch.records))
  return assembleRecordBatch(batch, batch.records, section, crc32c)
}

/**
 * Builds a batch around an already encoded (and possibly compressed) records section, for
 * callers that compress elsewhere (a worker thread). `records` supplies the count and the
 * defaults for lastOffsetDelta and maxTimestamp.
 */
export function assembleRecordBatch(
  header: RecordBatchHeaderInput,
  records: readonly RecordInput[],
  section: Uint8Array,
  crc32c: Crc32c = pureCrc32c,
): Buffer {
  const buffer = Buffer.allocUnsafe(RECORDS_OFFSET + section.byteLength)
  buffer.set(section, RECORDS_OFFSET)
  writeBatchHeader(buffer, header, records, crc32c)
  return buffer
}

const EMPTY_HEADER = new Uint8Array(RECORDS_OFFSET)

function writeBatchHeader(
  buffer: Buffer,
  header: RecordBatchHeaderInput,
  records: readonly RecordInput[],
  crc32c: Crc32c,
): void {
  let maxDelta = 0
  for (const record of records) {
    const delta = record.timestampDelta ?? 0
    if (delta > maxDelta) maxDelta = delta
  }
  const count = records.length
  const lastOffsetDelta = header.lastOffsetDelta ?? (count === 0 ? -1 : (records[count - 1]!.offsetDelta ?? count - 1))
  const baseTimestamp = BigInt(header.baseTimestamp)
  const attributes =
    ((header.compression ?? 0) & COMPRESSION_CODEC_MASK) |
    (header.timestampType === 1 ? TIMESTAMP_TYPE_MASK : 0) |
    (header.isTransactional === true ? TRANSACTIONAL_FLAG_MASK : 0) |
    (header.isControl === true ? CONTROL_FLAG_MASK : 0)
  buffer.writeBigInt64BE(BigInt(header.baseOffset ?? 0), BASE_OFFSET_OFFSET)
  buffer.writeInt32BE(buffer.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET)
  buffer.writeInt32BE(header.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH_OFFSET)
  buffer.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET)
  buffer.writeInt16BE(attributes, ATTRIBUTES_OFFSET)
  buffer.writeInt32BE(lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET)
  buffer.writeBigInt64BE(baseTimestamp, BASE_TIMESTAMP_OFFSET)
  buffer.writeBigInt64BE(BigInt(header.maxTimestamp ?? baseTimestamp + BigInt(maxDelta)), MAX_TIMESTAMP_OFFSET)
  buffer.writeBigInt64BE(BigInt(header.producerId ?? -1), PRODUCER_ID_OFFSET)
  buffer.writeInt16BE(header.producerEpoch ?? -1, PRODUCER_EPOCH_OFFSET)
  buffer.writeInt32BE(header.baseSequence ?? -1, BASE_SEQUENCE_OFFSET)
  buffer.writeInt32BE(count, RECORDS_COUNT_OFFSET)
  buffer.writeUInt32BE(crc32c(buffer.subarray(CRC_START_OFFSET)), CRC_OFFSET)
}

function estimateRecordsSize(records: readonly RecordInput[]): number {
  // Exact payload bytes plus a generous bound for the varints of each record.
  let size = 0
  for (const record of records) {
    size += 24 + (record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0)
    if (record.headers !== undefined) {
      for (const header of record.headers) size += 10 + header.key.length * 3 + (header.value?.byteLength ?? 0)
    }
  }
  return size
}

/** Encodes the records section of a batch, uncompressed (to compress elsewhere, then assembleRecordBatch). */
export function encodeRecords(records: readonly RecordInput[]): Buffer {
  const writer = new Writer(estimateRecordsSize(records))
  writeRecords(records, writer)
  return writer.toBuffer()
}

function writeRecords(records: readonly RecordInput[], out: Writer): void {
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!
    const timestampDelta = record.timestampDelta ?? 0
    const offsetDelta = record.offsetDelta ?? i
    const key = record.key ?? null
    const value = record.value
    const headers = record.headers ?? []
    let headersSize = sizeOfVarint(headers.length)
    const headerKeyLengths: number[] = []
    for (const header of headers) {
      const keyLength = Buffer.byteLength(header.key)
      headerKeyLengths.push(keyLength)
      headersSize += sizeOfVarint(keyLength) + keyLength + bytesFieldSize(header.value)
    }
    const bodySize =
      1 +
      sizeOfVarlongNumber(timestampDelta) +
      sizeOfVarint(offsetDelta) +
      bytesFieldSize(key) +
      bytesFieldSize(value) +
      headersSize
    out.writeVarint(bodySize).writeInt8(0).writeVarlongNumber(timestampDelta).writeVarint(offsetDelta)
    writeBytesField(out, key)
    writeBytesField(out, value)
    out.writeVarint(headers.length)
    for (let h = 0; h < headers.length; h++) {
      const header = headers[h]!
      out.writeVarint(headerKeyLengths[h]!).writeUtf8(header.key, headerKeyLengths[h]!)
      writeBytesField(out, header.value)
    }
  }
}

function bytesFieldSize(bytes: Uint8Array | null): number {
  return bytes === null ? 1 : sizeOfVarint(bytes.byteLength) + bytes.byteLength
}

function writeBytesField(writer: Writer, bytes: Uint8Array | null): void {
  if (bytes === null) {
    writer.writeVarint(-1)
    return
  }
  writer.writeVarint(bytes.byteLength).writeRaw(bytes)
}

/**
 * Decodes the batch at `position` (default 0) of `buffer`, records included. Throws
 * SAMSA_PROTOCOL for any framing, magic, CRC, length or count problem and when a compressed
 * batch cannot be decompressed within the limit.
 */
export function decodeRecordBatch(
  buffer: Buffer,
  options: RecordBatchDecodeOptions = {},
  position = 0,
): DecodedRecordBatch {
  try {
    const end = nextBatch(buffer, position, buffer.length)
    const magic = buffer.readInt8(position + MAGIC_OFFSET)
    if (magic !== CURRENT_MAGIC) throw protocolError(`magic ${magic} is not supported (only RecordBatch v2, magic 2)`)
    const crc = buffer.readUInt32BE(position + CRC_OFFSET)
    if (options.verifyCrc !== false) {
      const computed = (options.crc32c ?? pureCrc32c)(buffer.subarray(position + CRC_START_OFFSET, end))
      if (computed !== crc) {
        throw protocolError(`CRC mismatch: the batch says ${hex(crc)}, its bytes give ${hex(computed)}`)
      }
    }
    const attributes = buffer.readInt16BE(position + ATTRIBUTES_OFFSET)
    const count = buffer.readInt32BE(position + RECORDS_COUNT_OFFSET)
    if (count < 0) throw protocolError(`recordsCount ${count} is negative`)
    const compression = attributes & COMPRESSION_CODEC_MASK
    let section = buffer.subarray(position + RECORDS_OFFSET, end)
    if (compression !== 0) section = decompressSection(compression, section, options)
    return {
      baseOffset: buffer.readBigInt64BE(position + BASE_OFFSET_OFFSET),
      batchLength: buffer.readInt32BE(position + BATCH_LENGTH_OFFSET),
      partitionLeaderEpoch: buffer.readInt32BE(position + PARTITION_LEADER_EPOCH_OFFSET),
      magic,
      crc,
      attributes,
      compression,
      timestampType: (attributes & TIMESTAMP_TYPE_MASK) === 0 ? 0 : 1,
      isTransactional: (attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
      isControl: (attributes & CONTROL_FLAG_MASK) !== 0,
      hasDeleteHorizon: (attributes & DELETE_HORIZON_FLAG_MASK) !== 0,
      lastOffsetDelta: buffer.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET),
      baseTimestamp: buffer.readBigInt64BE(position + BASE_TIMESTAMP_OFFSET),
      maxTimestamp: buffer.readBigInt64BE(position + MAX_TIMESTAMP_OFFSET),
      producerId: buffer.readBigInt64BE(position + PRODUCER_ID_OFFSET),
      producerEpoch: buffer.readInt16BE(position + PRODUCER_EPOCH_OFFSET),
      baseSequence: buffer.readInt32BE(position + BASE_SEQUENCE_OFFSET),
      records: decodeRecords(section, count),
    }
  } catch (error) {
    throw withContext(error, `record batch at offset ${position}`)
  }
}

/**
 * Decodes every batch of a records field (for example one partition of a Fetch response). A
 * cut-off last batch, which a fetch may legitimately end with, is left out.
 */
export function decodeRecordBatches(records: Buffer, options: RecordBatchDecodeOptions = {}): DecodedRecordBatch[] {
  const batches: DecodedRecordBatch[] = []
  let position = 0
  while (position < records.length) {
    const next = nextBatch(records, position, records.length, true)
    if (next === -1) break
    batches.push(decodeRecordBatch(records, options, position))
    position = next
  }
  return batches
}

function decompressSection(codec: number, section: Buffer, options: RecordBatchDecodeOptions): Buffer {
  if (codec > 4) throw protocolError(`compression codec ${codec} is unknown`)
  if (options.decompress === undefined) {
    throw protocolError(`the batch is compressed (codec ${codec}) and no decompress function was given`)
  }
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES
  let output: Buffer
  try {
    output = options.decompress(codec, section, maxBytes)
  } catch (error) {
    throw protocolError(`decompressing the records (codec ${codec}) failed: ${(error as Error).message}`, error)
  }
  if (output.length > maxBytes) {
    throw protocolError(`the records decompressed to ${output.length} bytes, over the ${maxBytes}-byte limit`)
  }
  return output
}

/**
 * Decodes `count` records from an uncompressed records section. The section must hold exactly
 * those records.
 */
export function decodeRecords(section: Buffer, count: number): DecodedRecord[] {
  if (count * MIN_RECORD_BYTES > section.length) {
    throw protocolError(`recordsCount ${count} cannot fit in ${section.length} bytes of records`)
  }
  const reader = new Reader(section)
  const records: DecodedRecord[] = []
  let i = 0
  try {
    for (; i < count; i++) records.push(decodeRecord(reader))
  } catch (error) {
    throw withContext(error, `record ${i}`)
  }
  if (reader.remaining !== 0) {
    throw protocolError(`${reader.remaining} bytes follow the ${count} records the batch declares`)
  }
  return records
}

function decodeRecord(reader: Reader): DecodedRecord {
  const length = reader.readVarint()
  if (length < MIN_RECORD_BYTES - 1 || length > reader.remaining) {
    throw protocolError(`record length ${length} is invalid with ${reader.remaining} bytes remaining`)
  }
  const end = reader.offset + length
  const attributes = reader.readInt8()
  const timestampDelta = reader.readVarlongAsNumber()
  const offsetDelta = reader.readVarint()
  const key = readBytesField(reader, 'key')
  const value = readBytesField(reader, 'value')
  const headerCount = reader.readVarint()
  // A header needs at least two bytes (key length and value length).
  if (headerCount < 0 || headerCount * 2 > end - reader.offset) {
    throw protocolError(`header count ${headerCount} is invalid with ${end - reader.offset} bytes left in the record`)
  }
  const headers: RecordHeader[] = []
  for (let h = 0; h < headerCount; h++) {
    const keyLength = reader.readVarint()
    if (keyLength < 0) throw protocolError(`header key length ${keyLength} is negative`)
    headers.push({ key: reader.readUtf8(keyLength), value: readBytesField(reader, 'header value') })
  }
  if (reader.offset !== end) {
    throw protocolError(`record declares ${length} bytes but its fields take ${reader.offset - end + length}`)
  }
  return { attributes, timestampDelta, offsetDelta, key, value, headers }
}

function readBytesField(reader: Reader, what: string): Buffer | null {
  const length = reader.readVarint()
  if (length === -1) return null
  if (length < 0) throw protocolError(`${what} length ${length} is negative`)
  if (length > reader.remaining) throw protocolError(`${what} length ${length} exceeds the ${reader.remaining} bytes remaining`)
  return reader.readRawBytes(length)
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`
}
