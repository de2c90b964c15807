/**
 * Task: a REST Proxy v2 produce body, as the client sent it, into one RecordBatch v2 per target
 * partition. The whole body goes to the worker as bytes and everything per record happens here
 * (JSON parsing, base64 decoding, key hashing, batch encoding), so an HTTP produce costs the
 * event loop one task round trip whatever the number of records.
 *
 * The body is `{"records": [{"key": k, "value": v, "partition": p}, ...]}` (schema fields of the
 * Avro/Protobuf formats are ignored) in one of the proxy's embedded formats:
 * - binary: key and value are base64 strings (or null/absent), stored as the decoded bytes;
 * - json: key and value are any JSON value, stored as that value's UTF-8 JSON text; null or
 *   absent means a null key or value.
 * A record may also carry `headers`, `[{"key": name, "value": v}]` with v base64 (binary) or text
 * (json) or null: not part of Confluent's v2, used by WebSocket produce (see recordHeaders).
 *
 * Partitioning: a partition in the URL wins for every record; then a record's own `partition`;
 * then murmur2(key) as the Java producer does; records with neither all go to
 * `stickyPartition`, which the caller chooses round-robin per topic. One partition per request
 * for keyless records keeps one batch per request, as the Java producer's sticky partitioner does
 * per batch; spreading each record would cut a 100-record request into a batch per partition.
 *
 * The whole body is validated before anything is encoded, and a problem is answered as a
 * rejection (status, proxy error code, message) instead of an exception, so the caller writes
 * nothing for a bad request and can tell the client exactly what was wrong.
 */
import { encodeBatches } from './encode-batches.js'
import { RecordSetBuilder } from './record-set.js'
import { CompressionCodec } from '../../storage/codecs.js'

export type EmbeddedFormat = 'binary' | 'json'

export interface EncodeEmbeddedRecordsTask {
  /** The request body, UTF-8 JSON. */
  readonly body: Uint8Array
  readonly format: EmbeddedFormat
  readonly partitionCount: number
  /** The partition named in the URL, or -1. */
  readonly partition: number
  /** Where records without key and partition go. */
  readonly stickyPartition: number
}

/** Why a body was refused: an HTTP status and the proxy's error code. */
export interface EmbeddedRecordsRejection {
  readonly rejected: true
  readonly status: number
  readonly errorCode: number
  readonly message: string
}

export interface EncodedEmbeddedRecords {
  readonly rejected: false
  readonly count: number
  /** The batches back to back, then unused capacity; `batches` says where each lies. */
  readonly data: Uint8Array
  /** Four numbers per batch: partition, start, end, record count (as in encode-batches.ts). */
  readonly batches: number[]
  /** Int32 per record: its partition, in request order. */
  readonly partitions: Uint8Array
}

