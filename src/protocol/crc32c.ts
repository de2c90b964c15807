/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of RecordBatch v2, in pure
 * TypeScript so that protocol code never needs the native addon. The addon's hardware-assisted
 * version can be injected wherever a `crc32c` option is accepted; this one is the default.
 *
 * Slicing-by-8: eight 256-entry tables let each step fold eight input bytes with eight
 * independent lookups instead of eight dependent table steps. About 1.6 GB/s on Node 20 for a
 * 64 KiB batch (bench/micro/protocol/crc32c.bench.ts); slicing-by-16 measured no faster, the
 * addon's hardware CRC about 14 times faster.
 */

/** The signature both this implementation and the addon's share. */
export type Crc32c = (bytes: Uint8Array) => number

const POLYNOMIAL = 0x82f63b78

function makeTables(): Int32Array[] {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256))
  const first = tables[0]!
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1
    first[n] = c
  }
  for (let t = 1; t < 8; t++) {
    const previous = tables[t - 1]!
    const table = tables[t]!
    for (let n = 0; n < 256; n++) {
      const c = previous[n]!
      table[n] = (c >>> 8) ^ first[c & 0xff]!
    }
  }
  return tables
}

const [T0, T1, T2, T3, T4, T5, T6, T7] = makeTables() as [
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
]

/**
 * CRC-32C of `bytes`, as an unsigned 32-bit number. Pass the result of a previous call as
 * `previous` to continue a checksum over data that arrives in pieces.
 */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous
  let i = 0
  const length = bytes.length
  const fastEnd = length - 8
  while (i <= fastEnd) {
    const word = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))
    crc =
      T7[word & 0xff]! ^
      T6[(word >>> 8) & 0xff]! ^
      T5[(word >>> 16) & 0xff]! ^
      T4[word >>> 24]! ^
      T3[bytes[i + 4]!]! ^
      T2[bytes[i + 5]!]! ^
      T1[bytes[i + 6]!]! ^
      T0[bytes[i + 7]!]!
    i += 8
  }
  while (i < length) crc = T0[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8)
  return ~crc >>> 0
}
