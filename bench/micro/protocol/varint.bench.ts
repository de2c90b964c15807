/**
 * Varint reading and writing: UNSIGNED_VARINT (compact lengths, tags) and zig-zag VARINT (record
 * fields). Each call handles 1000 values of mixed sizes, as record lengths and deltas are.
 */
import { Reader } from '../../../src/protocol/reader.js'
import { Writer } from '../../../src/protocol/writer.js'
import { check, runCases } from './bench-util.js'

const COUNT = 1000
const unsigned = Array.from({ length: COUNT }, (_, i) => [5, 100, 300, 70_000, 2 ** 31][i % 5]!)
const signed = Array.from({ length: COUNT }, (_, i) => [0, -1, 63, -5000, 1_000_000][i % 5]!)

function writeUnsigned(): Buffer {
  const w = new Writer(COUNT * 5)
  for (let i = 0; i < COUNT; i++) w.writeUnsignedVarint(unsigned[i]!)
  return w.toBuffer()
}
function writeSigned(): Buffer {
  const w = new Writer(COUNT * 5)
  for (let i = 0; i < COUNT; i++) w.writeVarint(signed[i]!)
  return w.toBuffer()
}
const unsignedBytes = writeUnsigned()
const signedBytes = writeSigned()

function readUnsigned(): number {
  const r = new Reader(unsignedBytes)
  let sum = 0
  for (let i = 0; i < COUNT; i++) sum += r.readUnsignedVarint()
  return sum
}
function readSigned(): number {
  const r = new Reader(signedBytes)
  let sum = 0
  for (let i = 0; i < COUNT; i++) sum += r.readVarint()
  return sum
}

check(readUnsigned() === unsigned.reduce((a, b) => a + b, 0), 'unsigned varints read back')
check(readSigned() === signed.reduce((a, b) => a + b, 0), 'zig-zag varints read back')

let sink = 0
runCases('varint', [
  { name: 'readUnsignedVarint x1000 (1-5 bytes)', fn: () => void (sink += readUnsigned()), items: COUNT, unit: 'varints' },
  { name: 'readVarint (zig-zag) x1000', fn: () => void (sink += readSigned()), items: COUNT, unit: 'varints' },
  { name: 'writeUnsignedVarint x1000', fn: () => void (sink += writeUnsigned().length), items: COUNT, unit: 'varints' },
  { name: 'writeVarint (zig-zag) x1000', fn: () => void (sink += writeSigned().length), items: COUNT, unit: 'varints' },
])
check(sink !== 0, 'results were consumed')
