/**
 * Bounds-checked reading of Kafka's wire primitives from a Buffer.
 *
 * Every read checks the bytes it needs against `end` first, and every length or count (string,
 * bytes, array, tagged field) is checked against the bytes that remain *before* anything is
 * allocated, so a hostile length prefix such as 2^31 fails at once with SAMSA_PROTOCOL instead of
 * reserving memory. Byte fields come back as views into the input (`subarray`), never copies: they
 * stay valid only as long as the caller keeps the input buffer alive and unmodified.
 *
 * Not thread-safe (it holds a position); cheap to create, one per frame.
 */
import { protocolError } from './protocol-error.js'
import type { SamsaError } from '../common/errors.js'

/** Kafka caps strings at INT16 max bytes even where a compact (varint) length could say more. */
const MAX_STRING_BYTES = 0x7fff

export class Reader {
  /** The input. Byte fields returned by this reader are views into it. */
  readonly buffer: Buffer
  /** Position of the next byte to read. Callers may move it (for example to skip a region). */
  offset: number
  /** One past the last byte this reader may read. */
  readonly end: number

  constructor(buffer: Buffer, offset = 0, end = buffer.length) {
    if (offset < 0 || end > buffer.length || offset > end) {
      throw new RangeError(`Reader window [${offset}, ${end}) lies outside a buffer of ${buffer.length} bytes`)
    }
    this.buffer = buffer
    this.offset = offset
    this.end = end
  }

  /** Bytes left between the position and `end`. */
  get remaining(): number {
    return this.end - this.offset
  }

  readInt8(): number {
    if (this.offset + 1 > this.end) throw this.#short('int8', 1)
    const value = this.buffer[this.offset]!
    this.offset += 1
    return (value << 24) >> 24
  }

  readInt16(): number {
    if (this.offset + 2 > this.end) throw this.#short('int16', 2)
    const b = this.buffer
    const o = this.offset
    this.offset = o + 2
    return (((b[o]! << 8) | b[o + 1]!) << 16) >> 16
  }

  readUint16(): number {
    if (this.offset + 2 > this.end) throw this.#short('uint16', 2)
    const b = this.buffer
    const o = this.offset
    this.offset = o + 2
    return (b[o]! << 8) | b[o + 1]!
  }

  readInt32(): number {
    if (this.offset + 4 > this.end) throw this.#short('int32', 4)
    const b = this.buffer
    const o = this.offset
    this.offset = o + 4
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!
  }

  readUint32(): number {
    return this.readInt32() >>> 0
  }

  readInt64(): bigint {
    if (this.offset + 8 > this.end) throw this.#short('int64', 8)
    const b = this.buffer
    const o = this.offset
    this.offset = o + 8
    const high = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!
    const low = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0
    // Below 2^53 one BigInt from an exact number is cheaper than composing two.
    if (high >= -0x20_0000 && high <= 0x1f_ffff) return BigInt(high * 0x1_0000_0000 + low)
    return (BigInt(high) << 32n) + BigInt(low)
  }

  readFloat64(): number {
    if (this.offset + 8 > this.end) throw this.#short('float64', 8)
    const value = this.buffer.readDoubleBE(this.offset)
    this.offset += 8
    return value
  }

  /** Kafka's BOOLEAN: one byte, any non-zero value is true. */
  readBoolean(): boolean {
    if (this.offset + 1 > this.end) throw this.#short('boolean', 1)
    return this.buffer[this.offset++] !== 0
  }

  /** UNSIGNED_VARINT: at most 5 bytes, a value in [0, 2^32-1]. */
  readUnsignedVarint(): number {
    const b = this.buffer
    let o = this.offset
    let value = 0
    let shift = 0
    for (;;) {
      if (o >= this.end) throw this.#short('unsigned varint', o - this.offset + 1)
      const byte = b[o++]!
      if (shift === 28) {
        // Fifth byte: only its low 4 bits fit in 32 bits, and it must be the last.
        if (byte > 0x0f) throw protocolError(`unsigned varint at offset ${this.offset} is longer than 5 bytes or exceeds 32 bits`)
        value = (value | (byte << 28)) >>> 0
        break
      }
      value |= (byte & 0x7f) << shift
      if (byte < 0x80) break
      shift += 7
    }
    this.offset = o
    return value >>> 0
  }

