/**
 * Test helper: one raw Kafka connection to a broker, for tests that send exact requests (any API,
 * any version, or hand-made bytes) and look at exact responses. Requests are encoded with our own
 * codec (src/protocol) or written byte by byte; the broker under test is a separate process.
 */
import { Socket, connect } from 'node:net'
import { encodeRequest, decodeResponse } from '../../src/protocol/frames.js'
import type { DescribedApiKey, RequestInputOf, ResponseOf } from '../../src/protocol/messages/index.js'

export class WireConnection {
  readonly #socket: Socket
  #buffered: Buffer = Buffer.alloc(0)
  #waiting: ((frame: Buffer | null) => void) | null = null
  #closed = false
  #correlationId = 0

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#buffered = Buffer.concat([this.#buffered, chunk])
      this.#deliver()
    })
    socket.on('close', () => {
      this.#closed = true
      this.#deliver()
    })
    socket.on('error', () => undefined)
  }

  static connect(host: string, port: number): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new WireConnection(socket)))
      socket.once('error', reject)
    })
  }

  /** Encodes a request with our codec, sends it, and decodes the response. */
  async request<K extends DescribedApiKey>(apiKey: K, apiVersion: number, body: RequestInputOf<K>): Promise<ResponseOf<K>> {
    const correlationId = ++this.#correlationId
    const { chunks } = encodeRequest(apiKey, apiVersion, correlationId, 'samsa-admin-test', body)
    const frame = await this.send(Buffer.concat(chunks as Buffer[]))
    if (frame === null) throw new Error(`the broker closed the connection instead of answering API ${apiKey} v${apiVersion}`)
    const decoded = decodeResponse(apiKey, apiVersion, frame)
    if (decoded.correlationId !== correlationId) throw new Error(`correlation id ${decoded.correlationId}, expected ${correlationId}`)
    return decoded.body
  }

  /**
   * Sends bytes as they are (a whole frame with its size prefix, or anything else) and resolves
   * with the next response frame (without its size prefix), or null when the broker closes the
   * connection instead.
   */
  send(bytes: Buffer): Promise<Buffer | null> {
    if (this.#waiting !== null) throw new Error('one request at a time')
    const answer = new Promise<Buffer | null>((resolve) => {
      this.#waiting = resolve
    })
    this.#socket.write(bytes)
    this.#deliver()
    return answer
  }

  close(): void {
    this.#socket.destroy()
  }

  #deliver(): void {
    if (this.#waiting === null) return
    if (this.#buffered.length >= 4) {
      const size = this.#buffered.readInt32BE(0)
      if (this.#buffered.length >= 4 + size) {
        const frame = this.#buffered.subarray(4, 4 + size)
        this.#buffered = this.#buffered.subarray(4 + size)
        const waiting = this.#waiting
        this.#waiting = null
        waiting(frame)
        return
      }
    }
    if (this.#closed) {
      const waiting = this.#waiting
      this.#waiting = null
      waiting(null)
    }
  }
}

/**
 * A request frame from hand-written body bytes: size, then a v1 request header (api key,
 * version, correlation id, client id), then `body`. Flexible versions need header v2, which
 * adds an empty tagged-field section: pass `flexible`.
 */
export function rawRequest(apiKey: number, apiVersion: number, body: Buffer, { flexible = false, correlationId = 7 } = {}): Buffer {
  const clientId = Buffer.from('raw')
  const header = Buffer.alloc(2 + 2 + 4 + 2)
  header.writeInt16BE(apiKey, 0)
  header.writeInt16BE(apiVersion, 2)
  header.writeInt32BE(correlationId, 4)
  header.writeInt16BE(clientId.length, 8)
  const parts = [header, clientId, ...(flexible ? [Buffer.from([0])] : []), body]
  const size = Buffer.alloc(4)
  size.writeInt32BE(parts.reduce((n, p) => n + p.length, 0))
  return Buffer.concat([size, ...parts])
}

/** Big-endian helpers for writing request bodies by hand. */
export const be = {
  int8: (v: number): Buffer => Buffer.from([v & 0xff]),
  int16: (v: number): Buffer => {
    const b = Buffer.alloc(2)
    b.writeInt16BE(v)
    return b
  },
  int32: (v: number): Buffer => {
    const b = Buffer.alloc(4)
    b.writeInt32BE(v)
    return b
  },
  /** A classic (non-flexible) STRING: INT16 length, then UTF-8 bytes. */
  string: (s: string): Buffer => Buffer.concat([be.int16(Buffer.byteLength(s)), Buffer.from(s)]),
  bool: (v: boolean): Buffer => Buffer.from([v ? 1 : 0]),
}
