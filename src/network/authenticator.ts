/**
 * Where SASL plugs into a connection. A SASL_PLAINTEXT or SASL_SSL listener makes one
 * Authenticator per connection (after the TLS handshake, on SASL_SSL); until the authenticator
 * says the peer is authenticated, every frame goes to it instead of to the broker, and frames are
 * held to its smaller size limit, so an unauthenticated peer reaches nothing else and a 2 GiB size
 * prefix costs it nothing (CVE-2022-34917). The authenticator answers ApiVersions, SaslHandshake
 * and SaslAuthenticate itself (or refuses anything else by closing), and sets
 * `connection.principal` when the exchange succeeds, as Kafka's SaslServerAuthenticator does.
 *
 * A SASL listener without an authenticator is refused at start (never served unauthenticated):
 * see `requireAuthenticator`.
 */
import type { SecurityProtocol } from '../common/config/listener-config.js'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { KafkaConnection, Outcome } from './connection.js'

export interface Authenticator {
  /** True once the peer is authenticated: frames then go to the broker as on any listener. */
  readonly authenticated: boolean
  /** The largest frame accepted while not authenticated (Kafka: sasl.server.max.receive.size). */
  readonly maxFrameBytes: number
  /**
   * True while frames are raw SASL tokens (after SaslHandshake v0), which may be shorter than a
   * request header.
   */
  readonly rawTokens?: boolean
  /** Handles one frame received before authentication completed; see RequestProcessor.process. */
  process(frame: Buffer, connection: KafkaConnection): Outcome | PromiseLike<Outcome>
  /** The connection is gone. */
  close?(): void
}

/** What a listener tells the authenticator factory about itself. */
export interface ListenerSecurity {
  readonly listenerName: string
  readonly securityProtocol: SecurityProtocol
}

/** Makes the authenticator of one new connection on a SASL listener. */
export type AuthenticatorFactory = (connection: KafkaConnection, listener: ListenerSecurity) => Authenticator

/** The factory a SASL listener must have; anything else fails the start with SAMSA_CONFIG. */
export function requireAuthenticator(listener: ListenerSecurity, factory: AuthenticatorFactory | null | undefined): AuthenticatorFactory {
  if (factory !== null && factory !== undefined) return factory
  throw new SamsaError(
    ErrorCodes.CONFIG,
    `listeners: ${listener.listenerName} uses ${listener.securityProtocol}, and no SASL mechanism is available to authenticate its clients; ` +
      'Samsa never serves a SASL listener unauthenticated. Use a PLAINTEXT or SSL listener until SASL is configured.',
  )
}
