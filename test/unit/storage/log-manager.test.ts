import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LogManager, PartitionLog } from '../../../src/storage/index.js'
import { CLEAN_SHUTDOWN_FILE } from '../../../src/storage/log-manager.js'
import { makeBatch } from '../../helpers/record-batch.js'
import { tempDir } from '../../helpers/temp-dir.js'

describe('LogManager', () => {
  it("keeps Kafka's data-dir layout and writes the marker and checkpoints on close", async () => {
    const dataDir = tempDir()
    const manager = await LogManager.open(dataDir, { 'segment.bytes': 4096 })
    const a0 = await manager.create('orders', 0)
    const a1 = await manager.create('orders.eu-west', 1)
    for (let i = 0; i < 30; i++) a0.appendAsLeader(makeBatch({ valueSize: 200 }), 0)
    a1.appendAsLeader(makeBatch({ records: 4 }), 0)
    a0.deleteRecordsBefore(5)
    expect(await manager.create('orders', 0)).toBe(a0)
    await manager.close()
    expect(readdirSync(dataDir).sort()).toEqual([
      '.kafka_cleanshutdown',
      '.lock',
      'log-start-offset-checkpoint',
      'orders-0',
      'orders.eu-west-1',
      'recovery-point-offset-checkpoint',
    ])
    const recoveryPoints = readFileSync(join(dataDir, 'recovery-point-offset-checkpoint'), 'utf8').split('\n')
    expect(recoveryPoints.slice(0, 2)).toEqual(['0', '2'])
    expect(recoveryPoints).toContain('orders 0 30')
    expect(recoveryPoints).toContain('orders.eu-west 1 4')
    expect(readFileSync(join(dataDir, 'log-start-offset-checkpoint'), 'utf8')).toContain('orders 0 5')

    const reopened = await LogManager.open(dataDir)
    expect(reopened.hadCleanShutdown).toBe(true)
    expect(existsSync(join(dataDir, '.kafka_cleanshutdown'))).toBe(false)
    expect(reopened.logs().map((l) => `${l.topic}/${l.partition}`).sort()).toEqual(['orders.eu-west/1', 'orders/0'])
    const log = reopened.get('orders', 0)!
    expect([log.logStartOffset, log.logEndOffset]).toEqual([5, 30])
    expect(log.openReport.recoveredSegments).toBe(0)
    await reopened.close()
  })

  it('recovers from the recovery point when the marker is missing', async () => {
    const dataDir = tempDir()
    const manager = await LogManager.open(dataDir, { 'segment.bytes': 2048 })
    const log = await manager.create('t', 0)
    for (let i = 0; i < 40; i++) log.appendAsLeader(makeBatch({ valueSize: 200 }), 0)
    await manager.close()
    // Simulate a next process that crashed after one more append: it had removed the marker,
    // left the checkpoints as written, and its files are released without any close work.
    rmSync(join(dataDir, CLEAN_SHUTDOWN_FILE))
    const crashed = await PartitionLog.open(join(dataDir, 't-0'), { 'segment.bytes': 2048 }, { cleanShutdown: true, recoveryPoint: 40 })
    crashed.appendAsLeader(makeBatch(), 0)
    await crashed.abandon()
    const again = await LogManager.open(dataDir, { 'segment.bytes': 2048 })
    const reopened = again.get('t', 0)!
    expect(again.hadCleanShutdown).toBe(false)
    expect(reopened.logEndOffset).toBe(41)
    expect(reopened.openReport.recoveredSegments).toBeGreaterThan(0)
    expect(reopened.openReport.recoveredSegments).toBeLessThan(reopened.segmentBaseOffsets.length)
    await again.close()
  })

  it('deletes a partition by renaming its directory and removing it in the background', async () => {
    const dataDir = tempDir()
    const manager = await LogManager.open(dataDir)
    const log = await manager.create('gone', 3)
    log.appendAsLeader(makeBatch(), 0)
    const views = log.read(0, 100).toBuffers()
    expect(await manager.delete('gone', 3)).toBe(true)
    expect(manager.get('gone', 3)).toBeUndefined()
    expect(existsSync(join(dataDir, 'gone-3'))).toBe(false)
    expect(views[0]!.length).toBeGreaterThan(0)
    for (let i = 0; i < 200 && readdirSync(dataDir).some((n) => n.endsWith('-delete')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(readdirSync(dataDir).filter((n) => n.endsWith('-delete'))).toEqual([])
    await manager.close()
  })

  it('ignores directories that are not partitions and removes leftover -delete ones at open', async () => {
    const dataDir = tempDir()
    mkdirSync(join(dataDir, 'not a partition'))
    mkdirSync(join(dataDir, 'x-0.0123abcd-delete'))
    const manager = await LogManager.open(dataDir)
    expect(manager.logs()).toEqual([])
    await expect(manager.create('bad topic', 0)).rejects.toMatchObject({ code: 'SAMSA_CONFIG' })
    await manager.close()
  })
})
