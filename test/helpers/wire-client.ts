/**
 * Test helper: a tiny Kafka client over one raw TCP socket, built on src/protocol's encoders.
 * It sends requests (or arbitrary bytes) and reads whole response frames in arrival order, so
 * tests can send malformed input, pipeline many requests, and check exactly what came back.
 */
import { connect, type Socket } from 'node:net'
import { type DescribedApiKey, type RequestInputOf, type ResponseOf, decodeResponse, encodeRequest, flattenChunks } from '../../src/protocol/index.js'

/** One request frame, size prefix included. */
export function encodeRequestFrame<K extends DescribedApiKey>(apiKey: K, apiVersion: number, body: RequestInputOf<K>, correlationId: number): Buffer {
  const out = encodeRequest(apiKey, apiVersion, correlationId, 'samsa-wire-test', body)
  return flattenChunks(out.chunks, out.byteLength)
}

export class WireClient {
  readonly socket: Socket
  /** Resolves when the broker (or we) closed the connection. */
  readonly closed: Promise<void>
  #pending: Buffer = Buffer.alloc(0)
  #frames: Buffer[] = []
  #waiters: Array<(frame: Buffer | null) => void> = []
  #isClosed = false
  #nextCorrelationId = 1

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('error', () => undefined)
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#isClosed = true
        for (const waiter of this.#waiters.splice(0)) waiter(null)
        resolve()
      })
    })
  }

  /** Connects; `localAddress` picks the source IP (any of 127.0.0.0/8 works on Linux loopback). */
  static connect(host: string, port: number, localAddress?: string): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(localAddress === undefined ? { host, port } : { host, port, localAddress }, () => {
        socket.off('error', reject)
        resolve(new WireClient(socket))
      })
      socket.once('error', reject)
    })
  }

  get isClosed(): boolean {
    return this.#isClosed
  }

  /** Writes raw bytes as they are. */
  write(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** Encodes a request frame (size prefix included) with the next correlation id. */
  encode<K extends DescribedApiKey>(apiKey: K, apiVersion: number, body: RequestInputOf<K>, correlationId = this.#nextCorrelationId++): Buffer {
    return encodeRequestFrame(apiKey, apiVersion, body, correlationId)
  }

  /** The next response frame (without size prefix), or null when the connection closed first. */
  nextFrame(): Promise<Buffer | null> {
    const frame = this.#frames.shift()
    if (frame !== undefined) return Promise.resolve(frame)
    if (this.#isClosed) return Promise.resolve(null)
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  /**
   * Sends bytes as they are (a whole frame, or anything else) and resolves with the next
   * response frame (without its size prefix), or null when the broker closes the connection.
   */
  send(bytes: Buffer): Promise<Buffer | null> {
    this.write(bytes)
    return this.nextFrame()
  }

  /** Sends one request and decodes its response (throws if the connection closes instead). */
  async request<K extends DescribedApiKey>(apiKey: K, apiVersion: number, body: RequestInputOf<K>): Promise<ResponseOf<K>> {
    const correlationId = this.#nextCorrelationId++
    this.write(this.encode(apiKey, apiVersion, body, correlationId))
    const frame = await this.nextFrame()
    if (frame === null) throw new Error(`connection closed instead of answering API ${apiKey} v${apiVersion}`)
    const decoded = decodeResponse(apiKey, apiVersion, frame)
    if (decoded.correlationId !== correlationId) throw new Error(`correlation id ${decoded.correlationId}, expected ${correlationId}`)
    return decoded.body
  }

  close(): void {
    this.socket.destroy()
  }

  #onData(chunk: Buffer): void {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk])
    while (this.#pending.length >= 4) {
      const size = this.#pending.readInt32BE(0)
      if (this.#pending.length < 4 + size) break
      const frame = Buffer.from(this.#pending.subarray(4, 4 + size))
      this.#pending = this.#pending.subarray(4 + size)
      const waiter = this.#waiters.shift()
      if (waiter !== undefined) waiter(frame)
      else this.#frames.push(frame)
    }
  }
}
