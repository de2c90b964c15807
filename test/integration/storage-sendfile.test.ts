/**
 * sendfile into real TCP connections on 127.0.0.1: the receiver must get exactly the bytes of
 * the read plan (here spanning two segments), in order with the Buffers around it, also when a
 * slow reader makes the kernel's send buffer fill up (EAGAIN) mid-transfer and the rest goes
 * through Node's own write queue.
 */
import { once } from 'node:events'
import { createServer, connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { PartitionLog, transferResumable, transferTo, writeToSocket, type ReadPlan } from '../../src/storage/index.js'
import { makeBatch } from '../helpers/record-batch.js'
import { tempDir } from '../helpers/temp-dir.js'

/** What each test opened (logs, sockets, servers), closed after it, newest first, awaited. */
const closers: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** A connected pair: `sender` is the server side, `receiver` the client (paused if asked). */
async function socketPair(pauseReceiver: boolean): Promise<{ sender: Socket; receiver: Socket }> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  const accepted = once(server, 'connection')
  const receiver = connect(port, '127.0.0.1')
  if (pauseReceiver) receiver.pause()
  const [sender] = (await accepted) as [Socket]
  closers.push(async () => {
    sender.destroy()
    receiver.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  return { sender, receiver }
}

function collect(receiver: Socket, total: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let received = 0
  return new Promise((resolve, reject) => {
    receiver.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.length
      if (received >= total) resolve(Buffer.concat(chunks))
    })
    receiver.on('error', reject)
  })
}

async function twoSegmentPlan(batchBytes: number, batches: number, segmentBytes: number): Promise<ReadPlan> {
  const log = await PartitionLog.open(tempDir(), {
    'segment.bytes': segmentBytes,
    'max.message.bytes': batchBytes + 1024,
  })
  // The roll scheduled a flush on the libuv pool; close waits for it, so the directory is only
  // removed once nothing writes into it (left open, it failed with ENOTEMPTY: issue 17). The
  // plan keeps its segment files after the close.
  closers.push(() => log.close())
  for (let i = 0; i < batches; i++) log.appendAsLeader(makeBatch({ valueSize: batchBytes, seed: i }), 0)
  const plan = log.read(0, Number.MAX_SAFE_INTEGER)
  expect(plan.slices.map((s) => s.segmentBaseOffset)).toEqual(log.segmentBaseOffsets)
  expect(plan.slices).toHaveLength(2)
  return plan
}

describe('transferTo', () => {
  it('delivers a plan across two segments between Buffers, byte for byte', async () => {
    const plan = await twoSegmentPlan(3000, 12, 20_000)
    const header = Buffer.from('response-header:')
    const trailer = Buffer.from(':end')
    const expected = Buffer.concat([header, ...plan.toBuffers(), trailer])
    const { sender, receiver } = await socketPair(false)
    const received = collect(receiver, expected.length)
    transferTo(sender, [header, plan, trailer])
    expect((await received).equals(expected)).toBe(true)
  })

  it('finishes through Node after EAGAIN when the reader is slow, keeping order', async () => {
    const plan = await twoSegmentPlan(1_000_000, 24, 16_000_000)
    const header = Buffer.from('header')
    const second = Buffer.from('second-response')
    const expected = Buffer.concat([header, ...plan.toBuffers(), second])
    const { sender, receiver } = await socketPair(true)
    // 24 MB into a socket nobody reads: the kernel buffer fills and sendfile stops at EAGAIN.
    expect(transferTo(sender, [header, plan])).toBe(false)
    expect(sender.writableLength).toBeGreaterThan(0)
    // Node has queued bytes now, so this one must go behind them, not straight to the fd.
    expect(transferTo(sender, [second])).toBe(false)
    const received = collect(receiver, expected.length)
    receiver.resume()
    expect((await received).equals(expected)).toBe(true)
  })

  it('writeToSocket reports a partial write instead of blocking', async () => {
    const plan = await twoSegmentPlan(1_000_000, 24, 16_000_000)
    const { sender, receiver } = await socketPair(true)
    const fd = (sender as unknown as { _handle: { fd: number } })._handle.fd
    const written = writeToSocket(fd, [plan])
    expect(written).toBeGreaterThan(0)
    expect(written).toBeLessThan(plan.byteLength)
    const expected = Buffer.concat(plan.toBuffers())
    const received = collect(receiver, expected.length)
    sender.write(expected.subarray(written))
    receiver.resume()
    expect((await received).equals(expected)).toBe(true)
  })
})

describe('transferResumable', () => {
  it('keeps sending with sendfile after the socket fills, and says once when the caller may write again', async () => {
    const plan = await twoSegmentPlan(1_000_000, 24, 16_000_000)
    const header = Buffer.from('header')
    const expected = Buffer.concat([header, ...plan.toBuffers()])
    const { sender, receiver } = await socketPair(true)
    let writableCalls = 0
    const writable = new Promise<void>((resolve) => {
      expect(transferResumable(sender, [header, plan], () => { writableCalls++; resolve() })).toBe(false)
    })
    // Only a probe's worth went through Node; the rest waits to go out directly.
    expect(sender.writableLength).toBeLessThanOrEqual(64 * 1024)
    const received = collect(receiver, expected.length)
    receiver.resume()
    await writable
    expect((await received).equals(expected)).toBe(true)
    expect(writableCalls).toBe(1)
  })
})
