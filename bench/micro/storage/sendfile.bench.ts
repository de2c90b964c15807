/**
 * Serving fetches to a TCP consumer on 127.0.0.1: sendfile from the segment files
 * (transferResumable, the broker's fetch path: it goes on with sendfile after the socket's send
 * buffer filled) versus reading the bytes into JavaScript and writing them through Node (fs.readSync +
 * socket.write, what a broker without the addon would do), for 64 KiB and 1 MiB fetches. Reports
 * MB/s and the sender's CPU-seconds per GB (process.cpuUsage: user + system, all threads); the
 * consumer runs in a child process so its CPU is not counted. Checks byte-exact delivery first.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PartitionLog, transferResumable, type ReadPlan } from '../../../src/storage/index.js'
import { type MeasuredRow, type MicroBenchFile, runBenchFile } from '../micro-bench.js'
import { benchBatch } from './batch.js'

const LOG_BYTES = 128 * 1024 * 1024
const TRANSFER_BYTES = Number(process.env.BENCH_TRANSFER_MB ?? 512) * 1024 * 1024
const BATCH = 16 * 1024

/** Consumer: counts bytes (or hashes them in check mode) and answers when it has `total`. */
const consumerSource = `
const net = require('node:net'); const crypto = require('node:crypto')
const [port, total, check] = process.argv.slice(1).map(Number)
const hash = crypto.createHash('sha256'); let received = 0
const socket = net.connect(port, '127.0.0.1')
socket.on('data', (chunk) => {
  received += chunk.length
  if (check) hash.update(chunk)
  if (received >= total) socket.end(check ? hash.digest('hex') : 'k')
})
`

let dir = ''
let log: PartitionLog
let server: Server

async function connectConsumer(total: number, check: boolean): Promise<{ socket: Socket; consumer: ChildProcess; done: Promise<string> }> {
  const accepted = once(server, 'connection')
  const { port } = server.address() as { port: number }
  const consumer = spawn(process.execPath, ['-e', consumerSource, String(port), String(total), check ? '1' : '0'], {
    stdio: 'inherit',
  })
  const [socket] = (await accepted) as [Socket]
  const done = new Promise<string>((resolve) => {
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (answer += chunk))
    socket.on('end', () => resolve(answer))
  })
  return { socket, consumer, done }
}

/** The copying path: read the plan's bytes into a Buffer with pread, write it through Node. */
function copyTo(socket: Socket, plan: ReadPlan, segmentFds: Map<number, number>): boolean {
  let ok = true
  for (const slice of plan.slices) {
    const buffer = Buffer.allocUnsafe(slice.length)
    readSync(segmentFds.get(slice.segmentBaseOffset)!, buffer, 0, slice.length, slice.position)
    ok = socket.write(buffer)
  }
  return ok
}

async function serve(mode: 'sendfile' | 'copy', fetchBytes: number, total: number, check: boolean): Promise<{ seconds: number; cpu: number; answer: string; expected: Buffer[] }> {
  const { socket, consumer, done } = await connectConsumer(total, check)
  const segmentFds = new Map(log.segmentBaseOffsets.map((base) => [base, openSync(join(dir, `${String(base).padStart(20, '0')}.log`), 'r')]))
  const expected: Buffer[] = []
  const start = process.hrtime.bigint()
  const cpuStart = process.cpuUsage()
  let sent = 0
  let offset = 0
  while (sent < total) {
    if (offset >= log.logEndOffset) offset = 0
    const plan = log.read(offset, Math.min(fetchBytes, total - sent))
    if (check) expected.push(...plan.toBuffers())
    sent += plan.byteLength
    offset += plan.byteLength / BATCH
    if (mode === 'sendfile') {
      await new Promise<void>((resolve) => {
        if (transferResumable(socket, [plan], resolve)) resolve()
      })
    } else if (!copyTo(socket, plan, segmentFds)) {
      await once(socket, 'drain')
    }
  }
  const answer = await done
  const cpu = process.cpuUsage(cpuStart)
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  for (const fd of segmentFds.values()) closeSync(fd)
  await once(consumer, 'exit')
  return { seconds, cpu: (cpu.user + cpu.system) / 1e6, answer, expected }
}

const file: MicroBenchFile = {
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'samsa-bench-sendfile-'))
    log = await PartitionLog.open(dir, { 'segment.bytes': 64 * 1024 * 1024 })
    const batch = benchBatch(BATCH)
    for (let i = 0; i < LOG_BYTES / BATCH; i++) log.appendAsLeader(batch, 0, { requireZeroBaseOffset: false })
    server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
  },
  async measure(): Promise<MeasuredRow[]> {
    const { createHash } = await import('node:crypto')
    for (const mode of ['sendfile', 'copy'] as const) {
      const run = await serve(mode, 1024 * 1024, 8 * 1024 * 1024, true)
      const hash = createHash('sha256')
      for (const b of run.expected) hash.update(b)
      if (run.answer !== hash.digest('hex')) throw new Error(`${mode}: the consumer did not get the planned bytes`)
    }
    const rows: MeasuredRow[] = []
    for (const fetchBytes of [64 * 1024, 1024 * 1024]) {
      for (const mode of ['sendfile', 'copy'] as const) {
        const run = await serve(mode, fetchBytes, TRANSFER_BYTES, false)
        const label = `${mode === 'sendfile' ? 'sendfile' : 'read+write via Node'} ${fetchBytes / 1024} KiB fetches`
        rows.push({ name: `${label}`, value: TRANSFER_BYTES / 1e6 / run.seconds, unit: 'MB/s' })
        rows.push({ name: `${label}`, value: run.cpu / (TRANSFER_BYTES / 1e9), unit: 'sender CPU-s/GB' })
      }
    }
    return rows
  },
  async teardown() {
    server.close()
    await log.close()
    rmSync(dir, { recursive: true, force: true })
  },
}
await runBenchFile(file)
