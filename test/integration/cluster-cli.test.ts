/**
 * `samsa cluster up` and `samsa cluster describe` as a user runs them: a real etcd, real broker
 * processes, real signals. Processes are checked by PID, so "stopped everything" means no process
 * it started is left.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { type Server, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, ROOT } from '../helpers/broker-process.js'
import { freePortRun } from '../helpers/free-ports.js'

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

function samsa(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

async function until(condition: () => boolean, timeoutMs: number, what: string, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}:\n${context()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

describe('samsa cluster up --brokers 3, then describe, then Ctrl-C', () => {
  let up: ChildProcess
  let stdout = ''
  let stderr = ''
  let exited: Promise<number | null>
  let basePort: number
  let dataDir: string
  /** From the summary: node id → pid, and etcd's pid. */
  const brokerPids = new Map<number, number>()
  let etcdPid = 0
  const output = (): string => `stdout:\n${stdout}\nstderr:\n${stderr}`

  beforeAll(async () => {
    basePort = await freePortRun(3)
    const etcdPort = await freePortRun(2)
    dataDir = mkdtempSync(join(tmpdir(), 'samsa-cluster-up-'))
    up = spawn(process.execPath, [CLI, 'cluster', 'up', '--brokers', '3', '--base-port', String(basePort), '--http-base-port', '0', '--etcd-port', String(etcdPort), '--data-dir', dataDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    up.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    up.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    exited = new Promise((resolve) => up.once('exit', (code) => resolve(code)))
    await until(() => stdout.includes('Ctrl-C stops') || up.exitCode !== null, 90_000, 'the cluster to be ready', output)
    for (const match of stdout.matchAll(/^ {2}broker (\d+)\s+\S+\s+pid (\d+)/gm)) brokerPids.set(Number(match[1]), Number(match[2]))
    etcdPid = Number(/^ {2}etcd\s+\S+\s+pid (\d+)/m.exec(stdout)?.[1] ?? 0)
  }, 120_000)

  afterAll(async () => {
    // Whatever a failed test left: a clean stop first, then no survivors.
    if (up !== undefined && up.exitCode === null && up.signalCode === null) {
      up.kill('SIGINT')
      const timer = setTimeout(() => up.kill('SIGKILL'), 60_000)
      await exited
      clearTimeout(timer)
    }
    for (const pid of [...brokerPids.values(), etcdPid]) if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL')
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  }, 90_000)

  it('prints each broker\'s ready line under [broker i], then every address and the bootstrap string', () => {
    expect(up.exitCode, output()).toBeNull()
    for (let id = 1; id <= 3; id++) {
      expect(stdout).toContain(`[broker ${id}] samsa: broker ${id} ready on 127.0.0.1:${basePort + id - 1} (data dir ${join(dataDir, `broker-${id}`)})`)
    }
    expect(stdout).toContain(`Bootstrap servers: 127.0.0.1:${basePort},127.0.0.1:${basePort + 1},127.0.0.1:${basePort + 2}`)
    expect([...brokerPids.keys()]).toEqual([1, 2, 3])
    for (const pid of [...brokerPids.values(), etcdPid]) expect(alive(pid)).toBe(true)
  })

  // Needs the server side of cluster mode (brokers that meet through etcd); until it lands each
  // broker describes a cluster of one and this fails on the broker count.
  it('describes three brokers and their controller', async () => {
    let described: Result | undefined
    const deadline = Date.now() + 20_000
    do {
      described = await samsa(['cluster', 'describe', '--bootstrap-server', `127.0.0.1:${basePort}`])
      if (described.stdout.includes('Brokers: 3')) break
      await new Promise((resolve) => setTimeout(resolve, 200))
    } while (Date.now() < deadline)
    expect(described.code, described.stderr).toBe(0)
    expect(described.stdout).toContain('Brokers: 3')
    const rows = [...described.stdout.matchAll(/^ {2}(\d+)\s+(\S+)\s+(\S+)(\s+controller)?$/gm)]
    expect(rows.map((r) => [Number(r[1]), r[2]])).toEqual([1, 2, 3].map((id) => [id, `127.0.0.1:${basePort + id - 1}`]))
    const controller = Number(/^Controller: (\d+)/m.exec(described.stdout)?.[1])
    expect([1, 2, 3]).toContain(controller)
    expect(rows.filter((r) => r[4] !== undefined).map((r) => Number(r[1]))).toEqual([controller])
  })

  it('reports a broker that dies and keeps the others running', async () => {
    process.kill(brokerPids.get(3)!, 'SIGKILL')
    await until(() => stderr.includes('broker 3 exited with signal SIGKILL; the other brokers keep running'), 10_000, 'the report of broker 3', output)
    expect(stderr).toContain(`samsa start --etcd http://127.0.0.1:`)
    expect(up.exitCode).toBeNull()
    expect(alive(brokerPids.get(1)!)).toBe(true)
    expect(alive(brokerPids.get(2)!)).toBe(true)
  })

  it('stops every broker, then etcd, on Ctrl-C (SIGINT), and exits 0 with no process left', async () => {
    up.kill('SIGINT')
    expect(await exited, output()).toBe(0)
    expect(stdout).toMatch(/stopping broker 2\n[\s\S]*stopping broker 1\n[\s\S]*stopping etcd\n[\s\S]*samsa cluster: stopped\n$/)
    // Each broker shut down cleanly rather than being killed.
    expect(stderr.match(/\[broker \d\] .*shut down cleanly/g), output()).toHaveLength(2)
    for (const pid of [...brokerPids.values(), etcdPid]) expect(alive(pid), `pid ${pid}`).toBe(false)
  })
})

describe('samsa cluster up refuses to start', () => {
  let dataDir: string
  beforeAll(() => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'samsa-cluster-refused-')), 'data')
  })
  afterAll(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }))

  it('when a broker port is busy, naming the port, its use and the flag that moves it', async () => {
    const basePort = await freePortRun(3)
    const etcdPort = await freePortRun(2)
    const squatter = await listen(basePort + 1)
    try {
      const result = await samsa(['cluster', 'up', '--base-port', String(basePort), '--http-base-port', '0', '--etcd-port', String(etcdPort), '--data-dir', dataDir])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`samsa cluster: port ${basePort + 1} (broker 2) on 127.0.0.1 is already in use`)
      expect(result.stderr).toContain('--base-port')
      // Nothing was started or written.
      expect(result.stdout).toBe('')
      expect(existsSync(dataDir)).toBe(false)
    } finally {
      squatter.close()
    }
  })

  it('when etcd\'s port is busy', async () => {
    const basePort = await freePortRun(3)
    const etcdPort = await freePortRun(2)
    const squatter = await listen(etcdPort)
    try {
      const result = await samsa(['cluster', 'up', '--base-port', String(basePort), '--http-base-port', '0', '--etcd-port', String(etcdPort), '--data-dir', dataDir])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`port ${etcdPort} (etcd client port) on 127.0.0.1 is already in use`)
      expect(result.stderr).toContain('--etcd-port')
    } finally {
      squatter.close()
    }
  })

  it('when etcd is not installed, saying how to install it', async () => {
    const result = await samsa(['cluster', 'up', '--data-dir', dataDir], { ...process.env, PATH: '/nonexistent' })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('etcd is not installed')
    expect(result.stderr).toContain('apt-get install etcd-server')
  })
})
