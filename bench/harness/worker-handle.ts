/**
 * The main thread's handle on one producer or consumer thread: starts it with its share of the
 * workload, and turns its messages into promises (ready, each second's sample, the final
 * account). A thread that fails (an error it reports, an uncaught exception, a non-zero exit)
 * rejects everything still owed, so a run stops instead of waiting forever.
 */
import { Worker } from 'node:worker_threads'
import type { MainToWorker, WorkerData, WorkerSample, WorkerToMain } from './worker-messages.js'

/** How long a thread may take to flush or drain once told to finish. */
const FINISH_TIMEOUT_MS = 120_000
/** How long a thread may take to answer a sample request (its event loop may be busy). */
const SAMPLE_TIMEOUT_MS = 30_000

type Finished = Extract<WorkerToMain, { type: 'finished' }>

/** A worker thread and the replies it owes the main thread. */
export class WorkerHandle {
  readonly worker: Worker
  readonly #ready: Promise<void>
  readonly #finished: Promise<Finished>
  readonly #samples = new Map<number, { resolve: (sample: WorkerSample) => void; reject: (error: Error) => void }>()
  #failure: Error | null = null
  readonly #onFailure: Array<(error: Error) => void> = []

  constructor(file: string, data: WorkerData) {
    this.worker = new Worker(new URL(file, import.meta.url), { workerData: data })
    let ready!: () => void
    let finished!: (message: Finished) => void
    this.#ready = new Promise((resolve, reject) => {
      ready = resolve
      this.#onFailure.push(reject)
    })
    this.#finished = new Promise((resolve, reject) => {
      finished = resolve
      this.#onFailure.push(reject)
    })
    // Neither promise may count as unhandled before someone awaits it.
    this.#ready.catch(() => {})
    this.#finished.catch(() => {})
    this.worker.on('message', (message: WorkerToMain) => {
      switch (message.type) {
        case 'ready':
          ready()
          break
        case 'sample':
          this.#samples.get(message.seq)?.resolve(message.sample)
          this.#samples.delete(message.seq)
          break
        case 'finished':
          finished(message)
          break
        case 'error':
          this.#fail(new Error(message.message))
          break
      }
    })
    this.worker.on('error', (error) => this.#fail(error))
    this.worker.on('exit', (code) => {
      if (code !== 0) this.#fail(new Error(`a ${data.role} thread exited with code ${code}`))
    })
  }

  #fail(error: Error): void {
    if (this.#failure !== null) return
    this.#failure = error
    for (const reject of this.#onFailure) reject(error)
    for (const pending of this.#samples.values()) pending.reject(error)
    this.#samples.clear()
  }

  ready(): Promise<void> {
    return this.#ready
  }

  finished(): Promise<Finished> {
    return withTimeout(this.#finished, FINISH_TIMEOUT_MS, 'a worker thread did not finish')
  }

  send(message: MainToWorker): void {
    this.worker.postMessage(message)
  }

  collect(seq: number): Promise<WorkerSample> {
    if (this.#failure !== null) return Promise.reject(this.#failure)
    const reply = new Promise<WorkerSample>((resolve, reject) => this.#samples.set(seq, { resolve, reject }))
    this.send({ type: 'collect', seq })
    return withTimeout(reply, SAMPLE_TIMEOUT_MS, `a worker thread did not answer within ${SAMPLE_TIMEOUT_MS / 1000} s`)
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)))]).finally(() => clearTimeout(timer))
}
