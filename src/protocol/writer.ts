/**
 * Growable output for Kafka's wire primitives, with *external chunks* for record data.
 *
 * Bytes are written into one backing buffer. `writeExternal(chunk)` ends the current run of bytes
 * and puts the chunk object itself into the output, so record data that lives elsewhere (a
 * storage ReadPlan bound for sendfile, or a large Buffer) is never copied. `finish()` returns the
 * ordered parts and the total length; the network layer writes Buffers itself and hands other
 * chunks to storage.
 *
 * Capacity: the first buffer comes from Node's shared allocation pool when it is small
 * (Buffer.allocUnsafe below 4 KiB slices a pooled slab instead of calling the allocator). After an
 * external chunk, writing continues in the same backing buffer, so a Fetch response with many
 * partitions still uses one allocation for all its metadata. Growing copies only the run of bytes
 * not yet sealed by an external chunk; sealed runs stay where they are, as views.
 *
 * Not thread-safe. The Buffers in `finish()`'s output are views of this writer's memory; they stay
 * valid, because later writes only ever go after them.
 */
import { protocolError } from './protocol-error.js'
import { isUuid } from './uuid.js'

/** Something of known length that the output carries by reference (e.g. a storage ReadPlan). */
export interface ExternalChunk {
  readonly byteLength: number
}

export type OutputChunk = Buffer | ExternalChunk

export interface WriterOutput {
  /** The output in order: Buffers written here and external chunks as they were given. */
  readonly chunks: OutputChunk[]
  /** Sum of all chunk lengths. */
  readonly byteLength: number
}

const MAX_STRING_BYTES = 0x7fff
const DEFAULT_CAPACITY = 1024

export class Writer {
  #buffer: Buffer
  #position = 0
  /** Where the run of bytes not yet handed to #chunks starts in #buffer. */
  #runStart = 0
  #chunks: OutputChunk[] = []
  /** Bytes already in #chunks. */
  #sealedBytes = 0

  constructor(initialCapacity = DEFAULT_CAPACITY) {
    this.#buffer = Buffer.allocUnsafe(initialCapacity)
  }

  /** Bytes written so far, external chunks included. */
  get byteLength(): number {
    return this.#sealedBytes + this.#position - this.#runStart
  }

  writeInt8(value: number): this {
    this.#ensure(1)
    this.#buffer[this.#position++] = value
    return this
  }

  writeInt16(value: number): this {
    this.#ensure(2)
    const b = this.#buffer
    const p = this.#position
    b[p] = value >>> 8
    b[p + 1] = value
    this.#position = p + 2
    return this
  }

  writeUint16(value: number): this {
    return this.writeInt16(value)
  }

  writeInt32(value: number): this {
    this.#ensure(4)
    const b = this.#buffer
    const p = this.#position
    b[p] = value >>> 24
    b[p + 1] = value >>> 16
    b[p + 2] = value >>> 8
    b[p + 3] = value
    this.#position = p + 4
    return this
  }

  writeUint32(value: number): this {
    return this.writeInt32(value)
  }

  /**
   * INT64 from a bigint, or from a number that is a safe integer (offsets and timestamps, which
   * storage keeps as numbers). Values below 2^53 are written without bigint arithmetic:
   * Buffer#writeBigInt64BE took about a third of a Fetch response encode before this fast path.
   */
  writeInt64(value: bigint | number): this {
    const n = typeof value === 'number' ? value : Number(value)
    if (!Number.isSafeInteger(n)) {
      if (typeof value === 'number') throw protocolError(`int64 value ${value} is not a safe integer; pass a bigint`)
      this.#ensure(8)
      this.#buffer.writeBigInt64BE(value, this.#position)
      this.#position += 8
      return this
    }
    // Two's complement halves: high is signed, low unsigned, value = high * 2^32 + low.
    const high = Math.floor(n / 0x1_0000_0000)
    const low = n - high * 0x1_0000_0000
    this.#ensure(8)
    const b = this.#buffer
    const p = this.#position
    b[p] = high >>> 24
    b[p + 1] = high >>> 16
    b[p + 2] = high >>> 8
    b[p + 3] = high
    b[p + 4] = low >>> 24
    b[p + 5] = low >>> 16
    b[p + 6] = low >>> 8
    b[p + 7] = low
    this.#position = p + 8
    return this
  }

