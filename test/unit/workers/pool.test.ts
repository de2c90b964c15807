/**
 * These tests run real piscina worker threads. Node 20 cannot load TypeScript in a worker, so
 * the workers run the compiled dist/src/workers/worker.js: build first (`npm run build:ts`, part
 * of `npm test`). The pool module itself is the source under test, transpiled by vitest.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { SamsaError } from '../../../src/common/errors.js'
import { CodecErrorCodes, CompressionCodec, decompress } from '../../../src/storage/codecs.js'
import { WorkerPool, acquireWorkerPool, closeWorkerPool, openWorkerPools, workerPool } from '../../../src/workers/pool.js'

const records = (n: number): Buffer => Buffer.from(`{"id":${n},"event":"page_view","country":"DE"}\n`.repeat(2000))

/** An exclusive copy, as a caller that wants its buffer moved would pass it. */
const owned = (data: Buffer): Buffer => {
  const copy = Buffer.allocUnsafeSlow(data.length)
  data.copy(copy)
  return copy
}

describe('WorkerPool', () => {
  const pool = new WorkerPool({ maxThreads: 2, maxQueue: 2 })
  afterAll(() => pool.close())

  it('moves input buffers to the worker: the caller ArrayBuffer is detached', async () => {
    const input = owned(records(1))
    const original = Buffer.from(input)
    const [compressed] = await pool.run('compressPayloads', { codec: CompressionCodec.Zstd, payloads: [input] })
    expect(input.buffer.byteLength).toBe(0)
    expect(input.length).toBe(0)
    expect(Buffer.isBuffer(compressed)).toBe(true)
    expect(decompress(CompressionCodec.Zstd, compressed, 1 << 20).equals(original)).toBe(true)
  })

  it('copies views into larger buffers instead of detaching what they point into', async () => {
    const frame = Buffer.concat([Buffer.from('header'), records(2)])
    const [compressed] = await pool.run('compressPayloads', { codec: CompressionCodec.Gzip, payloads: [frame.subarray(6)] })
    expect(frame.length).toBe(6 + records(2).length)
    expect(decompress(CompressionCodec.Gzip, compressed, 1 << 20).equals(records(2))).toBe(true)
  })

  it('returns per-payload failures from the decompress task', async () => {
    const [compressed] = await pool.run('compressPayloads', { codec: CompressionCodec.Snappy, payloads: [records(3)] })
    const outputs = await pool.run('decompressPayloads', {
      codec: CompressionCodec.Snappy,
      maxBytes: 1 << 20,
      payloads: [compressed, Buffer.from('garbage')],
    })
    expect(outputs[0]).toEqual(records(3))
    expect(outputs[1]).toMatchObject({ code: CodecErrorCodes.CORRUPT })
  })

  it('rejects with the task error when a whole task fails', async () => {
    await expect(pool.run('compressPayloads', { codec: 9 as CompressionCodec, payloads: [records(4)] })).rejects.toThrow(
      /codec id 9 is not supported/,
    )
  })
})

describe('backpressure', () => {
  it('a full queue makes run wait for room, in order, instead of rejecting', async () => {
    const pool = new WorkerPool({ maxThreads: 1, maxQueue: 1 })
    try {
      const inputs = Array.from({ length: 6 }, (_, i) => records(i))
      const runs = inputs.map((input) => pool.run('compressPayloads', { codec: CompressionCodec.Gzip, payloads: [input] }))
      // One task running, one queued, four callers waiting: saturated, and nothing rejected.
      expect(pool.isSaturated).toBe(true)
      expect(pool.queueSize).toBeGreaterThanOrEqual(4)
      let roomAgain = false
      const room = pool.whenRoom().then(() => {
        roomAgain = true
      })
      const settled = await Promise.allSettled(runs)
      expect(settled.map((result) => result.status)).toEqual(Array(6).fill('fulfilled'))
      settled.forEach((result, i) => {
        const [compressed] = (result as PromiseFulfilledResult<Buffer[]>).value
        expect(decompress(CompressionCodec.Gzip, compressed, 1 << 20).equals(records(i))).toBe(true)
      })
      await room
      expect(roomAgain).toBe(true)
      expect(pool.isSaturated).toBe(false)
    } finally {
      await pool.close()
    }
  })

  it('closing rejects callers still waiting for room and lets running tasks finish', async () => {
    const pool = new WorkerPool({ maxThreads: 1, maxQueue: 0 })
    const running = pool.run('compressPayloads', { codec: CompressionCodec.Zstd, payloads: [records(7)] })
    const waiting = pool.run('compressPayloads', { codec: CompressionCodec.Zstd, payloads: [records(8)] })
    expect(pool.isSaturated).toBe(true)
    const waitingRejected = expect(waiting).rejects.toSatisfy((error: unknown) => SamsaError.is(error))
    await pool.close()
    await waitingRejected
    const [compressed] = await running
    expect(decompress(CompressionCodec.Zstd, compressed, 1 << 20).equals(records(7))).toBe(true)
    await expect(pool.run('compressPayloads', { codec: CompressionCodec.Zstd, payloads: [] })).rejects.toThrow(/closed/)
  })
})

describe('the process-wide pool', () => {
  it('is created once on first use and closed by closeWorkerPool', async () => {
    expect(workerPool()).toBe(workerPool())
    const [out] = await workerPool().run('compressPayloads', { codec: CompressionCodec.Lz4, payloads: [records(9)] })
    expect(out.length).toBeGreaterThan(0)
    const first = workerPool()
    await closeWorkerPool()
    expect(workerPool()).not.toBe(first)
    await closeWorkerPool()
  })

  it('stays open while any lease holds it and closes with the last release, in either order', async () => {
    for (const order of [['first', 'second'], ['second', 'first']] as const) {
      const leases = { first: acquireWorkerPool(), second: acquireWorkerPool() }
      // A lease alone starts no thread: brokers take one at start and may never compress.
      expect(openWorkerPools()).toBe(0)
      const pool = leases.first.pool
      expect(leases.second.pool).toBe(pool)
      await leases[order[0]].release()
      await leases[order[0]].release() // twice is once
      const [out] = await leases[order[1]].pool.run('compressPayloads', { codec: CompressionCodec.Lz4, payloads: [records(3)] })
      expect(out.length).toBeGreaterThan(0)
      expect(() => leases[order[0]].pool).toThrow(/closed/)
      await leases[order[1]].release()
      expect(openWorkerPools()).toBe(0)
      await expect(pool.run('compressPayloads', { codec: CompressionCodec.Lz4, payloads: [records(3)] })).rejects.toThrow(/closed/)
    }
  })

  it('is not closed by closeWorkerPool while a lease holds it', async () => {
    const lease = acquireWorkerPool()
    const pool = lease.pool
    await closeWorkerPool()
    const [out] = await pool.run('compressPayloads', { codec: CompressionCodec.Lz4, payloads: [records(4)] })
    expect(out.length).toBeGreaterThan(0)
    await lease.release()
    expect(openWorkerPools()).toBe(0)
  })
})
