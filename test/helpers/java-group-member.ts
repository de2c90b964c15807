/**
 * Test helper: members of a consumer group run by the Java client 4.x (kafka-clients 4.4.0, the
 * program test/java/kip848/src/GroupMember.java) with group.protocol=consumer (KIP-848) or
 * classic. Each member is its own JVM; what it prints (records with the time it received them,
 * assignment changes, commits) is parsed as it arrives, so tests wait for events, not for time.
 * GroupAdmin, beside it, is the Java Admin client's view of groups.
 * The jars come from Maven Central through test/java/kip848/pom.xml and are cached under its
 * target/, like test/helpers/java-client.ts does for the 3.9 client.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './broker-process.js'
import { trackProcess } from './leaks.js'
import { onLines } from './process-lines.js'

const DIR = join(ROOT, 'test', 'java', 'kip848')
const LIB = join(DIR, 'target', 'lib')
const CLASSES = join(DIR, 'target', 'classes')
const SOURCES = ['GroupMember', 'GroupAdmin', 'TxnMember']

export const missingJavaTools = ['java', 'javac', 'mvn'].filter((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).error !== undefined)

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { cwd: DIR, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`)
}

/** Fetches the jars (once) and compiles the program (when its source changed). */
export function prepareGroupMember(): void {
  const hasJars = existsSync(LIB) && readdirSync(LIB).some((name) => name.startsWith('kafka-clients-4'))
  if (!hasJars) run('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${LIB}`])
  for (const name of SOURCES) {
    const source = join(DIR, 'src', `${name}.java`)
    const compiled = join(CLASSES, `${name}.class`)
    if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs) run('javac', ['-d', CLASSES, '-cp', `${LIB}/*`, source])
  }
}

