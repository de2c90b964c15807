/**
 * Kafka's delayed-fetch purgatory: a Fetch that found fewer than min.bytes waits here until
 * enough bytes are appended to the partitions it reads, or max.wait.ms passes, or the broker
 * shuts down. Waiting costs a timer and a set entry per watched partition; appends cost a
 * lookup and an addition per waiting fetch on that partition, no reads.
 */
import type { Partition } from '../replication/partition.js'

class DelayedFetch {
  readonly partitions: readonly Partition[]
  /** Bytes still missing before min.bytes is reached. */
  missingBytes: number
  readonly resolve: () => void
  timer: NodeJS.Timeout | null = null
  done = false

  constructor(partitions: readonly Partition[], missingBytes: number, resolve: () => void) {
    this.partitions = partitions
    this.missingBytes = missingBytes
    this.resolve = resolve
  }
}

export class DelayedFetchPurgatory {
  readonly #watchers = new Map<Partition, Set<DelayedFetch>>()
  #waiting = 0

  /** How many fetches are waiting (for metrics and tests). */
  get size(): number {
    return this.#waiting
  }

  /**
   * Resolves once `missingBytes` more bytes have been appended across `partitions`, after
   * `maxWaitMs`, or at shutdown, whichever comes first. The caller then reads again.
   */
  wait(partitions: readonly Partition[], missingBytes: number, maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const fetch = new DelayedFetch(partitions, missingBytes, resolve)
      this.#waiting++
      for (const partition of partitions) {
        let set = this.#watchers.get(partition)
        if (set === undefined) {
          set = new Set()
          this.#watchers.set(partition, set)
        }
        set.add(fetch)
      }
      fetch.timer = setTimeout(() => this.#complete(fetch), maxWaitMs)
    })
  }

  /** Appends report here; fetches that now have enough bytes complete. */
  readonly onAppend = (partition: Partition, appendedBytes: number): void => {
    const set = this.#watchers.get(partition)
    if (set === undefined) return
    for (const fetch of set) {
      fetch.missingBytes -= appendedBytes
      if (fetch.missingBytes <= 0) this.#complete(fetch)
    }
  }

  /** Completes every waiting fetch at once (shutdown, partition removal). */
  completeAll(): void {
    for (const set of [...this.#watchers.values()]) for (const fetch of [...set]) this.#complete(fetch)
  }

  #complete(fetch: DelayedFetch): void {
    if (fetch.done) return
    fetch.done = true
    this.#waiting--
    if (fetch.timer !== null) clearTimeout(fetch.timer)
    fetch.timer = null
    for (const partition of fetch.partitions) {
      const set = this.#watchers.get(partition)
      if (set === undefined) continue
      set.delete(fetch)
      if (set.size === 0) this.#watchers.delete(partition)
    }
    fetch.resolve()
  }
}
