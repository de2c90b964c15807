/**
 * One TCP connection to one Kafka-compatible broker: request framing through src/protocol,
 * correlation ids, pipelining (up to `maxInFlightRequests` requests awaiting answers; more wait
 * in order), response decoding, and the version each API is spoken in, agreed through
 * ApiVersions when the connection opens.
 *
 * Brokers answer a connection's requests in order, so a response that does not match the oldest
 * outstanding correlation id means the stream is broken: the connection closes and every
 * outstanding request fails. So does a request that gets no answer within its timeout.
 *
 * Not thread-safe; lives on the event loop that opened it.
 */
import { type Socket, connect as connectSocket } from 'node:net'
import { type ConnectionOptions as TlsOptions, connect as connectTls } from 'node:tls'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { ApiKeys, apiKeyName } from '../protocol/api-keys.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { FrameDecoder } from '../protocol/frame-decoder.js'
import { decodeResponse, encodeRequest, responseCorrelationId } from '../protocol/frames.js'
import { type DescribedApiKey, type RequestInputOf, type ResponseOf, apis } from '../protocol/messages/index.js'
import { kafkaFailure } from './kafka-error.js'
import { SASL_AUTHENTICATE_VERSION, SASL_HANDSHAKE_VERSION, type SaslCredentials, saslLogin } from './sasl-login.js'

export interface ConnectionOptions {
  readonly host: string
  readonly port: number
  readonly clientId?: string
  /** Default 10 000 ms. */
  readonly connectTimeoutMs?: number
  /** How long a request may wait for its response; default 30 000 ms. */
  readonly requestTimeoutMs?: number
  /** Requests sent and not yet answered; default 5 (Java's max.in.flight.requests.per.connection). */
  readonly maxInFlightRequests?: number
  /** TLS (an SSL listener): the trust store, a client certificate, host name checks. Plain TCP when absent. */
  readonly tls?: TlsOptions | null
  /** Log in with SASL (PLAIN, SCRAM-SHA-256/512) after ApiVersions, for SASL_* listeners. */
  readonly sasl?: SaslCredentials
}

/**
 * The highest version the client speaks per API. Fetch stops at 12: from 13 on partitions are
 * named by topic id, which this client does not track. OffsetFetch stops at 7 and OffsetCommit
 * at 8: later versions belong to the KIP-848 group protocol.
 */
const CLIENT_MAX_VERSION: Partial<Record<number, number>> = {
  [ApiKeys.Fetch]: 12,
  [ApiKeys.OffsetFetch]: 7,
  [ApiKeys.OffsetCommit]: 8,
  // Our tools show a missing group as Dead, which v6 refuses with GROUP_ID_NOT_FOUND instead.
  [ApiKeys.DescribeGroups]: 5,
}

/** Largest response frame accepted: far above any fetch.max.bytes, far below memory trouble. */
const MAX_RESPONSE_BYTES = 512 * 1024 * 1024

interface Pending {
  readonly correlationId: number
  readonly apiKey: DescribedApiKey
  readonly version: number
  readonly resolve: (body: unknown) => void
  readonly reject: (error: Error) => void
  readonly deadline: number
}

interface Queued {
  readonly send: () => void
  readonly reject: (error: Error) => void
}

export class BrokerConnection {
  readonly host: string
  readonly port: number
  readonly #socket: Socket
  readonly #clientId: string
  readonly #requestTimeoutMs: number
  readonly #maxInFlight: number
  readonly #inFlight: Pending[] = []
  readonly #waiting: Queued[] = []
  readonly #versions = new Map<number, { min: number; max: number }>()
  #nextCorrelationId = 1
  #closed: Error | null = null
  readonly #frames = new FrameDecoder({ kind: 'response', maxFrameBytes: MAX_RESPONSE_BYTES, limitName: "the client's response limit" })
  #timer: NodeJS.Timeout | null = null

