/**
 * The server side of TLS on a listener: accepted TCP sockets (already past the connection limits)
 * are handed to a tls.Server that never listens itself, so Node's own code runs the handshake,
 * verifies client certificates and enforces the handshake deadline. What the peer proved (its
 * certificate, with client authentication) becomes the connection's principal through
 * ssl.principal.mapping.rules.
 *
 * A failed handshake (wrong CA, expired certificate, a plaintext client talking Kafka to a TLS
 * port, a scanner) closes that socket and nothing else. It is logged at most once per peer
 * address per ten minutes with OpenSSL's reason, so a client retrying in a loop cannot flood the
 * log; the count of failures in between goes with the next line.
 */
import type { Socket } from 'node:net'
import { type Server, type TLSSocket, createServer } from 'node:tls'
import { ANONYMOUS, type KafkaPrincipal } from '../common/kafka-principal.js'
import type { Logger } from '../common/logger.js'
import type { SslFactory } from './ssl-factory.js'
import { distinguishedName } from './ssl-principal-mapper.js'

/** A handshake not finished by then is abandoned: a silent peer must not hold a socket. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000

export class TlsAcceptor {
  readonly #server: Server
  readonly #ssl: SslFactory
  readonly #failures: HandshakeFailureLog

  /** `onSecure` gets each socket whose handshake succeeded, with the principal it proved. */
  constructor(ssl: SslFactory, failures: HandshakeFailureLog, onSecure: (socket: TLSSocket, principal: KafkaPrincipal) => void) {
    this.#ssl = ssl
    this.#failures = failures
    const clientAuth = ssl.settings.clientAuth
    this.#server = createServer({
      ...ssl.contextOptions,
      requestCert: clientAuth !== 'none',
      // 'requested' accepts a client without a certificate, but one that sends a certificate must
      // send a valid one (as Java's wantClientAuth): checked once the handshake is done.
      rejectUnauthorized: clientAuth === 'required',
      handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
    })
    ssl.onReload(() => this.#server.setSecureContext(ssl.contextOptions))
    this.#server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      failures.record(socket.remoteAddress ?? '', describeTlsError(error))
      socket.destroy()
    })
    this.#server.on('secureConnection', (socket: TLSSocket) => {
      const principal = this.#principal(socket)
      if (principal === null) {
        socket.destroy()
        return
      }
      onSecure(socket, principal)
    })
  }

  /** Starts the handshake on an accepted socket. */
  accept(socket: Socket): void {
    this.#server.emit('connection', socket)
  }

  #principal(socket: TLSSocket): KafkaPrincipal | null {
    if (this.#ssl.settings.clientAuth === 'none') return ANONYMOUS
    const address = socket.remoteAddress ?? ''
    const peer = socket.getPeerX509Certificate()
    if (peer === undefined) return ANONYMOUS
    if (!socket.authorized) {
      this.#failures.record(address, `client certificate ${distinguishedName(peer.subject)} refused: ${String(socket.authorizationError)}`)
      return null
    }
    try {
      return { principalType: 'User', name: this.#ssl.principalMapper.name(distinguishedName(peer.subject)) }
    } catch (error) {
      this.#failures.record(address, (error as Error).message)
      return null
    }
  }
}

function describeTlsError(error: NodeJS.ErrnoException): string {
  const message = error.message.trim()
  if (/wrong version number|http request|unknown protocol|packet length too long/i.test(message)) {
    return `the peer does not speak TLS (a plaintext client on a TLS listener?): ${message}`
  }
  if (/peer did not return a certificate|certificate required/i.test(message)) {
    return `the client sent no certificate and ssl.client.auth is required: ${message}`
  }
  return error.code !== undefined ? `${message} (${error.code})` : message
}

/** Handshake failures, logged once per peer address per window. */
export class HandshakeFailureLog {
  readonly #logger: Logger
  readonly #listenerName: string
  readonly #windowMs: number
  /** Peer address → when it was last logged and failures since; bounded, oldest dropped first. */
  readonly #peers = new Map<string, { loggedAt: number; suppressed: number }>()
  readonly #maxPeers = 10_000
  #total = 0

  constructor(listenerName: string, logger: Logger, windowMs = 600_000) {
    this.#listenerName = listenerName
    this.#logger = logger
    this.#windowMs = windowMs
  }

  /** Failed handshakes since start, logged or not. */
  get total(): number {
    return this.#total
  }

  record(address: string, reason: string): void {
    this.#total++
    const now = Date.now()
    const peer = this.#peers.get(address)
    if (peer !== undefined && now - peer.loggedAt < this.#windowMs) {
      peer.suppressed++
      return
    }
    if (this.#peers.size >= this.#maxPeers) this.#peers.delete(this.#peers.keys().next().value!)
    this.#peers.delete(address)
    this.#peers.set(address, { loggedAt: now, suppressed: 0 })
    this.#logger.warn('TLS handshake failed', {
      listener: this.#listenerName,
      peer: address,
      reason,
      ...(peer !== undefined && peer.suppressed > 0 && { failuresSinceLastLogged: peer.suppressed }),
    })
  }
}
