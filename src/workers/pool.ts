/**
 * The process's worker pool: piscina threads that run CPU work (compression, later partitioning
 * and record encoding) off the event loop. This is the only module that imports piscina.
 *
 * Sizing, for the 2-core machines Samsa is built and measured on:
 * - `maxThreads` = available cores (2 here). Codec tasks are pure CPU, so threads beyond the core
 *   count only add context switches; piscina's default (1.5x cores) would oversubscribe. Workers
 *   run at a lower priority (`niceIncrement` 5) so the event loop wins a core when it wakes.
 *   Measured while 2 workers gzip 1 MiB tasks flat out (bench/micro/codecs/
 *   pool-event-loop-delay.bench.ts, 4 s per row, other builds running, load average 2-4.7),
 *   main-thread event-loop delay p99 / gzip MB/s: idle pool 1.8-2.4 ms; 2 threads nice 5
 *   4.4-6.2 ms / 82-104; 2 threads nice 0 7.3-9.5 ms / 69-74; 1 thread 5.7-9.0 ms / 47-51;
 *   3 threads 8.7-32.5 ms / 37-74. Two threads double throughput over one at similar delay;
 *   a third only adds delay.
 * - `minThreads` 1: one warm worker for the common trickle, the second starts on demand and
 *   `idleTimeout` 30 s keeps it across bursts instead of paying thread start-up per burst.
 * - A bounded queue: at most `maxQueue` tasks wait for a thread (default 4 per thread). Each queued
 *   task holds its input buffers, so the bound caps memory; and with a short queue a full pool
 *   is felt at once by whoever produces work. `run` then *waits* for room (FIFO) instead of
 *   failing; `isSaturated` and `whenRoom()` let a socket reader pause before it reads more.
 *
 * What to send here: work of a millisecond or more, batched (a round trip costs ~25-50 µs).
 * gzip (75-95 MB/s) and zstd (380-540 MB/s) compression qualify at any batch size; lz4 and
 * snappy decompress 1 MiB in under a millisecond on the event loop, and through the pool they
 * yield less throughput (bench/micro/codecs: 1.1-1.4 GB/s pooled vs 1.5-2.3 GB/s inline).
 *
 * Buffers in task inputs and results are transferred, never cloned (see transfer.ts). Tasks
 * are pure functions in ./tasks, exported by name from ./worker.ts.
 */
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Piscina, move, transferableSymbol, valueSymbol } from 'piscina'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { prepareTransfer, restoreBuffers } from './transfer.js'
import type * as WorkerModule from './worker.js'

/** Task name → the function the worker runs for it. */
type Tasks = { [Name in keyof typeof WorkerModule]: (typeof WorkerModule)[Name] }
export type TaskName = keyof Tasks
export type TaskInput<Name extends TaskName> = Parameters<Tasks[Name]>[0]
export type TaskOutput<Name extends TaskName> = ReturnType<Tasks[Name]>

export interface WorkerPoolOptions {
  /** Worker threads at most; default: the number of available cores. */
  maxThreads?: number
  /** Threads kept alive when idle; default 1. */
  minThreads?: number
  /** How long an idle thread above `minThreads` lives, in ms; default 30 000. */
  idleTimeoutMs?: number
  /** Tasks that may wait for a free thread before `run` makes callers wait; default 4 per thread. */
  maxQueue?: number
  /** Scheduling priority drop for worker threads (Unix nice), so the event loop wins; default 5. */
  niceIncrement?: number
}

interface Waiter {
  resolve(): void
  reject(error: Error): void
}

/**
 * Pools created and not yet closed in this process, for diagnostics: tests fail a file that
 * leaves worker threads running (a pool keeps at least one thread until it is closed).
 */
let openPools = 0

export function openWorkerPools(): number {
  return openPools
}

/**
 * A bounded, backpressured piscina pool. Not thread-safe across workers (it lives on the event
 * loop that created it); use the process-wide instance, through `acquireWorkerPool()`, unless a
 * test needs its own.
 */
