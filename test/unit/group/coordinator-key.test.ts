import { describe, expect, it } from 'vitest'
import { javaStringHashCode, kafkaAbs, partitionForGroup } from '../../../src/group/coordinator-key.js'

describe('coordinator key', () => {
  it('hashes like Java String.hashCode, with 32-bit overflow', () => {
    expect(javaStringHashCode('')).toBe(0)
    expect(javaStringHashCode('hello')).toBe(99162322)
    // Java's classic collision: "Aa" and "BB" both hash to 2112.
    expect(javaStringHashCode('Aa')).toBe(2112)
    expect(javaStringHashCode('BB')).toBe(2112)
    expect(javaStringHashCode('polygenelubricants')).toBe(-0x80000000)
    expect(javaStringHashCode('console-consumer-12345')).toBeLessThanOrEqual(0x7fffffff)
  })

  it('hashes UTF-16 code units, as Java does for non-ASCII group ids', () => {
    // 'é' is one code unit (233); an emoji is two (a surrogate pair).
    expect(javaStringHashCode('é')).toBe(233)
    expect(javaStringHashCode('😀')).toBe(((0xd83d * 31) + 0xde00) | 0)
  })

  it("maps Integer.MIN_VALUE to 0 like Kafka's Utils.abs, so such a group lands on partition 0", () => {
    expect(kafkaAbs(-0x80000000)).toBe(0)
    expect(kafkaAbs(-5)).toBe(5)
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0)
  })

  it('picks abs(hashCode) mod the partition count', () => {
    expect(partitionForGroup('hello', 50)).toBe(99162322 % 50)
    expect(partitionForGroup('Aa', 50)).toBe(partitionForGroup('BB', 50))
    for (const group of ['a', 'orders', 'my-consumer-group', 'x'.repeat(300)]) {
      const p = partitionForGroup(group, 7)
      expect(p).toBeGreaterThanOrEqual(0)
      expect(p).toBeLessThan(7)
    }
  })
})
