/**
 * The REST Proxy v2 content types and their negotiation, as Confluent's proxy (and Redpanda's
 * HTTP Proxy) serve them:
 * - `application/vnd.kafka.v2+json` for control requests and every response but records;
 * - `application/vnd.kafka.{json|binary}.v2+json` for records in the json or binary (base64)
 *   embedded format: the Content-Type of a produce, the Accept of a records read.
 * Plain `application/json` (and wildcards) are accepted where the proxy accepts them. The schema
 * formats (avro, jsonschema, protobuf) need a schema registry, which Samsa does not have: they get
 * 415 (produce) or 406 (read) with a message that says so.
 */
import type { EmbeddedFormat } from '../../workers/tasks/encode-embedded-records.js'
import { ProxyError } from '../records/proxy-error.js'

export const V2_JSON = 'application/vnd.kafka.v2+json'
export const JSON_V2 = 'application/vnd.kafka.json.v2+json'
export const BINARY_V2 = 'application/vnd.kafka.binary.v2+json'

const RECORD_TYPES: Readonly<Record<string, EmbeddedFormat>> = { [JSON_V2]: 'json', [BINARY_V2]: 'binary' }
const SCHEMA_FORMATS = /^application\/vnd\.kafka\.(avro|jsonschema|protobuf)\.v[12]\+json$/

/** The media types of a header, lowercase, without parameters (`;q=0.9`, `;charset=utf-8`). */
function mediaTypes(header: string | undefined): string[] {
  if (header === undefined || header.trim() === '') return []
  return header.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase()).filter((type) => type !== '')
}

/** The embedded format a produce body declares; 415 for anything else. */
export function producedFormat(contentType: string | undefined): EmbeddedFormat {
  const type = mediaTypes(contentType)[0]
  const format = type === undefined ? undefined : RECORD_TYPES[type]
  if (format !== undefined) return format
  if (type !== undefined && SCHEMA_FORMATS.test(type)) {
    throw new ProxyError(415, 415, `Content-Type ${type} needs a schema registry, which this proxy does not have; send records as ${JSON_V2} or ${BINARY_V2}.`)
  }
  throw new ProxyError(415, 415, `HTTP 415 Unsupported Media Type: records are sent as ${JSON_V2} or ${BINARY_V2}, not ${contentType ?? '(no Content-Type)'}.`)
}

/** Checks that a control request's body is JSON (v2, or plain application/json); 415 otherwise. */
export function requireControlContentType(contentType: string | undefined): void {
  const type = mediaTypes(contentType)[0]
  if (type === undefined || type === V2_JSON || type === 'application/vnd.kafka+json' || type === 'application/json') return
  throw new ProxyError(415, 415, `HTTP 415 Unsupported Media Type: this request takes ${V2_JSON} (or application/json), not ${contentType}.`)
}

/** Checks that the client accepts the v2 JSON responses; 406 otherwise. */
export function requireV2Accept(accept: string | undefined): void {
  // The common answers need no parsing (which makes arrays and strings on every request).
  if (accept === undefined || accept === V2_JSON || accept === 'application/json' || accept === '*/*') return
  const types = mediaTypes(accept)
  if (types.length === 0) return
  if (types.some((t) => t === V2_JSON || t === 'application/vnd.kafka+json' || t === 'application/json' || t === 'application/*' || t === '*/*')) return
  throw new ProxyError(406, 406, `HTTP 406 Not Acceptable: responses are ${V2_JSON}; the Accept header (${accept}) does not allow it.`)
}

/**
 * The embedded format a records read should answer in: the first record type the Accept header
 * names; `fallback` when it names none but accepts anything JSON (or has no Accept); 406 when it
 * names only types this proxy cannot produce.
 */
export function acceptedRecordFormat(accept: string | undefined, fallback: EmbeddedFormat): EmbeddedFormat {
  const types = mediaTypes(accept)
  if (types.length === 0) return fallback
  for (const type of types) {
    const format = RECORD_TYPES[type]
    if (format !== undefined) return format
  }
  if (types.some((t) => t === V2_JSON || t === 'application/json' || t === 'application/*' || t === '*/*')) return fallback
  const schema = types.find((t) => SCHEMA_FORMATS.test(t))
  if (schema !== undefined) throw new ProxyError(406, 406, `${schema} needs a schema registry, which this proxy does not have; accept ${JSON_V2} or ${BINARY_V2}.`)
  throw new ProxyError(406, 406, `HTTP 406 Not Acceptable: records are served as ${JSON_V2} or ${BINARY_V2}; the Accept header (${accept}) allows neither.`)
}

/** The Content-Type of records in `format`. */
export function recordContentType(format: EmbeddedFormat): string {
  return format === 'json' ? JSON_V2 : BINARY_V2
}
