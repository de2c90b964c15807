/** Test helper: a SecurityStore in memory, for unit tests of the authorizer and quotas. */
import type { AclBinding } from '../../src/security/acl.js'
import { type ClientQuotaEntity, entityKey } from '../../src/security/client-quota-entity.js'
import { EMPTY_RECORDS, type SecurityRecords, quotaList, withAcls, withQuotas } from '../../src/security/security-records.js'
import type { QuotaChange, SecurityStore } from '../../src/security/security-store.js'

export class MemorySecurityStore implements SecurityStore {
  #records: SecurityRecords = EMPTY_RECORDS
  readonly #listeners = new Set<() => void>()

  acls(): readonly AclBinding[] {
    return [...this.#records.acls.values()]
  }

  async createAcls(bindings: readonly AclBinding[]): Promise<void> {
    this.#set(withAcls(this.#records, bindings, []))
  }

  async deleteAcls(bindings: readonly AclBinding[]): Promise<void> {
    this.#set(withAcls(this.#records, [], bindings))
  }

  quotas(): ReturnType<SecurityStore['quotas']> {
    return quotaList(this.#records)
  }

  async alterQuotas(entity: ClientQuotaEntity, changes: readonly QuotaChange[]): Promise<void> {
    this.#set(withQuotas(this.#records, entityKey(entity), changes))
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  close(): void {}

  #set(records: SecurityRecords): void {
    this.#records = records
    for (const listener of this.#listeners) listener()
  }
}
