/**
 * SCRAM credentials in etcd, one key per user and mechanism:
 *
 *   <prefix>/scram/<mechanism>/<user, URI-encoded>   {"salt":"…","iterations":8192,"storedKey":"…","serverKey":"…"}
 *
 * Every broker mirrors the whole range (WatchedRange), so lookups during a login are
 * synchronous, and a credential changed through any broker (AlterUserScramCredentials, or
 * `samsa user add --etcd` before the cluster starts) holds on every broker once its watch sees
 * it. A change is one etcd transaction, so a request's upsertions and deletions land together,
 * and resolves once this broker's mirror shows it.
 */
import type { EtcdConnection, TxnOp } from './etcd-connection.js'
import { WatchedRange } from './watched-range.js'
import { type ScramCredential, type ScramMechanismName, SCRAM_MECHANISMS } from '../security/sasl/scram-credential.js'
import {
  type ScramCredentialChange,
  type ScramCredentialStore,
  type ScramUserDescription,
  fromStored,
  toStored,
} from '../security/sasl/scram-credential-store.js'

const VIEW_CATCH_UP_MS = 30_000

export class EtcdScramCredentialStore implements ScramCredentialStore {
  readonly #connection: EtcdConnection
  readonly #range: WatchedRange
  readonly #root: string

  constructor(connection: EtcdConnection) {
    this.#connection = connection
    this.#root = connection.key('scram') + '/'
    this.#range = new WatchedRange(connection, { prefix: this.#root })
  }

  async start(): Promise<void> {
    await this.#range.start()
  }

  close(): void {
    this.#range.close()
  }

  credential(user: string, mechanism: ScramMechanismName): ScramCredential | undefined {
    const kv = this.#range.get(this.#key(user, mechanism))
    if (kv === undefined) return undefined
    try {
      return fromStored(JSON.parse(kv.value))
    } catch {
      this.#connection.logger.warn('ignoring a malformed SCRAM credential in etcd', { key: kv.key })
      return undefined
    }
  }

  users(): ScramUserDescription[] {
    const byUser = new Map<string, Array<{ mechanism: ScramMechanismName; iterations: number }>>()
    for (const kv of this.#range.values()) {
      const rest = kv.key.slice(this.#root.length)
      const slash = rest.indexOf('/')
      const mechanism = rest.slice(0, slash) as ScramMechanismName
      if (slash < 0 || !SCRAM_MECHANISMS.includes(mechanism)) continue
      const user = decodeURIComponent(rest.slice(slash + 1))
      const credential = this.credential(user, mechanism)
      if (credential === undefined) continue
      const list = byUser.get(user) ?? []
      list.push({ mechanism, iterations: credential.iterations })
      byUser.set(user, list)
    }
    return [...byUser].sort(([a], [b]) => (a < b ? -1 : 1)).map(([user, credentials]) => ({ user, credentials }))
  }

  async alter(changes: readonly ScramCredentialChange[]): Promise<void> {
    if (changes.length === 0) return
    const ops: TxnOp[] = changes.map((change) =>
      change.credential === null
        ? { op: 'delete', key: this.#key(change.user, change.mechanism) }
        : { op: 'put', key: this.#key(change.user, change.mechanism), value: JSON.stringify(toStored(change.credential)) },
    )
    const result = await this.#connection.txn([], ops)
    await this.#range.waitForRevision(result.revision, VIEW_CATCH_UP_MS)
  }

  #key(user: string, mechanism: ScramMechanismName): string {
    return `${this.#root}${mechanism}/${encodeURIComponent(user)}`
  }
}
