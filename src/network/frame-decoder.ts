/**
 * Splits a TCP byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes.
 *
 * The size is checked against socket.request.max.bytes before anything is allocated for the
 * frame (CVE-2022-34917 was a broker allocating what an unauthenticated peer announced). A
 * frame that arrives whole inside one chunk is handed on as a view of that chunk, without a
 * copy; only frames split across chunks are assembled, into one buffer of the announced size.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'

/** The smallest request header: api_key, api_version, correlation_id, client_id length. */
export const MIN_REQUEST_FRAME_BYTES = 10

export class FrameDecoder {
  readonly #maxFrameBytes: number
  /** Bytes of a size prefix split across chunks. */
  #sizeBytes = Buffer.alloc(4)
  #sizeFilled = 0
  /** The frame being assembled across chunks, and how much of it has arrived. */
  #partial: Buffer | null = null
  #partialFilled = 0

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes
  }

  /** True while a frame has started but not finished arriving. */
  get hasPartialFrame(): boolean {
    return this.#partial !== null || this.#sizeFilled > 0
  }

  /**
   * Feeds one chunk from the socket and calls `onFrame` for each complete frame, in order.
   * Throws SAMSA_PROTOCOL for a size that is negative, too small for a request header, or over
   * the limit; the caller closes the connection (Kafka sends no response in that case).
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let pos = 0
    const end = chunk.length
    while (pos < end) {
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
      } else {
        this.#partial = Buffer.allocUnsafe(size)
        this.#partialFilled = 0
      }
    }
  }

  #checkSize(size: number): void {
    if (size < MIN_REQUEST_FRAME_BYTES) {
      throw new SamsaError(ErrorCodes.PROTOCOL, `Invalid request frame size ${size}: smaller than a request header (${MIN_REQUEST_FRAME_BYTES} bytes).`)
    }
    if (size > this.#maxFrameBytes) {
      throw new SamsaError(ErrorCodes.PROTOCOL, `Request frame of ${size} bytes is larger than socket.request.max.bytes (${this.#maxFrameBytes}).`)
    }
  }
}
