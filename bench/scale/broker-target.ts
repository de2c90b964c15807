/**
 * A broker the scale bench measures, started and stopped as an operator would and timed from the
 * outside: Samsa (`samsa start`, the compiled CLI with the broker's Node flags) or Apache Kafka 3.9
 * (bench/kafka/kafka.sh, one KRaft broker). Both keep their data directory across restarts, so
 * "start to ready" can be measured on a broker that already holds thousands of partitions.
 *
 * Ready means what a client sees: Samsa's ready line (printed once every partition is loaded and
 * the listener is bound), Kafka's listener accepting connections (kafka.sh polls every 100 ms).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BROKER_NODE_FLAGS } from '../../src/broker/runtime-flags.js'

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const KAFKA_SH = fileURLToPath(new URL('../../../bench/kafka/kafka.sh', import.meta.url))
const SAMSA_READY = /broker \d+ ready on (\S+):(\d+)/
const KAFKA_READY = /ready on (\S+):(\d+) \(pid (\d+)/
const READY_TIMEOUT_MS = 300_000

export type BrokerKind = 'samsa' | 'kafka'

export class BrokerTarget {
  readonly kind: BrokerKind
  readonly dataDir: string
  readonly #port: number
  readonly #settings: Readonly<Record<string, string | number>>
  readonly #nodeArgs: readonly string[]
  #child: ChildProcess | null = null
  host = '127.0.0.1'
  port = 0
  /** The broker's own process (for Kafka, the JVM under kafka.sh). */
  pid = 0

  private constructor(kind: BrokerKind, port: number, settings: Readonly<Record<string, string | number>>, nodeArgs: readonly string[]) {
    this.kind = kind
    this.#port = port
    this.#settings = settings
    this.#nodeArgs = nodeArgs
    this.dataDir = mkdtempSync(join(tmpdir(), `samsa-bench-scale-${kind}-`))
  }

  /** `nodeArgs` go to Samsa's node (e.g. --cpu-prof); Kafka ignores them. */
  static create(kind: BrokerKind, port: number, settings: Readonly<Record<string, string | number>> = {}, nodeArgs: readonly string[] = []): BrokerTarget {
    return new BrokerTarget(kind, port, settings, nodeArgs)
  }

  get label(): string {
    return this.kind === 'samsa' ? 'Samsa' : 'Kafka 3.9'
  }

  /** Starts the broker on its data directory; resolves with milliseconds from spawn to ready. */
  async start(): Promise<number> {
    const started = performance.now()
    const child = this.kind === 'samsa'
      ? spawn(process.execPath, [
          ...BROKER_NODE_FLAGS, ...this.#nodeArgs, CLI, 'start', '--port', String(this.#port), '--http-port', '0', '--data-dir', this.dataDir, '--log-level', 'warn',
          ...Object.entries(this.#settings).flatMap(([key, value]) => ['--set', `${key}=${value}`]),
        ], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn('bash', [KAFKA_SH, '--port', String(this.#port), '--work', this.dataDir], { stdio: ['ignore', 'pipe', 'inherit'] })
    this.#child = child
    const pattern = this.kind === 'samsa' ? SAMSA_READY : KAFKA_READY
    await new Promise<void>((resolve, reject) => {
      let output = ''
      const timer = setTimeout(() => reject(new Error(`${this.label} was not ready within ${READY_TIMEOUT_MS / 1000} s: ${output}`)), READY_TIMEOUT_MS)
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        const match = pattern.exec(output)
        if (match === null) return
        clearTimeout(timer)
        this.host = match[1]!
        this.port = Number(match[2])
        this.pid = this.kind === 'samsa' ? child.pid! : Number(match[3])
        resolve()
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`${this.label} exited (${code}) before it was ready: ${output}`))
      })
    })
    return performance.now() - started
  }

  /** Resident memory of the broker process, MiB. */
  rssMiB(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8')
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024
  }

  /** Open file descriptors of the broker process (files, sockets, pipes). */
  descriptors(): number {
    return readdirSync(`/proc/${this.pid}/fd`).length
  }

  /** SIGTERM; resolves with milliseconds until the process (for Kafka: kafka.sh, after the JVM) exited. */
  async stop(): Promise<number> {
    const child = this.#child
    if (child === null || child.exitCode !== null || child.signalCode !== null) return 0
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const started = performance.now()
    child.kill('SIGTERM')
    await exited
    this.#child = null
    return performance.now() - started
  }

  /** Stops the broker if it runs and removes its data directory. */
  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.dataDir, { recursive: true, force: true })
  }
}
