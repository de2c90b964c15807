/**
 * The body of a REST produce response, `{"key_schema_id":null,"value_schema_id":null,
 * "offsets":[{"partition":..,"offset":..,"error_code":..,"error":..}]}`, written as UTF-8
 * straight into a buffer instead of through JSON.stringify. A 100-record produce answered
 * through JSON.stringify left about 10 KB of intermediate strings per response, the largest
 * single share (a sixth) of what a loaded gateway allocated on the broker's event loop (bench:http,
 * allocations sampled with the inspector's heap profiler); this writer leaves one buffer.
 *
 * Numbers are integers (partitions, offsets, error codes) and are written as such; error
 * messages go through JSON.stringify, which escapes them (there is at most one per partition).
 */
import type { RecordOffset } from '../records/produce-records.js'

const HEAD = Buffer.from('{"key_schema_id":null,"value_schema_id":null,"offsets":[')
const TAIL = Buffer.from(']}')
const PARTITION = Buffer.from('{"partition":')
const OFFSET = Buffer.from(',"offset":')
const ERROR_CODE = Buffer.from(',"error_code":')
const ERROR = Buffer.from(',"error":')
const NULL = Buffer.from('null')
/** Generous room for one successful record: field names plus two 20-digit numbers. */
const RECORD_BYTES = PARTITION.length + OFFSET.length + ERROR_CODE.length + ERROR.length + 2 * NULL.length + 2 * 20 + 2

export function encodeProduceResponse(offsets: readonly RecordOffset[]): Buffer {
  let errors = 0
  for (const offset of offsets) if (offset.error !== null) errors += Buffer.byteLength(JSON.stringify(offset.error))
  const out = Buffer.allocUnsafe(HEAD.length + TAIL.length + offsets.length * RECORD_BYTES + errors)
  let at = put(out, 0, HEAD)
  for (let i = 0; i < offsets.length; i++) {
    const record = offsets[i]!
    if (i > 0) out[at++] = 0x2c // ,
    at = put(out, at, PARTITION)
    at = writeNullableInteger(out, at, record.partition)
    at = put(out, at, OFFSET)
    at = writeNullableInteger(out, at, record.offset)
    at = put(out, at, ERROR_CODE)
    at = writeNullableInteger(out, at, record.error_code)
    at = put(out, at, ERROR)
    at = record.error === null ? put(out, at, NULL) : at + out.write(JSON.stringify(record.error), at, 'utf8')
    out[at++] = 0x7d // }
  }
  at = put(out, at, TAIL)
  return out.subarray(0, at)
}

function put(out: Buffer, at: number, bytes: Buffer): number {
  out.set(bytes, at)
  return at + bytes.length
}

/** Writes a safe integer (or null) as decimal ASCII without making a string. */
function writeNullableInteger(out: Buffer, at: number, value: number | null): number {
  if (value === null) return put(out, at, NULL)
  let n = value
  if (n < 0) {
    out[at++] = 0x2d // -
    n = -n
  }
  let digits = 1
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++
  for (let i = at + digits - 1; i >= at; i--) {
    out[i] = 0x30 + (n % 10)
    n = Math.floor(n / 10)
  }
  return at + digits
}
