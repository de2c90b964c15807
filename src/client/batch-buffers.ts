/**
 * Output buffers for the producer's inline encodes, reused once the broker has answered the
 * request that carried them.
 *
 * Each drain of a small uncompressed batch used to encode into a fresh 40-80 KiB buffer: an
 * ArrayBuffer outside V8's heap, malloc'd, counted as external memory and freed only by a GC.
 * At a thousand drains a second (a load generator at 385 k records/s with a 1 ms linger) that
 * churn alone paced the producer thread's GCs, mark-compacts included. The number of buffers
 * in use at once is small (the requests in flight plus the drains queued behind them), so a few
 * kept buffers serve every drain.
 *
 * The producer gives a buffer back only when no byte of it can still be in use: every request
 * that carried its batches got a response (the broker read the whole request, so the socket
 * finished writing it) and none of its batches waits for a retry. Any other outcome leaves the
 * buffer to the GC. Not thread-safe; one per producer.
 */

/** New buffers are at least this large, in powers of two, so later, larger drains still fit. */
const MIN_BUFFER_BYTES = 64 * 1024

export class BatchBuffers {
  readonly #free: Buffer[] = []
  readonly #maxKept: number

  /** Keeps at most `maxKept` idle buffers; more given back are left to the GC. */
  constructor(maxKept: number) {
    this.#maxKept = maxKept
  }

  /**
   * The most recently returned idle buffer when it holds `bytes`, else a new one (contents
   * arbitrary either way). A returned buffer too small for this drain is dropped: sizes only
   * step up in powers of two, so the pool soon holds buffers that fit.
   */
  take(bytes: number): Buffer {
    const buffer = this.#free.pop()
    if (buffer !== undefined && buffer.length >= bytes) return buffer
    let size = MIN_BUFFER_BYTES
    while (size < bytes) size *= 2
    return Buffer.allocUnsafeSlow(size)
  }

  /** Returns a buffer taken here (or one like it) once nothing refers to its bytes any more. */
  give(buffer: Buffer): void {
    if (this.#free.length < this.#maxKept) this.#free.push(buffer)
  }

  /** Drops the idle buffers. */
  clear(): void {
    this.#free.length = 0
  }
}
