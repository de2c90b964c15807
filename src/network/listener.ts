/**
 * A Kafka listener: a TCP server whose connections are KafkaConnections feeding one
 * RequestProcessor (the broker). It owns the sockets and nothing else.
 */
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { Logger } from '../common/logger.js'
import { KafkaConnection, type RequestProcessor } from './connection.js'
import type { FileTransfer } from './response-writer.js'

export interface ListenerOptions {
  readonly host: string
  readonly port: number
  /** socket.request.max.bytes */
  readonly maxFrameBytes: number
  /** connections.max.idle.ms */
  readonly idleTimeoutMs: number
  /** Sends frames that carry storage read plans (Fetch responses); see response-writer.ts. */
  readonly fileTransfer: FileTransfer | null
  readonly logger: Logger
}

export class KafkaListener {
  readonly #server: Server
  readonly #options: ListenerOptions
  readonly #connections = new Set<KafkaConnection>()
  #nextId = 1

  constructor(processor: RequestProcessor, options: ListenerOptions) {
    this.#options = options
    this.#server = createServer({ noDelay: true }, (socket: Socket) => {
      const connection = new KafkaConnection(this.#nextId++, socket, processor, {
        maxFrameBytes: options.maxFrameBytes,
        // Two full frames may wait; beyond that the client is sending faster than we answer.
        maxQueuedRequestBytes: Math.max(options.maxFrameBytes * 2, 1 << 20),
        idleTimeoutMs: options.idleTimeoutMs,
        fileTransfer: options.fileTransfer,
        logger: options.logger,
      })
      this.#connections.add(connection)
      socket.once('close', () => this.#connections.delete(connection))
    })
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
        this.#server.on('error', (error) => this.#options.logger.error('listener error', { error }))
        resolve(this.#server.address() as AddressInfo)
      })
    })
  }

  get connectionCount(): number {
    return this.#connections.size
  }

  /** Stops accepting, closes every connection, and resolves when the server is closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve())
      for (const connection of this.#connections) connection.close()
    })
  }
}
