/**
 * Message payloads and keys, generated once before a run so that producing costs no generation
 * work: `count` payloads of `size` bytes as views into one buffer (producers cycle through
 * them), and the keys a key distributor hands out.
 *
 * A payload is `randomBytesRatio` random bytes followed by a repeated English phrase, so codecs
 * see data with a known compressibility: 1 (the presets' choice) is incompressible, as a worst
 * case for compression; lower ratios let gzip, lz4, snappy and zstd shrink it. The generator is
 * seeded, so every run (and both brokers of a --compare) gets the same bytes.
 */
import type { KeyDistributor } from './workloads.js'

const FILLER = Buffer.from('the quick brown fox jumps over the lazy dog while the broker appends another batch; ')

/** Mulberry32: a small, fast, seeded PRNG (quality is ample for filler bytes). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `count` payloads of `size` bytes (views into one allocation). */
export function generatePayloads(size: number, count: number, randomBytesRatio: number, seed = 1): Buffer[] {
  const random = seededRandom(seed)
  const all = Buffer.allocUnsafe(size * count)
  const randomBytes = Math.round(size * randomBytesRatio)
  const payloads: Buffer[] = []
  for (let i = 0; i < count; i++) {
    const payload = all.subarray(i * size, (i + 1) * size)
    for (let b = 0; b < randomBytes; b++) payload[b] = (random() * 256) | 0
    for (let b = randomBytes; b < size; b++) payload[b] = FILLER[(b + i) % FILLER.length]!
    payloads.push(payload)
  }
  return payloads
}

/** Distinct keys for the keyed distributors: `key-<n>`, zero-padded so all are the same length. */
export function generateKeys(count: number): Buffer[] {
  const width = String(count - 1).length
  return Array.from({ length: count }, (_, i) => Buffer.from(`key-${String(i).padStart(width, '0')}`))
}

/**
 * Hands out the key of each message: always null for `none`, the keys in turn for
 * `round-robin`, a uniformly random one for `random`. Not thread-safe; one per producer.
 */
export class KeySource {
  readonly #distributor: KeyDistributor
  readonly #keys: Buffer[]
  readonly #random: () => number
  #next = 0

  constructor(distributor: KeyDistributor, keyCount = 10_000, seed = 7) {
    this.#distributor = distributor
    this.#keys = distributor === 'none' ? [] : generateKeys(keyCount)
    this.#random = seededRandom(seed)
  }

  next(): Buffer | null {
    switch (this.#distributor) {
      case 'none':
        return null
      case 'round-robin': {
        const key = this.#keys[this.#next]!
        this.#next = (this.#next + 1) % this.#keys.length
        return key
      }
      case 'random':
        return this.#keys[(this.#random() * this.#keys.length) | 0]!
    }
  }
}
