/**
 * Dynamic configs of one kind of entity in etcd (brokers, groups): one key per entity that has any,
 *
 *   <prefix>/configs/brokers/<id>              {"leader.replication.throttled.rate":"200000", ...}
 *   <prefix>/configs/groups/<url-encoded id>   {"share.auto.offset.reset":"earliest", ...}
 *
 * values as text, as Kafka keeps them. Kept in etcd rather than on a broker's disk so they
 * survive a restart (and a lost data directory), and so they apply wherever the entity lives
 * (the broker named, the group's coordinator) whichever broker wrote them. Every broker watches
 * the whole range and is told when a key changes.
 *
 * A change is a read-modify-write: the new value is computed from the value the mirror shows
 * and written only if the key is still at that revision (or still absent), retried on a lost
 * race, and resolves once the mirror shows the write. An empty set of overrides deletes the key.
 */
import type { EtcdConnection, KeyValue, TxnResult } from './etcd-connection.js'
import { type RangeChange, WatchedRange } from './watched-range.js'

const VIEW_CATCH_UP_MS = 30_000
const MAX_STALE_RETRIES = 10

export type EntityConfigListener = (name: string, configs: Readonly<Record<string, string>>) => void

const NO_CONFIGS: Readonly<Record<string, string>> = Object.freeze({})

export class EntityConfigStore {
  readonly #connection: EtcdConnection
  readonly #range: WatchedRange
  readonly #root: string
  readonly #entityType: string
  readonly #listeners = new Set<EntityConfigListener>()
  /** One parsed object per stored value, so an unchanged entity reads as the same object. */
  readonly #parsed = new WeakMap<KeyValue, Readonly<Record<string, string>>>()

  constructor(connection: EtcdConnection, entityType: 'brokers' | 'groups') {
    this.#connection = connection
    this.#entityType = entityType
    this.#root = connection.key('configs', entityType) + '/'
    this.#range = new WatchedRange(connection, { prefix: this.#root })
    this.#range.onChange((changes) => this.#notify(changes))
  }

  /** Reads every entity's overrides and starts following changes. */
  async start(): Promise<void> {
    await this.#range.start()
  }

  close(): void {
    this.#range.close()
    this.#listeners.clear()
  }

  /** Entity `name`'s overrides (empty when it has none); the same object until they change. */
  configs(name: string | number): Readonly<Record<string, string>> {
    const kv = this.#range.get(this.#key(name))
    return kv === undefined ? NO_CONFIGS : this.#parse(kv)
  }

  /** The names of the entities that have overrides. */
  *names(): IterableIterator<string> {
    for (const kv of this.#range.values()) {
      const name = this.#nameOf(kv.key)
      if (name !== undefined) yield name
    }
  }

  /** Called with an entity's whole new set of overrides whenever it changes; returns the unsubscribe function. */
  onChange(listener: EntityConfigListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Replaces entity `name`'s overrides with `update(current)`. `update` may throw to refuse
   * (nothing is written); it may be called again after a lost race.
   */
  async update(name: string | number, update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>): Promise<void> {
    const key = this.#key(name)
    for (let attempt = 0; ; attempt++) {
      const seen = this.#range.get(key)
      const next = update(seen === undefined ? NO_CONFIGS : this.#parse(seen))
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
      if (attempt >= MAX_STALE_RETRIES) throw new Error(`the configs of ${this.#entityType} '${name}' kept changing under this request; try again`)
      // Someone else wrote it first: decide again once the mirror shows their write.
      const current = result.reads[0]?.[0]?.modRevision ?? 0
      await this.#range.waitFor(() => (this.#range.get(key)?.modRevision ?? 0) === current, VIEW_CATCH_UP_MS, `${key} at revision ${current}`)
    }
  }

  /** A group id may hold any character, '/' included: encoded, so it stays one path segment. */
  #key(name: string | number): string {
    return `${this.#root}${encodeURIComponent(String(name))}`
  }

  /** The entity a key names; undefined for a key written past the API that does not decode. */
  #nameOf(key: string): string | undefined {
    try {
      return decodeURIComponent(key.slice(this.#root.length))
    } catch {
      return undefined
    }
  }

  /** etcd can be written by anyone: a malformed value counts as no overrides, with a warning. */
  #parse(kv: KeyValue): Readonly<Record<string, string>> {
    const known = this.#parsed.get(kv)
    if (known !== undefined) return known
    let parsed: Readonly<Record<string, string>> = NO_CONFIGS
    try {
      const value: unknown = JSON.parse(kv.value)
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) {
        parsed = Object.freeze(value as Record<string, string>)
      } else {
        this.#connection.logger.warn(`ignoring malformed dynamic ${this.#entityType} configs in etcd`, { key: kv.key })
      }
    } catch {
      this.#connection.logger.warn(`ignoring malformed dynamic ${this.#entityType} configs in etcd`, { key: kv.key })
    }
    this.#parsed.set(kv, parsed)
    return parsed
  }

  #notify(changes: readonly RangeChange[]): void {
    for (const change of changes) {
      const name = this.#nameOf(change.key)
      if (name === undefined) continue
      const configs = change.current === undefined ? NO_CONFIGS : this.#parse(change.current)
      for (const listener of [...this.#listeners]) {
        try {
          listener(name, configs)
        } catch (error) {
          this.#connection.logger.error(`${this.#entityType} config listener threw`, { error })
        }
      }
    }
  }
}

function sorted(configs: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(configs).sort(([a], [b]) => (a < b ? -1 : 1)))
}
