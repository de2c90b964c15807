/**
 * Time from starting a broker to its first acknowledged produce, and the memory it takes, three
 * ways on the same machine in the same run:
 *
 * - in-process: `startBroker()` inside the process that produces (a fresh node process per run,
 *   so each start is cold). Reported: startBroker() → first ack, the import of samsa before it,
 *   and the process's RSS (node, samsa, the broker, the producing client) after the ack.
 * - child process: `samsa start --port 0` spawned, its ready line awaited, then the first produce
 *   from this process. Reported: spawn → first ack, and the broker process's RSS.
 * - Apache Kafka 3.9.1, KRaft, one node (broker and controller in one JVM), through
 *   bench/kafka/kafka.sh, which formats a fresh storage directory (two short JVM runs: a cluster
 *   id, then `kafka-storage format`) and starts Kafka with the JVM settings of Kafka's own
 *   kafka-server-start.sh (1 GiB heap). Reported: spawn of kafka.sh → first ack, and the broker
 *   JVM's RSS.
 *
 * Every produce is the same: Samsa's lean producer, acks=all, one record to a topic that does
 * not exist yet (the broker auto-creates it; the producer retries while its leader is elected).
 *
 *   npm run bench:startup                    # 5 runs each for Samsa, 3 for Kafka
 *   npm run bench:startup -- --runs 10 --kafka-runs 0
 *
 * Needs `npm run build:ts`; for Kafka, java (and mvn on first use, see bench/kafka/kafka.sh).
 * Results: a table on stdout and JSON in bench/results/startup-<time>.json.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Producer } from '../../src/client/index.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const distDir = fileURLToPath(new URL('.', import.meta.url))

interface Sample {
  readonly toFirstAckMs: number
  readonly rssBytes: number
  readonly startMs?: number
  readonly importMs?: number
}

/** Sends one record with acks=all and resolves once it is acknowledged. */
async function firstProduce(bootstrapServers: string): Promise<void> {
  const producer = new Producer({ bootstrapServers }, { acks: -1, lingerMs: 0, pool: null, retries: 100, retryBackoffMs: 20 })
  try {
    await producer.send('startup', [{ value: 'first' }])
  } finally {
    await producer.close()
  }
}

/** The resident set of a process, from /proc (Linux). */
function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(match[1]) * 1024
}

/** Resolves with the first stdout line of `child` that matches `pattern`; rejects if it exits first. */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000)
    })
    const onExit = (code: number | null): void => reject(new Error(`${what} exited (${code}) before it was ready:\n${stderr}`))
    child.once('exit', onExit)
    lines.on('line', (line) => {
      const match = pattern.exec(line)
      if (match === null) return
      child.off('exit', onExit)
      lines.close()
      resolve(match)
    })
  })
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill(signal)
  })
}

async function inProcess(): Promise<Sample> {
  const child = spawn(process.execPath, [join(distDir, 'in-process-start.js')], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await waitForLine(child, /^\{.*\}$/, 'the in-process run')
  await new Promise((resolve) => child.once('exit', resolve))
  return JSON.parse(line!) as Sample
}

async function childProcess(): Promise<Sample> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-startup-'))
  const started = performance.now()
  const child = spawn(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), 'start', '--port', '0', '--http-port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SAMSA_HTTP_PORT: '0' },
  })
  try {
    const ready = await waitForLine(child, /ready on (\S+):(\d+)/, 'samsa start')
    await firstProduce(`${ready[1]}:${ready[2]}`)
    const toFirstAckMs = performance.now() - started
    return { toFirstAckMs, rssBytes: rssOf(child.pid!) }
  } finally {
    await stop(child, 'SIGTERM')
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function kafka(port: number): Promise<Sample> {
  const started = performance.now()
  // detached: kafka.sh and its JVMs form one process group, stopped together.
  const script = spawn('bash', [join(root, 'bench', 'kafka', 'kafka.sh'), '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  try {
    const ready = await waitForLine(script, /ready on 127\.0\.0\.1:\d+ \(pid (\d+)/, 'bench/kafka/kafka.sh')
    await firstProduce(`127.0.0.1:${port}`)
    const toFirstAckMs = performance.now() - started
    return { toFirstAckMs, rssBytes: rssOf(Number(ready[1])) }
  } finally {
    // SIGTERM to kafka.sh: its trap stops Kafka and removes the data directory.
    await stop(script, 'SIGTERM')
  }
}

function summary(samples: readonly Sample[], pick: (s: Sample) => number | undefined): { median: number; min: number; max: number } | null {
  const values = samples.map(pick).filter((v): v is number => v !== undefined).sort((a, b) => a - b)
  if (values.length === 0) return null
  return { median: values[Math.floor(values.length / 2)]!, min: values[0]!, max: values.at(-1)! }
}

const ms = (s: ReturnType<typeof summary>): string => (s === null ? '-' : `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}-${s.max.toFixed(0)})`)
const mib = (s: ReturnType<typeof summary>): string => (s === null ? '-' : `${(s.median / 2 ** 20).toFixed(0)} MiB (${(s.min / 2 ** 20).toFixed(0)}-${(s.max / 2 ** 20).toFixed(0)})`)

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, 'kafka-runs': { type: 'string', default: '3' }, 'kafka-port': { type: 'string', default: '29592' } } })
const runs = Number(values.runs)
const kafkaRuns = Number(values['kafka-runs'])
const results: Record<string, Sample[]> = { 'in-process': [], 'child process': [], 'Apache Kafka 3.9.1': [] }
for (let i = 0; i < runs; i++) {
  results['in-process']!.push(await inProcess())
  results['child process']!.push(await childProcess())
}
for (let i = 0; i < kafkaRuns; i++) results['Apache Kafka 3.9.1']!.push(await kafka(Number(values['kafka-port'])))

console.log('start → first acknowledged produce (median, min-max), memory (RSS, median, min-max)')
for (const [name, samples] of Object.entries(results)) {
  if (samples.length === 0) continue
  console.log(`  ${name.padEnd(20)} ${ms(summary(samples, (s) => s.toFirstAckMs)).padEnd(24)} ${mib(summary(samples, (s) => s.rssBytes))}   (${samples.length} runs)`)
}
const inProc = results['in-process']!
if (inProc.length > 0) {
  console.log(`  in-process detail:   startBroker() ${ms(summary(inProc, (s) => s.startMs))}; import of samsa before it ${ms(summary(inProc, (s) => s.importMs))}; node before import ${mib(summary(inProc, (s) => (s as { rssBeforeImportBytes?: number }).rssBeforeImportBytes))}`)
}
const out = join(root, 'bench', 'results')
mkdirSync(out, { recursive: true })
const file = join(out, `startup-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
writeFileSync(file, JSON.stringify({ runs: results, node: process.version }, null, 2))
console.log(`results: ${file}`)
