/**
 * Runs a real etcd (Debian's etcd-server, `etcd` on the PATH) for cluster-mode tests: one member,
 * or three for quorum tests, on free loopback ports with temporary data directories.
 *
 * - Ready means healthy: start() polls each member's /health until it answers {"health":"true"}
 *   (which needs a Raft leader), never a fixed sleep.
 * - Faults: kill(i) (SIGKILL), stop(i) / cont(i) (SIGSTOP / SIGCONT, a paused member), and
 *   restart(i) (same name, ports and data directory, so it rejoins as itself).
 * - Cleanup: every process started here is killed and every directory removed after the test
 *   file (afterAll), and the processes are killed on process exit too, even when a test failed.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { EtcdConnection } from '../../src/cluster/etcd-connection.js'
import { freePort } from './free-ports.js'
import { killAndWait } from './leaks.js'

export interface EtcdMember {
  readonly name: string
  readonly clientUrl: string
  readonly peerUrl: string
  readonly dataDir: string
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[]
  /** Client URLs of every member, for EtcdConnection's `endpoints`. */
  readonly endpoints: string[]
  /** SIGKILL one member and wait for it to exit. */
  kill(member: number): Promise<void>
  /** SIGSTOP: the member stays connected but answers nothing. */
  stop(member: number): void
  /** SIGCONT after stop(). */
  cont(member: number): void
  /** Starts a killed member again on its data directory and waits until it is healthy. */
  restart(member: number): Promise<void>
  /** Index of the member that is the Raft leader now (asks the members that answer). */
  leader(): Promise<number>
  /** Waits until `member` answers /health with true. */
  waitHealthy(member: number, timeoutMs?: number): Promise<void>
  /** Everything the members printed, for assertion messages. */
  output(): string
  /** Kills every member and removes the data directories (also done after the file). */
  close(): Promise<void>
}

const live = new Set<ChildProcess>()
const dirs = new Set<string>()

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

afterAll(async () => {
  await Promise.all([...live].map((child) => killAndWait(child)))
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  dirs.clear()
})

export async function startEtcd(options: { readonly members?: 1 | 3; readonly extraArgs?: readonly string[] } = {}): Promise<EtcdCluster> {
  const count = options.members ?? 1
  const token = `samsa-test-${process.pid}-${Date.now()}`
  const members: EtcdMember[] = []
  for (let i = 0; i < count; i++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()]
    const dataDir = mkdtempSync(join(tmpdir(), 'samsa-etcd-'))
    dirs.add(dataDir)
    members.push({ name: `m${i}`, clientUrl: `http://127.0.0.1:${clientPort}`, peerUrl: `http://127.0.0.1:${peerPort}`, dataDir })
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',')
  const children: Array<ChildProcess | undefined> = []
  let output = ''

  const launch = (i: number): void => {
    const m = members[i]!
    const args = [
      '--name', m.name, '--data-dir', m.dataDir,
      '--listen-client-urls', m.clientUrl, '--advertise-client-urls', m.clientUrl,
      '--listen-peer-urls', m.peerUrl, '--initial-advertise-peer-urls', m.peerUrl,
      '--initial-cluster', initialCluster, '--initial-cluster-token', token, '--initial-cluster-state', 'new',
      ...(options.extraArgs ?? []),
    ]
    const child = spawn('etcd', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (chunk: Buffer): void => {
      // Keep the tail only: etcd is chatty and a long test would otherwise grow this without bound.
      output = (output + `[${m.name}] ` + chunk.toString()).slice(-64 * 1024)
    }
    child.stdout!.on('data', keep)
    child.stderr!.on('data', keep)
    child.once('error', (error) => keep(Buffer.from(`spawn failed: ${error.message} (is etcd-server installed?)\n`)))
    live.add(child)
    child.once('exit', () => live.delete(child))
    children[i] = child
  }

  const waitHealthy = async (i: number, timeoutMs = 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const child = children[i]
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`etcd member ${members[i]!.name} is not running:\n${output}`)
      }
      try {
        const response = await fetch(`${members[i]!.clientUrl}/health`, { signal: AbortSignal.timeout(1000) })
        const body = (await response.json()) as { health?: string }
        if (body.health === 'true') return
      } catch {
        // Not listening yet, or no leader yet: poll again.
      }
      if (Date.now() > deadline) throw new Error(`etcd member ${members[i]!.name} not healthy within ${timeoutMs} ms:\n${output}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  for (let i = 0; i < count; i++) launch(i)
  await Promise.all(members.map((_, i) => waitHealthy(i)))

  return {
    members,
    endpoints: members.map((m) => m.clientUrl),
    async kill(i) {
      const child = children[i]
      if (child !== undefined) await killAndWait(child)
    },
    stop(i) {
      children[i]?.kill('SIGSTOP')
    },
    cont(i) {
      children[i]?.kill('SIGCONT')
    },
    async restart(i) {
      const child = children[i]
      if (child !== undefined) await killAndWait(child)
      launch(i)
      await waitHealthy(i)
    },
    async leader() {
      for (let round = 0; round < 100; round++) {
        const statuses = await Promise.all(members.map((m) => memberStatus(m.clientUrl)))
        const answered = statuses.find((s) => s !== undefined && s.leader !== '0')
        if (answered !== undefined) {
          const index = statuses.findIndex((s) => s?.memberId === answered.leader)
          if (index >= 0) return index
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new Error(`no etcd member reports a leader:\n${output}`)
    },
    waitHealthy,
    output: () => output,
    async close() {
      await Promise.all(children.map((child) => (child === undefined ? undefined : killAndWait(child))))
      for (const m of members) {
        rmSync(m.dataDir, { recursive: true, force: true })
        dirs.delete(m.dataDir)
      }
    },
  }
}

/** etcd's maintenance status through its JSON gateway: who this member is and who leads. */
async function memberStatus(clientUrl: string): Promise<{ memberId: string; leader: string } | undefined> {
  try {
    const response = await fetch(`${clientUrl}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) })
    const body = (await response.json()) as { header?: { member_id?: string }; leader?: string }
    if (body.header?.member_id === undefined) return undefined
    return { memberId: body.header.member_id, leader: body.leader ?? '0' }
  } catch {
    return undefined
  }
}

/**
 * For a test file that talks to one etcd: starts it before the file's tests, and gives each test
 * its own connection under a fresh key prefix (so tests never see each other's keys); every
 * connection and the etcd are closed after the file.
 */
export function etcdPerFile(prefixBase: string, callTimeoutMs = 5000): {
  readonly etcd: () => EtcdCluster
  connect(prefix?: string): Promise<EtcdConnection>
  /** Closes `item` after the file, before the connections opened earlier (reverse order). */
  track<T extends { close(): unknown }>(item: T): T
} {
  let etcd: EtcdCluster | undefined
  const toClose: Array<{ close(): unknown }> = []
  let count = 0
  beforeAll(async () => {
    etcd = await startEtcd()
  })
  afterAll(async () => {
    for (const item of toClose.reverse()) await item.close()
  })
  return {
    etcd: () => etcd!,
    async connect(prefix = `/${prefixBase}-${++count}`) {
      const connection = await EtcdConnection.connect({ endpoints: etcd!.endpoints, prefix, callTimeoutMs })
      toClose.push(connection)
      return connection
    },
    track(item) {
      toClose.push(item)
      return item
    },
  }
}
