/**
 * A minimal Kafka request/response connection for the `samsa group` commands: one socket,
 * requests encoded with src/protocol, responses matched by correlation id, and the versions
 * chosen from the broker's ApiVersions answer (the highest both sides speak).
 *
 * It exists because the lean client (src/client) is being written in parallel; once it is on
 * main, the group commands should move onto it and this file can go.
 */
import { type Socket, connect } from 'node:net'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { ApiKeys, apiKeyName } from '../protocol/api-keys.js'
import { decodeResponse, encodeRequest, responseCorrelationId } from '../protocol/frames.js'
import { type DescribedApiKey, type RequestInputOf, type ResponseOf, apis } from '../protocol/messages/index.js'

interface Pending {
  readonly apiKey: DescribedApiKey
  readonly version: number
  readonly resolve: (body: unknown) => void
  readonly reject: (error: Error) => void
}

export interface ConnectOptions {
  readonly clientId?: string
  /** Connection and per-request deadline. Default 30 s. */
  readonly timeoutMs?: number
}

export class KafkaConnection {
  readonly #socket: Socket
  readonly #clientId: string
  readonly #timeoutMs: number
  readonly #pending = new Map<number, Pending>()
  #versions = new Map<number, { min: number; max: number }>()
  #nextCorrelationId = 1
  #buffered: Buffer = Buffer.alloc(0)
  #failure: Error | null = null

  private constructor(socket: Socket, clientId: string, timeoutMs: number) {
    this.#socket = socket
    this.#clientId = clientId
    this.#timeoutMs = timeoutMs
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('error', (error) => this.#fail(new SamsaError(ErrorCodes.NETWORK, `Connection failed: ${error.message}`, { cause: error })))
    socket.on('close', () => this.#fail(new SamsaError(ErrorCodes.NETWORK, 'The broker closed the connection.')))
  }

  /** Connects to `host:port` and learns the broker's API versions. */
  static async connect(bootstrap: string, options: ConnectOptions = {}): Promise<KafkaConnection> {
    const { host, port } = parseBootstrap(bootstrap)
    const timeoutMs = options.timeoutMs ?? 30_000
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port })
      const timer = setTimeout(() => {
        s.destroy()
        reject(new SamsaError(ErrorCodes.TIMEOUT, `Could not connect to ${bootstrap} within ${timeoutMs} ms.`))
      }, timeoutMs)
      s.once('connect', () => {
        clearTimeout(timer)
        resolve(s)
      })
      s.once('error', (error) => {
        clearTimeout(timer)
        reject(new SamsaError(ErrorCodes.NETWORK, `Could not connect to ${bootstrap}: ${error.message}`, { cause: error }))
      })
    })
    socket.setNoDelay(true)
    const connection = new KafkaConnection(socket, options.clientId ?? 'samsa-cli', timeoutMs)
    const versions = await connection.request(ApiKeys.ApiVersions, 0, {})
    connection.#versions = new Map(versions.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]))
    return connection
  }

  /** The highest version of `apiKey` both the broker and our descriptions support. */
  version(apiKey: DescribedApiKey): number {
    const broker = this.#versions.get(apiKey)
    const ours = apis[apiKey]
    if (broker === undefined) throw new SamsaError(ErrorCodes.KAFKA, `The broker does not support ${apiKeyName(apiKey)}.`)
    const version = Math.min(broker.max, ours.maxVersion)
    if (version < Math.max(broker.min, ours.minVersion)) {
      throw new SamsaError(ErrorCodes.KAFKA, `No ${apiKeyName(apiKey)} version is supported by both the broker and samsa.`)
    }
    return version
  }

  /** Sends a request at `version` (default: the negotiated one) and resolves with the response body. */
  request<K extends DescribedApiKey>(apiKey: K, version: number | undefined, body: RequestInputOf<K>): Promise<ResponseOf<K>> {
    if (this.#failure !== null) return Promise.reject(this.#failure)
    const v = version ?? this.version(apiKey)
    const correlationId = this.#nextCorrelationId++
    const frame = encodeRequest(apiKey, v, correlationId, this.#clientId, body)
    return new Promise<ResponseOf<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(correlationId)
        reject(new SamsaError(ErrorCodes.TIMEOUT, `${apiKeyName(apiKey)} got no answer within ${this.#timeoutMs} ms.`))
      }, this.#timeoutMs)
      this.#pending.set(correlationId, {
        apiKey,
        version: v,
        resolve: (response) => {
          clearTimeout(timer)
          resolve(response as ResponseOf<K>)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      })
      for (const chunk of frame.chunks) this.#socket.write(chunk as Buffer)
    })
  }

  close(): void {
    this.#socket.destroy()
  }

  #onData(chunk: Buffer): void {
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk])
    while (this.#buffered.length >= 4) {
      const size = this.#buffered.readInt32BE(0)
      if (this.#buffered.length < 4 + size) return
      const frame = this.#buffered.subarray(4, 4 + size)
      this.#buffered = this.#buffered.subarray(4 + size)
      const pending = this.#pending.get(responseCorrelationId(frame))
      if (pending === undefined) continue
      this.#pending.delete(responseCorrelationId(frame))
      try {
        pending.resolve(decodeResponse(pending.apiKey, pending.version, frame).body)
      } catch (error) {
        pending.reject(error as Error)
      }
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error
    for (const pending of this.#pending.values()) pending.reject(error)
    this.#pending.clear()
  }
}

function parseBootstrap(bootstrap: string): { host: string; port: number } {
  const first = bootstrap.split(',')[0]!.trim()
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(first)
  if (match === null) throw new SamsaError(ErrorCodes.USAGE, `--bootstrap-server expects host:port, not '${bootstrap}'.`)
  return { host: match[1] ?? match[2]!, port: Number(match[3]) }
}