export class WorkerPool {
  readonly #piscina: Piscina
  /** Tasks handed to piscina and not yet settled: running plus queued. */
  #inFlight = 0
  readonly #capacity: number
  /** Callers of `run` waiting for a slot, oldest first. */
  readonly #waiters: Waiter[] = []
  /** Callers of `whenRoom`. */
  readonly #roomListeners: Waiter[] = []
  /** `close` waiting for the accepted tasks to settle. */
  readonly #idleListeners: Array<() => void> = []
  #closed = false

  constructor(options: WorkerPoolOptions = {}) {
    const maxThreads = options.maxThreads ?? Math.max(1, availableParallelism())
    const maxQueue = options.maxQueue ?? 4 * maxThreads
    this.#capacity = maxThreads + maxQueue
    this.#piscina = new Piscina({
      filename: workerFilename(),
      maxThreads,
      minThreads: Math.min(options.minThreads ?? 1, maxThreads),
      idleTimeout: options.idleTimeoutMs ?? 30_000,
      // This class enforces the bound; piscina's own limit (which rejects) is a backstop that
      // allows for threads still starting, so it is never the one that trips.
      maxQueue: this.#capacity,
      niceIncrement: options.niceIncrement ?? 5,
    })
    openPools++
  }

  /**
   * Runs task `name` on a worker thread. Uint8Arrays in `input` are moved to the worker: an
   * exclusive buffer is detached from the caller (its length becomes 0), a view into a larger
   * ArrayBuffer is copied first. When the pool is saturated this waits for room instead of
   * rejecting; it rejects with the task's error, or when the pool closes.
   */
  async run<Name extends TaskName>(name: Name, input: TaskInput<Name>): Promise<TaskOutput<Name>> {
    await this.#acquire()
    try {
      const transferList = new Set<ArrayBuffer>()
      const prepared = prepareTransfer(input, transferList)
      const output: TaskOutput<Name> = await this.#piscina.run(prepared, { name, transferList: [...transferList] })
      return restoreBuffers(output)
    } finally {
      this.#release()
    }
  }

  /** True when a `run` now would have to wait: every thread is busy and the queue is full. */
  get isSaturated(): boolean {
    return this.#inFlight >= this.#capacity || this.#waiters.length > 0
  }

  /** Tasks waiting for a thread, including callers of `run` waiting for room in the queue. */
  get queueSize(): number {
    return this.#piscina.queueSize + this.#waiters.length
  }

  /** Threads currently started. */
  get threadCount(): number {
    return this.#piscina.threads.length
  }

  /**
   * Resolves when the pool is no longer saturated (at once if it is not); rejects if it closes.
   * It reserves nothing: it tells a producer of work (a socket reader) when to resume.
   */
  whenRoom(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError())
    if (!this.isSaturated) return Promise.resolve()
    return new Promise((resolve, reject) => this.#roomListeners.push({ resolve, reject }))
  }

  /**
   * Stops taking tasks, lets the queued and running ones finish, and ends the threads. Callers
   * still waiting for room are rejected. Part of broker shutdown.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const waiter of this.#waiters.splice(0)) waiter.reject(closedError())
    for (const listener of this.#roomListeners.splice(0)) listener.reject(closedError())
    // piscina's own close only waits for tasks a thread has picked up; queued ones would be
    // aborted, so wait for everything this pool accepted first.
    try {
      if (this.#inFlight > 0) await new Promise<void>((resolve) => this.#idleListeners.push(resolve))
      await this.#piscina.close()
    } finally {
      openPools--
    }
  }

  /** Takes a slot now, or queues for one (FIFO) when the pool is saturated. */
  #acquire(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError())
    if (!this.isSaturated) {
      this.#inFlight++
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  /** A finished task's slot goes straight to the longest waiting caller, so none is overtaken. */
  #release(): void {
    this.#inFlight--
    while (this.#inFlight < this.#capacity && this.#waiters.length > 0) {
      this.#inFlight++
      this.#waiters.shift()!.resolve()
    }
    if (!this.isSaturated) for (const listener of this.#roomListeners.splice(0)) listener.resolve()
    if (this.#inFlight === 0) for (const resolve of this.#idleListeners.splice(0)) resolve()
  }
}

let shared: WorkerPool | undefined
/** Leases not yet released: running brokers and open clients that use the shared pool. */
let leases = 0

/**
 * A hold on the process-wide pool. The pool is one per process, not one per broker, because its
 * size is the core count (see above): two brokers in one process (tests, an embedder) with a
 * pool each would oversubscribe the cores. Whoever may run tasks for a while (a broker from
 * start to shutdown, a client from construction to close) holds a lease, and the pool's threads
 * end when the last lease is released. Taking a lease starts no thread: the pool is created on
 * the first task.
 */
export interface WorkerPoolLease {
  /** The shared pool, created on first use. Throws once this lease is released. */
  readonly pool: WorkerPool
  /** Gives the hold back; the last one closes the pool. Safe to call more than once. */
  release(): Promise<void>
}

export function acquireWorkerPool(): WorkerPoolLease {
  leases++
  let released = false
  return {
    get pool(): WorkerPool {
      if (released) throw closedError()
      return workerPool()
    },
    async release(): Promise<void> {
      if (released) return
      released = true
      if (--leases === 0) await closeShared()
    },
  }
}

/** The process-wide pool, created on first use with the defaults above. */
export function workerPool(): WorkerPool {
  shared ??= new WorkerPool()
  return shared
}

/**
 * Closes the process-wide pool now, unless a lease holds it (a running broker or open client
 * in this process still needs it; the last lease's release closes it then). For callers that
 * used `workerPool()` without a lease: the CLI tools at exit, tests after their last task.
 */
export async function closeWorkerPool(): Promise<void> {
  if (leases > 0) return
  await closeShared()
}

async function closeShared(): Promise<void> {
  const pool = shared
  shared = undefined
  await pool?.close()
}

/**
 * Wraps a pure task for export from the worker module: its result's buffers are transferred back
 * to the event loop instead of being cloned. Used only by worker.ts, inside worker threads.
 */
export function workerTask<Input, Output>(task: (input: Input) => Output): (input: Input) => Output {
  return (input) => {
    const transferList = new Set<ArrayBuffer>()
    const output = prepareTransfer(task(input), transferList)
    // Task outputs are objects or arrays (piscina's Transferable wants an object value).
    const movable = { [transferableSymbol]: [...transferList], [valueSymbol]: output as object }
    // piscina unwraps the movable on the other side, so the caller receives `Output`.
    return move(movable) as unknown as Output
  }
}

function closedError(): SamsaError {
  return new SamsaError(ErrorCodes.USAGE, 'The worker pool is closed; no more tasks can run.')
}

/**
 * The worker module to load: dist/src/workers/worker.js of this package. Node 20 cannot run
 * TypeScript in a worker thread, so when this file runs from src/ (vitest transpiles it in the
 * main thread only) the workers load the compiled one: tests of the pool need `npm run build:ts`
 * first, which `npm test` does. The CommonJS bundle (dist/cjs/) starts the same ES module
 * workers: a worker thread is plain Node, where ES modules always load.
 */
function workerFilename(): string {
  const here = fileURLToPath(import.meta.url)
  const sibling = join(dirname(here), 'worker.js')
  if (here.endsWith('.js') && existsSync(sibling)) return sibling
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    const candidate = join(dir, 'dist', 'src', 'workers', 'worker.js')
    if (existsSync(candidate)) return candidate
    if (dirname(dir) === dir) break
  }
  throw new SamsaError(
    ErrorCodes.NATIVE_LOAD,
    `The worker module dist/src/workers/worker.js is missing (looked up from ${here}). Run \`npm run build:ts\` (or \`npm run build\`).`,
  )
}
