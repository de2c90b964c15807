/**
 * One client connection: frames in, responses out, in request order.
 *
 * Requests on a connection are processed one at a time, in the order they arrived, as Kafka
 * does (it mutes a channel while a request is in flight). Clients still pipeline: frames that
 * arrive while a request is being handled wait in a queue, and every response that can be
 * produced synchronously (produce with acks=1, metadata, ...) is written inside one cork so a
 * burst of pipelined requests costs one writev. A request whose handler returns a promise (a
 * parked fetch, a group join) holds the queue until it settles, which keeps responses in order
 * without per-response sequencing.
 *
 * Backpressure: processing stops, and the socket stops being read, while Node's write buffer
 * for this socket is over its high-water mark or too many requests or request bytes are queued
 * (queued.max.requests, queued.max.request.bytes); both resume once the response is out (Node's
 * 'drain', or the end of a file transfer) or the queue shrinks. So what one connection holds is
 * bounded: one response beyond the write high-water mark, the queued requests, and at most one
 * partial frame (up to socket.request.max.bytes, as in Kafka).
 */
import type { Socket } from 'node:net'
import type { SecurityProtocol } from '../common/config/listener-config.js'
import { ANONYMOUS, type KafkaPrincipal } from '../common/kafka-principal.js'
import type { Logger } from '../common/logger.js'
import { FrameDecoder } from '../protocol/frame-decoder.js'
import type { Authenticator, AuthenticatorFactory } from './authenticator.js'
import { type FileTransfer, type ResponseFrame, writeResponseFrame } from './response-writer.js'

/** The handler has nothing to send back (acks=0 produce). */
export const NO_RESPONSE: unique symbol = Symbol('samsa.network.noResponse')
/** The request was unacceptable in a way Kafka answers by closing the connection. */
export const CLOSE_CONNECTION: unique symbol = Symbol('samsa.network.closeConnection')

export type Outcome = ResponseFrame | typeof NO_RESPONSE | typeof CLOSE_CONNECTION

export interface ConnectionInfo {
  readonly id: number
  readonly remoteAddress: string
  readonly remotePort: number
  readonly localPort: number
  /** The name of the listener that accepted the connection (PLAINTEXT, SASL_SSL, ...). */
  readonly listenerName: string
  /** Who the peer is: User:ANONYMOUS until TLS client authentication or SASL says otherwise. */
  readonly principal: KafkaPrincipal
  /**
   * Stops reading and processing this connection's requests for `ms` once the current response
   * is out: how a client over its quota is held back (Kafka mutes the channel).
   */
  mute?(ms: number): void
  /**
   * The client software the peer named in ApiVersions v3+ (KIP-511: "apache-kafka-java" 4.1.0,
   * "librdkafka" 2.16.0, ...); undefined until it says.
   */
  clientSoftware?: ClientSoftware
  /** The client id of the latest request (null when the client sent none); undefined before the first. */
  clientId?: string | null
}

/** KIP-511's ClientSoftwareName and ClientSoftwareVersion. */
export interface ClientSoftware {
  readonly name: string
  readonly version: string
}

export interface RequestProcessor {
  /**
   * Handles one request frame (without its size prefix). The frame is a view into a socket
   * chunk and stays valid while the returned outcome is pending; keep a copy to hold on longer.
   */
  process(frame: Buffer, connection: ConnectionInfo): Outcome | PromiseLike<Outcome>
  /** Called once when the connection is gone, for cleanup of per-connection state. */
  connectionClosed?(connection: ConnectionInfo): void
}

export interface ConnectionOptions {
  /** The accepting listener's name. */
  readonly listenerName: string
  /** The accepting listener's security protocol. */
  readonly securityProtocol: SecurityProtocol
  /**
   * SASL listeners: makes the authenticator every frame goes to until the peer is authenticated
   * (authenticator.ts). Null on PLAINTEXT and SSL listeners.
   */
  readonly authenticator: AuthenticatorFactory | null
  readonly maxFrameBytes: number
  /** Requests allowed to wait unprocessed before the socket stops being read (queued.max.requests). */
  readonly maxQueuedRequests: number
  /** Request bytes allowed to wait unprocessed before the socket stops being read. */
  readonly maxQueuedRequestBytes: number
  readonly idleTimeoutMs: number
  /** How frames carrying storage read plans reach the socket (null: none are ever sent). */
  readonly fileTransfer: FileTransfer | null
  readonly logger: Logger
}

