/**
 * Kafka's own checkers against a three-broker cluster across a broker failure, as Kafka's system
 * tests use them (reliability-ecosystem.md §1.5): VerifiableProducer (kafka-tools 3.9.1) writes
 * increasing integers with acks=all and an idempotent producer to a topic of three partitions,
 * replication factor 3, and prints a JSON line for every acknowledged send; meanwhile the leader
 * of partition 0 gets kill -9 and is started again. Then VerifiableConsumer reads the topic from
 * the beginning in a consumer group and prints every record it got (--verbose).
 *
 * What it proves, with clients that are not ours: every value the producer saw acknowledged is
 * read back, at the partition and offset of its acknowledgement; no value is read at two
 * different offsets (what idempotence promises across the retries a failover causes); and the
 * consumer's own per-partition counts agree with the records it printed.
 *
 * The jars come from Maven Central through test/java/admin-tools/pom.xml, as for the admin tool
 * tests (`.ci/run` fetches them; if missing, beforeAll fetches them with mvn).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/broker-process.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { waitForFullIsr, waitForNewLeader } from '../helpers/partition-state.js'

const TOOLS = join(ROOT, 'test', 'java', 'admin-tools')
const JARS = join(TOOLS, 'target', 'dependency')
const TOPIC = 'verifiable'
const PARTITIONS = 3
const MESSAGES = 4000
/** Messages per second: slow enough that the kill and the restart fall inside the run. */
const THROUGHPUT = 200
const SESSION_TIMEOUT_MS = 3000

/** One of Kafka's Verifiable tools, running, with the JSON events it printed so far. */
interface VerifiableTool {
  readonly events: Array<Record<string, unknown>>
  readonly child: ChildProcess
  /** Resolves with the exit code once the tool has exited by itself. */
  readonly exited: Promise<number | null>
  stderr(): string
}

const running = new Set<ChildProcess>()
let cluster: TestCluster
let work: string

function startTool(mainClass: string, args: readonly string[]): VerifiableTool {
  const child = spawn('java', [`-Dlog4j.configuration=file:${join(TOOLS, 'log4j.properties')}`, '-cp', `${JARS}/*`, mainClass, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  const events: Array<Record<string, unknown>> = []
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000)
  })
  // The tools print one JSON object per line on stdout and nothing else there.
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) events.push(JSON.parse(line) as Record<string, unknown>)
  })
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child)
      resolve(code)
    })
  })
  return { events, child, exited, stderr: () => stderr }
}

/** Waits for the tool to exit by itself within `timeoutMs`; kills it and fails otherwise. */
async function exitOf(tool: VerifiableTool, what: string, timeoutMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      tool.child.kill('SIGKILL')
      reject(new Error(`${what} did not finish within ${timeoutMs} ms; ${tool.events.length} events; stderr:\n${tool.stderr()}\n${cluster.output()}`))
    }, timeoutMs)
  })
  try {
    return await Promise.race([tool.exited, late])
  } finally {
    clearTimeout(timer)
  }
}

beforeAll(async () => {
  if (!existsSync(join(JARS, 'kafka-tools-3.9.1.jar'))) {
    await promisify(execFile)('mvn', ['-q', '-B', '-f', join(TOOLS, 'pom.xml'), 'dependency:copy-dependencies'], { timeout: 280_000 })
  }
  work = mkdtempSync(join(tmpdir(), 'samsa-verifiable-'))
  cluster = await startCluster({
    brokers: 3,
    settings: { 'broker.session.timeout.ms': SESSION_TIMEOUT_MS, 'broker.heartbeat.interval.ms': 500, 'replica.lag.time.max.ms': 5000 },
  })
  const kafka = new Kafka({ clientId: 'verifiable-admin', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } })
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] })
  } finally {
    await admin.disconnect()
  }
  for (let p = 0; p < PARTITIONS; p++) await waitForFullIsr(cluster, TOPIC, 3, p)
}, 300_000)

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL')
  await cluster?.close()
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
})

/** value → where the producer saw it acknowledged. */
const acked = new Map<string, { partition: number; offset: number }>()

