/**
 * The Java client's default partitioner for keyed records, so that a record keyed `k` lands on
 * the same partition whether Samsa's gateway, kafkajs (DefaultPartitioner) or the Java producer
 * partitions it. Consumers and compacted topics rely on that agreement.
 *
 * Java: `Utils.toPositive(Utils.murmur2(keyBytes)) % numPartitions`, where murmur2 is Kafka's
 * variant of MurmurHash2 (seed 0x9747b28c, little-endian 4-byte words, signed 32-bit result).
 * Keys are the serialized key bytes (UTF-8 for string keys). Records without a key are not this
 * module's business: Java's sticky partitioner spreads them by batch, not by hash.
 *
 * Allocation-free and pure: `Math.imul` gives Java's wrapping 32-bit multiply, and `| 0` / `>>> 0`
 * keep every intermediate a small integer, so V8 stays on its int32 fast path.
 */

const SEED = 0x9747b28c
const M = 0x5bd1e995
const R = 24

/**
 * Kafka's murmur2 of `key` (or of its bytes [start, end), which spares callers a subarray per
 * record), as a signed 32-bit integer (what Java's `Utils.murmur2` returns).
 */
export function murmur2(key: Uint8Array, start = 0, end = key.length): number {
  const length = end - start
  let h = (SEED ^ length) | 0
  const words = start + (length & ~3)
  for (let i = start; i < words; i += 4) {
    let k = key[i] | (key[i + 1] << 8) | (key[i + 2] << 16) | (key[i + 3] << 24)
    k = Math.imul(k, M)
    k ^= k >>> R
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  // The 1-3 trailing bytes, mixed as Java's fall-through switch on `length % 4` does.
  const tail = length & 3
  if (tail === 3) h ^= key[words + 2] << 16
  if (tail >= 2) h ^= key[words + 1] << 8
  if (tail >= 1) {
    h ^= key[words]
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** Java's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which overflows on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff
}

/**
 * The partition, in `[0, numPartitions)`, that Kafka's Java producer picks for a record with this
 * key. `numPartitions` must be a positive integer (a topic's partition count).
 */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  if (!(numPartitions > 0 && Number.isInteger(numPartitions))) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`)
  }
  return toPositive(murmur2(key)) % numPartitions
}
