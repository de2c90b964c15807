/**
 * Codec throughput on the event loop's thread: MB/s of uncompressed data for compress and
 * decompress, per codec, at Kafka's default levels, on 64 KiB and 1 MiB of JSON records (a
 * typical batch and a batch at max.message.bytes). node:zlib's gzip is the baseline for ours.
 */
import { gunzipSync, gzipSync } from 'node:zlib'
import { CompressionCodec, compress, decompress } from '../../../src/storage/codecs.js'
import { KiB, MiB, codecNames, jsonRecords } from './payloads.js'
import { type Case, check, runSuite } from './report.js'

const codecs = { gzip: CompressionCodec.Gzip, snappy: CompressionCodec.Snappy, lz4: CompressionCodec.Lz4, zstd: CompressionCodec.Zstd }

for (const size of [64 * KiB, MiB]) {
  const input = jsonRecords(size)
  const label = size === MiB ? '1 MiB' : '64 KiB'
  const cases: Case[] = []
  const ratios: string[] = []
  for (const name of codecNames) {
    const codec = codecs[name]
    const compressed = compress(codec, input)
    check(decompress(codec, compressed, size).equals(input), `${name} round trip of ${label}`)
    ratios.push(`${name} ${(size / compressed.length).toFixed(2)}x`)
    cases.push({ name: `${name} compress ${label}`, bytes: size, fn: () => compress(codec, input) })
    cases.push({ name: `${name} decompress ${label}`, bytes: size, fn: () => decompress(codec, compressed, size) })
  }
  const zlibCompressed = gzipSync(input)
  check(gunzipSync(zlibCompressed).equals(input), 'node:zlib round trip')
  cases.push({ name: `node:zlib gzip ${label} (baseline)`, bytes: size, fn: () => gzipSync(input) })
  cases.push({ name: `node:zlib gunzip ${label} (baseline)`, bytes: size, fn: () => gunzipSync(zlibCompressed) })
  console.log(`compression ratios on ${label} of JSON records: ${ratios.join(', ')}`)
  await runSuite(`codecs on the main thread, ${label}`, cases)
}
