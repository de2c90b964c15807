/**
 * The checks that keep test files from leaving logs and processes behind (issue 17): they must
 * catch each kind of leak, clean it up, and say what it was.
 */
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PartitionLog } from '../../../src/storage/index.js'
import { WorkerPool } from '../../../src/workers/pool.js'
import { failOnLeaks, leakedResources, trackProcess } from '../../helpers/leaks.js'
import { makeBatch } from '../../helpers/record-batch.js'
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js'

/** A log that rolled, so a flush is running on the libuv pool as the test ends. */
async function rolledLog(dir: string): Promise<PartitionLog> {
  const log = await PartitionLog.open(dir, { 'segment.bytes': 4096 })
  let rolled = false
  for (let i = 0; !rolled; i++) rolled = log.appendAsLeader(makeBatch({ valueSize: 500, seed: i }), 0).flushNeeded
  return log
}

describe('the leak check run after every file', () => {
  it('names a PartitionLog left open, closes it, and is satisfied afterwards', async () => {
    const dir = tempDir()
    const log = await rolledLog(dir)
    expect(leakedResources()).toEqual([`PartitionLog still open on ${dir}`])
    await expect(failOnLeaks()).rejects.toThrow(`PartitionLog still open on ${dir}`)
    expect(() => log.appendAsLeader(makeBatch(), 0)).toThrow(expect.objectContaining({ code: 'SEGLOG_CLOSED' }))
    expect(leakedResources()).toEqual([])
    await expect(failOnLeaks()).resolves.toBeUndefined()
  })

  it('names a process left running and kills it', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    trackProcess(child, 'stand-in broker')
    await expect(failOnLeaks()).rejects.toThrow(`stand-in broker (pid ${child.pid})`)
    expect(child.signalCode).toBe('SIGKILL')
    expect(leakedResources()).toEqual([])
  })

  it('counts a worker pool until it is closed', async () => {
    const pool = new WorkerPool({ maxThreads: 1 })
    expect(leakedResources()).toEqual([expect.stringContaining('1 WorkerPool(s) not closed')])
    await pool.close()
    expect(leakedResources()).toEqual([])
  })

  it('forgets a process once it has exited', async () => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
    trackProcess(child, 'short-lived')
    await new Promise((resolve) => child.once('exit', resolve))
    await new Promise((resolve) => setImmediate(resolve))
    expect(leakedResources()).toEqual([])
  })
})

describe('temporary directory removal', () => {
  it('closes a log still open in the directory before removing it, and fails naming the log', async () => {
    const dir = tempDir()
    const log = await rolledLog(join(dir, 'orders-0'))
    await expect(removeTempDirs([dir])).rejects.toThrow(`PartitionLog left open on ${join(dir, 'orders-0')}`)
    expect(existsSync(dir)).toBe(false)
    expect(() => log.appendAsLeader(makeBatch(), 0)).toThrow(expect.objectContaining({ code: 'SEGLOG_CLOSED' }))
    expect(leakedResources()).toEqual([])
  })

  it('names what was left in a directory it could not remove', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'leader-epoch-checkpoint.tmp'), '0\n0\n')
    const failing = (): never => {
      throw Object.assign(new Error('directory not empty'), { code: 'ENOTEMPTY' })
    }
    await expect(removeTempDirs([dir], failing)).rejects.toThrow(
      `could not remove ${dir} (ENOTEMPTY); left in it: leader-epoch-checkpoint.tmp`,
    )
  })
})
