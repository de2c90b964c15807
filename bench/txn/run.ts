/**
 * bench:txn — what transactions cost, measured with the Java client 3.9.1 against Samsa and
 * against Apache Kafka 3.9.1 on the same machine in the same run (bench/kafka/kafka.sh):
 *
 * - produce: the same records (default 200,000 of 100 bytes, acks=all) without transactions and
 *   in transactions of 1,000 records each, committed; records/s of each and their ratio, per
 *   broker, and Samsa's figure against Kafka's;
 * - fetch: the transactional topic read from the beginning with read_committed and with
 *   read_uncommitted, alternating, in one warmed-up JVM (records/s; the target is within 10 %
 *   of each other).
 *
 * Rounds alternate the brokers and the modes so that drift in the machine's load falls on all
 * of them alike; the median of the rounds is reported, with the load average before and after.
 *
 *   npm run build:ts && npm run bench:txn -- [--records N] [--rounds N] [--fetch-passes N] [--partitions N] [--no-kafka]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { BrokerUnderTest } from '../broker/broker-under-test.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const KAFKA_DIR = join(ROOT, 'bench', 'kafka')
const LIB = join(KAFKA_DIR, 'target', 'lib')
const SOURCE = join(ROOT, 'bench', 'txn', 'TxnBench.java')
const CLASSES = join(ROOT, 'bench', 'txn', 'target', 'classes')
const KAFKA_PORT = 29392

const { values: options } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    'records-per-txn': { type: 'string', default: '1000' },
    'record-bytes': { type: 'string', default: '100' },
    partitions: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    'fetch-passes': { type: 'string', default: '3' },
    'no-kafka': { type: 'boolean', default: false },
  },
})
const RECORDS = Number(options.records)
const PER_TXN = Number(options['records-per-txn'])
const RECORD_BYTES = Number(options['record-bytes'])
const PARTITIONS = Number(options.partitions)
const ROUNDS = Number(options.rounds)
const FETCH_PASSES = Number(options['fetch-passes'])

/** Kafka's jars (bench/kafka fetches them; they include kafka-clients) and TxnBench compiled against them. */
function prepare(): void {
  if (!existsSync(join(LIB, '.complete'))) {
    const fetched = spawnSync('mvn', ['-q', '-B', '-f', join(KAFKA_DIR, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${LIB}`], { stdio: 'inherit' })
    if (fetched.status !== 0) throw new Error('could not fetch Kafka\'s jars with mvn')
    spawnSync('touch', [join(LIB, '.complete')])
  }
  const compiled = join(CLASSES, 'TxnBench.class')
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(SOURCE).mtimeMs) {
    mkdirSync(CLASSES, { recursive: true })
    const javac = spawnSync('javac', ['-d', CLASSES, '-cp', `${LIB}/*`, SOURCE], { stdio: 'inherit' })
    if (javac.status !== 0) throw new Error('javac TxnBench.java failed')
  }
}

/** Runs TxnBench and returns its result lines' fields. */
function runBench(args: readonly string[]): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-Xmx512m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', `${CLASSES}:${LIB}/*`, 'TxnBench', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('exit', (code) => {
      const lines = stdout.split('\n').filter((l) => l.startsWith('produce\t') || l.startsWith('consume\t')).map((l) => l.split('\t'))
      if (code !== 0 || (args[0] !== 'create' && lines.length === 0)) reject(new Error(`TxnBench ${args.join(' ')} exited with ${code}:\n${stderr.slice(-3000)}`))
      else resolve(lines)
    })
  })
}

/** Apache Kafka through bench/kafka/kafka.sh, once it listens. */
async function startKafka(): Promise<ChildProcess> {
  const child = spawn('bash', [join(KAFKA_DIR, 'kafka.sh'), '--port', String(KAFKA_PORT)], { stdio: ['ignore', 'pipe', 'inherit'], detached: true })
  await new Promise<void>((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('ready on')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`kafka.sh exited (${code}) before Kafka was ready:\n${output}`)))
  })
  return child
}

