/**
 * HTTP Basic authentication for the gateway (gateway.auth=basic) against the broker's SASL users:
 * the PLAIN users of every SASL listener's JAAS line and the SCRAM users of the credential store,
 * so one set of users logs in over Kafka and over HTTP. The authenticated name becomes the
 * request's principal (User:<name>), which the REST routes hand to the same ACL checks as the
 * Kafka handlers.
 *
 * A SCRAM check derives the salted password (PBKDF2, 4,096+ iterations: about a millisecond), too
 * much for every request of a busy client, so a successful check is remembered for a minute by a
 * SHA-256 of the header (never the password itself); a changed or deleted credential is honoured
 * when that minute is up.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { BrokerConfig } from '../common/config/broker-config.js'
import type { KafkaPrincipal } from '../common/kafka-principal.js'
import { parseJaasConfig } from '../security/sasl/jaas-config.js'
import { PLAIN_LOGIN_MODULE, type PlainPasswordCheck, plainUsersFromJaas } from '../security/sasl/plain.js'
import { SCRAM_MECHANISMS, hash, hmac, saltedPassword } from '../security/sasl/scram-credential.js'
import type { ScramCredentialStore } from '../security/sasl/scram-credential-store.js'
import type { HttpAuthenticator } from './uws.js'

const REMEMBER_MS = 60_000
const MAX_REMEMBERED = 10_000

export function basicAuthenticator(config: BrokerConfig, scram: ScramCredentialStore): HttpAuthenticator {
  const plainChecks = plainUserChecks(config)
  const remembered = new Map<string, { principal: KafkaPrincipal; untilMs: number }>()

  const verify = (user: string, password: string): boolean => {
    if (plainChecks.some((check) => check(user, password))) return true
    for (const mechanism of SCRAM_MECHANISMS) {
      const credential = scram.credential(user, mechanism)
      if (credential === undefined) continue
      const salted = saltedPassword(mechanism, password, credential.salt, credential.iterations)
      const storedKey = hash(mechanism, hmac(mechanism, salted, 'Client Key'))
      if (storedKey.length === credential.storedKey.length && timingSafeEqual(storedKey, credential.storedKey)) return true
    }
    return false
  }

  return {
    challenge: 'Basic realm="samsa", charset="UTF-8"',
    isPublic: (path) => path.startsWith('/health/'),
    authenticate(authorization) {
      if (authorization === undefined || !/^basic /i.test(authorization)) return null
      const key = createHash('sha256').update(authorization).digest('base64')
      const now = Date.now()
      const known = remembered.get(key)
      if (known !== undefined && known.untilMs > now) return known.principal
      const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon <= 0) return null
      const user = decoded.slice(0, colon)
      if (!verify(user, decoded.slice(colon + 1))) return null
      const principal: KafkaPrincipal = { principalType: 'User', name: user }
      if (remembered.size >= MAX_REMEMBERED) remembered.clear()
      remembered.set(key, { principal, untilMs: now + REMEMBER_MS })
      return principal
    },
  }
}

/** The PLAIN password checks of every SASL listener that has PLAIN users. */
function plainUserChecks(config: BrokerConfig): PlainPasswordCheck[] {
  const checks: PlainPasswordCheck[] = []
  for (const listener of config.listeners()) {
    const text = config.saslSetting(listener.name, 'PLAIN', 'sasl.jaas.config')
    if (text === null || text === undefined) continue
    const entry = parseJaasConfig(text, `listener.name.${listener.name.toLowerCase()}.plain.sasl.jaas.config`).find((m) => m.loginModule === PLAIN_LOGIN_MODULE)
    if (entry !== undefined) checks.push(plainUsersFromJaas(entry.options).check)
  }
  return checks
}
