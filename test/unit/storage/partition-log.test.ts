import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PartitionLog } from '../../../src/storage/index.js'
import { makeBatch, sameContent, splitBatches } from '../../helpers/record-batch.js'
import { tempDir } from '../../helpers/temp-dir.js'

function readAll(log: PartitionLog, from = log.logStartOffset): ReturnType<typeof splitBatches> {
  return splitBatches(Buffer.concat(log.read(from, Number.MAX_SAFE_INTEGER).toBuffers()))
}

describe('PartitionLog', () => {
  it('round-trips many batches across segment rolls, byte for byte', async () => {
    const log = await PartitionLog.open(tempDir(), { 'segment.bytes': 16 * 1024, 'index.interval.bytes': 512 })
    const sent: Array<{ base: number; last: number; bytes: Buffer }> = []
    for (let i = 0; i < 300; i++) {
      const batch = makeBatch({ records: 1 + (i % 4), valueSize: 20 + ((i * 53) % 700), seed: i })
      const original = Buffer.from(batch)
      const result = log.appendAsLeader(batch, 7)
      sent.push({ base: result.baseOffset, last: result.lastOffset, bytes: original })
    }
    expect(log.segmentBaseOffsets.length).toBeGreaterThan(5)
    const stored = readAll(log)
    expect(stored).toHaveLength(sent.length)
    stored.forEach((batch, i) => {
      expect([batch.baseOffset, batch.lastOffset]).toEqual([sent[i]!.base, sent[i]!.last])
      expect(batch.partitionLeaderEpoch).toBe(7)
      expect(sameContent(batch.bytes, sent[i]!.bytes)).toBe(true)
    })
    await log.close()
  })

  it('rewrites baseOffset and partitionLeaderEpoch in the caller buffer and keeps the CRC', async () => {
    const log = await PartitionLog.open(tempDir())
    log.appendAsLeader(makeBatch({ records: 5 }), 0)
    const batch = makeBatch({ records: 2 })
    const result = log.appendAsLeader(batch, 3)
    expect(result).toMatchObject({ baseOffset: 5, lastOffset: 6, recordCount: 2, logAppendTime: -1 })
    expect(Number(batch.readBigInt64BE(0))).toBe(5)
    expect(batch.readInt32BE(12)).toBe(3)
    expect(splitBatches(batch)).toHaveLength(1)
    await log.close()
  })

  it('reads from the middle of a batch starting at the batch that contains the offset', async () => {
    const log = await PartitionLog.open(tempDir(), { 'segment.bytes': 4096 })
    for (let i = 0; i < 40; i++) log.appendAsLeader(makeBatch({ records: 5, valueSize: 40, seed: i }), 0)
    for (const offset of [0, 3, 17, 99, 104, 199]) {
      const first = splitBatches(Buffer.concat(log.read(offset, 1).toBuffers()))[0]!
      expect(first.baseOffset).toBe(Math.floor(offset / 5) * 5)
      expect(first.lastOffset).toBeGreaterThanOrEqual(offset)
    }
    const size = makeBatch({ records: 5, valueSize: 40 }).length
    const plan = log.read(12, 3 * size + size - 1)
    expect(splitBatches(Buffer.concat(plan.toBuffers())).map((b) => b.baseOffset)).toEqual([10, 15, 20])
    expect(log.read(200, 100).byteLength).toBe(0)
    expect(() => log.read(201, 100)).toThrow(expect.objectContaining({ code: 'SEGLOG_OFFSET_OUT_OF_RANGE' }))
    // The high watermark bounds the read.
    expect(splitBatches(Buffer.concat(log.read(0, 1e9, 50).toBuffers())).at(-1)!.lastOffset).toBe(49)
    await log.close()
  })

  it('finds offsets by timestamp through the time index', async () => {
    const log = await PartitionLog.open(tempDir(), { 'segment.bytes': 2048, 'index.interval.bytes': 128 })
    for (let i = 0; i < 100; i++) log.appendAsLeader(makeBatch({ records: 2, baseTimestamp: 10_000 + i * 10 }), 0)
    // Batch i holds offsets 2i and 2i+1, stamped 10_000 + 10i and one millisecond later.
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 10_000 })
    expect(log.offsetForTimestamp(10_500)).toEqual({ offset: 100, timestamp: 10_500 })
    expect(log.offsetForTimestamp(10_501)).toEqual({ offset: 101, timestamp: 10_501 })
    expect(log.offsetForTimestamp(10_505)).toEqual({ offset: 102, timestamp: 10_510 })
    expect(log.offsetForTimestamp(99_999)).toBeNull()
    expect(log.maxTimestamp()).toEqual({ timestamp: 10_991, offset: 199 })
    await log.close()
  })

  it('truncates to an offset and continues appending after it', async () => {
    const log = await PartitionLog.open(tempDir(), { 'segment.bytes': 2048 })
    for (let epoch = 1; epoch <= 3; epoch++) {
      for (let i = 0; i < 20; i++) log.appendAsLeader(makeBatch({ records: 1, valueSize: 100 }), epoch)
    }
    log.truncateTo(30)
    expect(log.logEndOffset).toBe(30)
    expect(log.latestEpoch).toBe(2)
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 20 })
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 2, endOffset: 30 })
    expect(log.appendAsLeader(makeBatch(), 4).baseOffset).toBe(30)
    expect(readAll(log).map((b) => b.baseOffset)).toEqual(Array.from({ length: 31 }, (_, i) => i))
    await log.close()
  })

  it('deletes old segments by retention.bytes while a reader still holds an mmap view of them', async () => {
    const dir = tempDir()
    const log = await PartitionLog.open(dir, { 'segment.bytes': 4096, 'retention.bytes': 8192 })
    for (let i = 0; i < 50; i++) log.appendAsLeader(makeBatch({ valueSize: 400, seed: i }), 0)
    const views = log.read(0, 1000).toBuffers()
    const copy = Buffer.from(views[0]!)
    const deleted = await log.deleteOldSegments()
    expect(deleted).toBeGreaterThan(0)
    expect(log.logStartOffset).toBe(log.segmentBaseOffsets[0])
    expect(readdirSync(dir)).toContain('00000000000000000000.log.deleted')
    expect(views[0]!.equals(copy)).toBe(true)
    expect(() => log.read(0, 10)).toThrow(expect.objectContaining({ code: 'SEGLOG_OFFSET_OUT_OF_RANGE' }))
    await log.close()
  })

  it('deletes by retention.ms only below the high watermark', async () => {
    const now = 1_800_000_000_000
    const log = await PartitionLog.open(tempDir(), { 'retention.ms': 1000 })
    for (let i = 0; i < 3; i++) log.appendAsLeader(makeBatch({ baseTimestamp: now - 10_000 }), 0)
    expect(await log.deleteOldSegments(now, 2)).toBe(0)
    expect(await log.deleteOldSegments(now)).toBe(1)
    expect([log.logStartOffset, log.logEndOffset]).toEqual([3, 3])
    await log.close()
  })

  it('moves the log start with deleteRecordsBefore', async () => {
    const log = await PartitionLog.open(tempDir())
    for (let i = 0; i < 10; i++) log.appendAsLeader(makeBatch({ records: 2 }), 0)
    expect(log.deleteRecordsBefore(7)).toBe(7)
    expect(log.logStartOffset).toBe(7)
    expect(readAll(log)[0]!.baseOffset).toBe(6)
    await log.close()
  })

  it('reopens after close without scanning and after a crash by verifying', async () => {
    const dir = tempDir()
    const log = await PartitionLog.open(dir, { 'segment.bytes': 4096 })
    for (let i = 0; i < 100; i++) log.appendAsLeader(makeBatch({ valueSize: 100, seed: i }), 2)
    const before = readAll(log).map((b) => b.bytes.toString('hex'))
    const { clean } = await log.close()
    expect(clean).toBe(true)
    const clean2 = await PartitionLog.open(dir, { 'segment.bytes': 4096 }, { cleanShutdown: true, recoveryPoint: 100 })
    expect(clean2.openReport).toMatchObject({ recoveredSegments: 0, rebuiltIndexes: 0 })
    expect(readAll(clean2).map((b) => b.bytes.toString('hex'))).toEqual(before)
    expect(clean2.latestEpoch).toBe(2)
    await clean2.close()
    const scanned = await PartitionLog.open(dir, { 'segment.bytes': 4096 })
    expect(scanned.openReport.recoveredSegments).toBe(scanned.segmentBaseOffsets.length)
    expect(readAll(scanned).map((b) => b.bytes.toString('hex'))).toEqual(before)
    await scanned.close()
  })

  it('rebuilds a garbage-filled index file', async () => {
    const dir = tempDir()
    const log = await PartitionLog.open(dir, { 'index.interval.bytes': 256 })
    for (let i = 0; i < 200; i++) log.appendAsLeader(makeBatch({ valueSize: 90, seed: i }), 0)
    await log.close()
    writeFileSync(join(dir, '00000000000000000000.index'), Buffer.from(Array.from({ length: 800 }, (_, i) => (i * 89) % 256)))
    writeFileSync(join(dir, '00000000000000000000.timeindex'), Buffer.alloc(36, 0xee))
    const reopened = await PartitionLog.open(dir, {}, { cleanShutdown: true, recoveryPoint: 200 })
    expect(reopened.openReport.rebuiltIndexes).toBe(1)
    for (let offset = 0; offset < 200; offset++) {
      expect(splitBatches(Buffer.concat(reopened.read(offset, 1).toBuffers()))[0]!.baseOffset).toBe(offset)
    }
    expect(reopened.offsetForTimestamp(0)?.offset).toBe(0)
    await reopened.close()
  })

  it('returns producer fields of stored batches', async () => {
    const log = await PartitionLog.open(tempDir())
    log.appendAsLeader(makeBatch({ records: 3, producerId: 42, producerEpoch: 1, baseSequence: 7 }), 0)
    expect(log.readBatchHeaders(0, 10)).toEqual([
      expect.objectContaining({ baseOffset: 0, lastOffset: 2, producerId: 42, producerEpoch: 1, baseSequence: 7, lastSequence: 9, isControl: false }),
    ])
    await log.close()
  })

  it('schedules a flush on roll that advances the recovery point', async () => {
    const log = await PartitionLog.open(tempDir(), { 'segment.bytes': 1024 })
    let rolled = false
    for (let i = 0; i < 20 && !rolled; i++) rolled = log.appendAsLeader(makeBatch({ valueSize: 200 }), 0).flushNeeded
    expect(rolled).toBe(true)
    await log.flush()
    expect(log.recoveryPoint).toBe(log.logEndOffset)
    await log.close()
  })

  it('flushes by flush.messages', async () => {
    const log = await PartitionLog.open(tempDir(), { 'flush.messages': 3 })
    expect(log.appendAsLeader(makeBatch({ records: 2 }), 0).flushNeeded).toBe(false)
    expect(log.appendAsLeader(makeBatch({ records: 2 }), 0).flushNeeded).toBe(true)
    await log.flush()
    expect(log.recoveryPoint).toBe(4)
    await log.close()
  })

  it('flushes by flush.ms without being asked', async () => {
    const log = await PartitionLog.open(tempDir(), { 'flush.ms': 10 })
    log.appendAsLeader(makeBatch({ records: 3 }), 0)
    expect(log.recoveryPoint).toBe(0)
    for (let i = 0; i < 500 && log.recoveryPoint < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(log.recoveryPoint).toBe(3)
    await log.close()
  })

  it('rejects unknown config names and out-of-range values', async () => {
    await expect(PartitionLog.open(tempDir(), { 'segment.byts': 1 } as never)).rejects.toMatchObject({ code: 'SAMSA_CONFIG' })
    await expect(PartitionLog.open(tempDir(), { 'segment.bytes': 1 })).rejects.toMatchObject({ code: 'SEGLOG_INVALID_CONFIG' })
    await expect(PartitionLog.open(tempDir(), { 'writeback.bytes': 1000 })).rejects.toMatchObject({
      code: 'SEGLOG_INVALID_CONFIG',
      message: expect.stringContaining('writeback.bytes'),
    })
  })

  it('keeps every byte whether early writeback runs every page, every megabyte or never', async () => {
    for (const writeback of [4096, 1_048_576, 0]) {
      const log = await PartitionLog.open(tempDir(), { 'segment.bytes': 256 * 1024, 'writeback.bytes': writeback })
      const sent: Buffer[] = []
      for (let i = 0; i < 200; i++) {
        const batch = makeBatch({ records: 2, valueSize: 3000 + i, seed: i })
        sent.push(Buffer.from(batch))
        log.appendAsLeader(batch, 0)
      }
      const stored = readAll(log)
      expect(stored.map((b) => sameContent(b.bytes, sent[b.baseOffset / 2]!))).toEqual(sent.map(() => true))
      await log.close()
    }
  })

  for (const end of ['close', 'abandon'] as const) {
    it(`writes nothing into its directory once ${end} has resolved, even with a roll's flush running`, async () => {
      const dir = tempDir()
      const log = await PartitionLog.open(dir, { 'segment.bytes': 4 << 20 })
      let rolled = false
      for (let i = 0; !rolled; i++) rolled = log.appendAsLeader(makeBatch({ valueSize: 64_000, seed: i }), 3).flushNeeded
      // Let the flush start on the libuv pool (4 MiB to fsync) before the log is let go.
      await new Promise((resolve) => setImmediate(resolve))
      await log[end]()
      const snapshot = (): string[] => readdirSync(dir).map((name) => `${name} ${statSync(join(dir, name)).size} ${statSync(join(dir, name)).mtimeMs}`)
      const after = snapshot()
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(snapshot()).toEqual(after)
    })
  }

  it('throws SEGLOG_CLOSED after close', async () => {
    const log = await PartitionLog.open(tempDir())
    await log.close()
    expect(() => log.appendAsLeader(makeBatch(), 0)).toThrow(expect.objectContaining({ code: 'SEGLOG_CLOSED' }))
  })
})
