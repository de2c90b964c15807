/**
 * Test helper: share-group consumers (KIP-932) of the Java client 4.x, run by
 * test/java/share/src/ShareConsumers.java: several KafkaShareConsumers in one JVM, each
 * acknowledging explicitly as told (accept, reject-odd, release, hold). What they print is parsed
 * as it arrives, so tests wait for events, not for time. The jars are kafka-clients 4.4.0 from
 * Maven Central through test/java/kip848/pom.xml (shared with the KIP-848 tests, fetched once).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './broker-process.js'
import { trackProcess } from './leaks.js'
import { onLines } from './process-lines.js'

const POM_DIR = join(ROOT, 'test', 'java', 'kip848')
const LIB = join(POM_DIR, 'target', 'lib')
const DIR = join(ROOT, 'test', 'java', 'share')
const CLASSES = join(DIR, 'target', 'classes')
const SOURCE = join(DIR, 'src', 'ShareConsumers.java')

export const missingJavaTools = ['java', 'javac', 'mvn'].filter((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).error !== undefined)

function run(command: string, args: readonly string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`)
}

const TOOLS = join(DIR, 'target', 'tools')

/** Fetches the jars (once) and compiles the program (when its source changed). */
export function prepareShareConsumers(): void {
  if (!existsSync(TOOLS) || !readdirSync(TOOLS).some((name) => name.startsWith('kafka-tools-4'))) {
    run('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${TOOLS}`], DIR)
  }
  const hasJars = existsSync(LIB) && readdirSync(LIB).some((name) => name.startsWith('kafka-clients-4'))
  if (!hasJars) run('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${LIB}`], POM_DIR)
  const compiled = join(CLASSES, 'ShareConsumers.class')
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(SOURCE).mtimeMs) {
    mkdirSync(CLASSES, { recursive: true })
    run('javac', ['-d', CLASSES, '-cp', `${LIB}/*`, SOURCE], DIR)
  }
}

/** Runs Kafka 4.1's kafka-share-groups (ShareGroupCommand) and returns its exit code and output. */
export function kafkaShareGroups(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-cp', `${TOOLS}/*`, 'org.apache.kafka.tools.consumer.group.ShareGroupCommand', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    trackProcess(child, 'kafka-share-groups')
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

export type Behaviour = 'accept' | 'reject-odd' | 'release' | 'hold'

export interface Delivery {
  readonly consumer: string
  readonly offset: number
  readonly value: string
  readonly deliveryCount: number
  readonly ack: string
  readonly atMs: number
  /** Whether the commitSync after it succeeded. */
  committed: boolean
}

/** One JVM of `count` share consumers of one group and topic. */
export class ShareConsumers {
  readonly deliveries: Delivery[] = []
  readonly ready = new Set<string>()
  readonly errors: string[] = []
  readonly #child: ChildProcess
  readonly #exited: Promise<number | null>
  readonly #pending = new Map<string, Delivery[]>()
  readonly #waiters = new Set<() => void>()
  #stderr = ''

  constructor(bootstrap: string, group: string, topic: string, count: number, behaviour: Behaviour, prefix = 'c') {
    this.#child = spawn('java', ['-cp', `${CLASSES}:${LIB}/*`, 'ShareConsumers', bootstrap, group, topic, String(count), behaviour, prefix], { stdio: ['pipe', 'pipe', 'pipe'] })
    trackProcess(this.#child, `Java share consumers ${prefix}*`)
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)))
    onLines(this.#child.stdout!, (line) => this.#onLine(line), () => {
      for (const wake of this.#waiters) wake()
    })
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()))
  }

  #onLine(line: string): void {
    const f = line.split('\t')
    switch (f[0]) {
      case 'READY':
        this.ready.add(f[1]!)
        break
      case 'REC': {
        const delivery = { consumer: f[1]!, offset: Number(f[2]), value: f[3]!, deliveryCount: Number(f[4]), ack: f[5]!, atMs: Date.now(), committed: false }
        this.deliveries.push(delivery)
        const pending = this.#pending.get(delivery.consumer) ?? []
        pending.push(delivery)
        this.#pending.set(delivery.consumer, pending)
        break
      }
      case 'COMMITTED':
        for (const d of this.#pending.get(f[1]!) ?? []) d.committed = true
        this.#pending.delete(f[1]!)
        break
      case 'COMMIT_FAILED':
        this.#pending.delete(f[1]!)
        this.errors.push(f.slice(1).join(' '))
        break
      case 'ERROR':
        this.errors.push(f.slice(1).join(' '))
        break
    }
  }

  /** Resolves once `condition` holds, re-checked on every line and every 250 ms; rejects after `timeoutMs`. */
  waitFor(condition: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer)
        clearInterval(poll)
        this.#waiters.delete(check)
        if (error === undefined) resolve()
        else reject(error)
      }
      const check = () => {
        if (condition()) done()
      }
      const timer = setTimeout(
        () => done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${this.deliveries.length} deliveries, errors ${JSON.stringify(this.errors)}\n${this.#stderr.slice(-1500)}`)),
        timeoutMs,
      )
      const poll = setInterval(check, 250)
      this.#waiters.add(check)
      check()
    })
  }

  /** Closes the consumers (they leave the group) and waits for the JVM to exit. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    this.#child.stdin!.end()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 30_000)
    await this.#exited
    clearTimeout(timer)
  }

  /** SIGKILL: the consumers vanish holding what they acquired. */
  async kill(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    this.#child.kill('SIGKILL')
    await this.#exited
  }
}
