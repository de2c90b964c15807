/**
 * SCRAM credentials (RFC 5802 §3, RFC 7677), stored the way Kafka stores them: the salt, the
 * iteration count, StoredKey = H(HMAC(SaltedPassword, "Client Key")) and
 * ServerKey = HMAC(SaltedPassword, "Server Key"). Neither the password nor SaltedPassword is
 * kept: StoredKey lets the broker check a client's proof, ServerKey lets it prove itself, and
 * neither lets anyone who reads the store log in.
 *
 * Kafka's limits: iterations from 4096 to 16384 (ScramMechanism's minIterations, and
 * AlterUserScramCredentials refuses more than 16384).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

export const SCRAM_MECHANISMS: readonly ScramMechanismName[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512']

export const SCRAM_MIN_ITERATIONS = 4096
export const SCRAM_MAX_ITERATIONS = 16384
/** What kafka-configs uses when `iterations=` is left out. */
export const SCRAM_DEFAULT_ITERATIONS = 4096

/** The mechanism numbers of Describe/AlterUserScramCredentials (0 is UNKNOWN). */
export const SCRAM_MECHANISM_CODES: Readonly<Record<ScramMechanismName, number>> = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 }

export function scramMechanismByCode(code: number): ScramMechanismName | undefined {
  return code === 1 ? 'SCRAM-SHA-256' : code === 2 ? 'SCRAM-SHA-512' : undefined
}

export function isScramMechanism(name: string): name is ScramMechanismName {
  return name === 'SCRAM-SHA-256' || name === 'SCRAM-SHA-512'
}

export interface ScramCredential {
  readonly salt: Buffer
  readonly iterations: number
  readonly storedKey: Buffer
  readonly serverKey: Buffer
}

export function hashAlgorithm(mechanism: ScramMechanismName): 'sha256' | 'sha512' {
  return mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512'
}

function digestLength(mechanism: ScramMechanismName): number {
  return mechanism === 'SCRAM-SHA-256' ? 32 : 64
}

/** Hi(password, salt, i) of RFC 5802: PBKDF2 with HMAC of the mechanism's hash. */
export function saltedPassword(mechanism: ScramMechanismName, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, digestLength(mechanism), hashAlgorithm(mechanism))
}

export function hmac(mechanism: ScramMechanismName, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(hashAlgorithm(mechanism), key).update(data).digest()
}

export function hash(mechanism: ScramMechanismName, data: Buffer): Buffer {
  return createHash(hashAlgorithm(mechanism)).update(data).digest()
}

/** The stored form of a credential, from the salted password a client (or `samsa user`) computed. */
export function credentialFromSaltedPassword(mechanism: ScramMechanismName, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(mechanism, salted, 'Client Key')
  return {
    salt: Buffer.from(salt),
    iterations,
    storedKey: hash(mechanism, clientKey),
    serverKey: hmac(mechanism, salted, 'Server Key'),
  }
}

/** A new credential for a password, with a fresh random salt (as kafka-configs makes one). */
export function newScramCredential(mechanism: ScramMechanismName, password: string, iterations = SCRAM_DEFAULT_ITERATIONS): ScramCredential {
  const salt = randomBytes(32)
  return credentialFromSaltedPassword(mechanism, saltedPassword(mechanism, password, salt, iterations), salt, iterations)
}

/** Why `iterations` is unacceptable, or null (Kafka's UNACCEPTABLE_CREDENTIAL messages). */
export function checkIterations(iterations: number): string | null {
  if (iterations < SCRAM_MIN_ITERATIONS) return `Too few iterations: ${iterations} is below the minimum of ${SCRAM_MIN_ITERATIONS}`
  if (iterations > SCRAM_MAX_ITERATIONS) return `Too many iterations: ${iterations} is above the maximum of ${SCRAM_MAX_ITERATIONS}`
  return null
}