  private constructor(socket: Socket, options: ConnectionOptions) {
    this.host = options.host
    this.port = options.port
    this.#socket = socket
    this.#clientId = options.clientId ?? 'samsa'
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000
    this.#maxInFlight = Math.max(1, options.maxInFlightRequests ?? 5)
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('error', (error) => this.#fail(networkError(this.host, this.port, error)))
    socket.on('close', () => this.#fail(new SamsaError(ErrorCodes.NETWORK, `The connection to broker ${this.address} closed.`)))
  }

  /** Opens a connection and agrees API versions with the broker. */
  static async open(options: ConnectionOptions): Promise<BrokerConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const tls = options.tls ?? null
      const socket: Socket = tls === null
        ? connectSocket({ host: options.host, port: options.port })
        : connectTls({ ...tls, host: options.host, port: options.port })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new SamsaError(ErrorCodes.NETWORK, `cannot reach broker at ${options.host}:${options.port}: no answer within ${options.connectTimeoutMs ?? 10_000} ms — is the address right and the broker running?`))
      }, options.connectTimeoutMs ?? 10_000)
      socket.once(tls === null ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        resolve(socket)
      })
      socket.once('error', (error) => {
        clearTimeout(timer)
        reject(networkError(options.host, options.port, error))
      })
    })
    const connection = new BrokerConnection(socket, options)
    try {
      await connection.#negotiateVersions()
      if (options.sasl !== undefined) {
        await saslLogin({
          address: connection.address,
          handshake: (mechanism) => connection.request(ApiKeys.SaslHandshake, { mechanism }, SASL_HANDSHAKE_VERSION),
          authenticate: (authBytes) => connection.request(ApiKeys.SaslAuthenticate, { authBytes }, SASL_AUTHENTICATE_VERSION),
        }, options.sasl)
      }
    } catch (error) {
      connection.close()
      throw error
    }
    return connection
  }

  get address(): string {
    return `${this.host}:${this.port}`
  }

  get isClosed(): boolean {
    return this.#closed !== null
  }

  /** True when the broker offers `apiKey` in a version this client speaks. */
  supports(apiKey: DescribedApiKey): boolean {
    return this.#versionOrNull(apiKey) !== null
  }

  /** The version this connection speaks `apiKey` in; throws when the broker offers none we speak. */
  versionFor(apiKey: DescribedApiKey): number {
    const version = this.#versionOrNull(apiKey)
    if (version === null) {
      throw new SamsaError(
        ErrorCodes.KAFKA,
        `The broker at ${this.address} does not support ${apiKeyName(apiKey)} (API key ${apiKey}) in any version this client speaks; it may be an older broker or one that lacks this feature.`,
      )
    }
    return version
  }

  /**
   * Sends a request and resolves with its decoded response. Waits in line when
   * `maxInFlightRequests` are outstanding. Rejects with SAMSA_NETWORK when the connection fails
   * and SAMSA_TIMEOUT when no response comes in time (the connection is then closed).
   */
  request<K extends DescribedApiKey>(
    apiKey: K,
    body: RequestInputOf<K>,
    version = this.versionFor(apiKey),
    timeoutMs = this.#requestTimeoutMs,
  ): Promise<ResponseOf<K>> {
    return new Promise<ResponseOf<K>>((resolve, reject) => {
      const send = (): void => {
        const correlationId = this.#write(apiKey, version, body)
        this.#inFlight.push({
          correlationId,
          apiKey,
          version,
          resolve: resolve as (body: unknown) => void,
          reject,
          deadline: Date.now() + timeoutMs,
        })
        this.#armTimer()
      }
      this.#enqueue(send, reject)
    })
  }

  /** Sends a request that gets no response (Produce with acks=0); resolves once it is handed to the socket. */
  send<K extends DescribedApiKey>(apiKey: K, body: RequestInputOf<K>, version = this.versionFor(apiKey)): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#enqueue(() => {
        this.#write(apiKey, version, body)
        resolve()
      }, reject)
    })
  }

  /** Closes the socket; outstanding requests fail. */
  close(): void {
    this.#fail(new SamsaError(ErrorCodes.NETWORK, `The connection to broker ${this.address} was closed by the client.`))
  }

  #enqueue(send: () => void, reject: (error: Error) => void): void {
    if (this.#closed !== null) {
      reject(this.#closed)
      return
    }
    if (this.#inFlight.length < this.#maxInFlight && this.#waiting.length === 0) send()
    else this.#waiting.push({ send, reject })
  }

  #write<K extends DescribedApiKey>(apiKey: K, version: number, body: RequestInputOf<K>): number {
    const correlationId = this.#nextCorrelationId
    this.#nextCorrelationId = (correlationId + 1) & 0x7fffffff
    const { chunks } = encodeRequest(apiKey, version, correlationId, this.#clientId, body)
    const socket = this.#socket
    if (chunks.length === 1) {
      socket.write(chunks[0] as Buffer)
    } else {
      socket.cork()
      for (const chunk of chunks) socket.write(chunk as Buffer)
      socket.uncork()
    }
    return correlationId
  }

  async #negotiateVersions(): Promise<void> {
    // KIP-511: ask in v3; a broker that does not know v3 answers in v0 with its own range.
    let response: ResponseOf<typeof ApiKeys.ApiVersions>
    try {
      response = await this.request(ApiKeys.ApiVersions, { clientSoftwareName: 'samsa', clientSoftwareVersion: '0.1.0' }, 3)
    } catch (error) {
      if (!SamsaError.is(error, ErrorCodes.PROTOCOL)) throw error
      response = await this.request(ApiKeys.ApiVersions, {}, 0)
    }
    if (response.errorCode === KafkaErrorCodes.UNSUPPORTED_VERSION) {
      const range = response.apiKeys.find((k) => k.apiKey === ApiKeys.ApiVersions)
      response = await this.request(ApiKeys.ApiVersions, {}, Math.min(range?.maxVersion ?? 0, 2))
    }
    if (response.errorCode !== KafkaErrorCodes.NONE) {
      throw kafkaFailure(response.errorCode, `ApiVersions to the broker at ${this.address}`)
    }
    for (const { apiKey, minVersion, maxVersion } of response.apiKeys) this.#versions.set(apiKey, { min: minVersion, max: maxVersion })
  }

  #versionOrNull(apiKey: DescribedApiKey): number | null {
    if (apiKey === ApiKeys.ApiVersions && this.#versions.size === 0) return 3
    const broker = this.#versions.get(apiKey)
    if (broker === undefined) return null
    const api = apis[apiKey]
    const max = Math.min(broker.max, api.maxVersion, CLIENT_MAX_VERSION[apiKey] ?? Infinity)
    const min = Math.max(broker.min, api.minVersion)
    return max >= min ? max : null
  }

  #onData(chunk: Buffer): void {
    try {
      this.#frames.push(chunk, this.#onFrameBound)
    } catch (error) {
      this.#fail(new SamsaError(ErrorCodes.PROTOCOL, `Broker ${this.address} sent a malformed response (${(error as Error).message}); closing the connection.`))
    }
  }

  readonly #onFrameBound = (frame: Buffer): void => {
    if (this.#closed === null) this.#onFrame(frame)
  }

  #onFrame(frame: Buffer): void {
    const pending = this.#inFlight.shift()
    const correlationId = responseCorrelationId(frame)
    if (pending === undefined || pending.correlationId !== correlationId) {
      if (pending !== undefined) this.#inFlight.unshift(pending)
      this.#fail(new SamsaError(ErrorCodes.PROTOCOL, `Broker ${this.address} answered correlation id ${correlationId}, expected ${pending?.correlationId ?? 'none'}.`))
      return
    }
    try {
      pending.resolve(decodeResponse(pending.apiKey, pending.version, frame).body)
    } catch (error) {
      pending.reject(error as Error)
    }
    this.#sendWaiting()
  }

  #sendWaiting(): void {
    while (this.#closed === null && this.#waiting.length > 0 && this.#inFlight.length < this.#maxInFlight) {
      this.#waiting.shift()!.send()
    }
    if (this.#inFlight.length === 0 && this.#timer !== null) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
  }

  /** One timer for the oldest outstanding request: responses come in order, so it is the first to expire. */
  #armTimer(): void {
    if (this.#timer !== null || this.#inFlight.length === 0) return
    const delay = Math.max(0, this.#inFlight[0]!.deadline - Date.now())
    this.#timer = setTimeout(() => {
      this.#timer = null
      const oldest = this.#inFlight[0]
      if (oldest === undefined) return
      if (oldest.deadline <= Date.now()) {
        this.#fail(new SamsaError(ErrorCodes.TIMEOUT, `Broker ${this.address} did not answer ${apiKeyName(oldest.apiKey)} in time (request timeout ${this.#requestTimeoutMs} ms).`))
      } else {
        this.#armTimer()
      }
    }, delay)
    this.#timer.unref()
  }

  #fail(error: Error): void {
    if (this.#closed !== null) return
    this.#closed = error
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#socket.destroy()
    for (const pending of this.#inFlight.splice(0)) pending.reject(error)
    for (const queued of this.#waiting.splice(0)) queued.reject(error)
  }
}

/** A socket error as a SamsaError that says what happened and what to try. */
export function networkError(host: string, port: number, error: Error & { code?: string }): SamsaError {
  const where = `broker at ${host}:${port}`
  switch (error.code) {
    case 'ECONNREFUSED':
      return new SamsaError(ErrorCodes.NETWORK, `cannot reach ${where}: connection refused — is it running? try \`npm start\` (or pass --bootstrap-server host:port)`, { cause: error })
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SamsaError(ErrorCodes.NETWORK, `cannot reach ${where}: the host name does not resolve — check --bootstrap-server`, { cause: error })
    case 'ECONNRESET':
    case 'EPIPE':
      return new SamsaError(ErrorCodes.NETWORK, `the ${where} closed the connection (${error.code}); it may have restarted or refused a request`, { cause: error })
    default:
      return new SamsaError(ErrorCodes.NETWORK, `cannot talk to ${where}: ${error.message}`, { cause: error })
  }
}
