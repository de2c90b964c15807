/**
 * Runs the real broker as a child process (`node dist/src/cli/main.js start`), the way a user
 * runs it, on a free port with its own data directory. Integration tests use it to test with
 * real sockets, real clients and real signals. It runs the compiled output: `npm test` builds
 * first; when running one file by hand, run `npm run build:ts` before.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'
import { reportLeak, trackProcess } from './leaks.js'
import { freePort } from './free-ports.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js')

/** Matches the broker's one ready line and captures the address. */
const READY = /broker (\d+) ready on (\S+):(\d+)/

export interface BrokerOptions {
  /** Reuse a data directory (for restarts); a fresh temporary one by default. */
  readonly dataDir?: string
  /** Extra `--set key=value` settings. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>
  /** Fixed port; 0 (a free port) by default. A restart reuses the previous port. */
  readonly port?: number
  readonly env?: Readonly<Record<string, string>>
  /** etcd client URLs (`--etcd`): the broker joins that cluster. None: a cluster of one. */
  readonly etcd?: string | readonly string[]
  /** `--node-id`; 1 by default, as in the broker. */
  readonly nodeId?: number
  /** How long to wait for the ready line; 30 s by default (a cluster member registers in etcd first). */
  readonly readyTimeoutMs?: number
  /**
   * `--http-port`: serve the HTTP gateway there (test/helpers/free-ports.ts finds one). 0 (off) by
   * default: every broker would otherwise bind 8082. A restart reuses the previous port.
   */
  readonly httpPort?: number
  /**
   * RLIMIT_NOFILE for the broker, soft and hard, or `{ soft, hard }`: it is spawned through
   * prlimit, which execs node, so the child's pid is the broker's.
   */
  readonly openFileLimit?: number | { readonly soft: number; readonly hard: number }
  /** `--log-level` (info by default); debug shows, for example, TLS client principals. */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error'
}

