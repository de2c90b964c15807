/**
 * The load driver's side of one broker connection: writes request frames and hands back whole
 * response frames in arrival order (which is request order: the broker answers in order).
 *
 * It is built to cost the driver little: request frames are pre-encoded Buffers written as they
 * are (Node does not copy them), and a response frame is only assembled into one Buffer when it
 * spans socket chunks.
 */
import { connect, type Socket } from 'node:net'
import { type ConnectionOptions as TlsOptions, connect as connectTls } from 'node:tls'
import { FrameDecoder } from '../../src/protocol/frame-decoder.js'

export type FrameHandler = (frame: Buffer) => void

export class WireConnection {
  readonly #socket: Socket
  #onFrame: FrameHandler = () => undefined
  readonly #frames = new FrameDecoder({ kind: 'response', maxFrameBytes: 1 << 30, limitName: 'the driver\'s response limit' })

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
  }

  /** Plain TCP, or TLS with `tls` (bench/security compares the two). */
  static open(host: string, port: number, tls: TlsOptions | null = null): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const onOpen = (): void => {
        socket.off('error', reject)
        socket.on('error', (error) => {
          throw error
        })
        resolve(new WireConnection(socket))
      }
      const socket: Socket = tls === null ? connect({ host, port, noDelay: true }, onOpen) : connectTls({ ...tls, host, port }, onOpen).setNoDelay(true)
      socket.once('error', reject)
    })
  }

  /** Where whole response frames (without their size prefix) go. */
  onFrame(handler: FrameHandler): void {
    this.#onFrame = handler
  }

  send(frame: Buffer): void {
    this.#socket.write(frame)
  }

  close(): void {
    this.#socket.destroy()
  }

  #onData(chunk: Buffer): void {
    // The handler is looked up per frame: onFrame may replace it between frames.
    this.#frames.push(chunk, (frame) => this.#onFrame(frame))
  }
}
