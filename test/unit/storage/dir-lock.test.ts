import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { DataDirLock, LogManager } from '../../../src/storage/index.js'
import { ROOT } from '../../helpers/broker-process.js'
import { tempDir } from '../../helpers/temp-dir.js'

const freshDir = (): string => tempDir('samsa-lock-')

describe('DataDirLock', () => {
  it('refuses a second holder until the first releases it', () => {
    const dir = freshDir()
    const first = DataDirLock.acquire(dir)
    expect(() => DataDirLock.acquire(dir)).toThrowError(expect.objectContaining({ code: 'SEGLOG_DIR_LOCKED', message: expect.stringContaining(dir) }))
    first.release()
    expect(first.held).toBe(false)
    DataDirLock.acquire(dir).release()
  })

  it('is held against other processes, and freed when the holder dies', async () => {
    const dir = freshDir()
    // A separate process takes the lock (through the compiled storage module) and waits.
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      const { DataDirLock } = await import(${JSON.stringify(join(ROOT, 'dist/src/storage/index.js'))})
      DataDirLock.acquire(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] })
    // It never exits by itself: killed even when an expectation below fails.
    onTestFinished(() => {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL')
    })
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()))
    expect(() => DataDirLock.acquire(dir)).toThrowError(/another process is using the log directory/)
    holder.kill('SIGKILL')
    await new Promise((resolve) => holder.once('exit', resolve))
    DataDirLock.acquire(dir).release()
  })

  it('is taken by LogManager.open and given back by close', async () => {
    const dir = freshDir()
    const logs = await LogManager.open(dir)
    await expect(LogManager.open(dir)).rejects.toMatchObject({ code: 'SEGLOG_DIR_LOCKED' })
    await logs.close()
    await (await LogManager.open(dir)).close()
  })
})
