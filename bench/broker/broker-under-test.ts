/**
 * The broker the load driver measures: the real `samsa start` process on a free port and a
 * fresh data directory, and its CPU time read from /proc/<pid>/stat (user + system, in clock
 * ticks of 1/100 s on Linux), so the figures are the broker's own, not the driver's.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const READY = /ready on (\S+):(\d+)/
/** USER_HZ: /proc reports CPU time in these ticks (100 on every Linux the project runs on). */
const CLOCK_TICKS_PER_SECOND = 100

export interface BrokerUnderTestOptions {
  readonly settings: Readonly<Record<string, string | number>>
  /** Write a V8 CPU profile of the broker into this directory when it exits. */
  readonly cpuProfileDir?: string
  readonly keepDataDir?: boolean
  /** More options for the broker's node, e.g. --perf-basic-prof for `perf record`. */
  readonly nodeArgs?: readonly string[]
  /** Another build's dist/src/cli/main.js, to compare two builds with one driver. */
  readonly cli?: string
  /** Serve the HTTP gateway on this port (0, the default, turns it off). */
  readonly httpPort?: number
}

export class BrokerUnderTest {
  readonly host: string
  readonly port: number
  readonly dataDir: string
  readonly #child: ChildProcess
  readonly #keepDataDir: boolean

  private constructor(child: ChildProcess, host: string, port: number, dataDir: string, keepDataDir: boolean) {
    this.#child = child
    this.host = host
    this.port = port
    this.dataDir = dataDir
    this.#keepDataDir = keepDataDir
  }

  static async start(options: BrokerUnderTestOptions): Promise<BrokerUnderTest> {
    const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-'))
    const nodeArgs = [...(options.nodeArgs ?? [])]
    if (options.cpuProfileDir !== undefined) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir)
    const args = [...nodeArgs, options.cli ?? CLI, 'start', '--port', '0', '--http-port', String(options.httpPort ?? 0), '--data-dir', dataDir, '--log-level', 'warn']
    for (const [key, value] of Object.entries(options.settings)) args.push('--set', `${key}=${value}`)
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    const address = await new Promise<{ host: string; port: number }>((resolve, reject) => {
      let output = ''
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        const match = READY.exec(output)
        if (match !== null) resolve({ host: match[1]!, port: Number(match[2]) })
      })
      child.once('exit', (code) => reject(new Error(`broker exited (${code}) before it was ready: ${output}`)))
    })
    return new BrokerUnderTest(child, address.host, address.port, dataDir, options.keepDataDir === true)
  }

  get pid(): number {
    return this.#child.pid!
  }

  /** The broker's CPU time so far (user + system), in seconds. */
  cpuSeconds(): number {
    return threadCpuSeconds(`/proc/${this.pid}/stat`)
  }

  /** CPU time of the broker's main thread (its event loop) so far, without worker threads, in seconds. */
  eventLoopCpuSeconds(): number {
    return threadCpuSeconds(`/proc/${this.pid}/task/${this.pid}/stat`)
  }


  /** Resident memory in MiB. */
  rssMiB(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8')
    const match = /VmRSS:\s+(\d+) kB/.exec(status)
    return match === null ? 0 : Number(match[1]) / 1024
  }

  /** SIGTERM (clean shutdown, which also writes the CPU profile), then removes the data dir. */
  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
    if (this.#child.exitCode === null) this.#child.kill('SIGTERM')
    await exited
    if (!this.#keepDataDir) rmSync(this.dataDir, { recursive: true, force: true })
  }
}

/** user + system time from a /proc stat file (a process's or one thread's), in seconds. */
function threadCpuSeconds(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8')
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return (utime + stime) / CLOCK_TICKS_PER_SECOND
}