export interface BrokerProcess {
  /** The node id the ready line announced. */
  readonly nodeId: number
  readonly host: string
  readonly port: number
  /** `host:port`, for kcat and kafkajs. */
  readonly bootstrap: string
  /** The HTTP gateway's base URL (http://host:port/) from the ready line, or null when it is off. */
  readonly httpUrl: string | null
  /** Every listener's `host:port` by name, from the ready line (only the first when it lists none). */
  readonly listeners: Readonly<Record<string, string>>
  readonly dataDir: string
  readonly child: ChildProcess
  /** stdout and stderr so far, for assertion messages. */
  output(): string
  /** Sends SIGTERM (or the given signal) and resolves with the exit code once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
  /** SIGKILL: no shutdown work at all. */
  kill(): Promise<void>
  /** Starts a new broker process on the same data directory, port, node id and etcd. */
  restart(options?: Omit<BrokerOptions, 'dataDir' | 'port'>): Promise<BrokerProcess>
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Data directories made here, with the broker processes that used them (restarts included). */
const madeDataDirs = new Map<string, ChildProcess[]>()

/** Brokers a test asked to stop (stop, kill): still running at the end, they are only slow. */
const stopRequested = new WeakSet<ChildProcess>()

// Once a test file is done (after its own afterAll hooks, which run first and stop its brokers),
// each directory made here is removed when every broker that used it has exited. A broker never
// asked to stop is a leak: it is killed and reported (test/helpers/leaks.ts fails the file); one
// asked to stop gets 10 s before it is killed and reported too. Without the removal, every run of
// the suite left a few hundred megabytes of segments in the temporary directory.
afterAll(async () => {
  for (const [dir, children] of madeDataDirs) {
    for (const child of children) await exitOf(child, stopRequested.has(child) ? 10_000 : 0)
    rmSync(dir, { recursive: true, force: true })
  }
  madeDataDirs.clear()
})

async function exitOf(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const timer = setTimeout(() => {
    reportLeak(
      graceMs === 0
        ? `broker process ${child.pid} never stopped (killed at the end of the file)`
        : `broker process ${child.pid} still running ${graceMs} ms after it was asked to stop (killed)`,
    )
    child.kill('SIGKILL')
  }, graceMs)
  await exited
  clearTimeout(timer)
}

/** Settings that make tests fast without changing behaviour under test. */
const testDefaults: Record<string, string> = {
  'group.initial.rebalance.delay.ms': '0',
  'offsets.topic.num.partitions': '5',
}

export async function startBroker(options: BrokerOptions = {}): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'samsa-it-'))
  if (options.dataDir === undefined) madeDataDirs.set(dataDir, [])
  const settings = { ...testDefaults, ...Object.fromEntries(Object.entries(options.settings ?? {}).map(([k, v]) => [k, String(v)])) }
  const args = [CLI, 'start', '--port', String(options.port ?? 0), '--http-port', String(options.httpPort ?? 0), '--data-dir', dataDir]
  if (options.nodeId !== undefined) args.push('--node-id', String(options.nodeId))
  if (options.logLevel !== undefined) args.push('--log-level', options.logLevel)
  if (options.etcd !== undefined) args.push('--etcd', typeof options.etcd === 'string' ? options.etcd : options.etcd.join(','))
  for (const [key, value] of Object.entries(settings)) args.push('--set', `${key}=${value}`)
  const limit = typeof options.openFileLimit === 'number' ? { soft: options.openFileLimit, hard: options.openFileLimit } : options.openFileLimit
  const [command, commandArgs] = limit === undefined
    ? [process.execPath, args]
    : ['prlimit', [`--nofile=${limit.soft}:${limit.hard}`, process.execPath, ...args]]
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  trackProcess(child, `broker process on ${dataDir}`)
  madeDataDirs.get(dataDir)?.push(child)
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    running.delete(child)
    resolve(code)
  }))

  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000
  const address = await new Promise<{ nodeId: number; host: string; port: number; httpUrl: string | null; listeners: Record<string, string> }>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A broker that never became ready is of no use to the caller, who has no handle to stop it.
      child.kill('SIGKILL')
      reject(new Error(`broker did not become ready within ${readyTimeoutMs} ms:\n${output}`))
    }, readyTimeoutMs)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = READY.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        const line = match.input.slice(match.index).split('\n')[0]!
        const http = /on (https?:\/\/\S+\/)/.exec(line)
        const listed = /; listeners (\S+)/.exec(line)?.[1]?.split(',') ?? []
        const listeners = Object.fromEntries(listed.map((entry) => [entry.slice(0, entry.indexOf('://')), entry.slice(entry.indexOf('://') + 3)]))
        resolve({ nodeId: Number(match[1]), host: match[2]!, port: Number(match[3]), httpUrl: http?.[1] ?? null, listeners })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString() })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`broker exited with code ${code} before it was ready:\n${output}`))
    })
  })

  const broker: BrokerProcess = {
    nodeId: address.nodeId,
    host: address.host,
    port: address.port,
    bootstrap: `${address.host}:${address.port}`,
    httpUrl: address.httpUrl,
    listeners: address.listeners,
    dataDir,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      stopRequested.add(child)
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
    async kill() {
      stopRequested.add(child)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
    restart(more = {}) {
      return startBroker({
        ...options,
        ...more,
        settings: { ...options.settings, ...more.settings },
        env: { ...options.env, ...more.env },
        dataDir,
        port: address.port,
        ...(address.httpUrl !== null && { httpPort: Number(new URL(address.httpUrl).port) }),
      })
    },
  }
  return broker
}

/**
 * A broker process serving the HTTP gateway on a free port. The port is free when chosen, but a
 * server another test file starts at the same moment may bind it first; the broker then refuses
 * to start ("Cannot serve HTTP ... in use") and another port is tried.
 */
export async function startBrokerWithGateway(options: Omit<BrokerOptions, 'httpPort'> = {}): Promise<BrokerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBroker({ ...options, httpPort: await freePort() })
    } catch (error) {
      if (attempt >= 5 || !String(error).includes('Cannot serve HTTP')) throw error
    }
  }
}