export class KafkaConnection implements ConnectionInfo {
  readonly id: number
  readonly remoteAddress: string
  readonly remotePort: number
  readonly localPort: number
  readonly listenerName: string
  readonly securityProtocol: SecurityProtocol
  /** Set by TLS client authentication (the certificate's mapped DN) or by the authenticator. */
  principal: KafkaPrincipal = ANONYMOUS
  clientSoftware: ClientSoftware | undefined = undefined
  clientId: string | null | undefined = undefined
  /** When the connection was accepted (ms since the epoch). */
  readonly connectedAt = Date.now()
  /**
   * What the connection has cost so far, for the console's Clients view: plain counters bumped
   * once per frame or chunk, so keeping them costs no allocation on the request path.
   */
  requestsServed = 0
  bytesIn = 0
  /** Response bytes handed to the socket (a Fetch's file bytes included; sendfile bypasses socket.bytesWritten). */
  bytesOut = 0

  readonly #socket: Socket
  /** The SASL exchange that must complete before the broker sees a frame; null when none is needed. */
  readonly #authenticator: Authenticator | null
  readonly #processor: RequestProcessor
  readonly #decoder: FrameDecoder
  readonly #options: ConnectionOptions
  readonly #queue: Buffer[] = []
  #queueHead = 0
  #queuedBytes = 0
  #inFlight = false
  /** A response is still going out (Node's buffer is full, or a file transfer waits to go on). */
  #waitingForWritable = false
  /** A close was asked for while a response was still going out. */
  #endWhenWritten = false
  /** The response being produced is the last: the connection closes once it is out. */
  #closeAfterResponse = false
  #closed = false
  /** Muted by a client quota until this timer fires. */
  #muteTimer: NodeJS.Timeout | undefined

