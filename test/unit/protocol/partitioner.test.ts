/**
 * test/fixtures/partitioner-java.json holds what the real Java client computes. It was produced
 * once, outside the repository: org.apache.kafka:kafka-clients:3.9.0 (plus slf4j-api, which its
 * Utils class loads) fetched from Maven Central with `mvn dependency:copy`, and a ten-line Java
 * program that read the key table (hex) and printed, per key, `Utils.murmur2(key)` and
 * `Utils.toPositive(Utils.murmur2(key)) % n` for each partition count. The key table covers the
 * empty key, ASCII and multibyte UTF-8 strings, binary keys with the high bit set (Java's signed
 * bytes), every length from 1 to 16 (all tail cases of the 4-byte loop) and long keys. The
 * program and the jars are not committed; the fixture is.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Partitioners } from 'kafkajs'
import type { PartitionMetadata } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { murmur2, partitionForKey, toPositive } from '../../../src/protocol/partitioner.js'

interface JavaFixture {
  producedBy: string
  partitionCounts: number[]
  keys: Array<{ label: string; hex: string; murmur2: number; partitions: number[] }>
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/partitioner-java.json', import.meta.url), 'utf8'),
) as JavaFixture

const require = createRequire(import.meta.url)
// kafkajs's Java-compatible murmur2, which its DefaultPartitioner applies to message keys.
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer) => number

function kafkajsPartition(key: Buffer, numPartitions: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: numPartitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }))
  return Partitioners.DefaultPartitioner()({ topic: 't', partitionMetadata, message: { key, value: null } })
}

describe('murmur2', () => {
  it('covers the tail cases and long keys in its table', () => {
    const lengths = new Set(fixture.keys.map((key) => key.hex.length / 2))
    for (let length = 0; length <= 16; length++) expect(lengths.has(length)).toBe(true)
    expect(Math.max(...lengths)).toBeGreaterThan(4096)
    expect(fixture.partitionCounts).toEqual([1, 2, 3, 6, 8, 12, 50, 100, 1000])
  })

  for (const key of fixture.keys) {
    it(`equals Java's Utils.murmur2 and kafkajs for ${key.label}`, () => {
      const bytes = Buffer.from(key.hex, 'hex')
      expect(murmur2(bytes)).toBe(key.murmur2)
      expect(murmur2(bytes)).toBe(kafkajsMurmur2(bytes))
    })
  }

  it('reads a Uint8Array view at its own offset', () => {
    const backing = Buffer.from('xxxhello worldyyy')
    expect(murmur2(backing.subarray(3, 14))).toBe(murmur2(Buffer.from('hello world')))
  })
})

describe('partitionForKey', () => {
  for (const key of fixture.keys) {
    it(`picks the Java client's partitions for ${key.label}`, () => {
      const bytes = Buffer.from(key.hex, 'hex')
      const ours = fixture.partitionCounts.map((count) => partitionForKey(bytes, count))
      expect(ours).toEqual(key.partitions)
      expect(ours).toEqual(fixture.partitionCounts.map((count) => kafkajsPartition(bytes, count)))
    })
  }

  it('toPositive clears the sign bit like Java, including for MIN_VALUE', () => {
    expect(toPositive(-1)).toBe(0x7fffffff)
    expect(toPositive(-2147483648)).toBe(0)
    expect(toPositive(12345)).toBe(12345)
  })

  it('rejects partition counts that are not positive integers', () => {
    for (const count of [0, -1, 1.5, Number.NaN]) {
      expect(() => partitionForKey(Buffer.from('k'), count)).toThrow(RangeError)
    }
  })
})
