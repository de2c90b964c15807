import { mkdtempSync, rmSync } from 'node:fs'
import { type AddressInfo, type Socket, connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { type FileTransfer, writeResponseFrame } from '../../../src/network/response-writer.js'
import { PartitionLog, type ReadPlan, transferResumable } from '../../../src/storage/index.js'
import { makeBatch } from '../../helpers/record-batch.js'

let dir: string
let log: PartitionLog
let plan: ReadPlan
const transfer: FileTransfer = (socket, chunks, onWritable) => transferResumable(socket, chunks as Array<Buffer | ReadPlan>, onWritable)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'samsa-response-writer-'))
  log = await PartitionLog.open(join(dir, 'topic-0'))
  // 24 MiB: more than a loopback socket's send and receive buffers hold together.
  for (let i = 0; i < 400; i++) log.appendAsLeader(makeBatch({ records: 60, valueSize: 1000, seed: i }), 0)
  plan = log.read(0, 64 << 20)
})

afterAll(async () => {
  await log?.close()
  rmSync(dir, { recursive: true, force: true })
})

/**
 * A connected pair: the server's socket (written to) and the client's (read from). Both and the
 * listener are closed when the test finishes, passed or not.
 */
async function socketPair(): Promise<{ server: Socket; client: Socket }> {
  const listener = createServer()
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  const accepted = new Promise<Socket>((resolve) => listener.once('connection', resolve))
  const client = connect((listener.address() as AddressInfo).port, '127.0.0.1')
  const server = await accepted
  onTestFinished(async () => {
    client.destroy()
    server.destroy()
    await new Promise((resolve) => listener.close(resolve))
  })
  return { server, client }
}

describe('writeResponseFrame', () => {
  it('sends a frame with file chunks whole and in order when the socket fills up on the way, then says it is writable once', async () => {
    const { server, client } = await socketPair()
    const head = Buffer.from('head-of-the-response')
    const tail = Buffer.from('and-its-tail')
    const expected = Buffer.concat([head, ...plan.toBuffers(), tail, head, tail])
    const received: Buffer[] = []
    let receivedBytes = 0
    const done = new Promise<void>((resolve) => {
      client.on('data', (chunk: Buffer) => {
        received.push(chunk)
        receivedBytes += chunk.length
        if (receivedBytes >= expected.length) resolve()
      })
    })
    // The client reads nothing until the first frame has filled the buffers.
    client.pause()
    let writableCalls = 0
    const writable = new Promise<void>((resolve) => {
      const immediate = writeResponseFrame(server, { chunks: [head, plan, tail] }, () => {
        writableCalls++
        resolve()
      }, transfer)
      expect(immediate).toBe(false)
    })
    client.resume()
    await writable
    // The next frame only goes out after the first one.
    expect(writeResponseFrame(server, { chunks: [head, tail] }, () => undefined, transfer)).toBe(true)
    await done
    expect(writableCalls).toBe(1)
    expect(Buffer.concat(received).equals(expected)).toBe(true)
  })

  it('writes frames of Buffers only through Node, in order', async () => {
    const { server, client } = await socketPair()
    const frames = Array.from({ length: 50 }, (_, i) => Buffer.from(`frame ${i};`))
    const expected = Buffer.concat(frames)
    const received: Buffer[] = []
    const done = new Promise<void>((resolve) => {
      client.on('data', (chunk: Buffer) => {
        received.push(chunk)
        if (Buffer.concat(received).length >= expected.length) resolve()
      })
    })
    for (const frame of frames) expect(writeResponseFrame(server, { chunks: [frame] }, () => undefined, null)).toBe(true)
    await done
    expect(Buffer.concat(received).equals(expected)).toBe(true)
  })
})
