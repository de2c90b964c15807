/**
 * At most `limit` tasks at a time; the rest wait their turn in order. For work repeated per
 * partition that each holds a file descriptor while it runs (producer-state snapshots read at
 * start, written at shutdown): started all at once for 10,000 partitions, the queued opens would
 * hold 10,000 descriptors beside the logs' own and fail with EMFILE under a limit the logs fit.
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