  /** VARINT: zig-zag signed 32-bit. */
  readVarint(): number {
    const raw = this.readUnsignedVarint()
    return (raw >>> 1) ^ -(raw & 1)
  }

  /** VARLONG: zig-zag signed 64-bit, at most 10 bytes. */
  readVarlong(): bigint {
    const b = this.buffer
    let o = this.offset
    let value = 0n
    let shift = 0n
    for (let i = 0; ; i++) {
      if (o >= this.end) throw this.#short('varlong', i + 1)
      if (i === 10) throw protocolError(`varlong at offset ${this.offset} is longer than 10 bytes`)
      const byte = b[o++]!
      value |= BigInt(byte & 0x7f) << shift
      if (byte < 0x80) break
      shift += 7n
    }
    this.offset = o
    const raw = BigInt.asUintN(64, value)
    return BigInt.asIntN(64, (raw >> 1n) ^ -(raw & 1n))
  }

  /**
   * VARLONG as a number, for record timestamp deltas: exact and allocation-free up to 7 bytes
   * (|value| < 2^48); longer encodings go through readVarlong and must still be safe integers,
   * otherwise this throws rather than lose precision.
   */
  readVarlongAsNumber(): number {
    const b = this.buffer
    const start = this.offset
    let o = start
    let raw = 0
    let scale = 1
    for (let i = 0; i < 7; i++) {
      if (o >= this.end) throw this.#short('varlong', i + 1)
      const byte = b[o++]!
      raw += (byte & 0x7f) * scale
      if (byte < 0x80) {
        this.offset = o
        // Zig-zag decode without 32-bit operators (raw may exceed 2^32).
        return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2
      }
      scale *= 0x80
    }
    const value = this.readVarlong()
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.offset = start
      throw protocolError(`varlong ${value} at offset ${start} is outside the safe integer range`)
    }
    return Number(value)
  }

  /** UUID: 16 bytes, returned in Kafka's display form (URL-safe base64, no padding, 22 chars). */
  readUuid(): string {
    if (this.offset + 16 > this.end) throw this.#short('uuid', 16)
    const value = this.buffer.toString('base64url', this.offset, this.offset + 16)
    this.offset += 16
    return value
  }

  /** STRING: INT16 length then UTF-8 bytes; null (-1) is malformed here. */
  readString(): string {
    const value = this.readNullableString()
    if (value === null) throw protocolError(`non-nullable string at offset ${this.offset - 2} is null`)
    return value
  }

  /** NULLABLE_STRING: INT16 length (-1 = null) then UTF-8 bytes. */
  readNullableString(): string | null {
    const length = this.readInt16()
    if (length === -1) return null
    if (length < 0) throw protocolError(`string length ${length} at offset ${this.offset - 2} is negative`)
    return this.#utf8(length)
  }

  /** COMPACT_STRING: UNSIGNED_VARINT N+1 then N UTF-8 bytes; null (0) is malformed here. */
  readCompactString(): string {
    const start = this.offset
    const value = this.readCompactNullableString()
    if (value === null) throw protocolError(`non-nullable compact string at offset ${start} is null`)
    return value
  }

  /** COMPACT_NULLABLE_STRING: UNSIGNED_VARINT N+1 (0 = null) then N UTF-8 bytes. */
  readCompactNullableString(): string | null {
    const lengthPlusOne = this.readUnsignedVarint()
    if (lengthPlusOne === 0) return null
    const length = lengthPlusOne - 1
    if (length > MAX_STRING_BYTES) {
      throw protocolError(`compact string length ${length} exceeds the ${MAX_STRING_BYTES}-byte limit`)
    }
    return this.#utf8(length)
  }

  /** BYTES: INT32 length then bytes, as a view; null (-1) is malformed here. */
  readBytes(): Buffer {
    const value = this.readNullableBytes()
    if (value === null) throw protocolError(`non-nullable bytes at offset ${this.offset - 4} are null`)
    return value
  }

  /** NULLABLE_BYTES (and non-flexible RECORDS): INT32 length (-1 = null) then bytes, as a view. */
  readNullableBytes(): Buffer | null {
    const length = this.readInt32()
    if (length === -1) return null
    if (length < 0) throw protocolError(`bytes length ${length} at offset ${this.offset - 4} is negative`)
    return this.readRawBytes(length)
  }

  /** COMPACT_BYTES: UNSIGNED_VARINT N+1 then N bytes, as a view; null (0) is malformed here. */
  readCompactBytes(): Buffer {
    const start = this.offset
    const value = this.readCompactNullableBytes()
    if (value === null) throw protocolError(`non-nullable compact bytes at offset ${start} are null`)
    return value
  }

  /** COMPACT_NULLABLE_BYTES (and flexible RECORDS): UNSIGNED_VARINT N+1 (0 = null), N bytes. */
  readCompactNullableBytes(): Buffer | null {
    const lengthPlusOne = this.readUnsignedVarint()
    if (lengthPlusOne === 0) return null
    return this.readRawBytes(lengthPlusOne - 1)
  }

  /** `length` bytes decoded as UTF-8 (for lengths that were read separately, as in records). */
  readUtf8(length: number): string {
    return this.#utf8(length)
  }

  /** `length` bytes as a view into the input. */
  readRawBytes(length: number): Buffer {
    if (length > this.end - this.offset) throw this.#tooLong('bytes', length)
    const value = this.buffer.subarray(this.offset, this.offset + length)
    this.offset += length
    return value
  }

  /** Moves past `length` bytes. */
  skip(length: number): void {
    if (length > this.end - this.offset) throw this.#tooLong('skipped region', length)
    this.offset += length
  }

  /**
   * ARRAY count: INT32, -1 for null. `minElementBytes` is the smallest encoding one element can
   * have; the count is rejected unless that many elements could fit in what remains.
   */
  readArrayLength(minElementBytes: number): number {
    const count = this.readInt32()
    if (count === -1) return -1
    if (count < 0) throw protocolError(`array length ${count} at offset ${this.offset - 4} is negative`)
    this.#checkCount(count, minElementBytes)
    return count
  }

  /** COMPACT_ARRAY count: UNSIGNED_VARINT N+1, 0 for null (returned as -1). See readArrayLength. */
  readCompactArrayLength(minElementBytes: number): number {
    const countPlusOne = this.readUnsignedVarint()
    if (countPlusOne === 0) return -1
    const count = countPlusOne - 1
    this.#checkCount(count, minElementBytes)
    return count
  }

  /**
   * Reads a tagged-field section (flexible versions): UNSIGNED_VARINT count, then for each field
   * its UNSIGNED_VARINT tag and size and the bytes. `onField(tag, field, target)` is called for each
   * field with a reader limited to that field's bytes; it decodes the tags it knows and ignores the
   * rest (the position moves past every field either way). Without `onField` all are skipped.
   */
  readTaggedFields<T>(onField?: (tag: number, field: Reader, target: T) => void, target?: T): void {
    const count = this.readUnsignedVarint()
    if (count === 0) return
    // Each tagged field needs at least a tag byte and a size byte.
    if (count * 2 > this.end - this.offset) {
      throw protocolError(`tagged field count ${count} exceeds what the ${this.end - this.offset} remaining bytes can hold`)
    }
    for (let i = 0; i < count; i++) {
      const tag = this.readUnsignedVarint()
      const size = this.readUnsignedVarint()
      if (size > this.end - this.offset) throw this.#tooLong(`tagged field ${tag}`, size)
      const fieldEnd = this.offset + size
      if (onField !== undefined) onField(tag, new Reader(this.buffer, this.offset, fieldEnd), target as T)
      this.offset = fieldEnd
    }
  }

  #checkCount(count: number, minElementBytes: number): void {
    // Elements of zero bytes still cost a loop iteration; bound them by the bytes left too.
    const needed = count * (minElementBytes > 0 ? minElementBytes : 1)
    if (needed > this.end - this.offset) {
      throw protocolError(
        `array of ${count} elements (at least ${needed} bytes) exceeds the ${this.end - this.offset} bytes remaining at offset ${this.offset}`,
      )
    }
  }

  #utf8(length: number): string {
    if (length > this.end - this.offset) throw this.#tooLong('string', length)
    const start = this.offset
    this.offset = start + length
    return this.buffer.toString('utf8', start, start + length)
  }

  #short(what: string, needed: number): SamsaError {
    return protocolError(`${what} needs ${needed} bytes at offset ${this.offset}, ${this.end - this.offset} remain`)
  }

  #tooLong(what: string, length: number): SamsaError {
    return protocolError(`${what} length ${length} exceeds the ${this.end - this.offset} bytes remaining at offset ${this.offset}`)
  }
}
