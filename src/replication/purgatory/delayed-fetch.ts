/**
 * Kafka's delayed-fetch purgatory: a Fetch that found fewer than min.bytes waits here until
 * enough bytes become readable on the partitions it reads, or max.wait.ms passes, or the broker
 * shuts down. What counts as readable depends on who fetches: a follower reads to the log end,
 * so appends wake it; a consumer reads to the high watermark, so only committed bytes do.
 * Waiting costs a timer and a set entry per watched partition; progress costs a lookup and an
 * addition per waiting fetch on that partition, no reads.
 */
import type { Partition } from '../partition.js'

class DelayedFetch {
  readonly partitions: readonly Partition[]
  /** True for a follower's fetch (woken by appends), false for a consumer's (woken by commits). */
  readonly toLogEnd: boolean
  /** A read_committed consumer's: also woken when a last stable offset moves. */
  readonly readCommitted: boolean
  /** Bytes still missing before min.bytes is reached. */
  missingBytes: number
  readonly resolve: () => void
  timer: NodeJS.Timeout | null = null
  /** Detaches the wait from its caller's AbortSignal, once done. */
  unlisten: (() => void) | null = null
  done = false

  constructor(partitions: readonly Partition[], toLogEnd: boolean, readCommitted: boolean, missingBytes: number, resolve: () => void) {
    this.partitions = partitions
    this.toLogEnd = toLogEnd
    this.readCommitted = readCommitted
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
   * Resolves once `missingBytes` more bytes are readable across `partitions` (appended, for a
   * fetch `toLogEnd`; committed otherwise), after `maxWaitMs`, or at shutdown, whichever comes
   * first. The caller then reads again. Aborting `signal` completes the wait at once: a gateway
   * stream whose socket closed does not keep its timer and watch entries until max wait.
   */
  wait(partitions: readonly Partition[], toLogEnd: boolean, missingBytes: number, maxWaitMs: number, signal?: AbortSignal, readCommitted = false): Promise<void> {
    if (signal?.aborted === true) return Promise.resolve()
    return new Promise((resolve) => {
      const fetch = new DelayedFetch(partitions, toLogEnd, readCommitted, missingBytes, resolve)
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
      if (signal !== undefined) {
        const abort = (): void => this.#complete(fetch)
        signal.addEventListener('abort', abort, { once: true })
        fetch.unlisten = () => signal.removeEventListener('abort', abort)
      }
    })
  }

  /** `bytes` were appended to `partition`'s log, or (`committed`) passed by its high watermark. */
  progress(partition: Partition, bytes: number, committed: boolean): void {
    const set = this.#watchers.get(partition)
    if (set === undefined) return
    // A transaction holding the last stable offset back makes committed bytes unreadable for
    // read_committed fetches; stableProgress wakes them once it completes.
    const stableHeldBack = committed && partition.lastStableOffset < partition.highWatermark
    for (const fetch of set) {
      if (fetch.toLogEnd === committed) continue
      if (stableHeldBack && fetch.readCommitted) continue
      fetch.missingBytes -= bytes
      if (fetch.missingBytes <= 0) this.#complete(fetch)
    }
  }

  /**
   * `partition`'s last stable offset moved: a transaction's records became readable at once
   * (they were below the high watermark already, so their bytes were counted then). Completes
   * the read_committed fetches waiting on it, which read again.
   */
  stableProgress(partition: Partition): void {
    const set = this.#watchers.get(partition)
    if (set === undefined) return
    for (const fetch of set) if (fetch.readCommitted) this.#complete(fetch)
  }

  /** Completes every fetch waiting on `partition` (its leadership changed, it was removed). */
  completeFor(partition: Partition): void {
    const set = this.#watchers.get(partition)
    if (set !== undefined) for (const fetch of [...set]) this.#complete(fetch)
  }

  /** Completes every waiting fetch at once (shutdown). */
  completeAll(): void {
    for (const set of [...this.#watchers.values()]) for (const fetch of [...set]) this.#complete(fetch)
  }

  #complete(fetch: DelayedFetch): void {
    if (fetch.done) return
    fetch.done = true
    this.#waiting--
    if (fetch.timer !== null) clearTimeout(fetch.timer)
    fetch.timer = null
    fetch.unlisten?.()
    fetch.unlisten = null
    for (const partition of fetch.partitions) {
      const set = this.#watchers.get(partition)
      if (set === undefined) continue
      set.delete(fetch)
      if (set.size === 0) this.#watchers.delete(partition)
    }
    fetch.resolve()
  }
}
