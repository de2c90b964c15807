/**
 * A TCP server on 127.0.0.1 (port 0) that records the request frames Kafka clients send it. With
 * no responder it answers nothing; a responder may answer a frame (with bytes written back),
 * close the connection, or stay silent. Used to capture golden frames from real clients; never
 * part of the broker.
 */
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net'

export interface CapturedFrame {
  /** Connection number, in accept order. */
  readonly connection: number
  /** The frame without its INT32 size prefix. */
  readonly frame: Buffer
}

/** Returns bytes to send back, 'close' to drop the connection, or null to stay silent. */
export type Responder = (frame: Buffer, connection: number, port: number) => Buffer | 'close' | null

export interface CaptureServer {
  readonly port: number
  readonly frames: CapturedFrame[]
  close(): Promise<void>
}

export async function startCaptureServer(responder?: Responder): Promise<CaptureServer> {
  const frames: CapturedFrame[] = []
  const sockets = new Set<Socket>()
  let connections = 0
  let port = 0
  const server: Server = createServer((socket) => {
    const connection = connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    let pending = Buffer.alloc(0)
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data])
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0)
        if (size < 0 || size > 16 * 1024 * 1024) {
          socket.destroy()
          return
        }
        if (pending.length < 4 + size) break
        const frame = Buffer.from(pending.subarray(4, 4 + size))
        pending = pending.subarray(4 + size)
        frames.push({ connection, frame })
        const answer = responder?.(frame, connection, port) ?? null
        if (answer === 'close') {
          socket.destroy()
          return
        }
        if (answer !== null) socket.write(answer)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  return {
    port,
    frames,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