  writeFloat64(value: number): this {
    this.#ensure(8)
    this.#buffer.writeDoubleBE(value, this.#position)
    this.#position += 8
    return this
  }

  writeBoolean(value: boolean): this {
    return this.writeInt8(value ? 1 : 0)
  }

  /** UNSIGNED_VARINT of a value in [0, 2^32-1]. */
  writeUnsignedVarint(value: number): this {
    this.#ensure(5)
    const b = this.#buffer
    let p = this.#position
    let v = value >>> 0
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    b[p++] = v
    this.#position = p
    return this
  }

  /** VARINT: zig-zag signed 32-bit. */
  writeVarint(value: number): this {
    return this.writeUnsignedVarint((value << 1) ^ (value >> 31))
  }

  /** VARLONG: zig-zag signed 64-bit. */
  writeVarlong(value: bigint): this {
    this.#ensure(10)
    let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n))
    const b = this.#buffer
    let p = this.#position
    while (v >= 0x80n) {
      b[p++] = Number(v & 0x7fn) | 0x80
      v >>= 7n
    }
    b[p++] = Number(v)
    this.#position = p
    return this
  }

  /** VARLONG of a safe integer, without bigint arithmetic (record timestamp deltas). */
  writeVarlongNumber(value: number): this {
    this.#ensure(10)
    // 2v for v ≥ 0, -2v-1 for v < 0; exact while |v| < 2^52.
    let v = value >= 0 ? value * 2 : -value * 2 - 1
    const b = this.#buffer
    let p = this.#position
    while (v >= 0x80) {
      b[p++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    b[p++] = v
    this.#position = p
    return this
  }

  /** UUID from Kafka's display form (22 chars of URL-safe base64, no padding). */
  writeUuid(value: string): this {
    if (!isUuid(value)) throw protocolError(`"${value}" is not a UUID in Kafka's 22-character base64url form`)
    this.#ensure(16)
    this.#buffer.write(value, this.#position, 16, 'base64url')
    this.#position += 16
    return this
  }

  writeString(value: string): this {
    const length = Buffer.byteLength(value)
    if (length > MAX_STRING_BYTES) throw protocolError(`string of ${length} bytes exceeds the ${MAX_STRING_BYTES}-byte limit`)
    this.writeInt16(length)
    return this.#writeUtf8(value, length)
  }

  writeNullableString(value: string | null): this {
    return value === null ? this.writeInt16(-1) : this.writeString(value)
  }

  writeCompactString(value: string): this {
    const length = Buffer.byteLength(value)
    if (length > MAX_STRING_BYTES) throw protocolError(`string of ${length} bytes exceeds the ${MAX_STRING_BYTES}-byte limit`)
    this.writeUnsignedVarint(length + 1)
    return this.#writeUtf8(value, length)
  }

  writeCompactNullableString(value: string | null): this {
    return value === null ? this.writeUnsignedVarint(0) : this.writeCompactString(value)
  }

  writeBytes(value: Uint8Array): this {
    this.writeInt32(value.byteLength)
    return this.writeRaw(value)
  }

  writeNullableBytes(value: Uint8Array | null): this {
    return value === null ? this.writeInt32(-1) : this.writeBytes(value)
  }

  writeCompactBytes(value: Uint8Array): this {
    this.writeUnsignedVarint(value.byteLength + 1)
    return this.writeRaw(value)
  }

  writeCompactNullableBytes(value: Uint8Array | null): this {
    return value === null ? this.writeUnsignedVarint(0) : this.writeCompactBytes(value)
  }

  /** ARRAY count: INT32, -1 for null. */
  writeArrayLength(count: number | null): this {
    return this.writeInt32(count === null ? -1 : count)
  }

  /** COMPACT_ARRAY count: UNSIGNED_VARINT N+1, 0 for null. */
  writeCompactArrayLength(count: number | null): this {
    return this.writeUnsignedVarint(count === null ? 0 : count + 1)
  }

  /** An empty tagged-field section (flexible versions): the count 0. */
  writeEmptyTaggedFields(): this {
    return this.writeInt8(0)
  }

  /** Copies `bytes` into the output. */
  writeRaw(bytes: Uint8Array): this {
    const length = bytes.byteLength
    this.#ensure(length)
    this.#buffer.set(bytes, this.#position)
    this.#position += length
    return this
  }

  /**
   * Puts `chunk` into the output by reference: the bytes before it become one Buffer part, the
   * chunk the next part, and writing continues after it. Empty chunks are dropped.
   */
  writeExternal(chunk: ExternalChunk): this {
    const length = chunk.byteLength
    if (length === 0) return this
    this.#sealRun()
    this.#chunks.push(chunk)
    this.#sealedBytes += length
    return this
  }

  /**
   * Overwrites the INT32 at output position `position` (counted from the first byte written, as
   * `byteLength` counts), for length prefixes known only at the end. The four bytes must have been
   * written by this writer as one write.
   */
  setInt32At(position: number, value: number): this {
    let target: Buffer | undefined
    let index = 0
    if (position >= this.#sealedBytes) {
      target = this.#buffer
      index = this.#runStart + position - this.#sealedBytes
      if (index + 4 > this.#position) target = undefined
    } else {
      let start = 0
      for (const chunk of this.#chunks) {
        if (position < start + chunk.byteLength) {
          if (chunk instanceof Uint8Array && position + 4 <= start + chunk.byteLength) {
            target = chunk as Buffer
            index = position - start
          }
          break
        }
        start += chunk.byteLength
      }
    }
    if (target === undefined) throw new RangeError(`setInt32At(${position}): those bytes were not written as one INT32 by this writer`)
    target.writeInt32BE(value, index)
    return this
  }

  /**
   * The output so far: the parts in order (one Buffer if nothing external was written) and the
   * total length. Writing may go on (for example a second response frame into the same writer);
   * a later call returns the same list, extended.
   */
  finish(): WriterOutput {
    this.#sealRun()
    return { chunks: this.#chunks, byteLength: this.#sealedBytes }
  }

  /**
   * The whole output as one Buffer (copying when there are several parts), for tests and small
   * messages. External chunks must be byte arrays or offer `toBuffers()` (as a storage ReadPlan does).
   */
  toBuffer(): Buffer {
    const { chunks, byteLength } = this.finish()
    if (chunks.length === 1 && chunks[0] instanceof Uint8Array) return chunks[0] as Buffer
    return flattenChunks(chunks, byteLength)
  }

  /** The UTF-8 bytes of `value` without a length prefix; `byteLength` when the caller knows it. */
  writeUtf8(value: string, byteLength: number = Buffer.byteLength(value)): this {
    return this.#writeUtf8(value, byteLength)
  }

  #writeUtf8(value: string, length: number): this {
    this.#ensure(length)
    this.#buffer.write(value, this.#position, length, 'utf8')
    this.#position += length
    return this
  }

  #sealRun(): void {
    if (this.#position === this.#runStart) return
    this.#chunks.push(this.#buffer.subarray(this.#runStart, this.#position))
    this.#sealedBytes += this.#position - this.#runStart
    this.#runStart = this.#position
  }

  #ensure(bytes: number): void {
    if (this.#position + bytes <= this.#buffer.length) return
    const run = this.#position - this.#runStart
    const capacity = Math.max(this.#buffer.length * 2, run + bytes, DEFAULT_CAPACITY)
    const next = Buffer.allocUnsafe(capacity)
    this.#buffer.copy(next, 0, this.#runStart, this.#position)
    this.#buffer = next
    this.#runStart = 0
    this.#position = run
  }
}

/**
 * Concatenates output parts into one Buffer. Parts must be byte arrays or offer `toBuffers()`.
 * Copies; meant for tests, diagnostics and small messages, not for serving fetches.
 */
export function flattenChunks(chunks: readonly OutputChunk[], byteLength?: number): Buffer {
  const parts: Uint8Array[] = []
  for (const chunk of chunks) {
    if (chunk instanceof Uint8Array) parts.push(chunk)
    else if (typeof (chunk as { toBuffers?: unknown }).toBuffers === 'function') {
      parts.push(...(chunk as unknown as { toBuffers(): Uint8Array[] }).toBuffers())
    } else {
      throw new TypeError('external chunk has neither bytes nor toBuffers(); it can only be sent, not flattened')
    }
  }
  return Buffer.concat(parts, byteLength)
}