  constructor(id: number, socket: Socket, processor: RequestProcessor, options: ConnectionOptions, principal: KafkaPrincipal = ANONYMOUS) {
    this.id = id
    this.#socket = socket
    this.#processor = processor
    this.#options = options
    this.#decoder = new FrameDecoder({ kind: 'request', maxFrameBytes: options.maxFrameBytes, limitName: 'socket.request.max.bytes' })
    this.remoteAddress = socket.remoteAddress ?? ''
    this.remotePort = socket.remotePort ?? 0
    this.localPort = socket.localPort ?? 0
    this.listenerName = options.listenerName
    this.securityProtocol = options.securityProtocol
    this.principal = principal
    this.#authenticator = options.authenticator === null ? null : options.authenticator(this, { listenerName: this.listenerName, securityProtocol: this.securityProtocol })
    this.#limitFrames()

    socket.setNoDelay(true)
    if (options.idleTimeoutMs > 0) {
      socket.setTimeout(options.idleTimeoutMs, () => {
        options.logger.debug('closing idle connection', { connection: id, remote: this.remoteAddress })
        this.close()
      })
    }
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      options.logger.debug('connection error', { connection: id, code: error.code, error })
    })
    socket.on('close', () => this.#onClose())
  }

  get closed(): boolean {
    return this.#closed
  }

  mute(ms: number): void {
    if (this.#closed || ms <= 0) return
    clearTimeout(this.#muteTimer)
    this.#muteTimer = setTimeout(this.#unmute, ms)
    this.#applyBackpressure()
  }

  readonly #unmute = (): void => {
    this.#muteTimer = undefined
    this.#processQueue()
  }

  /** Closes the connection at once; responses not yet written are dropped. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#socket.destroy()
  }

  /**
   * Makes the response of the request being processed the last one: it is sent, then the
   * connection closes (a failed SASL authentication is answered, then closed, as in Kafka).
   */
  closeAfterResponse(): void {
    this.#closeAfterResponse = true
  }

  /**
   * Stops reading and processing, sends what earlier requests already produced, then closes.
   * Used when a client's request is unacceptable: its earlier answers still count.
   */
  #closeAfterFlush(): void {
    if (this.#closed) return
    this.#closed = true
    const socket = this.#socket
    // A peer that never reads must not keep the socket open.
    setTimeout(() => socket.destroy(), 5_000).unref()
    if (this.#waitingForWritable) {
      // A file transfer in progress is not in Node's queue yet: end once it is out.
      this.#endWhenWritten = true
      return
    }
    this.#end()
  }

  #end(): void {
    const socket = this.#socket
    while (socket.writableCorked > 0) socket.uncork()
    socket.end()
  }

  readonly #onFrame = (frame: Buffer): void => {
    this.#queue.push(frame)
    this.#queuedBytes += frame.length
  }

  /** Before authentication only the authenticator's small frames are read (CVE-2022-34917). */
  #limitFrames(): void {
    const authenticator = this.#authenticator
    const trusted = authenticator === null || authenticator.authenticated
    if (trusted) this.#decoder.setLimit(this.#options.maxFrameBytes, 'socket.request.max.bytes')
    else this.#decoder.setLimit(authenticator.maxFrameBytes, 'the limit before authentication (sasl.server.max.receive.size)')
    // An unauthenticated peer's split frames cost what arrived, not what their size announced.
    this.#decoder.trustAnnouncedSizes(trusted)
    this.#decoder.acceptShortFrames(authenticator?.rawTokens === true)
  }

  #onData(chunk: Buffer): void {
    this.bytesIn += chunk.length
    this.#limitFrames()
    try {
      this.#decoder.push(chunk, this.#onFrame)
    } catch (error) {
      this.#options.logger.warn('closing connection: bad frame', { connection: this.id, remote: this.remoteAddress, error })
      this.#closeAfterFlush()
      return
    }
    this.#processQueue()
  }

  readonly #onWritable = (): void => {
    if (!this.#waitingForWritable) return
    this.#waitingForWritable = false
    if (this.#endWhenWritten) {
      this.#endWhenWritten = false
      this.#end()
      return
    }
    this.#processQueue()
  }

  #processQueue(): void {
    if (this.#closed) return
    const socket = this.#socket
    socket.cork()
    try {
      while (!this.#inFlight && !this.#waitingForWritable && this.#muteTimer === undefined && !this.#closed && this.#queueHead < this.#queue.length) {
        const frame = this.#queue[this.#queueHead]!
        this.#queue[this.#queueHead++] = undefined as unknown as Buffer
        this.#queuedBytes -= frame.length
        this.requestsServed++
        let outcome: Outcome | PromiseLike<Outcome>
        try {
          const authenticator = this.#authenticator
          outcome = authenticator !== null && !authenticator.authenticated ? authenticator.process(frame, this) : this.#processor.process(frame, this)
        } catch (error) {
          this.#failed(error)
          return
        }
        if (isPromiseLike(outcome)) {
          this.#inFlight = true
          outcome.then(
            (settled) => {
              this.#inFlight = false
              this.#deliver(settled)
              this.#processQueue()
            },
            (error: unknown) => this.#failed(error),
          )
          break
        }
        this.#deliver(outcome)
      }
    } finally {
      if (socket.writableCorked > 0) socket.uncork()
    }
    if (this.#queueHead === this.#queue.length) {
      this.#queue.length = 0
      this.#queueHead = 0
    }
    this.#applyBackpressure()
  }

  #deliver(outcome: Outcome): void {
    if (this.#closed || outcome === NO_RESPONSE) return
    if (outcome === CLOSE_CONNECTION) {
      this.#closeAfterFlush()
      return
    }
    this.bytesOut += frameBytes(outcome)
    if (writeResponseFrame(this.#socket, outcome, this.#onWritable, this.#options.fileTransfer)) {
      if (this.#closeAfterResponse) this.#closeAfterFlush()
      return
    }
    this.#waitingForWritable = true
    if (this.#closeAfterResponse) this.#closeAfterFlush()
  }

  #applyBackpressure(): void {
    if (this.#closed) return
    const mustPause =
      this.#waitingForWritable ||
      this.#muteTimer !== undefined ||
      this.#queuedBytes > this.#options.maxQueuedRequestBytes ||
      this.#queue.length - this.#queueHead >= this.#options.maxQueuedRequests
    // A frame that is still arriving must be read to completion before it can be processed.
    if (mustPause && !this.#decoder.hasPartialFrame) {
      if (!this.#socket.isPaused()) this.#socket.pause()
    } else if (this.#socket.isPaused()) {
      this.#socket.resume()
    }
  }

  #failed(error: unknown): void {
    // A handler that throws is a bug in the broker, not the client's fault; the broker stays up
    // and only this connection goes.
    this.#options.logger.error('closing connection: request handler failed', { connection: this.id, error })
    this.close()
  }

  #onClose(): void {
    this.#closed = true
    clearTimeout(this.#muteTimer)
    this.#queue.length = 0
    this.#queueHead = 0
    this.#queuedBytes = 0
    this.#authenticator?.close?.()
    this.#processor.connectionClosed?.(this)
  }
}

/** A frame's length from its 4-byte size prefix (the first chunk always holds it). */
function frameBytes(frame: ResponseFrame): number {
  const head = frame.chunks[0]
  return Buffer.isBuffer(head) && head.length >= 4 ? 4 + head.readInt32BE(0) : 0
}

function isPromiseLike(value: unknown): value is PromiseLike<Outcome> {
  return typeof (value as PromiseLike<Outcome> | null)?.then === 'function'
}
