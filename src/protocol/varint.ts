/**
 * Variable-length integers as Kafka writes them (the same base-128 scheme as Protocol Buffers):
 * seven bits per byte, least significant group first, the high bit set on every byte but the last.
 *
 * - UNSIGNED_VARINT: a 32-bit unsigned value, 1-5 bytes. Used for compact lengths (N+1) and for
 *   tagged-field tags and sizes in flexible versions.
 * - VARINT / VARLONG: a signed 32/64-bit value, zig-zag mapped first so that small negative numbers
 *   stay short: 0 → 0, -1 → 1, 1 → 2, -2 → 3, ... Used inside RecordBatch v2 records.
 *
 * The reading and writing loops live in Reader and Writer; this module holds the pure helpers that
 * both sides and the record encoder need (sizes, zig-zag mapping).
 */

/** Largest value a Kafka UNSIGNED_VARINT can carry. */
export const MAX_UNSIGNED_VARINT = 0xffff_ffff

/** Bytes an UNSIGNED_VARINT of `value` (0 ≤ value ≤ 2^32-1) occupies. */
export function sizeOfUnsignedVarint(value: number): number {
  if (value < 0x80) return 1
  if (value < 0x4000) return 2
  if (value < 0x20_0000) return 3
  if (value < 0x1000_0000) return 4
  return 5
}

/** Zig-zag maps a signed 32-bit integer to an unsigned one. */
export function zigZagEncode32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0
}

/** Inverse of zigZagEncode32. */
export function zigZagDecode32(value: number): number {
  return (value >>> 1) ^ -(value & 1)
}

/** Bytes a zig-zag VARINT of the signed 32-bit `value` occupies. */
export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(zigZagEncode32(value))
}

/**
 * Bytes a zig-zag VARLONG of `value` occupies, for a safe-integer `value` (|value| < 2^53). Record
 * timestamp deltas are numbers on our side, so this avoids a bigint on the record hot path.
 */
export function sizeOfVarlongNumber(value: number): number {
  // Zig-zag without 32-bit operators: 2v for v ≥ 0, -2v-1 for v < 0 (exact below 2^53).
  let zigZag = value >= 0 ? value * 2 : -value * 2 - 1
  let size = 1
  while (zigZag >= 0x80) {
    zigZag = Math.floor(zigZag / 0x80)
    size++
  }
  return size
}

/** Bytes a zig-zag VARLONG of the signed 64-bit `value` occupies. */
export function sizeOfVarlong(value: bigint): number {
  let zigZag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n))
  let size = 1
  while (zigZag >= 0x80n) {
    zigZag >>= 7n
    size++
  }
  return size
}
