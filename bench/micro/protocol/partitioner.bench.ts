/**
 * partitionForKey cost per key (murmur2 + modulo) for typical key sizes: a 16-byte id, a 36-byte
 * UUID string and a 100-byte composite key. Each timed call hashes 1000 distinct keys.
 */
import Benchmark from 'benchmark'
import { murmur2, partitionForKey } from '../../../src/protocol/partitioner.js'
import { check } from '../codecs/report.js'

// Known values from the Java client (test/fixtures/partitioner-java.json).
check(murmur2(Buffer.from('hello world')) === murmur2(Buffer.from('hello world')), 'murmur2 is deterministic')
check(murmur2(Buffer.alloc(0)) === 275646681, "murmur2('') matches Java's Utils.murmur2")
check(murmur2(Buffer.from('a')) === -1563381124, "murmur2('a') matches Java's Utils.murmur2")

const KEYS = 1000
function keys(length: number): Buffer[] {
  return Array.from({ length: KEYS }, (_, i) => Buffer.from(`${i}-${'k'.repeat(length)}`.slice(0, length).padEnd(length, 'x')))
}

const suite = new Benchmark.Suite('partitioner')
let sink = 0
for (const length of [16, 36, 100]) {
  const batch = keys(length)
  suite.add(`partitionForKey, ${length}-byte keys`, () => {
    for (let i = 0; i < KEYS; i++) sink ^= partitionForKey(batch[i], 12)
  }, { maxTime: 2 })
}
suite.on('cycle', (event: Benchmark.Event) => {
  const bench = event.target as unknown as Benchmark & { name: string }
  const nsPerKey = 1e9 / ((bench.hz ?? 0) * KEYS)
  console.log(`${bench.name.padEnd(36)} ${nsPerKey.toFixed(1).padStart(7)} ns/key  ±${(bench.stats?.rme ?? 0).toFixed(1)}%`)
})
suite.on('complete', () => check(sink >= 0, 'results were consumed'))
console.log('\n## partitioner')
suite.run()
