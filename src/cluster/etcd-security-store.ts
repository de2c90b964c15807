/**
 * The cluster's SecurityStore: ACLs and client quotas in etcd, watched by every broker, so an
 * ACL created through any broker applies on all of them as soon as their watch delivers it.
 *
 *   <prefix>/security/acls/<base64url of the binding's key>   the binding, JSON
 *   <prefix>/security/quotas/<entity key>/<quota key>           the value, as text
 *
 * One key per binding and per quota value makes every change a blind put or delete (no
 * read-modify-write, so no lost-update race between brokers): creating an existing binding puts
 * the same value again, deleting a missing one deletes nothing. A change resolves once this
 * broker's mirror shows it.
 */
import type { AclBinding } from '../security/acl.js'
import { bindingKey } from '../security/acl.js'
import { type ClientQuotaEntity, type QuotaKey, entityKey, isQuotaKey } from '../security/client-quota-entity.js'
import { EMPTY_RECORDS, type SecurityRecords, quotaList, withAcls, withQuotas } from '../security/security-records.js'
import type { QuotaChange, SecurityStore } from '../security/security-store.js'
import type { EtcdConnection, TxnOp } from './etcd-connection.js'
import { WatchedRange } from './watched-range.js'

const VIEW_CATCH_UP_MS = 30_000
/** etcd's default --max-txn-ops. */
const MAX_TXN_OPS = 128

export class EtcdSecurityStore implements SecurityStore {
  readonly #connection: EtcdConnection
  readonly #range: WatchedRange
  readonly #aclRoot: string
  readonly #quotaRoot: string
  readonly #listeners = new Set<() => void>()
  #records: SecurityRecords = EMPTY_RECORDS

  constructor(connection: EtcdConnection) {
    this.#connection = connection
    const root = connection.key('security') + '/'
    this.#aclRoot = root + 'acls/'
    this.#quotaRoot = root + 'quotas/'
    this.#range = new WatchedRange(connection, { prefix: root })
    this.#range.onChange(() => this.#reload())
  }

  async start(): Promise<void> {
    await this.#range.start()
    this.#reload()
  }

  close(): void {
    this.#range.close()
    this.#listeners.clear()
  }

  acls(): readonly AclBinding[] {
    return [...this.#records.acls.values()]
  }

  createAcls(bindings: readonly AclBinding[]): Promise<void> {
    return this.#commit(bindings.map((binding) => ({ op: 'put', key: this.#aclKey(binding), value: JSON.stringify(binding) })))
  }

  deleteAcls(bindings: readonly AclBinding[]): Promise<void> {
    return this.#commit(bindings.map((binding) => ({ op: 'delete', key: this.#aclKey(binding) })))
  }

  quotas(): ReturnType<SecurityStore['quotas']> {
    return quotaList(this.#records)
  }

  alterQuotas(entity: ClientQuotaEntity, changes: readonly QuotaChange[]): Promise<void> {
    const base = this.#quotaRoot + encodeURIComponent(entityKey(entity)) + '/'
    return this.#commit(changes.map((change) => change.value === null
      ? { op: 'delete', key: base + change.key }
      : { op: 'put', key: base + change.key, value: String(change.value) }))
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #aclKey(binding: AclBinding): string {
    return this.#aclRoot + Buffer.from(bindingKey(binding)).toString('base64url')
  }

  /**
   * Writes the ops in transactions of at most MAX_TXN_OPS (etcd refuses more, --max-txn-ops
   * being 128 by default, and refuses a key twice in one): a CreateAcls of 1,000 bindings is
   * several transactions, each applied whole, so a failure part-way leaves the first ones in
   * place, which the client's error says and a retry completes (puts and deletes are idempotent).
   */
  async #commit(ops: TxnOp[]): Promise<void> {
    const byKey = new Map<string, TxnOp>()
    for (const op of ops) byKey.set(op.key, op)
    const distinct = [...byKey.values()]
    let revision = 0
    for (let start = 0; start < distinct.length; start += MAX_TXN_OPS) {
      const result = await this.#connection.txn([], distinct.slice(start, start + MAX_TXN_OPS))
      revision = result.revision
    }
    if (revision > 0) await this.#range.waitForRevision(revision, VIEW_CATCH_UP_MS)
  }

  /** Rebuilds the records from the mirror (a few thousand keys at most; changes are rare). */
  #reload(): void {
    const acls: AclBinding[] = []
    const quotas = new Map<string, QuotaChange[]>()
    for (const kv of this.#range.values()) {
      if (kv.key.startsWith(this.#aclRoot)) {
        try {
          acls.push(JSON.parse(kv.value) as AclBinding)
        } catch {
          // Written past the API by hand: skip it rather than stop every broker.
        }
      } else if (kv.key.startsWith(this.#quotaRoot)) {
        const rest = kv.key.slice(this.#quotaRoot.length)
        const slash = rest.lastIndexOf('/')
        const entity = decodeURIComponent(rest.slice(0, slash))
        const key = rest.slice(slash + 1)
        const value = Number(kv.value)
        if (!isQuotaKey(key) || !Number.isFinite(value)) continue
        let list = quotas.get(entity)
        if (list === undefined) quotas.set(entity, list = [])
        list.push({ key: key as QuotaKey, value })
      }
    }
    let records = withAcls(EMPTY_RECORDS, acls, [])
    for (const [entity, changes] of quotas) records = withQuotas(records, entity, changes)
    this.#records = records
    for (const listener of this.#listeners) listener()
  }
}
