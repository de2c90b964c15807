/**
 * SASL/PLAIN (RFC 4616): one client message, `authzid NUL authcid NUL passwd`, checked against
 * the users Kafka's PlainLoginModule lists in the JAAS config (`user_<name>="<password>"`).
 * The password travels in the clear inside the connection, which is why Kafka (and Samsa) use
 * PLAIN over SASL_SSL in production.
 *
 * Comparison is constant-time over equal-length digests so a response time says nothing about
 * how much of a password was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { type KafkaPrincipal } from '../../common/kafka-principal.js'
import { PLAIN_FAILURE_MESSAGE, SaslAuthenticationError, type SaslMechanism, type SaslServer, type SaslStep } from './sasl-server.js'

export const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule'

/** Checks a user name and password; true when they match a configured user. */
export type PlainPasswordCheck = (username: string, password: string) => boolean

export class PlainMechanism implements SaslMechanism {
  readonly name = 'PLAIN'
  readonly #check: PlainPasswordCheck

  constructor(check: PlainPasswordCheck) {
    this.#check = check
  }

  createServer(): SaslServer {
    return new PlainSaslServer(this.#check)
  }
}

class PlainSaslServer implements SaslServer {
  readonly mechanism = 'PLAIN'
  readonly #check: PlainPasswordCheck

  constructor(check: PlainPasswordCheck) {
    this.#check = check
  }

  evaluate(token: Buffer): SaslStep {
    const first = token.indexOf(0)
    const second = first < 0 ? -1 : token.indexOf(0, first + 1)
    if (first < 0 || second < 0 || token.indexOf(0, second + 1) >= 0) {
      throw new SaslAuthenticationError('Invalid SASL/PLAIN response: expected 3 tokens, got a malformed message')
    }
    const authorizationId = token.toString('utf8', 0, first)
    const username = token.toString('utf8', first + 1, second)
    const password = token.toString('utf8', second + 1)
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified')
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified')
    if (authorizationId !== '' && authorizationId !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username')
    }
    if (!this.#check(username, password)) throw new SaslAuthenticationError(PLAIN_FAILURE_MESSAGE, `PLAIN: bad password or unknown user '${username}'`)
    const principal: KafkaPrincipal = { principalType: 'User', name: username }
    return { complete: true, challenge: Buffer.alloc(0), principal }
  }
}

/**
 * The users of a PlainLoginModule JAAS entry (`user_alice="alice-secret"`), as a constant-time
 * password check. Unknown users are compared against a dummy digest, so the check takes the
 * same time whether or not the user exists.
 */
export function plainUsersFromJaas(options: ReadonlyMap<string, string>): { users: string[]; check: PlainPasswordCheck } {
  const digests = new Map<string, Buffer>()
  for (const [key, value] of options) {
    if (key.startsWith('user_') && key.length > 'user_'.length) digests.set(key.slice('user_'.length), sha256(value))
  }
  const dummy = sha256('\0samsa-no-such-user')
  return {
    users: [...digests.keys()],
    check(username, password) {
      const expected = digests.get(username)
      const match = timingSafeEqual(expected ?? dummy, sha256(password))
      return expected !== undefined && match
    },
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}
