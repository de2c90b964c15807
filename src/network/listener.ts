/**
 * A Kafka listener: a TCP server whose connections are KafkaConnections feeding one
 * RequestProcessor (the broker). It owns the sockets and nothing else; the broker's connection
 * limits (connection-quotas.ts) decide which sockets it serves, which it closes at once and
 * which wait out the connection creation rate.
 */
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { Logger } from '../common/logger.js'
import { normalizeAddress } from '../common/config/connection-overrides.js'
import type { SecurityProtocol } from '../common/config/listener-config.js'
import { ANONYMOUS, type KafkaPrincipal, principalToString } from '../common/kafka-principal.js'
import type { AuthenticatorFactory } from './authenticator.js'
import type { SslFactory } from './ssl-factory.js'
import { HandshakeFailureLog, TlsAcceptor } from './tls-handshake.js'
import { KafkaConnection, type RequestProcessor } from './connection.js'
import type { ConnectionQuotas } from './connection-quotas.js'
import type { ConnectionRegistry } from './connection-registry.js'
import type { FileTransfer } from './response-writer.js'

export interface ListenerOptions {
  /** The listener's name (PLAINTEXT, INTERNAL, ...), carried by each of its connections. */
  readonly name: string
  readonly securityProtocol: SecurityProtocol
  /** SASL listeners: the authenticator of each connection (authenticator.ts); null otherwise. */
  readonly authenticator: AuthenticatorFactory | null
  /** SSL and SASL_SSL listeners: the TLS server side (ssl-factory.ts); null otherwise. */
  readonly ssl: SslFactory | null
  readonly host: string
  readonly port: number
  /** socket.request.max.bytes */
  readonly maxFrameBytes: number
  /** connections.max.idle.ms */
  readonly idleTimeoutMs: number
  /** queued.max.requests: frames one connection may have waiting before it stops being read. */
  readonly maxQueuedRequests: number
  /** Request bytes one connection may have waiting before it stops being read. */
  readonly maxQueuedRequestBytes: number
  /** The broker's connection limits, shared by all its listeners. */
  readonly quotas: ConnectionQuotas
  /** The broker's open connections over all its listeners (the console's Clients view, /metrics). */
  readonly registry?: ConnectionRegistry
  /** Sends frames that carry storage read plans (Fetch responses); see response-writer.ts. */
  readonly fileTransfer: FileTransfer | null
  readonly logger: Logger
}

export class KafkaListener {
  readonly #server: Server
  readonly #options: ListenerOptions
  readonly #processor: RequestProcessor
  readonly #connections = new Set<KafkaConnection>()
  /** TCP sockets handed to TLS (in their handshake, or under a TLS connection), closed with the listener. */
  readonly #handshaking = new Set<Socket>()
  readonly #handshakeFailures: HandshakeFailureLog
  readonly #tls: TlsAcceptor | null
  /** Sockets accepted but not yet read, waiting out max.connection.creation.rate. */
  readonly #throttled = new Map<Socket, NodeJS.Timeout>()
  #nextId = 1
  #acceptErrors = 0
  #acceptErrorLoggedAt = -Infinity

  constructor(processor: RequestProcessor, options: ListenerOptions) {
    this.#options = options
    this.#processor = processor
    this.#handshakeFailures = new HandshakeFailureLog(options.name, options.logger)
    this.#tls = options.ssl === null ? null : new TlsAcceptor(options.ssl, this.#handshakeFailures, (socket, principal) => this.#connect(socket, principal))
    this.#server = createServer({ noDelay: true }, (socket: Socket) => this.#accept(socket))
    options.registry?.addListener(options.name)
  }

  #accept(socket: Socket): void {
    const { quotas } = this.#options
    const address = normalizeAddress(socket.remoteAddress ?? '')
    // Until a KafkaConnection owns it, a reset from the peer must not become an uncaught error.
    socket.on('error', ignoreSocketError)
    if (quotas.acquire(address, this.#options.name) !== null) {
      socket.destroy()
      return
    }
    socket.once('close', () => quotas.release(address))
    const delayMs = quotas.acceptDelayMs()
    if (delayMs === 0) {
      this.#serve(socket)
      return
    }
    socket.pause()
    const timer = setTimeout(() => {
      this.#throttled.delete(socket)
      if (!socket.destroyed) this.#serve(socket)
    }, delayMs)
    this.#throttled.set(socket, timer)
    socket.once('close', () => {
      clearTimeout(timer)
      this.#throttled.delete(socket)
    })
  }

