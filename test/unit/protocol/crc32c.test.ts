import { expect, test } from 'vitest'
import { crc32c } from '../../../src/protocol/crc32c.js'

test('matches the published check value CRC-32C("123456789") = 0xe3069283', () => {
  expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
})

test('matches known vectors: empty input, 32 zero bytes, 32 0xff bytes, 0..31 (RFC 3720)', () => {
  expect(crc32c(new Uint8Array(0))).toBe(0)
  expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
  expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
  expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e)
  expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c)
})

test('continues a checksum over pieces, for every split point of odd lengths', () => {
  const data = Uint8Array.from({ length: 101 }, (_, i) => (i * 37 + 11) & 0xff)
  const whole = crc32c(data)
  for (let split = 0; split <= data.length; split++) {
    expect(crc32c(data.subarray(split), crc32c(data.subarray(0, split)))).toBe(whole)
  }
})

test('works on views with any byte offset', () => {
  const backing = Buffer.from('xx123456789yy')
  expect(crc32c(backing.subarray(2, 11))).toBe(0xe3069283)
})
