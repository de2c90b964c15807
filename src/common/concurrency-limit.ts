/**
 * At most `limit` asynchronous tasks at once; the rest wait their turn in order. Used where one
 * task per partition would otherwise run all at once: 10,000 parallel file writes open 10,000
 * descriptors on top of the 10,000 segments a broker that size already holds, and fail with
 * EMFILE under a 20,000 open-file limit (bench:scale, a clean stop at 10,000 partitions).
 *
 * Not thread-safe (one JS thread); not module-global (each owner has its own).
 */
export class ConcurrencyLimit {
  readonly #limit: number
  #running = 0
  readonly #waiting: Array<() => void> = []

  constructor(limit: number) {
    this.#limit = limit
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve))
    this.#running++
    try {
      return await task()
    } finally {
      this.#running--
      this.#waiting.shift()?.()
    }
  }
}

/** `task` over every item, at most `limit` at once; resolves with the results in item order. */
export function mapWithLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const gate = new ConcurrencyLimit(limit)
  return Promise.all(items.map((item) => gate.run(() => task(item))))
}
