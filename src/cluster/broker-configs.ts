/**
 * Dynamic broker configs in etcd: one key per broker that has any,
 *
 *   <prefix>/configs/brokers/<id>   {"leader.replication.throttled.rate":"200000", ...}
 *
 * values as text, as Kafka keeps them. Kept in etcd rather than on the broker's disk so they
 * survive a restart (and a lost data directory), and so they apply to the broker they name
 * whichever broker wrote them. Every broker watches the whole range and is told when its own
 * key changes.
 *
 * A change is a read-modify-write: the new value is computed from the value the mirror shows
 * and written only if the key is still at that revision (or still absent), retried on a lost
 * race, and resolves once the mirror shows the write. An empty set of overrides deletes the key.
 */
import type { EtcdConnection, KeyValue, TxnResult } from './etcd-connection.js'
import { type RangeChange, WatchedRange } from './watched-range.js'

const VIEW_CATCH_UP_MS = 30_000
const MAX_STALE_RETRIES = 10

export type BrokerConfigListener = (brokerId: number, configs: Readonly<Record<string, string>>) => void

export class BrokerConfigStore {
  readonly #connection: EtcdConnection
  readonly #range: WatchedRange
  readonly #root: string
  readonly #listeners = new Set<BrokerConfigListener>()

  constructor(connection: EtcdConnection) {
    this.#connection = connection
    this.#root = connection.key('configs', 'brokers') + '/'
    this.#range = new WatchedRange(connection, { prefix: this.#root })
    this.#range.onChange((changes) => this.#notify(changes))
  }

  /** Reads every broker's overrides and starts following changes. */
  async start(): Promise<void> {
    await this.#range.start()
  }

  close(): void {
    this.#range.close()
    this.#listeners.clear()
  }

  /** Broker `brokerId`'s overrides (empty when it has none). */
  configs(brokerId: number): Readonly<Record<string, string>> {
    const kv = this.#range.get(this.#key(brokerId))
    return kv === undefined ? {} : this.#parse(kv)
  }

  /** Called with a broker's whole new set of overrides whenever it changes; returns the unsubscribe function. */
  onChange(listener: BrokerConfigListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Replaces broker `brokerId`'s overrides with `update(current)`. `update` may throw to refuse
   * (nothing is written); it may be called again after a lost race.
   */
  async update(brokerId: number, update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>): Promise<void> {
    const key = this.#key(brokerId)
    for (let attempt = 0; ; attempt++) {
      const seen = this.#range.get(key)
      const next = update(seen === undefined ? {} : this.#parse(seen))
      const empty = Object.keys(next).length === 0
      if (empty && seen === undefined) return
      const compare = seen === undefined
        ? { key, target: 'create' as const, result: '=' as const, value: 0 }
        : { key, target: 'mod' as const, result: '=' as const, value: seen.modRevision }
      const result: TxnResult = await this.#connection.txn(
        [compare],
        [empty ? { op: 'delete', key } : { op: 'put', key, value: JSON.stringify(sorted(next)) }],
        [{ op: 'get', key }],
      )
      if (result.succeeded) {
        await this.#range.waitForRevision(result.revision, VIEW_CATCH_UP_MS)
        return
      }
      if (attempt >= MAX_STALE_RETRIES) throw new Error(`the configs of broker ${brokerId} kept changing under this request; try again`)
      // Someone else wrote it first: decide again once the mirror shows their write.
      const current = result.reads[0]?.[0]?.modRevision ?? 0
      await this.#range.waitFor(() => (this.#range.get(key)?.modRevision ?? 0) === current, VIEW_CATCH_UP_MS, `${key} at revision ${current}`)
    }
  }

  #key(brokerId: number): string {
    return `${this.#root}${brokerId}`
  }

  /** etcd can be written by anyone: a malformed value counts as no overrides, with a warning. */
  #parse(kv: KeyValue): Record<string, string> {
    try {
      const value: unknown = JSON.parse(kv.value)
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) {
        return value as Record<string, string>
      }
    } catch {
      // reported below
    }
    this.#connection.logger.warn('ignoring malformed dynamic broker configs in etcd', { key: kv.key })
    return {}
  }

  #notify(changes: readonly RangeChange[]): void {
    for (const change of changes) {
      const id = change.key.slice(this.#root.length)
      if (!/^\d+$/.test(id)) continue
      const configs = change.current === undefined ? {} : this.#parse(change.current)
      for (const listener of [...this.#listeners]) {
        try {
          listener(Number(id), configs)
        } catch (error) {
          this.#connection.logger.error('broker config listener threw', { error })
        }
      }
    }
  }
}

function sorted(configs: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(configs).sort(([a], [b]) => (a < b ? -1 : 1)))
}
