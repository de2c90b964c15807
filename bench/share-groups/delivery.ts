/**
 * Share-group delivery throughput (KIP-932): records/s that N KafkaShareConsumers of the Java
 * client 4.4 (test/java/share/src/ShareConsumers.java, all in one JVM, explicit ACCEPT and
 * commitSync after each poll) take from ONE partition, each record accepted by one of them.
 * The clock runs from the first record received to the last one accepted; the records are
 * produced with kcat once the share-partition exists (share.auto.offset.reset is latest).
 *
 * Usage: npm run bench:share [-- --records 200000 --consumers 10 --rounds 3]
 * Needs java, javac, mvn and kcat (.ci/run installs them); build first (npm run build:ts).
 * The machine is shared and small; the figures are indicative.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startBroker } from '../group/broker.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const LIB = join(ROOT, 'test', 'java', 'kip848', 'target', 'lib')
const CLASSES = join(ROOT, 'test', 'java', 'share', 'target', 'classes')
const SOURCE = join(ROOT, 'test', 'java', 'share', 'src', 'ShareConsumers.java')

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    consumers: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
  },
})
const records = Number(values.records)
const consumerCount = Number(values.consumers)
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

function prepare(): void {
  const must = (command: string, args: string[], cwd: string) => {
    const result = spawnSync(command, args, { cwd, encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`)
  }
  if (!existsSync(LIB) || !readdirSync(LIB).some((n) => n.startsWith('kafka-clients-4'))) {
    must('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${LIB}`], join(ROOT, 'test', 'java', 'kip848'))
  }
  const compiled = join(CLASSES, 'ShareConsumers.class')
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(SOURCE).mtimeMs) {
    mkdirSync(CLASSES, { recursive: true })
    must('javac', ['-d', CLASSES, '-cp', `${LIB}/*`, SOURCE], ROOT)
  }
}

function produce(bootstrap: string, topic: string, count: number, tag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', bootstrap, '-P', '-t', topic, '-p', '0', '-X', 'linger.ms=5'], { stdio: ['pipe', 'ignore', 'inherit'] })
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited with ${code}`))))
    const lines: string[] = []
    for (let i = 0; i < count; i++) lines.push(`${tag}-${i}`)
    child.stdin!.end(lines.join('\n') + '\n')
  })
}

interface Round {
  seconds: number
  recordsPerSecond: number
  perConsumer: Map<string, number>
  redelivered: number
}

async function round(bootstrap: string, output: () => string, index: number): Promise<Round> {
  const topic = `share-bench-${index}`
  const group = `share-bench-group-${index}`
  spawnSync('kcat', ['-b', bootstrap, '-L', '-t', topic], { stdio: 'ignore' })
  const java: ChildProcess = spawn('java', ['-cp', `${CLASSES}:${LIB}/*`, 'ShareConsumers', bootstrap, group, topic, String(consumerCount), 'accept', 'b'], { stdio: ['pipe', 'pipe', 'inherit'] })
  const accepted = new Set<number>()
  const pending = new Map<string, number[]>()
  const perConsumer = new Map<string, number>()
  let ready = 0
  let redelivered = 0
  let first = 0
  let last = 0
  let buffered = ''
  let wake: () => void = () => undefined
  java.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop()!
    for (const line of lines) {
      const f = line.split('\t')
      if (f[0] === 'READY') ready++
      else if (f[0] === 'REC') {
        if (first === 0) first = performance.now()
        if (f[4] !== '1') redelivered++
        const list = pending.get(f[1]!) ?? []
        list.push(Number(f[2]))
        pending.set(f[1]!, list)
      } else if (f[0] === 'COMMITTED') {
        const list = pending.get(f[1]!) ?? []
        for (const offset of list) accepted.add(offset)
        perConsumer.set(f[1]!, (perConsumer.get(f[1]!) ?? 0) + list.length)
        pending.delete(f[1]!)
        last = performance.now()
      }
    }
    wake()
  })
  const until = (condition: () => boolean, what: string, timeoutMs = 600_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs)
      const poll = setInterval(() => wake(), 200)
      wake = () => {
        if (condition()) {
          clearTimeout(timer)
          clearInterval(poll)
          wake = () => undefined
          resolve()
        }
      }
      wake()
    })
  try {
    await until(() => ready === consumerCount && output().includes(`share-partition initialized group="${group}"`), 'consumers ready')
    await produce(bootstrap, topic, records, `r${index}`)
    await until(() => accepted.size >= records, `${records} records accepted`)
  } finally {
    java.stdin!.end()
    const killer = setTimeout(() => java.kill('SIGKILL'), 30_000)
    await new Promise((resolve) => java.once('exit', resolve))
    clearTimeout(killer)
  }
  const seconds = (last - first) / 1000
  return { seconds, recordsPerSecond: records / seconds, perConsumer, redelivered }
}

prepare()
const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-share-'))
const broker = await startBroker(dataDir, { 'num.partitions': 1 })
try {
  console.log(`# Share-group delivery: ${fmt(records)} records, ${consumerCount} Java share consumers on one partition (explicit ACCEPT, commitSync per poll)`)
  const results: Round[] = []
  for (let i = 0; i < Number(values.rounds); i++) {
    const result = await round(broker.bootstrap, () => broker.output(), i)
    results.push(result)
    const spread = [...result.perConsumer.values()].sort((a, b) => b - a)
    console.log(`  round ${i + 1}: ${fmt(result.recordsPerSecond)} records/s (${fmt(result.seconds, 2)} s); ${result.perConsumer.size} consumers got records (most ${fmt(spread[0] ?? 0)}, least ${fmt(spread[spread.length - 1] ?? 0)}); redelivered ${result.redelivered}`)
  }
  const rates = results.map((r) => r.recordsPerSecond).sort((a, b) => a - b)
  console.log(`  median ${fmt(rates[Math.floor(rates.length / 2)]!)} records/s`)
} finally {
  await broker.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