async function stopKafka(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
const perSecond = (records: number, ms: number): number => (records * 1000) / Math.max(1, ms)
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

async function main(): Promise<void> {
  prepare()
  const load = loadavg()
  const samsa = await BrokerUnderTest.start({ settings: { 'num.partitions': PARTITIONS, 'auto.create.topics.enable': 'false' } })
  const kafka = options['no-kafka'] ? null : await startKafka()
  const targets: Array<{ name: string; bootstrap: string }> = [{ name: 'samsa', bootstrap: `${samsa.host}:${samsa.port}` }]
  if (kafka !== null) targets.push({ name: 'kafka', bootstrap: `127.0.0.1:${KAFKA_PORT}` })
  const produced = new Map<string, number[]>()
  const consumed = new Map<string, number[]>()
  const note = (map: Map<string, number[]>, key: string, value: number): void => {
    map.set(key, [...(map.get(key) ?? []), value])
  }
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of targets) {
        // Alternate which mode goes first, so neither always runs on a warmer broker.
        const modes = round % 2 === 0 ? ['plain', 'transactional'] : ['transactional', 'plain']
        for (const mode of modes) {
          const topic = `${mode}-${round}`
          await runBench(['create', target.bootstrap, topic, String(PARTITIONS)])
          const [[, , records, ms]] = (await runBench(['produce', target.bootstrap, topic, mode, String(RECORDS), String(PER_TXN), String(RECORD_BYTES)])) as [string[]]
          note(produced, `${target.name} ${mode}`, perSecond(Number(records), Number(ms)))
          console.log(`round ${round + 1}: ${target.name} ${mode} produce ${fmt(perSecond(Number(records), Number(ms)))} records/s`)
        }
        for (const [, isolation, records, ms] of await runBench(['consume', target.bootstrap, `transactional-${round}`, String(RECORDS), String(FETCH_PASSES)])) {
          note(consumed, `${target.name} ${isolation}`, perSecond(Number(records), Number(ms)))
          console.log(`round ${round + 1}: ${target.name} ${isolation} fetch ${fmt(perSecond(Number(records), Number(ms)))} records/s`)
        }
      }
    }
  } finally {
    await samsa.stop()
    if (kafka !== null) await stopKafka(kafka)
  }

  console.log(`\nbench:txn: ${RECORDS.toLocaleString('en-US')} records of ${RECORD_BYTES} bytes, acks=all, ${PARTITIONS} partitions, ${PER_TXN} records per transaction, Java client 3.9.1, median of ${ROUNDS} rounds (fetch: of ${ROUNDS * FETCH_PASSES} passes)`)
  console.log(`load average before: ${load.map((l) => l.toFixed(2)).join(' ')}, after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  for (const target of targets) {
    const plain = median(produced.get(`${target.name} plain`)!)
    const txn = median(produced.get(`${target.name} transactional`)!)
    const uncommitted = median(consumed.get(`${target.name} read_uncommitted`)!)
    const committed = median(consumed.get(`${target.name} read_committed`)!)
    console.log(`${target.name.padEnd(6)} produce plain ${fmt(plain).padStart(9)} records/s, transactional ${fmt(txn).padStart(9)} records/s: transactional/plain ${(txn / plain).toFixed(2)}`)
    console.log(`${target.name.padEnd(6)} fetch read_uncommitted ${fmt(uncommitted).padStart(9)} records/s, read_committed ${fmt(committed).padStart(9)} records/s: read_committed/read_uncommitted ${(committed / uncommitted).toFixed(2)}`)
  }
  if (targets.length === 2) {
    for (const mode of ['plain', 'transactional']) {
      const ratio = median(produced.get(`samsa ${mode}`)!) / median(produced.get(`kafka ${mode}`)!)
      console.log(`samsa/kafka produce ${mode}: ${ratio.toFixed(2)}`)
    }
    for (const isolation of ['read_uncommitted', 'read_committed']) {
      const ratio = median(consumed.get(`samsa ${isolation}`)!) / median(consumed.get(`kafka ${isolation}`)!)
      console.log(`samsa/kafka fetch ${isolation}: ${ratio.toFixed(2)}`)
    }
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
