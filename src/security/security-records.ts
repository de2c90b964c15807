/**
 * The in-memory form of ACLs and quotas both stores build from what they hold: the bindings by
 * key, and each entity's quota values. A store replaces it whole on every change, so readers
 * (the authorizer's index, the quota manager) never see half a change.
 */
import { type AclBinding, bindingKey } from './acl.js'
import { type ClientQuotaEntity, type QuotaKey, entityFromKey } from './client-quota-entity.js'
import type { QuotaChange } from './security-store.js'

export interface SecurityRecords {
  /** Bindings by bindingKey. */
  readonly acls: ReadonlyMap<string, AclBinding>
  /** Quota values by entityKey. */
  readonly quotas: ReadonlyMap<string, Readonly<Partial<Record<QuotaKey, number>>>>
}

export const EMPTY_RECORDS: SecurityRecords = { acls: new Map(), quotas: new Map() }

export function withAcls(records: SecurityRecords, added: readonly AclBinding[], removed: readonly AclBinding[]): SecurityRecords {
  const acls = new Map(records.acls)
  for (const binding of added) acls.set(bindingKey(binding), binding)
  for (const binding of removed) acls.delete(bindingKey(binding))
  return { acls, quotas: records.quotas }
}

export function withQuotas(records: SecurityRecords, entityKeyText: string, changes: readonly QuotaChange[]): SecurityRecords {
  const quotas = new Map(records.quotas)
  const values: Partial<Record<QuotaKey, number>> = { ...quotas.get(entityKeyText) }
  for (const change of changes) {
    if (change.value === null) delete values[change.key]
    else values[change.key] = change.value
  }
  if (Object.keys(values).length === 0) quotas.delete(entityKeyText)
  else quotas.set(entityKeyText, values)
  return { acls: records.acls, quotas }
}

export function quotaList(records: SecurityRecords): Array<{ entity: ClientQuotaEntity; values: Readonly<Partial<Record<QuotaKey, number>>> }> {
  return [...records.quotas].map(([key, values]) => ({ entity: entityFromKey(key), values }))
}
