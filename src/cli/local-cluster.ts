/**
 * The processes of a `samsa cluster up` cluster, and the one way they stop: brokers one at a
 * time, last first, each with SIGTERM and time for its clean shutdown (so its controlled
 * shutdown can hand leaderships to brokers still serving), then etcd.
 *
 * stop() may be called at any moment, from a signal handler in the middle of starting too, and
 * as often as wanted: each call stops whatever is running by then, so a process that finishes
 * starting after a stop began is stopped by the next call.
 */
import { fileURLToPath } from 'node:url'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { LocalEtcd } from './local-etcd.js'
import { SupervisedChild, describeExit } from './supervised-child.js'

/** How long a broker may take from spawn to its ready line (it registers in etcd first). */
const READY_TIMEOUT_MS = 60_000
/** A clean shutdown flushes logs and hands over leaderships; past this the broker is killed. */
const BROKER_GRACE_MS = 30_000
const ETCD_GRACE_MS = 10_000
const READY = /broker (\d+) ready on (\S+):(\d+)/
const MAIN = fileURLToPath(new URL('./main.js', import.meta.url))
/** The Node flags `npm start` and the `samsa` binary give a broker (src/broker/runtime-flags.ts says why). */
const NODE_FLAGS = ['--max-semi-space-size=2', '--single-threaded-gc']

export interface LocalBroker {
  readonly nodeId: number
  readonly dataDir: string
  /** The `samsa` arguments it runs with, to print how to start it again. */
  readonly args: readonly string[]
  readonly process: SupervisedChild
  /** `host:port` from its ready line; rejects when it exits first or is not ready in time. */
  readonly ready: Promise<string>
}

export class LocalCluster {
  etcd: LocalEtcd | undefined
  readonly brokers: LocalBroker[] = []
  /** Set by the first stop(); startup code checks it after each step. */
  stopReason: string | undefined
  /** Resolves when a stop() has finished. */
  readonly stopped: Promise<void>
  #markStopped: () => void = () => {}
  #stopping: Promise<void> = Promise.resolve()

  constructor() {
    this.stopped = new Promise((resolve) => (this.#markStopped = resolve))
  }

  /** Starts broker `nodeId` (`samsa start` with `args`) with its output under `[broker <id>]`. */
  startBroker(nodeId: number, dataDir: string, args: readonly string[]): LocalBroker {
    let announce: (address: string) => void = () => {}
    const announced = new Promise<string>((resolve) => (announce = resolve))
    const child = new SupervisedChild({
      name: `broker ${nodeId}`,
      command: process.execPath,
      args: [...NODE_FLAGS, MAIN, ...args],
      onStdoutLine: (line) => {
        const match = READY.exec(line)
        if (match !== null) announce(`${match[2]}:${match[3]}`)
      },
    })
    let timer: NodeJS.Timeout | undefined
    const ready = Promise.race([
      announced,
      child.exited.then((exit) => {
        throw new SamsaError(ErrorCodes.CLUSTER, `broker ${nodeId} exited with ${describeExit(exit)} before it was ready; its output is above, under [broker ${nodeId}].`)
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new SamsaError(ErrorCodes.TIMEOUT, `broker ${nodeId} printed no ready line within ${READY_TIMEOUT_MS / 1000} s; its output is above, under [broker ${nodeId}].`)),
          READY_TIMEOUT_MS,
        )
      }),
    ]).finally(() => clearTimeout(timer))
    // The caller reads the rejection through Promise.all; a second one must not count as unhandled.
    ready.catch(() => {})
    const broker = { nodeId, dataDir, args, process: child, ready }
    this.brokers.push(broker)
    return broker
  }

  /**
   * Reports processes that end on their own. One broker ending leaves the others serving (that is
   * how a user watches failover); no broker left, or no etcd, ends the cluster with exit code 1.
   */
  watch(): void {
    let alive = this.brokers.length
    for (const broker of this.brokers) {
      void broker.process.exited.then((exit) => {
        if (this.stopReason !== undefined) return
        if (--alive === 0) return this.#fail(`every broker has exited (broker ${broker.nodeId} last, with ${describeExit(exit)})`)
        process.stderr.write(
          `samsa cluster: broker ${broker.nodeId} exited with ${describeExit(exit)}; the other brokers keep running. ` +
            `To start it again, in another terminal: samsa ${broker.args.join(' ')}\n`,
        )
      })
    }
    void this.etcd?.process.exited.then((exit) => {
      if (this.stopReason === undefined) this.#fail(`etcd exited with ${describeExit(exit)}, and brokers cannot coordinate without it`)
    })
  }

  stop(reason: string): Promise<void> {
    if (this.stopReason === undefined) {
      this.stopReason = reason
      process.stdout.write(`samsa cluster: ${reason}; stopping\n`)
    }
    this.#stopping = this.#stopping.then(() => this.#stopRunning())
    return this.#stopping
  }

  /** SIGKILL to everything, no waiting: for the supervisor's own emergency exit. */
  killAll(): void {
    for (const broker of this.brokers) broker.process.kill()
    this.etcd?.process.kill()
  }

  #fail(reason: string): void {
    process.exitCode = 1
    void this.stop(reason)
  }

  async #stopRunning(): Promise<void> {
    for (const broker of [...this.brokers].reverse()) {
      if (!broker.process.running) continue
      process.stdout.write(`samsa cluster: stopping broker ${broker.nodeId}\n`)
      const exit = await broker.process.stop(BROKER_GRACE_MS)
      if (exit.forced) process.stderr.write(`samsa cluster: broker ${broker.nodeId} did not exit within ${BROKER_GRACE_MS / 1000} s of SIGTERM and was killed\n`)
    }
    if (this.etcd?.process.running === true) {
      process.stdout.write('samsa cluster: stopping etcd\n')
      await this.etcd.process.stop(ETCD_GRACE_MS)
    }
    this.#markStopped()
  }
}
