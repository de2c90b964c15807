/**
 * A small client for Samsa's WebSocket streams, over the `ws` package (Node 20 has no global
 * WebSocket; `ws` is the library uWebSockets.js's own fallback uses). Used by the stream bench
 * and the integration tests: it keeps the JSON frames it received, counts records (binary record
 * frames are counted from their header without decoding), and can stop reading its socket
 * (`pause`) to play a slow subscriber.
 *
 * `ws` ships no types and the project does not depend on @types/ws, so the few members used are
 * declared here.
 */
import type { IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'

interface WsSocket {
  on(event: 'open', listener: () => void): this
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this
  on(event: 'close', listener: (code: number, reason: Buffer) => void): this
  on(event: 'error', listener: (error: Error) => void): this
  on(event: 'unexpected-response', listener: (request: unknown, response: IncomingMessage) => void): this
  send(data: string | Uint8Array, callback?: (error?: Error) => void): void
  close(code?: number, reason?: string): void
  terminate(): void
  pause(): void
  resume(): void
}
type WsConstructor = new (url: string, options?: { maxPayload?: number; perMessageDeflate?: boolean }) => WsSocket

const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor

const RECORDS_FRAME_START = Buffer.from('{"type":"records"')
const RECORD_START = Buffer.from('{"partition":')

/**
 * Records in a JSON records frame, without parsing it: each record object starts with
 * `{"partition":`, which cannot occur inside a JSON string (its quotes would be escaped). A
 * bench's driver would otherwise spend more CPU parsing than the broker spends serving.
 */
function countRecords(frame: Buffer): number {
  let count = 0
  for (let at = frame.indexOf(RECORD_START); at !== -1; at = frame.indexOf(RECORD_START, at + RECORD_START.length)) count++
  return count
}

/** A JSON frame from the server. */
export type StreamFrame = { type: string } & Record<string, unknown>

/** The upgrade was refused: the HTTP status and the error body. */
export class UpgradeRefused extends Error {
  readonly status: number
  readonly body: { error_code?: number; message?: string }
  constructor(status: number, body: { error_code?: number; message?: string }) {
    super(`upgrade refused with HTTP ${status}: ${body.message ?? ''}`)
    this.status = status
    this.body = body
  }
}

export interface StreamClientOptions {
  /** Keep every JSON frame (default true); a bench turns it off and only counts records. */
  readonly keepFrames?: boolean
  /** Called with each binary frame. */
  readonly onBinary?: (frame: Buffer) => void
}

export class StreamClient {
  /** JSON frames in arrival order (when kept). */
  readonly frames: StreamFrame[] = []
  /** Records received, in text and binary frames. */
  recordCount = 0
  /** Set once the server closed the socket. */
  closed: { code: number; reason: string } | null = null
  readonly #socket: WsSocket
  readonly #waiters = new Set<() => void>()

  private constructor(socket: WsSocket, options: StreamClientOptions) {
    this.#socket = socket
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.recordCount += data.readUInt32BE(4)
        options.onBinary?.(data)
      } else if (options.keepFrames === false && data.subarray(0, RECORDS_FRAME_START.length).equals(RECORDS_FRAME_START)) {
        this.recordCount += countRecords(data)
      } else {
        const frame = JSON.parse(data.toString('utf8')) as StreamFrame
        if (frame.type === 'records') this.recordCount += (frame.records as unknown[]).length
        if (options.keepFrames !== false) this.frames.push(frame)
      }
      this.#notify()
    })
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString('utf8') }
      this.#notify()
    })
  }

  /** Opens a stream; rejects with UpgradeRefused when the gateway answers with an HTTP error. */
  static connect(url: string, options: StreamClientOptions = {}): Promise<StreamClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { maxPayload: 64 * 1024 * 1024, perMessageDeflate: false })
      const client = new StreamClient(socket, options)
      socket.on('open', () => resolve(client))
      socket.on('error', reject)
      socket.on('unexpected-response', (_request, response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => {
          let parsed: { error_code?: number; message?: string } = { message: body }
          try {
            parsed = JSON.parse(body) as typeof parsed
          } catch {
            // Not JSON: keep the text.
          }
          reject(new UpgradeRefused(response.statusCode ?? 0, parsed))
        })
      })
    })
  }

  /** The records of every JSON records frame so far, in order. */
  get records(): Array<Record<string, unknown>> {
    return this.frames.filter((f) => f.type === 'records').flatMap((f) => f.records as Array<Record<string, unknown>>)
  }

  /** Frames of one type. */
  framesOf(type: string): StreamFrame[] {
    return this.frames.filter((f) => f.type === type)
  }

  send(message: unknown): void {
    this.#socket.send(typeof message === 'string' ? message : JSON.stringify(message))
  }

  /** Sends raw bytes as a binary frame (to test the server's refusal). */
  sendBinary(data: Uint8Array): void {
    this.#socket.send(data)
  }

  /** Stops reading the socket: the server's writes pile up in its buffers. */
  pause(): void {
    this.#socket.pause()
  }

  resume(): void {
    this.#socket.resume()
  }

  /** Resolves once `condition()` holds, checked after every frame; rejects after `timeoutMs`. */
  waitFor(condition: () => boolean, timeoutMs: number, what = 'the expected frames'): Promise<void> {
    if (condition()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return
        this.#waiters.delete(check)
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(check)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${this.recordCount} records and ${this.frames.length} JSON frames so far (last: ${JSON.stringify(this.frames.at(-1))?.slice(0, 300)})`))
      }, timeoutMs)
      this.#waiters.add(check)
    })
  }

  /** The first JSON frame of `type` that matches, waiting for it. */
  async next(type: string, timeoutMs: number, match: (frame: StreamFrame) => boolean = () => true): Promise<StreamFrame> {
    let found: StreamFrame | undefined
    await this.waitFor(() => (found = this.frames.find((f) => f.type === type && match(f))) !== undefined, timeoutMs, `a '${type}' frame`)
    return found!
  }

  /** Closes (normal closure) and resolves when the close handshake is done. */
  async close(): Promise<void> {
    if (this.closed !== null) return
    this.#socket.close(1000, 'done')
    await this.waitFor(() => this.closed !== null, 10_000, 'the close handshake').catch(() => this.#socket.terminate())
  }

  /** Drops the TCP connection without a close handshake. */
  terminate(): void {
    this.#socket.terminate()
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter()
  }
}
