/**
 * Test helper: a TCP proxy between Kafka clients and the broker that can lose a response.
 *
 * It forwards bytes both ways and reads the Kafka frames as they pass, remembering the API key of
 * each request by correlation id. When armed with `dropNextResponse(apiKey)`, the next response to
 * such a request is swallowed and the client's connection is closed, exactly what a client sees
 * when a connection breaks after the broker has acted on a request: the client does not know
 * whether it was applied, and retries.
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net'

/** Cuts a byte stream into Kafka frames (size prefix included). */
class FrameSplitter {
  #pending: Buffer = Buffer.alloc(0)

  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk])
    while (this.#pending.length >= 4 && this.#pending.length >= 4 + this.#pending.readInt32BE(0)) {
      const size = 4 + this.#pending.readInt32BE(0)
      onFrame(this.#pending.subarray(0, size))
      this.#pending = this.#pending.subarray(size)
    }
  }
}

export class TcpProxy {
  readonly #server: Server
  readonly #target: { host: string; port: number }
  readonly #sockets = new Set<Socket>()
  #dropApiKey: number | null = null
  /** Responses swallowed so far, by API key. */
  readonly dropped: number[] = []

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server
    this.#target = target
  }

  /** Listens on `port` (0: any free one) and forwards to `target`. */
  static async start(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
    const proxy: TcpProxy = new TcpProxy(createServer((client) => proxy.#accept(client)), target)
    await new Promise<void>((resolve) => proxy.#server.listen(port, '127.0.0.1', resolve))
    return proxy
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port
  }

  /** The next response to a request of `apiKey` is dropped and its client connection closed. */
  dropNextResponse(apiKey: number): void {
    this.#dropApiKey = apiKey
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #accept(client: Socket): void {
    const upstream = connect(this.#target)
    this.#sockets.add(client).add(upstream)
    const apiKeyOf = new Map<number, number>()
    const requests = new FrameSplitter()
    const responses = new FrameSplitter()
    client.on('data', (chunk: Buffer) => {
      requests.push(chunk, (frame) => apiKeyOf.set(frame.readInt32BE(8), frame.readInt16BE(4)))
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      responses.push(chunk, (frame) => {
        if (client.destroyed) return
        const apiKey = apiKeyOf.get(frame.readInt32BE(4))
        if (apiKey !== undefined && apiKey === this.#dropApiKey) {
          this.#dropApiKey = null
          this.dropped.push(apiKey)
          client.destroy()
          upstream.destroy()
          return
        }
        client.write(frame)
      })
    })
    const closeBoth = (): void => {
      client.destroy()
      upstream.destroy()
      this.#sockets.delete(client)
      this.#sockets.delete(upstream)
    }
    client.on('close', closeBoth).on('error', closeBoth)
    upstream.on('close', closeBoth).on('error', closeBoth)
  }
}

/** A port that was free a moment ago (for a broker that must know its port before it starts). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