  #serve(socket: Socket): void {
    socket.off('error', ignoreSocketError)
    if (this.#tls === null) {
      this.#connect(socket)
      return
    }
    // The TLS layer owns the socket's errors from here (a failed handshake is logged once).
    this.#handshaking.add(socket)
    socket.once('close', () => this.#handshaking.delete(socket))
    this.#tls.accept(socket)
    socket.resume()
  }

  /** Failed TLS handshakes on this listener since it started. */
  get handshakeFailures(): number {
    return this.#handshakeFailures.total
  }

  #connect(socket: Socket, principal?: KafkaPrincipal): void {
    const options = this.#options
    const connection = new KafkaConnection(this.#nextId++, socket, this.#processor, {
      listenerName: options.name,
      securityProtocol: options.securityProtocol,
      authenticator: options.authenticator,
      maxFrameBytes: options.maxFrameBytes,
      maxQueuedRequests: options.maxQueuedRequests,
      maxQueuedRequestBytes: options.maxQueuedRequestBytes,
      idleTimeoutMs: options.idleTimeoutMs,
      fileTransfer: options.fileTransfer,
      logger: options.logger,
    }, principal)
    if (principal !== undefined && principal !== ANONYMOUS) {
      options.logger.debug('TLS client authenticated', { connection: connection.id, listener: options.name, remote: connection.remoteAddress, principal: principalToString(principal) })
    }
    this.#connections.add(connection)
    const registry = options.registry
    registry?.add(connection)
    socket.once('close', () => {
      this.#connections.delete(connection)
      registry?.remove(connection)
    })
    socket.resume()
  }

  /** Binds the port (0 picks a free one) and resolves with the bound address. */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        const where = `${this.#options.host === '' ? '0.0.0.0' : this.#options.host}:${this.#options.port}`
        const why =
          error.code === 'EADDRINUSE' ? 'the address is already in use (another broker or program has that port; pass --port)'
          : error.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges; pass --port)'
          : error.code === 'EADDRNOTAVAIL' ? 'this machine has no such address (check --host or listeners)'
          : error.message
        reject(new SamsaError(ErrorCodes.NETWORK, `Cannot listen on ${where}: ${why}.`, { cause: error }))
      }
      this.#server.once('error', onError)
      this.#server.listen({ host: this.#options.host === '' ? undefined : this.#options.host, port: this.#options.port }, () => {
        this.#server.off('error', onError)
        this.#server.on('error', (error) => this.#onAcceptError(error))
        resolve(this.#server.address() as AddressInfo)
      })
    })
  }

  /**
   * An accept that failed, logged at most once per 10 s with the count so that a persistent
   * failure cannot flood the log. Running out of descriptors never arrives here: libuv then
   * accepts and closes the waiting connections itself (its EMFILE trick, so the listener does not
   * spin), and the clients see their connection closed, as Kafka's do.
   */
  #onAcceptError(error: NodeJS.ErrnoException): void {
    const now = Date.now()
    this.#acceptErrors++
    if (now - this.#acceptErrorLoggedAt < 10_000) return
    this.#options.logger.error(`listener ${this.#options.name} could not accept a connection`, { error, failedAccepts: this.#acceptErrors })
    this.#acceptErrorLoggedAt = now
    this.#acceptErrors = 0
  }

  get connectionCount(): number {
    return this.#connections.size
  }

  /** Stops accepting, closes every connection, and resolves when the server is closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve())
      for (const connection of this.#connections) connection.close()
      for (const socket of this.#handshaking) socket.destroy()
      this.#handshaking.clear()
      this.#options.ssl?.close()
      for (const [socket, timer] of this.#throttled) {
        clearTimeout(timer)
        socket.destroy()
      }
      this.#throttled.clear()
    })
  }
}

function ignoreSocketError(): void {}
