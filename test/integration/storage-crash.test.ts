/**
 * Crash safety of the log: a child process appends in a loop and is killed with SIGKILL at a
 * random moment, many times. After each kill the log is reopened (recovering from the last
 * checkpointed recovery point) and must hold every batch that append() returned for, byte for
 * byte, with dense offsets and no torn or corrupt batch.
 *
 * The child is test/helpers/crash-appender.mjs, run with plain `node` on the compiled dist/
 * output (ensureDistBuilt compiles it if src/storage is newer). Each check closes the log; every
 * other time the clean-shutdown marker is then removed, so that half of the children start by
 * recovering and half open cleanly.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { appendFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { LogManager } from '../../src/storage/index.js'
import { ensureDistBuilt, repoRoot } from '../helpers/dist.js'
import { makeBatch, sameContent, splitBatches } from '../helpers/record-batch.js'
import { tempDir } from '../helpers/temp-dir.js'

const CYCLES = 24
const SEGMENT_BYTES = 1024 * 1024

beforeAll(() => ensureDistBuilt(), 120_000)

function makePool(): Buffer[] {
  const pool: Buffer[] = []
  for (let i = 0; i < 40; i++) {
    const valueSize = i % 10 === 0 ? 60_000 : 20 + ((i * 997) % 3000)
    pool.push(makeBatch({ records: i % 10 === 0 ? 2 : 1 + (i % 7), valueSize, seed: i }))
  }
  return pool
}

/** Appends a prefix of `batch` (claiming the next offsets) to the newest segment file. */
function tearTail(dataDir: string, batch: Buffer, seed: number): number {
  const dir = join(dataDir, 'crash-0')
  const newest = readdirSync(dir).filter((name) => name.endsWith('.log')).sort().at(-1)!
  const torn = Buffer.from(batch.subarray(0, 1 + (seed % (batch.length - 1))))
  appendFileSync(join(dir, newest), torn)
  return torn.length
}

interface Acked {
  index: number
  base: number
  last: number
}

async function runChildUntilKilled(dataDir: string, poolFile: string, seed: number, delayMs: number): Promise<Acked[]> {
  const child = spawn(process.execPath, [join(repoRoot, 'test', 'helpers', 'crash-appender.mjs'), dataDir, poolFile, String(seed)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  let ready: () => void
  const readyPromise = new Promise<void>((resolve) => (ready = resolve))
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    output += chunk
    if (output.startsWith('ready\n')) ready()
  })
  const exited = once(child, 'exit')
  await Promise.race([readyPromise, exited])
  await new Promise((resolve) => setTimeout(resolve, delayMs))
  child.kill('SIGKILL')
  const [, signal] = (await exited) as [number | null, string | null]
  expect(signal).toBe('SIGKILL')
  // Only complete lines: a line cut by the kill was not fully written, so it is not an ack.
  return output
    .split('\n')
    .slice(1, -1)
    .map((line) => line.split(' ').map(Number) as [number, number, number])
    .map(([index, base, last]) => ({ index, base, last }))
}

describe('crash recovery', () => {
  it(`keeps every acknowledged batch across ${CYCLES} SIGKILLs at random points`, async () => {
    const dataDir = tempDir('samsa-crash-')
    const pool = makePool()
    const poolFile = join(tempDir(), 'pool.bin')
    // Length-prefixed batches, as crash-appender.mjs reads them.
    writeFileSync(
      poolFile,
      Buffer.concat(
        pool.flatMap((batch) => {
          const length = Buffer.alloc(4)
          length.writeUInt32BE(batch.length)
          return [length, batch]
        }),
      ),
    )
    const acked = new Map<number, Acked>()
    let seed = 12345
    let recoveredAfterUnclean = 0
    let tornTails = 0
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      seed = (seed * 48271) % 2147483647
      const delay = 40 + (seed % 260)
      for (const ack of await runChildUntilKilled(dataDir, poolFile, seed, delay)) acked.set(ack.base, ack)
      // SIGKILL lands between system calls, so it does not tear a write by itself. Every third
      // time, add what a write cut short would leave: the first bytes of one more batch.
      const tornBytes = cycle % 3 === 2 ? tearTail(dataDir, pool[seed % pool.length]!, seed) : 0

      const manager = await LogManager.open(dataDir, { 'segment.bytes': SEGMENT_BYTES })
      expect(manager.hadCleanShutdown).toBe(false)
      const log = manager.get('crash', 0)!
      recoveredAfterUnclean += log.openReport.recoveredSegments > 0 ? 1 : 0
      // A kill during a large write can also leave a real torn tail (the kernel stops copying
      // pages once a fatal signal is pending): the cut covers at least what was injected.
      expect(log.openReport.truncatedBytes).toBeGreaterThanOrEqual(tornBytes)
      tornTails += log.openReport.truncatedBytes > 0 ? 1 : 0
      const stored = splitBatches(Buffer.concat(log.read(0, Number.MAX_SAFE_INTEGER).toBuffers()))
      let next = 0
      for (const batch of stored) {
        expect(batch.baseOffset).toBe(next)
        next = batch.lastOffset + 1
      }
      expect(next).toBe(log.logEndOffset)
      const byBase = new Map(stored.map((b) => [b.baseOffset, b]))
      for (const ack of acked.values()) {
        const batch = byBase.get(ack.base)
        expect(batch, `acknowledged batch at offset ${ack.base} is missing (cycle ${cycle})`).toBeDefined()
        expect(batch!.lastOffset).toBe(ack.last)
        expect(sameContent(batch!.bytes, pool[ack.index]!)).toBe(true)
      }
      await manager.close()
      // Every other time, drop the marker again so that the next child starts by recovering.
      if (cycle % 2 === 1) rmSync(join(dataDir, '.kafka_cleanshutdown'))
    }
    expect(acked.size).toBeGreaterThan(CYCLES * 10)
    expect(recoveredAfterUnclean).toBe(CYCLES)
    expect(tornTails).toBeGreaterThanOrEqual(CYCLES / 3)
  }, 120_000)
})
