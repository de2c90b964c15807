import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodeRecordBatch } from '../../../src/protocol/records.js'
import { CLEANER_OFFSET_CHECKPOINT, type LogConfig, LogManager, type PartitionLog } from '../../../src/storage/index.js'
import { crc32c } from '../../../src/storage/native.js'
import { tempDir } from '../../helpers/temp-dir.js'

const COMPACTED: LogConfig = { 'segment.bytes': 4096, 'cleanup.policy': ['compact'], 'retention.ms': -1 }

/** `batches` batches of 10 records over keys k0-k9, values carrying the batch number. */
function fill(log: PartitionLog, batches: number): void {
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: 10 }, (_, k) => ({ key: Buffer.from(`k${k}`), value: Buffer.from(`value ${b} ${'x'.repeat(40)}`) }))
    log.appendAsLeader(encodeRecordBatch({ baseTimestamp: Date.now(), records }, { crc32c }), 0)
  }
}

describe('LogCleaner', () => {
  it('cleans the dirtiest compacted log first, leaves other logs alone and checkpoints where it got to', async () => {
    const dataDir = tempDir()
    const manager = await LogManager.open(dataDir)
    const busy = await manager.create('busy', 0, COMPACTED)
    const quiet = await manager.create('quiet', 0, COMPACTED)
    const plain = await manager.create('plain', 0, { 'segment.bytes': 4096 })
    fill(busy, 60)
    fill(quiet, 3)
    fill(plain, 60)
    const plainSize = plain.size
    // One thread and no background loop: each cleanOnce picks one log.
    const cleaner = await manager.startCleaner({ 'log.cleaner.threads': 1, 'log.cleaner.backoff.ms': 3_600_000 })
    const busySize = busy.size
    expect(await cleaner.cleanOnce()).toBe(1)
    expect(busy.size).toBeLessThan(busySize / 4)
    expect(cleaner.firstDirtyOffset('busy', 0)).toBe(busy.segmentBaseOffsets.at(-1))
    // `quiet` fits in its active segment: nothing cleanable. `plain` is not compacted.
    expect(await cleaner.cleanOnce()).toBe(0)
    expect(plain.size).toBe(plainSize)
    await cleaner.stop()
    const checkpoint = readFileSync(join(dataDir, CLEANER_OFFSET_CHECKPOINT), 'utf8')
    expect(checkpoint).toContain(`busy 0 ${cleaner.firstDirtyOffset('busy', 0)}`)
    expect(quiet.size).toBeGreaterThan(0)
    await manager.close()

    // The checkpoint survives a restart: the clean part is not cleaned again.
    const reopened = await LogManager.open(dataDir)
    const again = await reopened.startCleaner({ 'log.cleaner.backoff.ms': 3_600_000 })
    expect(again.firstDirtyOffset('busy', 0)).toBe(cleaner.firstDirtyOffset('busy', 0))
    expect(await again.cleanOnce()).toBe(0)
    await reopened.close()
  })

  it('waits for min.cleanable.dirty.ratio', async () => {
    const manager = await LogManager.open(tempDir())
    const log = await manager.create('t', 0, { ...COMPACTED, 'min.cleanable.dirty.ratio': 0.99 })
    fill(log, 60)
    const cleaner = await manager.startCleaner({ 'log.cleaner.backoff.ms': 3_600_000 })
    // The first cleaning has no clean part: ratio 1.
    expect(await cleaner.cleanOnce()).toBe(1)
    fill(log, 30)
    // Now most of the log is clean and the new dirty part is below 99%.
    expect(await cleaner.cleanOnce()).toBe(0)
    await manager.close()
  })

  it('stops a throttled cleaning promptly on close, leaving the log whole', async () => {
    const manager = await LogManager.open(tempDir())
    const log = await manager.create('t', 0, COMPACTED)
    fill(log, 200)
    const before = log.logEndOffset
    const cleaner = await manager.startCleaner({ 'log.cleaner.io.max.bytes.per.second': 2000, 'log.cleaner.backoff.ms': 3_600_000 })
    const cleaning = cleaner.cleanOnce()
    await new Promise((resolve) => setTimeout(resolve, 200))
    const started = Date.now()
    await manager.close()
    expect(Date.now() - started).toBeLessThan(5000)
    await cleaning
    const reopened = await LogManager.open(manager.dataDir)
    expect(reopened.get('t', 0)!.logEndOffset).toBe(before)
    await reopened.close()
  })

  it('refuses a dedupe buffer too small for its threads, naming the settings', async () => {
    const manager = await LogManager.open(tempDir())
    await expect(manager.startCleaner({ 'log.cleaner.threads': 4, 'log.cleaner.dedupe.buffer.size': 1 << 20 })).rejects.toThrow(
      /log.cleaner.dedupe.buffer.size = 1048576 .* 4 log.cleaner.threads/,
    )
    await manager.close()
  })
})
