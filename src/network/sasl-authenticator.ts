/**
 * Kafka's SaslServerAuthenticator for one connection on a SASL_PLAINTEXT or SASL_SSL listener.
 *
 * Before authentication a peer may send ApiVersions, SaslHandshake and SaslAuthenticate, and
 * frames of at most sasl.server.max.receive.size bytes (CVE-2022-34917: the size is checked
 * before anything is allocated); any other request is logged and closes the connection, as in
 * Kafka. Those three requests go through the broker's own handlers (handlers/sasl-*.ts), which
 * call back into this object, so a re-authentication on an authenticated connection (KIP-368)
 * takes the same path.
 *
 *   SaslHandshake v1 → SaslAuthenticate v0-2 (one per mechanism round trip)
 *   SaslHandshake v0 → raw SASL tokens: size-prefixed frames with no Kafka header, each answered
 *                      by a raw token, until the mechanism completes (old clients, kcat with
 *                      api.version.request=false)
 *
 * A failed exchange answers SASL_AUTHENTICATION_FAILED with the mechanism's message and then
 * closes the connection; an unknown mechanism answers UNSUPPORTED_SASL_MECHANISM with the
 * enabled list, then closes. A peer that has not authenticated within the authentication timeout
 * is closed. With connections.max.reauth.ms set, the session lasts that long (or until an
 * OAUTHBEARER token expires, if sooner): SaslAuthenticate v1+ tells the client, the client
 * re-authenticates on the same connection (same mechanism, same principal), and a connection
 * that sends anything else once its session has ended is closed (KIP-368, as Kafka does).
 */
import type { KafkaPrincipal } from '../common/kafka-principal.js'
import { principalToString } from '../common/kafka-principal.js'
import type { Logger } from '../common/logger.js'
import type { SaslExchange, SaslSessions } from '../broker/broker-context.js'
import { ApiKeys, apiKeyName } from '../protocol/api-keys.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { SaslAuthenticateResponseInput } from '../protocol/messages/sasl-authenticate.js'
import type { SaslHandshakeResponseInput } from '../protocol/messages/sasl-handshake.js'
import { SaslAuthenticationError, type SaslServer, type SaslStep } from '../security/sasl/sasl-server.js'
import type { SaslListener } from '../security/sasl/sasl-listener.js'
import { CLOSE_CONNECTION, type KafkaConnection, type Outcome, type RequestProcessor } from './connection.js'

type State =
  /** Waiting for SaslHandshake (ApiVersions may come first). */
  | 'handshake'
  /** SaslHandshake v1 chose a mechanism: SaslAuthenticate requests carry the tokens. */
  | 'authenticate'
  /** SaslHandshake v0 chose a mechanism: the next frames are raw tokens. */
  | 'raw-token'
  | 'authenticated'
  /** An authenticated connection began re-authenticating (SaslHandshake seen, exchange not done). */
  | 'reauthenticate'
  | 'failed'

/** The authenticators of live connections, by connection, for the SASL handlers. */
export class SaslAuthenticators implements SaslSessions {
  readonly #byConnection = new WeakMap<object, SaslServerAuthenticator>()

  register(connection: object, authenticator: SaslServerAuthenticator): void {
    this.#byConnection.set(connection, authenticator)
  }

  /** The authenticator of a connection on a SASL listener; undefined on other listeners. */
  of(connection: object): SaslServerAuthenticator | undefined {
    return this.#byConnection.get(connection)
  }
}

/**
 * Fits the listener's authenticator hook (a connection's frames go to `process` until
 * `authenticated`, held to `maxFrameBytes`).
 */
export class SaslServerAuthenticator implements SaslExchange {
  readonly #connection: KafkaConnection
  readonly #listener: SaslListener
  readonly #broker: RequestProcessor
  readonly #logger: Logger
  readonly #now: () => number
  #state: State = 'handshake'
  #mechanism: string | null = null
  #server: SaslServer | null = null
  /** When the authenticated session ends (epoch ms), or null when it does not. */
  #sessionExpiresAtMs: number | null = null
  #timer: NodeJS.Timeout | null = null

