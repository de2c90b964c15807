/**
 * Random sample values for message descriptions, for round-trip tests: for a version, an input
 * to encode and the value decoding must give back (fields the version lacks come back as their
 * defaults; values put into them must be dropped, except for strict fields, which get defaults).
 */
import { defaultFactory } from '../../src/protocol/codec.js'
import { type Field, type Fields, inVersions } from '../../src/protocol/schema.js'

export type Random = () => number

/** A small, seeded PRNG (mulberry32) so failures reproduce. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface Sample {
  input: Record<string, unknown>
  expected: Record<string, unknown>
}

function pick<T>(random: Random, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!
}

function integer(random: Random, min: number, max: number): number {
  if (random() < 0.3) return pick(random, [min, max, 0, -1, 1].filter((v) => v >= min && v <= max))
  return min + Math.floor(random() * (max - min + 1))
}

const STRING_PIECES = ['a', 'topic', '-', '_', '.', 'Zz9', 'é', '日本', '🚀', ' ', 'group-1']

function randomString(random: Random): string {
  let out = ''
  const parts = Math.floor(random() * 5)
  for (let i = 0; i < parts; i++) out += pick(random, STRING_PIECES)
  return out
}

function randomBytes(random: Random, max = 12): Buffer {
  const bytes = Buffer.alloc(Math.floor(random() * (max + 1)))
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256)
  return bytes
}

function randomInt64(random: Random): bigint {
  if (random() < 0.3) return pick(random, [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n])
  return BigInt(Math.floor((random() - 0.5) * 2 ** 53))
}

/** A value for `field` valid at `version`, and what decoding it gives. */
function sampleValue(field: Field, version: number, flexible: boolean, random: Random): { input: unknown; expected: unknown } {
  const nullable = inVersions(field.nullableVersions, version)
  if (nullable && random() < 0.25) return { input: null, expected: null }
  const same = (value: unknown) => ({ input: value, expected: value })
  switch (field.kind) {
    case 'int8':
      return same(integer(random, -128, 127))
    case 'int16':
      return same(integer(random, -32768, 32767))
    case 'uint16':
      return same(integer(random, 0, 65535))
    case 'int32':
      return same(integer(random, -2147483648, 2147483647))
    case 'uint32':
      return same(integer(random, 0, 4294967295))
    case 'int64':
      return same(randomInt64(random))
    case 'float64':
      return same(pick(random, [0, -1.5, Math.PI, Number.MAX_VALUE, -Infinity, Number.NaN, random() * 1e9]))
    case 'bool':
      return same(random() < 0.5)
    case 'string':
      return same(randomString(random))
    case 'uuid':
      return same(uuidFrom(random))
    case 'bytes':
    case 'records':
      return same(randomBytes(random))
    case 'array': {
      const count = Math.floor(random() * 4)
      const input: unknown[] = []
      const expected: unknown[] = []
      for (let i = 0; i < count; i++) {
        const item = sampleValue(field.items!, version, flexible, random)
        input.push(item.input)
        expected.push(item.expected)
      }
      return { input, expected }
    }
    case 'struct':
      return sampleStruct(field.fields!, version, flexible, random)
  }
}

function uuidFrom(random: Random): string {
  const bytes = Buffer.alloc(16)
  for (let i = 0; i < 16; i++) bytes[i] = Math.floor(random() * 256)
  return bytes.toString('base64url')
}

/** A sample of a whole struct (message body or nested struct) at `version`. */
export function sampleStruct(fields: Fields, version: number, flexible: boolean, random: Random): Sample {
  const input: Record<string, unknown> = {}
  const expected: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(fields)) {
    if (!inVersions(field.versions, version)) {
      expected[name] = defaultFactory(field)()
      // A value the version cannot carry must be dropped silently, unless the field is strict.
      if (!field.strict && random() < 0.5) input[name] = sampleValue(field, field.versions.min, flexible, random).input
      continue
    }
    const tagged = flexible && inVersions(field.taggedVersions, version)
    if (tagged && random() < 0.3) {
      expected[name] = defaultFactory(field)()
      continue
    }
    const value = sampleValue(field, version, flexible, random)
    input[name] = value.input
    expected[name] = value.expected
  }
  return { input, expected }
}
