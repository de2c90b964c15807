/**
 * An in-memory mirror of one etcd key or key prefix, kept current by a watch: the broker's
 * synchronous view of cluster state (live brokers, the controller, topics and partitions).
 *
 * How it stays exact (the rule of cluster-design.md, "watch from the revision of the initial
 * read"): start() reads the whole range at one revision R, then watches from R + 1, so no change
 * between the read and the watch is missed. Every applied event moves `revision` to the event's
 * revision. When the watch breaks:
 * - disconnected (an etcd member died, the network blipped): watch again from `revision + 1`
 *   after a short backoff; etcd replays what was missed;
 * - compacted (the history we need is gone) or canceled by etcd (etcd 3.4 cancels a watch on a
 *   compacted revision with an empty reason, so the two look alike): read everything again, emit the
 *   difference between the old and new contents as ordinary changes, and watch from the new
 *   read's revision + 1. Listeners cannot tell a resync from a burst of changes, which is the point.
 *
 * Listeners run synchronously, in revision order, after the mirror has been updated, so a
 * listener sees the state its change produced. While etcd is unreachable the mirror keeps what
 * it had (a stale view still answers, as Kafka brokers do with stale metadata).
 */
import { type EtcdConnection, type KeyValue, type WatchBreak, type WatchEvent, type WatchHandle } from './etcd-connection.js'

export interface RangeChange {
  readonly type: 'put' | 'delete'
  readonly key: string
  /** The new value (put) or undefined (delete). */
  readonly current: KeyValue | undefined
  /** What the mirror held before, if anything. */
  readonly previous: KeyValue | undefined
}

export type RangeListener = (changes: readonly RangeChange[], revision: number) => void

export type WatchedRangeSpec = { readonly key: string } | { readonly prefix: string }

const MIN_BACKOFF_MS = 100
const MAX_BACKOFF_MS = 2000

export class WatchedRange {
  readonly #connection: EtcdConnection
  readonly #spec: WatchedRangeSpec
  readonly #entries = new Map<string, KeyValue>()
  readonly #listeners = new Set<RangeListener>()
  #revision = 0
  #watch: WatchHandle | undefined
  #retryTimer: NodeJS.Timeout | undefined
  #backoffMs = MIN_BACKOFF_MS
  #resyncs = 0
  #closed = false
  readonly #unhookClose: () => void

  constructor(connection: EtcdConnection, spec: WatchedRangeSpec) {
    this.#connection = connection
    this.#spec = spec
    this.#unhookClose = connection.onClose(() => this.close())
  }

  /** The initial read and the watch; rejects (SAMSA_ETCD) if etcd cannot be read. */
  async start(): Promise<void> {
    await this.#readAll()
    this.#watchFrom(this.#revision + 1)
  }

  /** The revision of the last change applied (or of the last full read). */
  get revision(): number {
    return this.#revision
  }

  /** How many times the mirror was rebuilt from a full read after a compaction or cancel. */
  get resyncs(): number {
    return this.#resyncs
  }

  get size(): number {
    return this.#entries.size
  }

  get(key: string): KeyValue | undefined {
    return this.#entries.get(key)
  }

  values(): IterableIterator<KeyValue> {
    return this.#entries.values()
  }

