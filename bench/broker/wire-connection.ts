/**
 * The load driver's side of one broker connection: writes request frames and hands back whole
 * response frames in arrival order (which is request order: the broker answers in order).
 *
 * It is built to cost the driver little: request frames are pre-encoded Buffers written as they
 * are (Node does not copy them), and a response frame is only assembled into one Buffer when it
 * spans socket chunks.
 */
import { connect, type Socket } from 'node:net'

export type FrameHandler = (frame: Buffer) => void

export class WireConnection {
  readonly #socket: Socket
  #onFrame: FrameHandler = () => undefined
  /** A frame being assembled across chunks, and how much of it has arrived. */
  #partial: Buffer | null = null
  #partialFilled = 0
  /** Bytes of a size prefix split across chunks. */
  #sizeBytes = Buffer.alloc(4)
  #sizeFilled = 0

  private constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
  }

  static open(host: string, port: number): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true }, () => {
        socket.off('error', reject)
        socket.on('error', (error) => {
          throw error
        })
        resolve(new WireConnection(socket))
      })
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
    let pos = 0
    const end = chunk.length
    while (pos < end) {
      if (this.#partial !== null) {
        const take = Math.min(this.#partial.length - this.#partialFilled, end - pos)
        chunk.copy(this.#partial, this.#partialFilled, pos, pos + take)
        this.#partialFilled += take
        pos += take
        if (this.#partialFilled === this.#partial.length) {
          const frame = this.#partial
          this.#partial = null
          this.#onFrame(frame)
        }
        continue
      }
      let size: number
      if (this.#sizeFilled === 0 && end - pos >= 4) {
        size = chunk.readInt32BE(pos)
        pos += 4
      } else {
        const take = Math.min(4 - this.#sizeFilled, end - pos)
        chunk.copy(this.#sizeBytes, this.#sizeFilled, pos, pos + take)
        this.#sizeFilled += take
        pos += take
        if (this.#sizeFilled < 4) return
        size = this.#sizeBytes.readInt32BE(0)
        this.#sizeFilled = 0
      }
      if (end - pos >= size) {
        this.#onFrame(chunk.subarray(pos, pos + size))
        pos += size
      } else {
        this.#partial = Buffer.allocUnsafe(size)
        this.#partialFilled = 0
      }
    }
  }
}
