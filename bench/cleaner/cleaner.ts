/**
 * Log cleaner: throughput on a dirty log with 1% unique keys, and what a running cleaning costs
 * the produce path (p99 produce latency with the cleaner working against the p99 with nothing to
 * clean, in the same run, same broker, same process).
 *
 *   npm run build && npm run bench:cleaner -- [--dirty-mib 1024] [--phase-seconds 10]
 *     [--rate 2000] [--unique-percent 1]
 *
 * 1. An in-process broker creates `compacted` (cleanup.policy=compact, segment.bytes 128 MiB,
 *    min.compaction.lag.ms one day so nothing is cleanable yet) and `plain`, and stops.
 * 2. The compacted partition's log is filled directly through PartitionLog, broker stopped:
 *    `--dirty-mib` of batches of 100 records (16-byte keys drawn from `--unique-percent` of the
 *    record count, 100-byte values). Writing it through a client would take minutes here.
 * 3. The broker starts again (cleaner on, backoff 100 ms). One keyed record moves the high
 *    watermark to the log end (the cleaner stays below it).
 * 4. Phase "off": a paced producer (`--rate` sends/s, one 100-byte record each, acks=all) to
 *    `plain` for `--phase-seconds`; nothing is cleanable. Latency of each send to its ack.
 * 5. min.compaction.lag.ms drops to 0; once the cleaner logs "cleaning started", phase "on"
 *    runs the same load until the cleaning ends or `--phase-seconds` pass. The cleaner's own
 *    "cleaned" line gives its throughput (bytes read / duration).
 *
 * Reported: cleaner MB/s, records kept/removed, p50/p99/max per phase and the p99 ratio.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Admin } from '../../src/client/admin.js'
import { Producer } from '../../src/client/producer.js'
import { BrokerConfig } from '../../src/common/config/broker-config.js'
import { createLogger } from '../../src/common/logger.js'
import { encodeRecordBatch, type RecordInput } from '../../src/protocol/records.js'
import { BrokerServer } from '../../src/server.js'
import { crc32c } from '../../src/storage/native.js'
import { PartitionLog } from '../../src/storage/index.js'

const { values: args } = parseArgs({
  options: {
    'dirty-mib': { type: 'string', default: '1024' },
    'phase-seconds': { type: 'string', default: '10' },
    rate: { type: 'string', default: '2000' },
    'unique-percent': { type: 'string', default: '1' },
  },
})
const DIRTY_BYTES = Number(args['dirty-mib']) * 1024 * 1024
const PHASE_MS = Number(args['phase-seconds']) * 1000
const RATE = Number(args.rate)
const UNIQUE_FRACTION = Number(args['unique-percent']) / 100
// Eight or more old segments to clean, 128 MiB (a common production size) at 1 GiB.
const SEGMENT_BYTES = Math.min(128 * 1024 * 1024, Math.floor(DIRTY_BYTES / 8))
const RECORDS_PER_BATCH = 100
const DAY_MS = 86_400_000

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-cleaner-'))
const lines: string[] = []
const logger = createLogger('bench', 'info', (line) => lines.push(line))

function brokerConfig(): BrokerConfig {
  return BrokerConfig.load({
    port: '0',
    dataDir,
    set: ['log.cleaner.backoff.ms=100', 'num.partitions=1', 'http.port=0'],
    env: {},
  })
}

/** Pre-encoded batches of keyed records, cycled through while filling (keys random per batch). */
function keyedBatches(uniqueKeys: number, count: number): Buffer[] {
  const value = Buffer.alloc(100, 'v')
  const batches: Buffer[] = []
  for (let b = 0; b < count; b++) {
    const records: RecordInput[] = []
    for (let i = 0; i < RECORDS_PER_BATCH; i++) {
      const key = Buffer.from(`key-${String(Math.floor(Math.random() * uniqueKeys)).padStart(12, '0')}`)
      records.push({ key, value, timestampDelta: 0 })
    }
    batches.push(encodeRecordBatch({ baseTimestamp: Date.now(), records }, { crc32c }))
  }
  return batches
}

async function fillDirtyLog(): Promise<{ records: number; uniqueKeys: number }> {
  const sample = keyedBatches(1, 1)[0]!
  const totalRecords = Math.ceil(DIRTY_BYTES / sample.length) * RECORDS_PER_BATCH
  const uniqueKeys = Math.max(1, Math.round(totalRecords * UNIQUE_FRACTION))
  const batches = keyedBatches(uniqueKeys, 2000)
  const log = await PartitionLog.open(join(dataDir, 'compacted-0'), { 'segment.bytes': SEGMENT_BYTES, 'retention.ms': -1 })
  let written = 0
  let records = 0
  for (let i = 0; written < DIRTY_BYTES; i++) {
    const batch = batches[i % batches.length]!
    log.appendAsLeader(batch, 0, { requireZeroBaseOffset: false })
    written += batch.length
    records += RECORDS_PER_BATCH
  }
  await log.close()
  execFileSync('sync')
  return { records, uniqueKeys }
}

