/**
 * SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), the server side, as Kafka's
 * ScramSaslServer runs it: two round trips.
 *
 *   client-first   n,[a=authzid],n=<user>,r=<client nonce>[,extensions]
 *   server-first   r=<client nonce><server nonce>,s=<salt>,i=<iterations>
 *   client-final   c=<base64 gs2 header>,r=<nonce>,p=<base64 proof>
 *   server-final   v=<base64 server signature>
 *
 * The proof is checked with crypto.timingSafeEqual. A user with no credential for the mechanism
 * gets a made-up salt (an HMAC of the name under a per-broker secret, so it is the same on every
 * attempt) and fails at the proof, exactly as a wrong password does: the exchange does not tell
 * who exists. Kafka's delegation-token extension (tokenauth=true) is refused: Samsa issues no
 * delegation tokens.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { KafkaPrincipal } from '../../common/kafka-principal.js'
import { type ScramCredential, type ScramMechanismName, SCRAM_DEFAULT_ITERATIONS, hash, hmac } from './scram-credential.js'
import { SaslAuthenticationError, type SaslMechanism, type SaslServer, type SaslStep, invalidCredentialsMessage } from './sasl-server.js'

/** Looks a user's credential for one mechanism up; undefined when there is none. */
export type ScramCredentialLookup = (username: string, mechanism: ScramMechanismName) => ScramCredential | undefined

export class ScramMechanism implements SaslMechanism {
  readonly name: ScramMechanismName
  readonly #lookup: ScramCredentialLookup
  /** Keys the made-up salts of unknown users; new per broker start. */
  readonly #fakeSaltKey = randomBytes(32)

  constructor(name: ScramMechanismName, lookup: ScramCredentialLookup) {
    this.name = name
    this.#lookup = lookup
  }

  createServer(): SaslServer {
    return new ScramSaslServer(this.name, this.#lookup, this.#fakeSaltKey)
  }
}

type State =
  | { readonly kind: 'client-first' }
  | {
      readonly kind: 'client-final'
      readonly username: string
      readonly credential: ScramCredential | undefined
      readonly fakeCredential: ScramCredential
      readonly nonce: string
      /** The part of the nonce the server added (the client's final message must end with it). */
      readonly serverNonce: string
      readonly clientFirstBare: string
      readonly serverFirst: string
      readonly gs2Header: string
    }
  | { readonly kind: 'done' }

class ScramSaslServer implements SaslServer {
  readonly mechanism: ScramMechanismName
  readonly #lookup: ScramCredentialLookup
  readonly #fakeSaltKey: Buffer
  #state: State = { kind: 'client-first' }

  constructor(mechanism: ScramMechanismName, lookup: ScramCredentialLookup, fakeSaltKey: Buffer) {
    this.mechanism = mechanism
    this.#lookup = lookup
    this.#fakeSaltKey = fakeSaltKey
  }

  evaluate(token: Buffer): SaslStep {
    const state = this.#state
    this.#state = { kind: 'done' }
    if (state.kind === 'client-first') return this.#clientFirst(token)
    if (state.kind === 'client-final') return this.#clientFinal(token, state)
    throw new SaslAuthenticationError(`Unexpected SASL/${this.mechanism} token after the exchange ended`)
  }

