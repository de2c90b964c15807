/**
 * A child process that `samsa cluster up` starts and answers for: its output is relayed line by
 * line under a `[name]` prefix (or written to a log file), and stop() asks it to exit with SIGTERM,
 * forcing SIGKILL only after a grace period.
 *
 * Children run in their own process group (detached): Ctrl-C in a terminal signals the whole
 * foreground group, and a broker that got SIGINT from the terminal and then SIGTERM from us would
 * take the second signal as "exit now, skip the clean shutdown". This way only the supervisor
 * hears Ctrl-C and the children get exactly one signal, in the order it chooses.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

export interface ChildExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface SupervisedChildOptions {
  /** Shown as `[name]` before each relayed line, and in messages. */
  readonly name: string
  readonly command: string
  readonly args: readonly string[]
  readonly env?: NodeJS.ProcessEnv
  /** A file descriptor that receives stdout and stderr instead of the relay (etcd's chatty log). */
  readonly logFd?: number
  /** Called with every stdout line (before it is relayed), e.g. to spot a ready line. */
  readonly onStdoutLine?: (line: string) => void
}

export class SupervisedChild {
  readonly name: string
  readonly exited: Promise<ChildExit>
  readonly #child: ChildProcess

  constructor(options: SupervisedChildOptions) {
    this.name = options.name
    const output = options.logFd ?? 'pipe'
    this.#child = spawn(options.command, [...options.args], {
      detached: true,
      stdio: ['ignore', output, output],
      env: options.env ?? process.env,
    })
    this.exited = new Promise((resolve) => {
      // 'error' without 'exit' happens when the command cannot be spawned at all.
      this.#child.once('error', () => resolve({ code: null, signal: null }))
      this.#child.once('exit', (code, signal) => resolve({ code, signal }))
    })
    if (this.#child.stdout !== null) {
      createInterface({ input: this.#child.stdout, crlfDelay: Infinity }).on('line', (line) => {
        options.onStdoutLine?.(line)
        process.stdout.write(`[${this.name}] ${line}\n`)
      })
    }
    if (this.#child.stderr !== null) {
      createInterface({ input: this.#child.stderr, crlfDelay: Infinity }).on('line', (line) => {
        process.stderr.write(`[${this.name}] ${line}\n`)
      })
    }
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  get running(): boolean {
    return this.#child.pid !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Resolves once it has exited. */
  async stop(graceMs: number): Promise<ChildExit & { readonly forced: boolean }> {
    if (!this.running) return { ...(await this.exited), forced: false }
    this.#child.kill('SIGTERM')
    let forced = false
    const timer = setTimeout(() => {
      forced = true
      this.#child.kill('SIGKILL')
    }, graceMs)
    const exit = await this.exited
    clearTimeout(timer)
    return { ...exit, forced }
  }

  /** SIGKILL, without waiting: for the supervisor's own emergency exit. */
  kill(): void {
    if (this.running) this.#child.kill('SIGKILL')
  }
}

/** "code 1", "signal SIGKILL": how a child ended, for messages. */
export function describeExit(exit: ChildExit): string {
  if (exit.signal !== null) return `signal ${exit.signal}`
  return exit.code === null ? 'no exit status (it could not be started)' : `code ${exit.code}`
}
