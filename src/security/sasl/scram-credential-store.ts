/**
 * Where SCRAM credentials live: the single broker's data directory (scram-credential-file.ts)
 * or, in a cluster, etcd (src/cluster/scram-credential-etcd-store.ts), so that every broker
 * authenticates the same users and a credential changed through any broker holds on all of them.
 *
 * Lookups are synchronous (the SCRAM exchange runs on the event loop and a lookup per login must
 * cost nothing); changes resolve once durable and visible to this broker's lookups.
 */
import type { ScramCredential, ScramMechanismName } from './scram-credential.js'

export interface ScramCredentialChange {
  readonly user: string
  readonly mechanism: ScramMechanismName
  /** The new credential, or null to delete the user's credential for this mechanism. */
  readonly credential: ScramCredential | null
}

export interface ScramUserDescription {
  readonly user: string
  readonly credentials: ReadonlyArray<{ readonly mechanism: ScramMechanismName; readonly iterations: number }>
}

export interface ScramCredentialStore {
  credential(user: string, mechanism: ScramMechanismName): ScramCredential | undefined
  /** Every user with at least one credential, sorted by name. */
  users(): ScramUserDescription[]
  /** Applies the changes together: all become visible, or none. */
  alter(changes: readonly ScramCredentialChange[]): Promise<void>
  close(): void
}

/** The JSON form of one credential, as both stores keep it (binary fields in base64). */
export interface StoredScramCredential {
  readonly salt: string
  readonly iterations: number
  readonly storedKey: string
  readonly serverKey: string
}

export function toStored(credential: ScramCredential): StoredScramCredential {
  return {
    salt: credential.salt.toString('base64'),
    iterations: credential.iterations,
    storedKey: credential.storedKey.toString('base64'),
    serverKey: credential.serverKey.toString('base64'),
  }
}

/** Reads a stored credential; undefined when it is malformed (a store may be edited by hand). */
export function fromStored(value: unknown): ScramCredential | undefined {
  const v = value as Partial<StoredScramCredential> | null
  if (typeof v !== 'object' || v === null) return undefined
  if (typeof v.salt !== 'string' || typeof v.storedKey !== 'string' || typeof v.serverKey !== 'string' || !Number.isInteger(v.iterations)) return undefined
  return { salt: Buffer.from(v.salt, 'base64'), iterations: v.iterations!, storedKey: Buffer.from(v.storedKey, 'base64'), serverKey: Buffer.from(v.serverKey, 'base64') }
}
