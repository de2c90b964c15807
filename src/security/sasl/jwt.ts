/**
 * A compact JWS (RFC 7515) split into what validators need: the decoded header and claims, the
 * signed text and the signature. Parsing only; validation is unsecured-jwt.ts or jwks.ts.
 * A token from the network is untrusted: every part is checked for shape before use, and a
 * token larger than MAX_TOKEN_BYTES is refused before it is decoded.
 */
import { SaslAuthenticationError } from './sasl-server.js'

/** Well over any real access token; the frame itself is bounded by sasl.server.max.receive.size. */
const MAX_TOKEN_BYTES = 64 * 1024

export interface ParsedJwt {
  readonly header: Readonly<Record<string, unknown>>
  readonly claims: Readonly<Record<string, unknown>>
  /** `<header>.<payload>` as sent: the bytes the signature covers. */
  readonly signingInput: string
  readonly signature: Buffer
}

export function parseJwt(token: string): ParsedJwt {
  if (token.length > MAX_TOKEN_BYTES) throw invalidToken(`the token is longer than ${MAX_TOKEN_BYTES} bytes`)
  const parts = token.split('.')
  if (parts.length !== 3) throw invalidToken(`a JWS has 3 dot-separated parts, this token has ${parts.length}`)
  if (!parts.every((part) => /^[A-Za-z0-9_-]*$/.test(part))) throw invalidToken('the token is not base64url')
  const header = decodeJsonPart(parts[0]!, 'header')
  const claims = decodeJsonPart(parts[1]!, 'payload')
  return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') }
}

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    throw invalidToken(`the ${what} is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidToken(`the ${what} is not a JSON object`)
  return value as Record<string, unknown>
}

export function invalidToken(why: string): SaslAuthenticationError {
  return new SaslAuthenticationError(`Authentication failed: invalid OAUTHBEARER token: ${why}`)
}

export interface ClaimRules {
  /** The claim that names the principal (sub). */
  readonly subClaimName: string
  readonly scopeClaimName: string
  /** Scopes the token must all carry. */
  readonly requiredScopes: readonly string[]
  readonly clockSkewMs: number
  readonly expectedAudiences: readonly string[]
  readonly expectedIssuer: string | null
}

/**
 * Checks the claims every validator checks (Kafka's OAuthBearerUnsecuredJws and
 * ValidatorAccessTokenValidator): exp present and not past, iat (when present) not in the
 * future, a principal name, the required scopes, the audience and issuer when configured.
 * Returns the principal name and the expiry in epoch ms.
 */
export function checkClaims(claims: Readonly<Record<string, unknown>>, rules: ClaimRules, nowMs: number): { principal: string; expiresAtMs: number } {
  const exp = claims['exp']
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalidToken('the exp claim is missing or not a number')
  const expiresAtMs = Math.round(exp * 1000)
  if (nowMs - rules.clockSkewMs >= expiresAtMs) throw invalidToken(`the token expired at ${new Date(expiresAtMs).toISOString()}`)
  const iat = claims['iat']
  if (iat !== undefined) {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalidToken('the iat claim is not a number')
    if (iat * 1000 > nowMs + rules.clockSkewMs) throw invalidToken('the token was issued in the future (iat)')
  }
  const principal = claims[rules.subClaimName]
  if (typeof principal !== 'string' || principal.trim() === '') throw invalidToken(`the ${rules.subClaimName} claim is missing or empty`)
  if (rules.requiredScopes.length > 0) {
    const raw = claims[rules.scopeClaimName]
    const scopes = new Set(typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw.map(String) : [])
    const missing = rules.requiredScopes.filter((scope) => !scopes.has(scope))
    if (missing.length > 0) throw invalidToken(`the token lacks the required scope(s) ${missing.join(', ')}`)
  }
  if (rules.expectedAudiences.length > 0) {
    const raw = claims['aud']
    const audiences = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.map(String) : []
    if (!audiences.some((aud) => rules.expectedAudiences.includes(aud))) throw invalidToken(`the audience (aud) is not one of ${rules.expectedAudiences.join(', ')}`)
  }
  if (rules.expectedIssuer !== null && claims['iss'] !== rules.expectedIssuer) throw invalidToken(`the issuer (iss) is not ${rules.expectedIssuer}`)
  return { principal, expiresAtMs }
}
