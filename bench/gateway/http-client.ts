/**
 * A lean HTTP/1.1 keep-alive load client: each connection sends one request, reads the whole
 * response (framed by its Content-Length, which both servers under test always send), and sends
 * the next, so a connection never has more than one request in flight (no pipelining). Requests
 * are pre-encoded Buffers; responses are parsed only as far as the status line and
 * Content-Length. Cheaper per request than undici's fetch, so the servers, not the client, are
 * what runs out of CPU first.
 */
import { connect, type Socket } from 'node:net'

export interface LoadRequest {
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: Buffer
}

export interface LoadCounts {
  /** Responses with a 2xx status. */
  ok: number
  /** Responses with another status, with one example. */
  failed: number
  firstFailure: string | null
}

/** The bytes of one request, with Host and Content-Length and keep-alive. */
export function encodeRequest(host: string, request: LoadRequest): Buffer {
  const body = request.body ?? Buffer.alloc(0)
  let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n`
  for (const [name, value] of Object.entries(request.headers ?? {})) head += `${name}: ${value}\r\n`
  if (request.method === 'POST') head += `content-length: ${body.length}\r\n`
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body])
}

const HEADER_END = Buffer.from('\r\n\r\n')

/** One keep-alive connection that repeats `requests` in turn until stopped. */
export class LoadConnection {
  readonly #socket: Socket
  readonly #requests: readonly Buffer[]
  readonly #counts: LoadCounts
  #next = 0
  #pending: Buffer = Buffer.alloc(0)
  #stopped = false
  #drained: () => void = () => undefined

  private constructor(socket: Socket, requests: readonly Buffer[], counts: LoadCounts) {
    this.#socket = socket
    this.#requests = requests
    this.#counts = counts
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
  }

  static open(host: string, port: number, requests: readonly Buffer[], counts: LoadCounts): Promise<LoadConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true }, () => {
        socket.off('error', reject)
        socket.on('error', () => undefined)
        resolve(new LoadConnection(socket, requests, counts))
      })
      socket.once('error', reject)
    })
  }

  start(): void {
    this.#send()
  }

  /** Stops after the response in flight; resolves once it is in (or the socket closed). */
  stop(): Promise<void> {
    this.#stopped = true
    return new Promise((resolve) => {
      this.#drained = resolve
      this.#socket.once('close', resolve)
    })
  }

  close(): void {
    this.#socket.destroy()
  }

  #send(): void {
    if (this.#stopped) {
      this.#drained()
      return
    }
    const request = this.#requests[this.#next]!
    this.#next = (this.#next + 1) % this.#requests.length
    this.#socket.write(request)
  }

  #onData(chunk: Buffer): void {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk])
    for (;;) {
      const headerEnd = this.#pending.indexOf(HEADER_END)
      if (headerEnd < 0) return
      const head = this.#pending.toString('latin1', 0, headerEnd)
      const match = /\r\ncontent-length:\s*(\d+)/i.exec(head)
      if (match === null) throw new Error(`response without Content-Length: ${head}`)
      const total = headerEnd + 4 + Number(match[1])
      if (this.#pending.length < total) return
      const status = Number(head.slice(9, 12))
      if (status >= 200 && status < 300) this.#counts.ok++
      else {
        this.#counts.failed++
        this.#counts.firstFailure ??= `${head.split('\r\n')[0]} ${this.#pending.toString('utf8', headerEnd + 4, Math.min(total, headerEnd + 304))}`
      }
      this.#pending = this.#pending.subarray(total)
      this.#send()
    }
  }
}