  /** Calls `listener` after every applied batch of changes; returns the unsubscribe function. */
  onChange(listener: RangeListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Resolves once `predicate()` holds (checked now and after every change), or rejects after
   * `timeoutMs`. For callers that wrote something and want to see it in the mirror.
   */
  waitFor(predicate: () => boolean, timeoutMs: number, what = 'a change'): Promise<void> {
    if (predicate()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe()
        reject(new Error(`the etcd view did not show ${what} within ${timeoutMs} ms (at revision ${this.#revision})`))
      }, timeoutMs)
      const unsubscribe = this.onChange(() => {
        if (!predicate()) return
        clearTimeout(timer)
        unsubscribe()
        resolve()
      })
    })
  }

  /** Resolves once the mirror has applied `revision` (a write inside this range). */
  waitForRevision(revision: number, timeoutMs: number): Promise<void> {
    return this.waitFor(() => this.#revision >= revision, timeoutMs, `revision ${revision}`)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#unhookClose()
    clearTimeout(this.#retryTimer)
    this.#watch?.cancel()
    this.#watch = undefined
    this.#listeners.clear()
  }

  #watchFrom(fromRevision: number): void {
    if (this.#closed) return
    this.#watch = this.#connection.watch(this.#spec, fromRevision, {
      onConnected: () => {
        this.#backoffMs = MIN_BACKOFF_MS
      },
      onEvents: (events) => this.#apply(events),
      onBroken: (reason, error) => this.#onBroken(reason, error),
    })
  }

  #apply(events: readonly WatchEvent[]): void {
    const changes: RangeChange[] = []
    for (const event of events) {
      const key = event.kv.key
      const previous = this.#entries.get(key)
      if (event.type === 'put') {
        this.#entries.set(key, event.kv)
        changes.push({ type: 'put', key, current: event.kv, previous })
      } else {
        this.#entries.delete(key)
        changes.push({ type: 'delete', key, current: undefined, previous })
      }
      if (event.kv.modRevision > this.#revision) this.#revision = event.kv.modRevision
    }
    this.#notify(changes)
  }

  #onBroken(reason: WatchBreak, error: Error): void {
    this.#watch = undefined
    if (this.#closed) return
    const log = this.#connection.logger
    if (reason === 'disconnected') {
      log.debug('etcd watch disconnected; resuming', { range: this.#describe(), revision: this.#revision, error })
      this.#retryLater(() => this.#watchFrom(this.#revision + 1))
    } else {
      log.warn('etcd watch broken; re-reading the range', { range: this.#describe(), reason, revision: this.#revision, error })
      this.#retryLater(() => this.#resync(), reason === 'compacted' ? 0 : undefined)
    }
  }

  #retryLater(action: () => void, delayMs = this.#backoffMs): void {
    this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2)
    this.#retryTimer = setTimeout(action, delayMs)
  }

  async #resync(): Promise<void> {
    try {
      await this.#readAll(true)
      this.#watchFrom(this.#revision + 1)
    } catch (error) {
      if (this.#closed) return
      this.#connection.logger.warn('etcd re-read failed; retrying', { range: this.#describe(), error })
      this.#retryLater(() => void this.#resync())
    }
  }

  /** Replaces the mirror with a fresh read and reports the difference as changes. */
  async #readAll(resync = false): Promise<void> {
    const spec = this.#spec
    const read = await this.#connection.range('prefix' in spec ? spec.prefix : spec.key)
    if (this.#closed) return
    // A single key is read as a prefix too (one call, one revision); keep only the key itself.
    const kvs = 'prefix' in spec ? read.kvs : read.kvs.filter((kv) => kv.key === spec.key)
    const revision = read.revision
    const changes: RangeChange[] = []
    const seen = new Set<string>()
    for (const kv of kvs) {
      seen.add(kv.key)
      const previous = this.#entries.get(kv.key)
      if (previous?.modRevision === kv.modRevision) continue
      this.#entries.set(kv.key, kv)
      changes.push({ type: 'put', key: kv.key, current: kv, previous })
    }
    for (const [key, previous] of this.#entries) {
      if (seen.has(key)) continue
      this.#entries.delete(key)
      changes.push({ type: 'delete', key, current: undefined, previous })
    }
    this.#revision = Math.max(this.#revision, revision)
    if (resync) this.#resyncs++
    this.#notify(changes)
  }

  #notify(changes: readonly RangeChange[]): void {
    if (changes.length === 0) return
    for (const listener of [...this.#listeners]) {
      try {
        listener(changes, this.#revision)
      } catch (error) {
        // One faulty listener must not stop the mirror or the other listeners.
        this.#connection.logger.error('etcd view listener threw', { range: this.#describe(), error })
      }
    }
  }

  #describe(): string {
    return 'prefix' in this.#spec ? `${this.#spec.prefix}*` : this.#spec.key
  }
}
