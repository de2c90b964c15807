/**
 * Start-up, shutdown and footprint of one broker with many partitions (issue 15), on a real
 * `samsa start` process:
 *
 * - start to ready after a clean stop, and after kill -9 (recovery scans only what was not
 *   flushed: the active segments past the recovery point);
 * - SIGTERM to exit (flush, checkpoints, clean-shutdown marker);
 * - RSS, anonymous memory and descriptors once ready;
 * - the longest event-loop stall during start-up, from the broker's own `started` log line
 *   (perf_hooks.monitorEventLoopDelay over the whole start).
 *
 * Each partition gets one small record first, and one more before each kill -9; after every
 * restart from a kill the bench checks that each partition ends where those acknowledged records
 * put it, and stops with an error naming the partition if not.
 *
 *   npm run build:ts && npm run bench:scale-storage                  # 1,000 and 10,000 partitions
 *   npm run bench:scale-storage -- --partitions 1000 --runs 3
 *   npm run bench:scale-storage -- --cli /work/main/dist/src/cli/main.js   # another build
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Admin, Producer } from '../../src/client/index.js'
import { footprintOf } from './process-footprint.js'
import { DEFAULT_CLI, type ScaleBroker, startScaleBroker } from './scale-broker.js'

const { values } = parseArgs({
  options: {
    partitions: { type: 'string', multiple: true },
    runs: { type: 'string', default: '2' },
    cli: { type: 'string', default: DEFAULT_CLI },
  },
})
const counts = (values.partitions ?? ['1000', '10000']).map(Number)
const runs = Number(values.runs)
const cli = values.cli!
/** Topics of at most this many partitions (one CreateTopics each). */
const PER_TOPIC = 1000

interface Row {
  partitions: number
  kind: string
  startMs: number
  longestStallMs: number | null
  stopMs: number | null
  rssMiB: number
  anonMiB: number
  descriptors: number
}

function stallOf(broker: ScaleBroker): number | null {
  const match = /started partitions=\d+ ms=\d+ longestStallMs=(\d+)/.exec(broker.output())
  return match === null ? null : Number(match[1])
}

function rowOf(partitions: number, kind: string, broker: ScaleBroker, stopMs: number | null): Row {
  const footprint = footprintOf(broker.pid)
  return {
    partitions,
    kind,
    startMs: Math.round(broker.startMs),
    longestStallMs: stallOf(broker),
    stopMs: stopMs === null ? null : Math.round(stopMs),
    rssMiB: Math.round(footprint.rssBytes / 2 ** 20),
    anonMiB: Math.round(footprint.rssAnonBytes / 2 ** 20),
    descriptors: footprint.descriptors,
  }
}

function topicsFor(partitions: number): Array<{ name: string; partitions: number }> {
  const topics: Array<{ name: string; partitions: number }> = []
  for (let first = 0; first < partitions; first += PER_TOPIC) topics.push({ name: `scale-${first / PER_TOPIC}`, partitions: Math.min(PER_TOPIC, partitions - first) })
  return topics
}

async function createTopics(broker: ScaleBroker, partitions: number): Promise<void> {
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  for (const topic of topicsFor(partitions)) await admin.createTopic(topic, { timeoutMs: 600_000 })
  await admin.close()
}

/** One small record into every partition, acks=1. */
async function produceToAll(broker: ScaleBroker, partitions: number): Promise<void> {
  const producer = new Producer({ bootstrapServers: broker.bootstrap }, { acks: 1, lingerMs: 5, pool: null })
  for (const topic of topicsFor(partitions)) {
    await Promise.all(Array.from({ length: topic.partitions }, (_, partition) => producer.send(topic.name, [{ partition, value: 'x' }])))
  }
  await producer.close()
}

/** Every acknowledged record survived: each partition's log end is `expected`. */
async function checkEndOffsets(broker: ScaleBroker, partitions: number, expected: number): Promise<void> {
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  try {
    for (const topic of topicsFor(partitions)) {
      for (const p of await admin.listOffsets(topic.name)) {
        if (p.latest !== expected) throw new Error(`${topic.name}-${p.partition} ends at ${p.latest} after kill -9 and restart, not ${expected}: acknowledged records are missing`)
      }
    }
  } finally {
    admin.close()
  }
}

const rows: Row[] = []
for (const partitions of counts) {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-scale-'))
  try {
    let broker = await startScaleBroker({ dataDir, cli })
    await createTopics(broker, partitions)
    await produceToAll(broker, partitions)
    const filled = rowOf(partitions, 'created, filled → SIGTERM', broker, null)
    let stopMs = await broker.stop('SIGTERM')
    rows.push({ ...filled, startMs: NaN, longestStallMs: null, stopMs: Math.round(stopMs) })
    for (let run = 0; run < runs; run++) {
      broker = await startScaleBroker({ dataDir, cli })
      const clean = rowOf(partitions, 'clean start → SIGTERM', broker, null)
      stopMs = await broker.stop('SIGTERM')
      rows.push({ ...clean, stopMs: Math.round(stopMs) })
      broker = await startScaleBroker({ dataDir, cli })
      // Unflushed data for the recovery to scan: one more record in every partition.
      await produceToAll(broker, partitions)
      await broker.stop('SIGKILL')
      broker = await startScaleBroker({ dataDir, cli })
      rows.push(rowOf(partitions, 'start after kill -9', broker, null))
      // The first record, plus one per run so far, each acknowledged before a kill.
      await checkEndOffsets(broker, partitions, 2 + run)
      await broker.stop('SIGTERM')
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}
console.log(`broker: ${cli}`)
console.table(rows)