  constructor(connection: KafkaConnection, listener: SaslListener, broker: RequestProcessor, logger: Logger, now: () => number = Date.now) {
    this.#connection = connection
    this.#listener = listener
    this.#broker = broker
    this.#logger = logger
    this.#now = now
    this.#setTimer(listener.authenticationTimeoutMs, () => {
      if (this.#state === 'authenticated') return
      this.#logger.info('closing connection: SASL authentication did not complete in time', {
        ...this.#where(),
        timeoutMs: listener.authenticationTimeoutMs,
      })
      this.#connection.close()
    })
  }

  get authenticated(): boolean {
    return this.#state === 'authenticated' && (this.#sessionExpiresAtMs === null || this.#now() < this.#sessionExpiresAtMs)
  }

  get maxFrameBytes(): number {
    return this.#listener.maxReceiveBytes
  }

  /** Raw tokens after a v0 handshake may be shorter than a Kafka request header. */
  get rawTokens(): boolean {
    return this.#state === 'raw-token'
  }

  process(frame: Buffer, connection: KafkaConnection): Outcome | PromiseLike<Outcome> {
    if (this.#state === 'raw-token') return this.#rawToken(frame)
    if (frame.length < 2) return this.#refuse('a frame too short for a request header')
    const apiKey = frame.readInt16BE(0)
    if (this.#state === 'failed') return this.#refuse(`${apiKeyName(apiKey)} after a failed authentication`)
    if (apiKey === ApiKeys.ApiVersions || apiKey === ApiKeys.SaslHandshake || apiKey === ApiKeys.SaslAuthenticate) {
      return this.#broker.process(frame, connection)
    }
    const sessionLive = this.#sessionExpiresAtMs === null || this.#now() < this.#sessionExpiresAtMs
    // Requests pipelined behind a re-authentication's handshake are still inside the old session.
    if (this.#state === 'reauthenticate' && sessionLive) return this.#broker.process(frame, connection)
    if (this.#state === 'authenticated' || this.#state === 'reauthenticate') {
      return this.#refuse(`${apiKeyName(apiKey)} after the SASL session expired without re-authentication (connections.max.reauth.ms)`)
    }
    return this.#refuse(`${apiKeyName(apiKey)} before SASL authentication (only ApiVersions, SaslHandshake and SaslAuthenticate are allowed)`)
  }

  /** SaslHandshake: picks the mechanism (handlers/sasl-handshake.ts). */
  handshake(mechanism: string, apiVersion: number): SaslHandshakeResponseInput {
    const enabled = [...this.#listener.enabledMechanisms]
    const reauthenticating = this.#state === 'authenticated'
    if (this.#state !== 'handshake' && !reauthenticating) {
      this.#fail(`SaslHandshake in state ${this.#state}`)
      return { errorCode: KafkaErrorCodes.ILLEGAL_SASL_STATE, mechanisms: enabled }
    }
    const factory = this.#listener.mechanisms.get(mechanism)
    if (factory === undefined) {
      this.#fail(`client asked for SASL mechanism '${mechanism}', enabled: ${enabled.join(', ')}`)
      return { errorCode: KafkaErrorCodes.UNSUPPORTED_SASL_MECHANISM, mechanisms: enabled }
    }
    if (reauthenticating) {
      if (apiVersion < 1 || mechanism !== this.#mechanism) {
        this.#fail(`re-authentication with ${apiVersion < 1 ? 'SaslHandshake v0' : `mechanism ${mechanism} instead of ${this.#mechanism}`}`)
        return { errorCode: KafkaErrorCodes.ILLEGAL_SASL_STATE, mechanisms: enabled }
      }
      this.#state = 'reauthenticate'
    } else {
      this.#state = apiVersion === 0 ? 'raw-token' : 'authenticate'
    }
    this.#mechanism = mechanism
    this.#server = factory.createServer()
    return { errorCode: KafkaErrorCodes.NONE, mechanisms: enabled }
  }

  /** SaslAuthenticate: one token of the exchange (handlers/sasl-authenticate.ts). */
  authenticate(token: Buffer, apiVersion: number): SaslAuthenticateResponseInput | Promise<SaslAuthenticateResponseInput> {
    const server = this.#server
    if ((this.#state !== 'authenticate' && this.#state !== 'reauthenticate') || server === null) {
      const message = `SaslAuthenticate is not valid in state ${this.#state}: a SaslHandshake v1 must choose the mechanism first`
      this.#fail(message)
      return { errorCode: KafkaErrorCodes.ILLEGAL_SASL_STATE, errorMessage: message, authBytes: Buffer.alloc(0) }
    }
    const answer = (step: SaslStep): SaslAuthenticateResponseInput => {
      if (!step.complete) return { errorCode: KafkaErrorCodes.NONE, authBytes: step.challenge }
      const lifetimeMs = this.#complete(step.principal, step.credentialExpiresAtMs)
      return { errorCode: KafkaErrorCodes.NONE, authBytes: step.challenge, sessionLifetimeMs: apiVersion >= 1 ? lifetimeMs : 0 }
    }
    const refused = (error: unknown): SaslAuthenticateResponseInput => {
      const message = this.#refusal(error)
      return { errorCode: KafkaErrorCodes.SASL_AUTHENTICATION_FAILED, errorMessage: message, authBytes: Buffer.alloc(0) }
    }
    try {
      const step = server.evaluate(Buffer.from(token))
      return step instanceof Promise ? step.then(answer).then(undefined, refused) : answer(step as SaslStep)
    } catch (error) {
      return refused(error)
    }
  }

  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  /** A raw token after SaslHandshake v0: answered by a raw token; a failure closes at once, as Kafka does. */
  #rawToken(frame: Buffer): Outcome | Promise<Outcome> {
    const server = this.#server!
    const answer = (step: SaslStep): Outcome => {
      if (step.complete) this.#complete(step.principal, step.credentialExpiresAtMs)
      const size = Buffer.allocUnsafe(4)
      size.writeInt32BE(step.challenge.length, 0)
      return { chunks: [size, step.challenge] }
    }
    const refused = (error: unknown): Outcome => {
      this.#refusal(error)
      return CLOSE_CONNECTION
    }
    try {
      const step = server.evaluate(Buffer.from(frame))
      return step instanceof Promise ? step.then(answer).then(undefined, refused) : answer(step as SaslStep)
    } catch (error) {
      return refused(error)
    }
  }

  /** The exchange succeeded: sets the principal and starts the session; returns its lifetime (0: unlimited). */
  #complete(principal: KafkaPrincipal, credentialExpiresAtMs: number | undefined): number {
    const reauthenticated = this.#state === 'reauthenticate'
    if (reauthenticated && principalToString(principal) !== principalToString(this.#connection.principal)) {
      // Kafka refuses a re-authentication that changes who the connection is.
      throw new SaslAuthenticationError(
        `Cannot change principals during re-authentication from ${principalToString(this.#connection.principal)} to ${principalToString(principal)}`,
      )
    }
    this.#connection.principal = principal
    this.#state = 'authenticated'
    this.#server = null
    const now = this.#now()
    let lifetimeMs = 0
    if (this.#listener.reauthMs > 0) {
      lifetimeMs = this.#listener.reauthMs
      if (credentialExpiresAtMs !== undefined) lifetimeMs = Math.max(0, Math.min(lifetimeMs, credentialExpiresAtMs - now))
    }
    this.#sessionExpiresAtMs = lifetimeMs > 0 ? now + lifetimeMs : null
    // A re-authentication is rare (once per session lifetime) and is what an operator checks
    // when sessions are short, so it is logged at info; first logins, at connection rate, at debug.
    const fields = { ...this.#where(), principal: principalToString(principal), mechanism: this.#mechanism, sessionLifetimeMs: lifetimeMs }
    if (reauthenticated) this.#logger.info('SASL re-authentication succeeded', fields)
    else this.#logger.debug('SASL authentication succeeded', fields)
    // No timer for the session's end: as in Kafka, the connection is closed when a request other
    // than a re-authentication arrives after it (process); an idle one goes at connections.max.idle.ms.
    // A client re-authenticates at 85-95% of the lifetime, on its next request, which may come
    // just after the end: closing at the end itself would cut off clients doing what Kafka expects.
    this.close()
    return lifetimeMs
  }

  /** Logs a refused exchange, marks the connection for closing after the answer; returns the client's message. */
  #refusal(error: unknown): string {
    if (!(error instanceof SaslAuthenticationError)) {
      this.#logger.error('SASL mechanism failed unexpectedly', { ...this.#where(), mechanism: this.#mechanism, error })
    }
    const message = error instanceof SaslAuthenticationError ? error.message : `Authentication failed: an internal error in mechanism ${this.#mechanism}`
    this.#logger.info('SASL authentication failed', {
      ...this.#where(),
      mechanism: this.#mechanism,
      reason: error instanceof SaslAuthenticationError ? (error.detail ?? error.message) : String(error),
    })
    this.#fail(null)
    return message
  }

  /** No further request will be served: the answer in progress goes out, then the connection closes. */
  #fail(reason: string | null): void {
    if (reason !== null) this.#logger.info('SASL exchange refused', { ...this.#where(), reason })
    this.#state = 'failed'
    this.#server = null
    this.close()
    this.#connection.closeAfterResponse()
  }

  #refuse(what: string): Outcome {
    this.#logger.warn(`closing connection: ${what}`, this.#where())
    this.#state = 'failed'
    this.close()
    return CLOSE_CONNECTION
  }

  #setTimer(ms: number, action: () => void): void {
    this.close()
    this.#timer = setTimeout(action, ms)
    this.#timer.unref()
  }

  #where(): Record<string, unknown> {
    return { connection: this.#connection.id, remote: this.#connection.remoteAddress, listener: this.#connection.listenerName }
  }
}

/**
 * The authenticator factory of one SASL listener: each new connection gets its own exchange,
 * registered where the SASL handlers find it.
 */
export function saslAuthenticatorFactory(
  listener: SaslListener,
  broker: RequestProcessor,
  sessions: SaslAuthenticators,
  logger: Logger,
): (connection: KafkaConnection) => SaslServerAuthenticator {
  return (connection) => {
    const authenticator = new SaslServerAuthenticator(connection, listener, broker, logger)
    sessions.register(connection, authenticator)
    return authenticator
  }
}
