/**
 * Where ACLs and client quotas are kept: durably, and visible to every broker of a cluster.
 * Two implementations, like the MetadataStore's: a file beside the single broker's metadata
 * (file-security-store.ts) and etcd keys that every broker watches (src/cluster/etcd-security-store.ts).
 *
 * Kept apart from the MetadataStore interface on purpose: ACLs and quotas change through their
 * own APIs (CreateAcls, AlterClientQuotas), are read on every request through an in-memory index,
 * and nothing about topics or partitions depends on them.
 *
 * Reads are synchronous (the last durable state); changes resolve once durable and visible here.
 */
import type { AclBinding } from './acl.js'
import type { ClientQuotaEntity, QuotaKey } from './client-quota-entity.js'

export interface QuotaChange {
  readonly key: QuotaKey
  /** The new value, or null to remove the setting. */
  readonly value: number | null
}

export interface SecurityStore {
  /** Every ACL binding, in no particular order. */
  acls(): readonly AclBinding[]
  /** Adds the bindings (a binding already present stays one). */
  createAcls(bindings: readonly AclBinding[]): Promise<void>
  /** Removes the bindings that are present; the others are ignored. */
  deleteAcls(bindings: readonly AclBinding[]): Promise<void>
  /** Every entity that has quotas, with its settings. */
  quotas(): ReadonlyArray<{ readonly entity: ClientQuotaEntity; readonly values: Readonly<Partial<Record<QuotaKey, number>>> }>
  /** Applies the changes to one entity's quotas. */
  alterQuotas(entity: ClientQuotaEntity, changes: readonly QuotaChange[]): Promise<void>
  /** Called after any change, by anyone, is visible here (ACLs or quotas). Returns the unsubscribe. */
  onChange(listener: () => void): () => void
  close(): void
}