describe("Kafka's VerifiableProducer and VerifiableConsumer across kill -9 of a partition leader", { timeout: 180_000 }, () => {
  it('gets every send acknowledged while the leader of partition 0 is killed and restarted', async () => {
    const config = join(work, 'producer.properties')
    // Idempotence keeps retries after the failover from writing a value twice. The tool itself
    // sets retries=0, which the idempotent producer refuses, so the file sets them back to
    // unbounded; delivery.timeout.ms (120 s by default) outlasts the failover.
    writeFileSync(config, 'enable.idempotence=true\nretries=2147483647\nmax.in.flight.requests.per.connection=5\n')
    const producer = startTool('org.apache.kafka.tools.VerifiableProducer', [
      '--bootstrap-server', cluster.bootstrap, '--topic', TOPIC, '--acks', '-1',
      '--max-messages', String(MESSAGES), '--throughput', String(THROUGHPUT), '--producer.config', config,
    ])
    const successes = (): number => producer.events.filter((e) => e['name'] === 'producer_send_success').length

    // Fault once the producer is well under way, so acknowledged records precede and follow it.
    await cluster.waitUntil(() => successes() >= 400 || producer.child.exitCode !== null, 'the producer to get 400 acknowledgements', 60_000)
    expect(producer.child.exitCode, `VerifiableProducer exited early:\n${producer.stderr()}`).toBeNull()
    const { leader } = await waitForFullIsr(cluster, TOPIC, 3, 0)
    const atKill = successes()
    await cluster.kill(leader)
    await waitForNewLeader(cluster, TOPIC, leader, 0)
    const atRestart = successes()
    await cluster.restart(leader)
    await waitForFullIsr(cluster, TOPIC, 3, 0)

    expect(await exitOf(producer, 'VerifiableProducer', 120_000)).toBe(0)
    // The kill must have happened mid-run, or this proves nothing about failover.
    expect(atRestart).toBeLessThan(MESSAGES)

    for (const event of producer.events) {
      if (event['name'] === 'producer_send_success') acked.set(String(event['value']), { partition: Number(event['partition']), offset: Number(event['offset']) })
    }
    const errors = producer.events.filter((e) => e['name'] === 'producer_send_error')
    expect(errors.slice(0, 3)).toEqual([])
    expect(acked.size).toBe(MESSAGES)
    const partition0 = producer.events.filter((e) => e['name'] === 'producer_send_success' && e['partition'] === 0).map((e) => Number(e['timestamp']))
    const gap = partition0.slice(1).reduce((max, t, i) => Math.max(max, t - partition0[i]!), 0)
    console.info(`broker ${leader} (leader of partition 0) killed after ${atKill} acks, restarted after ${atRestart}; longest gap between partition 0 acks ${gap} ms`)
    // Every partition took writes, so the consumer below reads from all three.
    expect(new Set([...acked.values()].map((a) => a.partition)).size).toBe(PARTITIONS)
  })

  it('reads every acknowledged value back, at its acknowledged offset, none at two offsets', async () => {
    // Nothing to check against if the producer's run failed.
    expect(acked.size).toBe(MESSAGES)
    const consumer = startTool('org.apache.kafka.tools.VerifiableConsumer', [
      '--bootstrap-server', cluster.bootstrap, '--topic', TOPIC, '--group-id', 'verifiable-checker',
      '--reset-policy', 'earliest', '--max-messages', String(acked.size), '--verbose',
    ])
    expect(await exitOf(consumer, 'VerifiableConsumer', 90_000)).toBe(0)

    const offsetsOf = new Map<string, Set<string>>()
    for (const event of consumer.events) {
      if (event['name'] !== 'record_data') continue
      const value = String(event['value'])
      const at = `${String(event['partition'])}@${String(event['offset'])}`
      offsetsOf.set(value, (offsetsOf.get(value) ?? new Set()).add(at))
    }
    const lost = [...acked.keys()].filter((v) => !offsetsOf.has(v))
    const misplaced = [...acked].filter(([v, a]) => offsetsOf.has(v) && !offsetsOf.get(v)!.has(`${a.partition}@${a.offset}`)).map(([v]) => v)
    const duplicated = [...offsetsOf].filter(([, at]) => at.size > 1).map(([v]) => v)
    const unexpected = [...offsetsOf.keys()].filter((v) => !acked.has(v))
    expect({ lost: lost.slice(0, 10), misplaced: misplaced.slice(0, 10), duplicated: duplicated.slice(0, 10), unexpected: unexpected.slice(0, 10) }).toEqual({
      lost: [],
      misplaced: [],
      duplicated: [],
      unexpected: [],
    })

    // The consumer's own summaries count what it printed record by record.
    const counted = consumer.events
      .filter((e) => e['name'] === 'records_consumed')
      .reduce((sum, e) => sum + Number(e['count']), 0)
    const printed = consumer.events.filter((e) => e['name'] === 'record_data').length
    expect(counted).toBe(printed)
    expect(printed).toBe(acked.size)
  })
})
