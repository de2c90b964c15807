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
  /** Peer address of each TCP socket handed over, for failures reported after it is gone. */
  readonly #peers = new WeakMap<Socket, string>()

  /** `onSecure` gets each socket whose handshake succeeded, with the principal it proved. */
  constructor(ssl: SslFactory, failures: HandshakeFailureLog, onSecure: (socket: TLSSocket, principal: KafkaPrincipal) => void) {
    this.#ssl = ssl
    this.#failures = failures
    const clientAuth = ssl.settings.clientAuth
    this.#server = createServer({
      ...ssl.contextOptions,
      requestCert: clientAuth !== 'none',
      // Checked in #principal once the handshake is done, never by Node: Node drops a connection
      // whose certificate it rejects without a word, and every refusal must be logged with its
      // reason. 'requested' accepts a client without a certificate; one that sends a certificate
      // must send a valid one (as Java's wantClientAuth).
      rejectUnauthorized: false,
      handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
    })
    ssl.onReload(() => this.#server.setSecureContext(ssl.contextOptions))
    this.#server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      failures.record(this.#addressOf(socket), describeTlsError(error))
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
    this.#peers.set(socket, socket.remoteAddress ?? '')
    this.#server.emit('connection', socket)
  }

  #addressOf(socket: TLSSocket): string {
    // Node's TLSSocket keeps the TCP socket it wraps as _parent; a closed socket has no address.
    const parent = (socket as unknown as { _parent?: Socket })._parent
    return (parent !== undefined ? this.#peers.get(parent) : undefined) ?? socket.remoteAddress ?? ''
  }

  #principal(socket: TLSSocket): KafkaPrincipal | null {
    const clientAuth = this.#ssl.settings.clientAuth
    if (clientAuth === 'none') return ANONYMOUS
    const address = this.#addressOf(socket)
    const peer = socket.getPeerX509Certificate()
    if (peer === undefined) {
      if (clientAuth === 'requested') return ANONYMOUS
      this.#failures.record(address, 'the client sent no certificate and ssl.client.auth is required')
      return null
    }
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
  // OpenSSL's "80FC...:error:0A000415:SSL routines:ssl3_read_bytes:sslv3 alert certificate
  // expired:../deps/...:1601:SSL alert number 45" says what matters in its fifth field.
  const message = /error:[0-9A-F]+:SSL routines:[^:]*:([^:]+)/.exec(error.message)?.[1] ?? error.message.trim()
  if (/wrong version number|http request|unknown protocol|packet length too long/i.test(message)) {
    return `the peer does not speak TLS (a plaintext client on a TLS listener?): ${message}`
  }
  if (/peer did not return a certificate|certificate required/i.test(message)) {
    return `the client sent no certificate and ssl.client.auth is required: ${message}`
  }
  return message
}

/** Handshake failures, logged once per peer address and reason per window. */
export class HandshakeFailureLog {
  readonly #logger: Logger
  readonly #listenerName: string
  readonly #windowMs: number
  /** Peer address and reason → when last logged and failures since; bounded, oldest dropped first. */
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
    const key = `${address} ${reason}`
    const peer = this.#peers.get(key)
    if (peer !== undefined && now - peer.loggedAt < this.#windowMs) {
      peer.suppressed++
      return
    }
    if (this.#peers.size >= this.#maxPeers) this.#peers.delete(this.#peers.keys().next().value!)
    this.#peers.delete(key)
    this.#peers.set(key, { loggedAt: now, suppressed: 0 })
    this.#logger.warn('TLS handshake failed', {
      listener: this.#listenerName,
      peer: address,
      reason,
      ...(peer !== undefined && peer.suppressed > 0 && { failuresSinceLastLogged: peer.suppressed }),
    })
  }
}
