/**
 * SASL/OAUTHBEARER (RFC 7628) as Kafka serves it (KIP-255): one client message,
 *
 *   n,[a=<authzid>],\x01auth=Bearer <token>\x01[<key>=<value>\x01]*\x01
 *
 * whose token is validated by one of Kafka's two server-side handlers:
 * - unsecured (OAuthBearerUnsecuredValidatorCallbackHandler, Kafka's default, for development):
 *   an unsigned JWS with alg "none"; the JAAS options unsecuredValidatorPrincipalClaimName,
 *   unsecuredValidatorScopeClaimName, unsecuredValidatorRequiredScope and
 *   unsecuredValidatorAllowableClockSkewMs tune it;
 * - signed (OAuthBearerValidatorCallbackHandler), chosen by sasl.oauthbearer.jwks.endpoint.url:
 *   RS/PS/ES signatures against the issuer's key set (jwks.ts), with
 *   sasl.oauthbearer.expected.audience / .expected.issuer / .sub.claim.name / .scope.claim.name /
 *   .clock.skew.seconds.
 * The session may not outlive the token: its exp bounds session_lifetime_ms (KIP-368).
 *
 * A refused token gets SASL_AUTHENTICATION_FAILED with the reason at once, rather than RFC 7628's
 * JSON error challenge and dummy round trip, so the client shows why without another exchange.
 */
import type { KafkaPrincipal } from '../../common/kafka-principal.js'
import { type JwksKeySource, validateSignedToken } from './jwks.js'
import { type ClaimRules, checkClaims, invalidToken, parseJwt } from './jwt.js'
import { SaslAuthenticationError, type SaslMechanism, type SaslServer, type SaslStep } from './sasl-server.js'

export const OAUTHBEARER_LOGIN_MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule'

export type OAuthBearerValidation =
  | { readonly kind: 'unsecured'; readonly rules: ClaimRules }
  | { readonly kind: 'jwks'; readonly keys: JwksKeySource; readonly rules: ClaimRules }

export class OAuthBearerMechanism implements SaslMechanism {
  readonly name = 'OAUTHBEARER'
  readonly #validation: OAuthBearerValidation
  readonly #now: () => number

  constructor(validation: OAuthBearerValidation, now: () => number = Date.now) {
    this.#validation = validation
    this.#now = now
  }

  createServer(): SaslServer {
    return new OAuthBearerSaslServer(this.#validation, this.#now)
  }
}

class OAuthBearerSaslServer implements SaslServer {
  readonly mechanism = 'OAUTHBEARER'
  readonly #validation: OAuthBearerValidation
  readonly #now: () => number
  #done = false

  constructor(validation: OAuthBearerValidation, now: () => number) {
    this.#validation = validation
    this.#now = now
  }

  async evaluate(token: Buffer): Promise<SaslStep> {
    if (this.#done) throw new SaslAuthenticationError('Unexpected SASL/OAUTHBEARER token after the exchange ended')
    this.#done = true
    const { authzid, bearer } = parseClientFirstMessage(token.toString('utf8'))
    const validated = this.#validation.kind === 'unsecured'
      ? validateUnsecuredToken(bearer, this.#validation.rules, this.#now())
      : await validateSignedToken(bearer, this.#validation.keys, this.#validation.rules, this.#now())
    if (authzid !== '' && authzid !== validated.principal) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from the token\'s principal')
    }
    const principal: KafkaPrincipal = { principalType: 'User', name: validated.principal }
    return { complete: true, challenge: Buffer.alloc(0), principal, credentialExpiresAtMs: validated.expiresAtMs }
  }
}

/** The authzid and bearer token of RFC 7628's client initial response. */
export function parseClientFirstMessage(text: string): { authzid: string; bearer: string } {
  const match = /^n,(?:a=([^,]*))?,\x01(.*)\x01$/s.exec(text)
  if (match === null) throw new SaslAuthenticationError('Authentication failed: invalid OAUTHBEARER client first message')
  let bearer: string | null = null
  for (const pair of match[2]!.split('\x01')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new SaslAuthenticationError('Authentication failed: invalid OAUTHBEARER client first message (a key/value pair has no "=")')
    if (pair.slice(0, eq) === 'auth') {
      const value = pair.slice(eq + 1)
      const bearerMatch = /^Bearer +(\S+)$/i.exec(value)
      if (bearerMatch === null) throw new SaslAuthenticationError('Authentication failed: invalid OAUTHBEARER client first message (auth is not "Bearer <token>")')
      bearer = bearerMatch[1]!
    }
  }
  if (bearer === null) throw new SaslAuthenticationError('Authentication failed: invalid OAUTHBEARER client first message (no auth=Bearer)')
  return { authzid: match[1] ?? '', bearer }
}

/** Kafka's unsecured validation: alg none, no signature, then the usual claim checks. */
export function validateUnsecuredToken(token: string, rules: ClaimRules, nowMs: number): { principal: string; expiresAtMs: number } {
  const jwt = parseJwt(token)
  if (jwt.header['alg'] !== 'none') throw invalidToken(`an unsecured token must have alg "none", not ${JSON.stringify(jwt.header['alg'])} (configure sasl.oauthbearer.jwks.endpoint.url to accept signed tokens)`)
  if (jwt.signature.length !== 0) throw invalidToken('an unsecured token has no signature part')
  return checkClaims(jwt.claims, rules, nowMs)
}
