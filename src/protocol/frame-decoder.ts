/**
 * Splits a byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes. The
 * broker reads requests with it, the client responses; it touches no socket (chunks in, frames
 * out).
 *
 * The size is checked against the limit before anything is allocated for the frame
 * (CVE-2022-34917 was a broker allocating what an unauthenticated peer announced). A frame that
 * arrives whole inside one chunk is handed on as a view of that chunk, without a copy; only
 * frames split across chunks are assembled, into one buffer of the announced size, or, from a
 * peer whose announced sizes are not trusted (before SASL authentication), from the pieces as
 * they arrive, so a peer that announces 500 kB and stalls costs what it sent, not what it announced.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'

/** The smallest request header: api_key, api_version, correlation_id, client_id length. */
export const MIN_REQUEST_FRAME_BYTES = 10
/** The smallest response: its correlation id. */
export const MIN_RESPONSE_FRAME_BYTES = 4

export interface FrameLimits {
  /** 'request' frames (read by a broker) or 'response' frames (read by a client), for messages. */
  readonly kind: 'request' | 'response'
  readonly maxFrameBytes: number
  /** Where the limit comes from, for the message (e.g. socket.request.max.bytes). */
  readonly limitName: string
}

export class FrameDecoder {
  #limits: FrameLimits
  #minFrameBytes: number
  /** Bytes of a size prefix split across chunks. */
  #sizeBytes = Buffer.alloc(4)
  #sizeFilled = 0
  /** The frame being assembled across chunks, and how much of it has arrived. */
  #partial: Buffer | null = null
  #partialFilled = 0
  /** Untrusted sizes: the pieces of the frame being assembled, and the size it announced. */
  #pieces: Buffer[] | null = null
  #piecesSize = 0
  #trustSizes = true

  constructor(limits: FrameLimits) {
    this.#limits = limits
    this.#minFrameBytes = limits.kind === 'request' ? MIN_REQUEST_FRAME_BYTES : MIN_RESPONSE_FRAME_BYTES
  }

  /**
   * Whether a split frame's buffer is allocated at its announced size when its first bytes
   * arrive (true, the default: one copy, no growth) or grown from the pieces as they arrive
   * (false: for peers not yet authenticated). Applies from the next frame on.
   */
  trustAnnouncedSizes(trusted: boolean): void {
    this.#trustSizes = trusted
  }

  /**
   * Lets frames smaller than a request header through (raw SASL tokens after a SaslHandshake v0
   * are framed like requests but carry no header), or restores the minimum.
   */
  acceptShortFrames(accept: boolean): void {
    this.#minFrameBytes = accept ? 0 : this.#limits.kind === 'request' ? MIN_REQUEST_FRAME_BYTES : MIN_RESPONSE_FRAME_BYTES
  }

  /**
   * Changes the size limit for frames whose size prefix has not arrived yet (a connection before
   * and after SASL authentication). A frame already being assembled keeps the limit it passed.
   */
  setLimit(maxFrameBytes: number, limitName: string): void {
    if (maxFrameBytes === this.#limits.maxFrameBytes && limitName === this.#limits.limitName) return
    this.#limits = { kind: this.#limits.kind, maxFrameBytes, limitName }
  }

  /** True while a frame has started but not finished arriving. */
  get hasPartialFrame(): boolean {
    return this.#partial !== null || this.#pieces !== null || this.#sizeFilled > 0
  }

  /**
   * Feeds one chunk of the stream and calls `onFrame` for each complete frame, in order.
   * Throws SAMSA_PROTOCOL for a size that is negative, too small for a header, or over the
   * limit; the caller closes the connection (Kafka sends no response in that case).
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let pos = 0
    const end = chunk.length
    while (pos < end) {
      if (this.#pieces !== null) {
        const take = Math.min(this.#piecesSize - this.#partialFilled, end - pos)
        // A copy: a view would keep the peer's whole socket chunk alive.
        this.#pieces.push(Buffer.from(chunk.subarray(pos, pos + take)))
        this.#partialFilled += take
        pos += take
        if (this.#partialFilled === this.#piecesSize) {
          const frame = Buffer.concat(this.#pieces, this.#piecesSize)
          this.#pieces = null
          onFrame(frame)
        }
        continue
      }
      if (this.#partial !== null) {
        const want = this.#partial.length - this.#partialFilled
        const take = Math.min(want, end - pos)
        chunk.copy(this.#partial, this.#partialFilled, pos, pos + take)
        this.#partialFilled += take
        pos += take
        if (this.#partialFilled === this.#partial.length) {
          const frame = this.#partial
          this.#partial = null
          onFrame(frame)
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
      this.#checkSize(size)

      if (end - pos >= size) {
        onFrame(chunk.subarray(pos, pos + size))
        pos += size
      } else if (this.#trustSizes) {
        this.#partial = Buffer.allocUnsafe(size)
        this.#partialFilled = 0
      } else {
        this.#pieces = []
        this.#piecesSize = size
        this.#partialFilled = 0
      }
    }
  }

  #checkSize(size: number): void {
    const { kind, maxFrameBytes, limitName } = this.#limits
    if (size < this.#minFrameBytes) {
      throw new SamsaError(ErrorCodes.PROTOCOL, `Invalid ${kind} frame size ${size}: smaller than a ${kind} header (${this.#minFrameBytes} bytes).`)
    }
    if (size > maxFrameBytes) {
      throw new SamsaError(ErrorCodes.PROTOCOL, `${kind === 'request' ? 'Request' : 'Response'} frame of ${size} bytes is larger than ${limitName} (${maxFrameBytes}).`)
    }
  }
}
