/**
 * Checks a user name and password against the SASL users, for front doors that receive a
 * password rather than a SASL exchange (the HTTP gateway's Basic authentication): the PLAIN users
 * of a listener's JAAS line, or a SCRAM credential, by deriving StoredKey from the password with
 * the stored salt and iterations and comparing in constant time. The password itself is never
 * stored or logged.
 */
import { timingSafeEqual } from 'node:crypto'
import type { PlainPasswordCheck } from './plain.js'
import { SCRAM_MECHANISMS, hash, hmac, saltedPassword } from './scram-credential.js'
import type { ScramCredentialStore } from './scram-credential-store.js'

/** True when `password` is the user's SCRAM password (for any mechanism the user has). */
export function scramPasswordMatches(store: ScramCredentialStore, username: string, password: string): boolean {
  for (const mechanism of SCRAM_MECHANISMS) {
    const credential = store.credential(username, mechanism)
    if (credential === undefined) continue
    const salted = saltedPassword(mechanism, password, credential.salt, credential.iterations)
    const storedKey = hash(mechanism, hmac(mechanism, salted, 'Client Key'))
    return storedKey.length === credential.storedKey.length && timingSafeEqual(storedKey, credential.storedKey)
  }
  return false
}

/** PLAIN users first (cheap), then SCRAM credentials. */
export function passwordMatches(plain: PlainPasswordCheck | null, store: ScramCredentialStore, username: string, password: string): boolean {
  if (plain !== null && plain(username, password)) return true
  return scramPasswordMatches(store, username, password)
}