/** Runs `mainClass` of test/java/kip848 to its end; resolves with its exit code and tab-separated output lines. */
function runMain(mainClass: string, args: readonly string[]): Promise<{ code: number | null; lines: string[][]; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('java', ['-cp', `${CLASSES}:${LIB}/*`, mainClass, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    trackProcess(child, `Java ${mainClass}`)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.once('exit', (code) => resolve({ code, lines: stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t')), stderr }))
  })
}

/** Runs GroupAdmin (the Java Admin client's view of groups; a share consumer's error) and returns its tab-separated lines. */
export async function groupAdmin(...args: string[]): Promise<string[][]> {
  const { code, lines, stderr } = await runMain('GroupAdmin', args)
  if (code !== 0) throw new Error(`GroupAdmin ${args.join(' ')} exited with ${code}: ${stderr}`)
  return lines
}

/**
 * Runs TxnMember: a KIP-848 member that copies `records` records from `input` to `output` in
 * transactions, committing its offsets with its group metadata. Resolves with its exit code and
 * output lines (`committed n`, `done n`, or `ERROR ...`).
 */
export function txnMember(bootstrap: string, input: string, output: string, group: string, transactionalId: string, records: number): Promise<{ code: number | null; lines: string[][]; stderr: string }> {
  return runMain('TxnMember', [bootstrap, input, output, group, transactionalId, String(records)])
}

export interface ReceivedRecord {
  readonly partition: number
  readonly offset: number
  readonly value: string
  readonly atMs: number
  /** Whether a COMMITTED line followed it before the member ended. */
  committed: boolean
  /** Whether the commit after it failed (a classic rebalance under way): it may be delivered again. */
  commitFailed: boolean
}

export interface AssignmentChange {
  readonly kind: 'ASSIGNED' | 'REVOKED' | 'LOST'
  readonly atMs: number
  readonly partitions: readonly number[]
}

export class GroupMember {
  readonly name: string
  readonly records: ReceivedRecord[] = []
  readonly changes: AssignmentChange[] = []
  readonly errors: string[] = []
  readonly #child: ChildProcess
  readonly #exited: Promise<number | null>
  #stderr = ''
  #pendingSinceCommit: ReceivedRecord[] = []
  readonly #waiters = new Set<() => void>()

  /** `remoteAssignor`: the server-side assignor a consumer-protocol member asks for (group.remote.assignor). */
  constructor(name: string, bootstrap: string, group: string, topic: string, protocol: 'consumer' | 'classic', instanceId?: string, options: { remoteAssignor?: string; classicSessionTimeoutMs?: number } = {}) {
    this.name = name
    const args = ['-cp', `${CLASSES}:${LIB}/*`, 'GroupMember', bootstrap, group, topic, protocol]
    if (instanceId !== undefined) args.push(instanceId)
    const env = { ...process.env, SAMSA_GROUP_REMOTE_ASSIGNOR: options.remoteAssignor ?? '', SAMSA_GROUP_CLASSIC_SESSION_TIMEOUT_MS: String(options.classicSessionTimeoutMs ?? 6000) }
    this.#child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'], env })
    trackProcess(this.#child, `Java group member ${name}`)
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)))
    onLines(this.#child.stdout!, (line) => this.#onLine(line), () => {
      for (const wake of this.#waiters) wake()
    })
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()))
  }

  #onLine(line: string): void {
    const f = line.split('\t')
    switch (f[0]) {
      case 'REC': {
        const record = { partition: Number(f[1]), offset: Number(f[2]), value: f[3]!, atMs: Number(f[4]), committed: false, commitFailed: false }
        this.records.push(record)
        this.#pendingSinceCommit.push(record)
        break
      }
      case 'COMMITTED':
        for (const r of this.#pendingSinceCommit) r.committed = true
        this.#pendingSinceCommit = []
        break
      case 'COMMIT_FAILED':
        // They stay pending: the member commits again on its next poll.
        for (const r of this.#pendingSinceCommit) r.commitFailed = true
        break
      case 'ASSIGNED':
      case 'REVOKED':
      case 'LOST':
        this.changes.push({ kind: f[0], atMs: Number(f[1]), partitions: f[2] === '' || f[2] === undefined ? [] : f[2].split(',').map(Number) })
        break
      case 'ERROR':
        this.errors.push(f.slice(1).join(' '))
        break
    }
  }

  /** The partitions the member owns now, from its ASSIGNED/REVOKED/LOST lines. */
  get owned(): Set<number> {
    const owned = new Set<number>()
    for (const c of this.changes) for (const p of c.partitions) c.kind === 'ASSIGNED' ? owned.add(p) : owned.delete(p)
    return owned
  }

  /**
   * The longest time between `from` and `to` that the member went without a record of
   * `partition` (from `from` to its first record there, between records, from its last to `to`):
   * how long it did not consume a partition that kept receiving records.
   */
  longestGap(partition: number, from: number, to: number): number {
    let longest = 0
    let previous = from
    for (const r of this.records) {
      if (r.partition !== partition || r.atMs < from) continue
      if (r.atMs > to) break
      longest = Math.max(longest, r.atMs - previous)
      previous = r.atMs
    }
    return Math.max(longest, to - previous)
  }

  /** Resolves once `condition` holds, re-checked on every line; rejects after `timeoutMs`. */
  waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    return waitForAll([this], condition, what, timeoutMs)
  }

  addWaiter(wake: () => void): () => void {
    this.#waiters.add(wake)
    return () => this.#waiters.delete(wake)
  }

  /** Closes the consumer (it leaves the group) and waits for the JVM to exit. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    this.#child.stdin!.end('stop\n')
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 30_000)
    await this.#exited
    clearTimeout(timer)
  }

  /** SIGKILL: the member vanishes without leaving; the coordinator finds out by its session timeout. */
  async kill(): Promise<void> {
    this.#child.kill('SIGKILL')
    await this.#exited
  }

  get stderr(): string {
    return this.#stderr
  }
}

/** Resolves once `condition` holds, checked whenever any of `members` prints; rejects after `timeoutMs`. */
export function waitForAll(members: readonly GroupMember[], condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const unsubscribe: Array<() => void> = []
    const done = (error?: Error) => {
      clearTimeout(timer)
      clearInterval(poll)
      for (const u of unsubscribe) u()
      if (error === undefined) resolve()
      else reject(error)
    }
    const check = () => {
      if (condition()) done()
    }
    const timer = setTimeout(() => {
      const state = members.map((m) => `${m.name}: owns [${[...m.owned].join(',')}], ${m.records.length} records, errors ${JSON.stringify(m.errors)} ${m.stderr.slice(-500)}`)
      done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${state.join('\n')}`))
    }, timeoutMs)
    // Some conditions depend on time or on other processes, not only on printed lines.
    const poll = setInterval(check, 250)
    for (const m of members) unsubscribe.push(m.addWaiter(check))
    check()
  })
}
