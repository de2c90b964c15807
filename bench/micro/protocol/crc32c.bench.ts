/**
 * CRC-32C in pure TypeScript (slicing-by-8), the default for clients and tools; the broker
 * checks batches with the addon's. Both are shown for a 64 KiB batch and a 1 KiB one.
 */
import { crc32c } from '../../../src/protocol/crc32c.js'
import { type Case, check, runCases } from './bench-util.js'

const big = Buffer.alloc(64 * 1024)
for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff
const small = big.subarray(0, 1024)

check(crc32c(Buffer.from('123456789')) === 0xe3069283, 'CRC-32C("123456789") = 0xe3069283')

let native: ((bytes: Uint8Array) => number) | undefined
try {
  native = (await import('../../../src/storage/native.js')).crc32c
  check(native(big) === crc32c(big), 'addon and pure TS agree')
} catch {
  console.log('(seglog addon not built: pure TS only)')
}

let sink = 0
const cases: Case[] = [
  { name: 'pure TS, 64 KiB', fn: () => void (sink ^= crc32c(big)), items: big.length / 1e6, unit: 'MB' },
  { name: 'pure TS, 1 KiB', fn: () => void (sink ^= crc32c(small)), items: small.length / 1e6, unit: 'MB' },
]
if (native !== undefined) {
  const addon = native
  cases.push({ name: 'addon (for comparison), 64 KiB', fn: () => void (sink ^= addon(big)), items: big.length / 1e6, unit: 'MB' })
}
runCases('crc32c', cases)
check(typeof sink === 'number', 'results were consumed')