  #clientFirst(token: Buffer): SaslStep {
    const text = token.toString('utf8')
    // gs2-header: channel binding flag ("n" or "y"; "p=" would ask for binding Samsa cannot do), authzid.
    const match = /^([ny]),(a=[^,]*)?,(n=([^,]*),r=([^,]+)(?:,(.*))?)$/s.exec(text)
    if (match === null) throw this.#malformed('client-first message', text.startsWith('p=') ? 'channel binding is not supported' : undefined)
    const authzid = match[2] === undefined ? '' : decodeSaslName(match[2].slice(2))
    const username = decodeSaslName(match[4]!)
    const clientNonce = match[5]!
    const extensions = match[6] ?? ''
    if (username === null || authzid === null || username === '') throw this.#malformed('user name')
    if (authzid !== '' && authzid !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username')
    }
    if (/(^|,)tokenauth=true(,|$)/i.test(extensions)) {
      throw new SaslAuthenticationError('Authentication failed: delegation tokens are not supported by this broker')
    }
    if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(clientNonce)) throw this.#malformed('nonce')
    const credential = this.#lookup(username, this.mechanism)
    const fakeCredential = this.#fakeCredential(username)
    const shown = credential ?? fakeCredential
    const serverNonce = randomBytes(18).toString('base64')
    const nonce = clientNonce + serverNonce
    const serverFirst = `r=${nonce},s=${shown.salt.toString('base64')},i=${shown.iterations}`
    this.#state = {
      kind: 'client-final',
      username,
      credential,
      fakeCredential,
      nonce,
      serverNonce,
      clientFirstBare: match[3]!,
      serverFirst,
      gs2Header: text.slice(0, text.length - match[3]!.length),
    }
    return { complete: false, challenge: Buffer.from(serverFirst, 'utf8') }
  }

  #clientFinal(token: Buffer, state: Extract<State, { kind: 'client-final' }>): SaslStep {
    const text = token.toString('utf8')
    const match = /^c=([^,]*),r=([^,]*)(?:,.*)?,p=([A-Za-z0-9+/=]+)$/s.exec(text)
    if (match === null) throw this.#malformed('client-final message')
    if (Buffer.from(match[1]!, 'base64').toString('utf8') !== state.gs2Header) throw this.#malformed('channel binding')
    // As Kafka's ScramSaslServer: the nonce must end with the server's part. librdkafka sends its
    // client nonce before the combined nonce, and Kafka accepts that, so Samsa does too.
    if (!match[2]!.endsWith(state.serverNonce)) throw new SaslAuthenticationError('Authentication failed: Invalid client nonce in the final client message.')
    const proof = Buffer.from(match[3]!, 'base64')
    const withoutProof = text.slice(0, text.length - match[3]!.length - 3)
    const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`
    const credential = state.credential ?? state.fakeCredential
    const clientSignature = hmac(this.mechanism, credential.storedKey, authMessage)
    // Equal lengths keep timingSafeEqual from throwing; a short proof simply fails.
    const clientKey = Buffer.alloc(clientSignature.length)
    for (let i = 0; i < clientKey.length; i++) clientKey[i] = (proof[i] ?? 0) ^ clientSignature[i]!
    const proofMatches = timingSafeEqual(hash(this.mechanism, clientKey), credential.storedKey)
    if (!proofMatches || proof.length !== clientSignature.length || state.credential === undefined) {
      throw new SaslAuthenticationError(
        invalidCredentialsMessage(this.mechanism),
        state.credential === undefined ? `${this.mechanism}: no credential for user '${state.username}'` : `${this.mechanism}: wrong proof for user '${state.username}'`,
      )
    }
    const serverSignature = hmac(this.mechanism, credential.serverKey, authMessage)
    const principal: KafkaPrincipal = { principalType: 'User', name: state.username }
    return { complete: true, challenge: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), principal }
  }

  #fakeCredential(username: string): ScramCredential {
    const seed = createHmac('sha256', this.#fakeSaltKey).update(username).digest()
    return { salt: seed, iterations: SCRAM_DEFAULT_ITERATIONS, storedKey: hash(this.mechanism, seed), serverKey: seed }
  }

  #malformed(what: string, why?: string): SaslAuthenticationError {
    return new SaslAuthenticationError(`Authentication failed: invalid SASL/${this.mechanism} ${what}${why === undefined ? '' : ` (${why})`}`)
  }
}

/** RFC 5802 saslname: ',' and '=' travel as '=2C' and '=3D'; any other '=' is malformed (null). */
export function decodeSaslName(text: string): string | null {
  if (/=(?!2C|3D)/.test(text)) return null
  return text.replaceAll('=2C', ',').replaceAll('=3D', '=')
}

export function encodeSaslName(name: string): string {
  return name.replaceAll('=', '=3D').replaceAll(',', '=2C')
}