/** The standard base64 alphabet with optional padding (Confluent's proxy takes no URL-safe form). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export function encodeEmbeddedRecords(task: EncodeEmbeddedRecordsTask): EncodedEmbeddedRecords | EmbeddedRecordsRejection {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength).toString('utf8'))
  } catch (error) {
    return reject(400, 400, `The request body is not valid JSON: ${(error as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return reject(422, 422, 'The request body must be a JSON object with a "records" array.')
  }
  const records = (parsed as { records?: unknown }).records
  if (!Array.isArray(records)) return reject(422, 422, 'The request body must have a "records" array.')
  if (records.length === 0) return reject(422, 422, 'The "records" array is empty: send at least one record.')

  const builder = new RecordSetBuilder()
  const now = Date.now()
  for (let i = 0; i < records.length; i++) {
    const record: unknown = records[i]
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      return reject(422, 422, `records[${i}] must be an object with "value" and optionally "key" and "partition".`)
    }
    const { key, value, partition, headers } = record as { key?: unknown; value?: unknown; partition?: unknown; headers?: unknown }
    let target = task.partition
    if (target < 0 && partition !== undefined && partition !== null) {
      if (!Number.isInteger(partition)) return reject(422, 422, `records[${i}].partition must be an integer, not ${JSON.stringify(partition)}.`)
      if ((partition as number) < 0 || (partition as number) >= task.partitionCount) {
        return reject(404, 40402, `Partition ${partition as number} of records[${i}] not found: the topic has partitions 0-${task.partitionCount - 1}.`)
      }
      target = partition as number
    }
    const keyBytes = task.format === 'binary' ? base64Bytes(key) : jsonText(key)
    if (keyBytes === INVALID) return reject(422, 422, `records[${i}].key is not valid base64 (the binary format takes base64 strings or null).`)
    const valueBytes = task.format === 'binary' ? base64Bytes(value) : jsonText(value)
    if (valueBytes === INVALID) return reject(422, 422, `records[${i}].value is not valid base64 (the binary format takes base64 strings or null).`)
    const headerBytes = recordHeaders(headers, task.format)
    if (typeof headerBytes === 'string') return reject(422, 422, `records[${i}].headers ${headerBytes}`)
    builder.append({ key: keyBytes, value: valueBytes, timestamp: now, headers: headerBytes }, target)
  }

  const set = builder.view()
  const encoded = encodeBatches({
    records: set,
    partitionCount: task.partitionCount,
    compression: CompressionCodec.None,
    // One batch per partition: the sticky partition never moves within a request.
    batchBytes: Number.POSITIVE_INFINITY,
    stickyPartition: task.stickyPartition,
    reportPartitions: true,
  })
  return {
    rejected: false,
    count: set.count,
    // The whole output buffer: it is moved back without a copy (a subarray would be copied).
    data: encoded.data,
    batches: encoded.batches,
    partitions: encoded.partitions!,
  }
}

const INVALID = Symbol('invalid')

function base64Bytes(value: unknown): Buffer | null | typeof INVALID {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') return INVALID
  // Java's decoder (what Confluent's proxy uses) refuses characters outside the alphabet and a
  // lone trailing sextet; Node's would silently skip them and store other bytes than were sent.
  if (!BASE64.test(value) || value.length % 4 === 1 || (value.endsWith('=') && value.length % 4 !== 0)) return INVALID
  return Buffer.from(value, 'base64')
}

/**
 * A record's headers, an extension to the v2 body that the WebSocket produce uses (Confluent's v2
 * has none; its v3 has `[{name, value}]`): an array of `{"key": name, "value": v}`, where v is
 * base64 in the binary format and UTF-8 text in the json format (as the stream shows them), or
 * null. Returns what is wrong with them, as text, when they cannot be used.
 */
function recordHeaders(headers: unknown, format: EmbeddedFormat): Array<[string, Buffer | string | null]> | undefined | string {
  if (headers === undefined || headers === null) return undefined
  if (!Array.isArray(headers)) return 'must be an array of {"key": name, "value": value}.'
  const entries: Array<[string, Buffer | string | null]> = []
  for (const header of headers as unknown[]) {
    const { key, value } = (header ?? {}) as { key?: unknown; value?: unknown }
    if (typeof key !== 'string') return `must each have a string "key", not ${JSON.stringify(header)}.`
    if (value === undefined || value === null) {
      entries.push([key, null])
      continue
    }
    if (typeof value !== 'string') return `"${key}" has a ${typeof value} value; header values are ${format === 'binary' ? 'base64' : 'text'} strings or null.`
    const bytes = format === 'binary' ? base64Bytes(value) : value
    if (bytes === INVALID) return `"${key}" is not valid base64 (the binary format takes base64 header values).`
    entries.push([key, bytes])
  }
  return entries
}

function jsonText(value: unknown): string | null {
  if (value === undefined || value === null) return null
  return JSON.stringify(value)
}

function reject(status: number, errorCode: number, message: string): EmbeddedRecordsRejection {
  return { rejected: true, status, errorCode, message }
}
