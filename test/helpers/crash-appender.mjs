// Child process of test/integration/storage-crash.test.ts: appends batches from a pool file to
// partition crash-0 of a LogManager data dir in a loop, until it is killed. After append()
// returns for a batch it prints "<pool index> <base offset> <last offset>" with a synchronous
// write, so every printed line is a batch whose append returned.
// Plain ESM on the compiled output, because the parent runs it with plain `node`.
// Usage: node crash-appender.mjs <dataDir> <poolFile> <seed>
import { readFileSync, writeSync } from 'node:fs'
import { LogManager } from '../../dist/src/storage/index.js'

const [dataDir, poolFile, seedText] = process.argv.slice(2)
const poolBytes = readFileSync(poolFile)
const pool = []
for (let at = 0; at < poolBytes.length; ) {
  const length = poolBytes.readUInt32BE(at)
  pool.push(poolBytes.subarray(at + 4, at + 4 + length))
  at += 4 + length
}

let seed = Number(seedText)
function random() {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}

const manager = await LogManager.open(
  dataDir,
  { 'segment.bytes': 1024 * 1024 },
  { 'log.flush.offset.checkpoint.interval.ms': 20, 'log.flush.start.offset.checkpoint.interval.ms': 20 },
)
const log = await manager.create('crash', 0)
writeSync(1, 'ready\n')

function appendSome() {
  for (let i = 0; i < 5; i++) {
    const index = Math.floor(random() * pool.length)
    const result = log.appendAsLeader(Buffer.from(pool[index]), 1)
    writeSync(1, `${index} ${result.baseOffset} ${result.lastOffset}\n`)
    if (random() < 0.02) log.flush().catch(() => undefined)
  }
  // A short pause between rounds lets timers and flushes run and keeps the log small.
  setTimeout(appendSome, 1)
}
appendSome()
