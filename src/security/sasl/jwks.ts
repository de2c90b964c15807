/**
 * Signed access tokens checked against a JSON Web Key Set (RFC 7517), Kafka's
 * OAuthBearerValidatorCallbackHandler (KIP-768): sasl.oauthbearer.jwks.endpoint.url names an
 * http(s) URL or a file: URL; the keys are fetched once at start, refreshed every
 * sasl.oauthbearer.jwks.endpoint.refresh.ms, and fetched again (at most once per
 * retry backoff) when a token names a key id the cache does not hold, which is how a key
 * rotation reaches the broker before the next refresh.
 *
 * RS256/384/512, PS256/384/512 and ES256/384/512 are verified with node:crypto; "none" and
 * HMAC algorithms are refused (a public key set cannot check an HMAC).
 */
import { type KeyObject, createPublicKey, verify } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Logger } from '../../common/logger.js'
import { type ClaimRules, checkClaims, invalidToken, parseJwt } from './jwt.js'

export interface JwksOptions {
  readonly url: string
  readonly refreshMs: number
  readonly retryBackoffMs: number
  readonly logger: Logger
}

const ALGORITHMS: Readonly<Record<string, { hash: string; kind: 'rsa' | 'rsa-pss' | 'ec' }>> = {
  RS256: { hash: 'sha256', kind: 'rsa' },
  RS384: { hash: 'sha384', kind: 'rsa' },
  RS512: { hash: 'sha512', kind: 'rsa' },
  PS256: { hash: 'sha256', kind: 'rsa-pss' },
  PS384: { hash: 'sha384', kind: 'rsa-pss' },
  PS512: { hash: 'sha512', kind: 'rsa-pss' },
  ES256: { hash: 'sha256', kind: 'ec' },
  ES384: { hash: 'sha384', kind: 'ec' },
  ES512: { hash: 'sha512', kind: 'ec' },
}

interface CachedKey {
  readonly kid: string | undefined
  readonly alg: string | undefined
  readonly key: KeyObject
}

export class JwksKeySource {
  readonly #options: JwksOptions
  #keys: CachedKey[] = []
  #lastFetchMs = -Infinity
  #fetching: Promise<void> | null = null
  #timer: NodeJS.Timeout | null = null

  constructor(options: JwksOptions) {
    this.#options = options
  }

  /** Fetches the key set (a failure stops the start: a broker that can check no token is misconfigured). */
  async start(): Promise<void> {
    await this.#refresh()
    this.#timer = setInterval(() => {
      this.#refresh().catch((error: unknown) => this.#options.logger.warn('could not refresh the JWKS; keeping the cached keys', { url: this.#options.url, error }))
    }, this.#options.refreshMs)
    this.#timer.unref()
  }

  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer)
  }

  /** The keys that may have signed a token with this kid (all keys when it names none). */
  async keysFor(kid: string | undefined): Promise<CachedKey[]> {
    let found = this.#match(kid)
    if (found.length === 0 && Date.now() - this.#lastFetchMs >= this.#options.retryBackoffMs) {
      await this.#refresh().catch((error: unknown) => this.#options.logger.warn('could not refresh the JWKS', { url: this.#options.url, error }))
      found = this.#match(kid)
    }
    return found
  }

  #match(kid: string | undefined): CachedKey[] {
    return kid === undefined ? this.#keys : this.#keys.filter((key) => key.kid === kid)
  }

  #refresh(): Promise<void> {
    this.#fetching ??= this.#fetch().finally(() => {
      this.#fetching = null
    })
    return this.#fetching
  }

  async #fetch(): Promise<void> {
    this.#lastFetchMs = Date.now()
    const url = this.#options.url
    let text: string
    if (url.startsWith('file:')) {
      text = await readFile(fileURLToPath(url), 'utf8')
    } else {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) })
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`)
      text = await response.text()
    }
    const body = JSON.parse(text) as { keys?: unknown }
    if (!Array.isArray(body.keys)) throw new Error(`${url} is not a JSON Web Key Set (no "keys" array)`)
    const keys: CachedKey[] = []
    for (const jwk of body.keys as Array<Record<string, unknown>>) {
      if (jwk['use'] !== undefined && jwk['use'] !== 'sig') continue
      try {
        keys.push({
          kid: typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined,
          alg: typeof jwk['alg'] === 'string' ? jwk['alg'] : undefined,
          key: createPublicKey({ key: jwk as never, format: 'jwk' }),
        })
      } catch (error) {
        this.#options.logger.warn('skipping a JWKS key that node:crypto cannot import', { url, kid: jwk['kid'], error })
      }
    }
    this.#keys = keys
  }
}

/** Verifies a signed token against the key set and checks its claims. */
export async function validateSignedToken(token: string, keys: JwksKeySource, rules: ClaimRules, nowMs: number): Promise<{ principal: string; expiresAtMs: number }> {
  const jwt = parseJwt(token)
  const alg = jwt.header['alg']
  const algorithm = typeof alg === 'string' ? ALGORITHMS[alg] : undefined
  if (algorithm === undefined) throw invalidToken(`the signing algorithm ${String(alg)} is not accepted (RS*, PS*, ES* are)`)
  const kid = typeof jwt.header['kid'] === 'string' ? jwt.header['kid'] : undefined
  const candidates = (await keys.keysFor(kid)).filter((key) => key.alg === undefined || key.alg === alg)
  if (candidates.length === 0) throw invalidToken(`no key in the JWKS matches kid ${kid ?? '(none)'}`)
  const data = Buffer.from(jwt.signingInput, 'ascii')
  const verified = candidates.some((candidate) => {
    try {
      if (algorithm.kind === 'ec') return verify(algorithm.hash, data, { key: candidate.key, dsaEncoding: 'ieee-p1363' }, jwt.signature)
      if (algorithm.kind === 'rsa-pss') return verify(algorithm.hash, data, { key: candidate.key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: -1 }, jwt.signature)
      return verify(algorithm.hash, data, candidate.key, jwt.signature)
    } catch {
      return false
    }
  })
  if (!verified) throw invalidToken('the signature does not verify against the JWKS')
  return checkClaims(jwt.claims, rules, nowMs)
}