interface Latencies {
  samples: number[]
  seconds: number
}

/** Paced single-record sends to `plain`; stops after PHASE_MS or when `stop()` says so. */
async function measure(bootstrap: string, stop: () => boolean = () => false): Promise<Latencies> {
  const producer = new Producer({ bootstrapServers: bootstrap }, { lingerMs: 0 })
  const value = Buffer.alloc(100, 'p')
  const samples: number[] = []
  const inFlight = new Set<Promise<void>>()
  const start = performance.now()
  try {
    for (let i = 0; performance.now() - start < PHASE_MS && !stop(); i++) {
      const sent = performance.now()
      const p: Promise<void> = producer.send('plain', { key: null, value }).then(() => {
        samples.push(performance.now() - sent)
      })
      inFlight.add(p)
      void p.finally(() => inFlight.delete(p))
      const wait = start + ((i + 1) * 1000) / RATE - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    }
    await Promise.all(inFlight)
  } finally {
    await producer.close()
  }
  return { samples, seconds: (performance.now() - start) / 1000 }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

function summary(name: string, l: Latencies): { p99: number } {
  const sorted = [...l.samples].sort((a, b) => a - b)
  const p99 = percentile(sorted, 99)
  console.log(
    `${name.padEnd(22)} ${String(sorted.length).padStart(6)} sends in ${l.seconds.toFixed(1)} s  p50 ${percentile(sorted, 50).toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  max ${sorted.at(-1)?.toFixed(2)} ms`,
  )
  return { p99 }
}

const linesWith = (text: string): string[] => lines.filter((l) => l.includes(text) && l.includes('topic="compacted"'))

async function main(): Promise<void> {
  console.log(`cleaner bench: ${args['dirty-mib']} MiB dirty, ${args['unique-percent']}% unique keys, produce ${RATE}/s for ${args['phase-seconds']} s per phase; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  let broker = await BrokerServer.start(brokerConfig(), logger)
  const admin = new Admin({ bootstrapServers: broker.advertisedListeners[0]!.host + ':' + broker.advertisedListeners[0]!.port })
  await admin.createTopic({ name: 'plain', partitions: 1 })
  await admin.createTopic({
    name: 'compacted',
    partitions: 1,
    configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(SEGMENT_BYTES), 'min.compaction.lag.ms': String(DAY_MS) },
  })
  admin.close()
  await broker.shutdown()

  const filledAt = performance.now()
  const { records, uniqueKeys } = await fillDirtyLog()
  console.log(`filled ${records} records (${uniqueKeys} unique keys) in ${((performance.now() - filledAt) / 1000).toFixed(1)} s`)

  broker = await BrokerServer.start(brokerConfig(), logger)
  const bootstrap = `${broker.advertisedListeners[0]!.host}:${broker.advertisedListeners[0]!.port}`
  const primer = new Producer({ bootstrapServers: bootstrap })
  await primer.send('compacted', { key: 'primer', value: 'moves the high watermark to the log end' })
  await primer.close()

  const off = summary('cleaner idle', await measure(bootstrap))
  if (linesWith('cleaning started').length > 0) throw new Error('the cleaner ran during the idle phase')

  const topics = broker.context.topics
  broker.context.replicas.updateConfig('compacted', { ...topics.effectiveConfig('compacted'), 'min.compaction.lag.ms': 0 })
  const deadline = Date.now() + 30_000
  while (linesWith('cleaning started').length === 0) {
    if (Date.now() > deadline) throw new Error(`the cleaner did not start:\n${lines.slice(-20).join('')}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const on = summary('cleaner running', await measure(bootstrap, () => linesWith('cleaned ').length > 0))
  while (linesWith('cleaned ').length === 0 && linesWith('cleaning failed').length === 0) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const cleaned = linesWith('cleaned ')[0] ?? linesWith('cleaning failed')[0]!
  const field = (name: string): number => Number(new RegExp(`${name}=([\\d.]+)`).exec(cleaned)?.[1] ?? NaN)
  const seconds = field('durationMs') / 1000
  console.log(
    `cleaner: read ${(field('bytesIn') / 1048576).toFixed(0)} MiB, wrote ${(field('bytesOut') / 1048576).toFixed(1)} MiB, kept ${field('recordsKept')} records, removed ${field('recordsRemoved')}, in ${seconds.toFixed(1)} s = ${(field('bytesIn') / 1048576 / seconds).toFixed(0)} MB/s`,
  )
  console.log(`produce p99 with the cleaner running / idle: ${(on.p99 / off.p99).toFixed(2)} (target < 1.20); load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  await broker.shutdown()
  rmSync(dataDir, { recursive: true, force: true })
}

await main()
