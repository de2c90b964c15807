/**
 * The broker a default `npm run bench` measures: the real `samsa start` process (the compiled
 * CLI, as a user runs it, with the Node flags a broker is meant to run with, as `npm start`
 * gives them: src/broker/runtime-flags.ts) on a free loopback port with a fresh temporary data
 * directory, removed again when it stops. Being its own process, its CPU and memory are read
 * from its /proc entry, apart from the load generator's.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BROKER_NODE_FLAGS } from '../../src/broker/runtime-flags.js'
import { ErrorCodes, SamsaError } from '../../src/common/errors.js'

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))

/** Brokers started and not yet stopped, so an interrupted harness can take them down. */
const live = new Set<EmbeddedBroker>()

/**
 * Kills every embedded broker still running and removes its data directory, synchronously (for
 * an 'exit' handler or a signal: Ctrl-C must not leave a broker or gigabytes of segments behind).
 */
export function killEmbeddedBrokers(): void {
  for (const broker of live) broker.killNow()
}
const READY = /broker \d+ ready on (\S+):(\d+)/
const READY_TIMEOUT_MS = 60_000

export class EmbeddedBroker {
  readonly host: string
  readonly port: number
  readonly dataDir: string
  readonly #child: ChildProcess
  readonly #exited: Promise<number | null>
  #output: string

  private constructor(child: ChildProcess, exited: Promise<number | null>, host: string, port: number, dataDir: string, output: string) {
    this.#child = child
    this.#exited = exited
    this.host = host
    this.port = port
    this.dataDir = dataDir
    this.#output = output
    child.stderr!.on('data', (chunk: Buffer) => {
      // Keep the tail only: a long run must not grow this without bound.
      this.#output = (this.#output + chunk.toString()).slice(-8192)
    })
  }

  /** Starts `samsa start --port 0` with `settings` as --set flags; resolves once it is ready. */
  static async start(settings: Readonly<Record<string, string>> = {}): Promise<EmbeddedBroker> {
    if (!existsSync(CLI)) throw new SamsaError(ErrorCodes.USAGE, `The broker's CLI ${CLI} is missing: run \`npm run build\` first.`)
    const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-'))
    const args = [...BROKER_NODE_FLAGS, CLI, 'start', '--port', '0', '--http-port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn']
    for (const [key, value] of Object.entries(settings)) args.push('--set', `${key}=${value}`)
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    let output = ''
    try {
      const address = await new Promise<{ host: string; port: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS)
        const onData = (chunk: Buffer): void => {
          output += chunk.toString()
          const match = READY.exec(output)
          if (match !== null) {
            clearTimeout(timer)
            resolve({ host: match[1]!, port: Number(match[2]) })
          }
        }
        child.stdout!.on('data', onData)
        child.stderr!.on('data', onData)
        void exited.then((code) => {
          clearTimeout(timer)
          reject(new Error(`it exited with code ${code}`))
        })
      })
      child.stdout!.removeAllListeners('data')
      child.stderr!.removeAllListeners('data')
      child.stdout!.resume()
      const broker = new EmbeddedBroker(child, exited, address.host, address.port, dataDir, output)
      live.add(broker)
      return broker
    } catch (error) {
      child.kill('SIGKILL')
      rmSync(dataDir, { recursive: true, force: true })
      throw new SamsaError(ErrorCodes.USAGE, `The embedded Samsa broker did not start: ${(error as Error).message}\n${output}`)
    }
  }

  get bootstrap(): string {
    return `${this.host}:${this.port}`
  }

  get pid(): number {
    return this.#child.pid!
  }

  /** What the broker wrote to stderr lately, for error messages. */
  get recentOutput(): string {
    return this.#output
  }

  /** SIGKILL and remove the data directory, without waiting. */
  killNow(): void {
    live.delete(this)
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL')
    rmSync(this.dataDir, { recursive: true, force: true })
  }

  /** SIGTERM (a clean shutdown), SIGKILL if that takes over 30 s; then the data directory goes. */
  async stop(): Promise<void> {
    live.delete(this)
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGTERM')
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 30_000)
      await this.#exited
      clearTimeout(timer)
    }
    rmSync(this.dataDir, { recursive: true, force: true })
  }
}
