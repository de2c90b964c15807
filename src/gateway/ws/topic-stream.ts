/**
 * TopicStream: one subscriber's read loop over partitions of a topic. It keeps a position per
 * partition, reads from all of them at once through the PartitionReader (a long poll in the
 * delayed-fetch purgatory, so an idle stream costs a waiting fetch, not a timer per partition),
 * and hands each read to the outbox as one frame: JSON text (`{"type":"records","records":[...]}`)
 * or a binary record frame.
 *
 * Backpressure: the loop reads only while the outbox is ready (nothing queued, the socket's
 * buffered amount under the limit). A slow client therefore holds at most one read's frame beyond
 * the limit, and the loop itself stops: it asks nothing of the log, the pool or the purgatory
 * until uWS drains the socket. Other subscribers have their own loops and never wait for it.
 *
 * Positions move as frames are handed to the outbox, which never drops one; `positions` is what
 * has been sent, and what a group stream commits. A partition whose read fails (out of range, led
 * elsewhere, unknown) is reported in an error or reset frame; an offset out of range restarts at
 * the log start (below it) or at the high watermark (past it), as auto.offset.reset does, and
 * other errors are retried after a pause. A batch that cannot be decoded ends the stream.
 *
 * `assign` replaces the partitions (a group rebalance); a read in flight is aborted and its
 * result dropped. `close` stops the loop, ends a waiting fetch at once and clears every timer.
 */
import { KafkaErrorCodes, kafkaError } from '../../protocol/error-codes.js'
import type { PartitionRead, PartitionReader, RecordFormat } from '../records/partition-reader.js'
import type { Outbox } from './outbox.js'

/** A JSON records frame is `{"type":"records","records":[...]}`. */
const RECORDS_ENVELOPE = ['{"type":"records","records":', '}'] as const

export interface TopicStreamOptions {
  readonly topic: string
  readonly reader: PartitionReader
  readonly outbox: Outbox
  readonly format: RecordFormat
  readonly binaryFrames: boolean
  /** Bytes of batches per read, hence about one frame's payload. */
  readonly maxBytes: number
  /** Longest wait for new records in one read. */
  readonly maxWaitMs: number
  /** How long a partition that failed to read rests before the next try. */
  readonly retryBackoffMs: number
  /** A control frame (error, reset) for the client. */
  readonly notify: (frame: Record<string, unknown>) => void
  /** The stream cannot go on (a corrupt batch, the worker pool closed). */
  readonly fail: (error: unknown) => void
}

export interface TopicStreamStats {
  readonly recordsSent: number
  readonly framesSent: number
  readonly bytesRead: number
  readonly reading: boolean
}

export class TopicStream {
  readonly #options: TopicStreamOptions
  /** Partition → next offset to send. */
  #positions = new Map<number, number>()
  /** Partition → when it may be read again after an error; its last error code. */
  readonly #resting = new Map<number, { until: number; errorCode: number }>()
  /** Bumped by `assign`, so a read started before it is dropped. */
  #generation = 0
  #read: AbortController | null = null
  #wake: (() => void) | null = null
  #timer: NodeJS.Timeout | null = null
  #closed = false
  #started = false
  #recordsSent = 0
  #framesSent = 0
  #bytesRead = 0

  constructor(options: TopicStreamOptions) {
    this.#options = options
  }

  /** What has been sent: partition → the next offset to send. */
  get positions(): ReadonlyMap<number, number> {
    return this.#positions
  }

  get stats(): TopicStreamStats {
    return { recordsSent: this.#recordsSent, framesSent: this.#framesSent, bytesRead: this.#bytesRead, reading: this.#read !== null }
  }

  /** Streams these partitions from these offsets from now on (replacing any before). */
  assign(positions: ReadonlyMap<number, number>): void {
    this.#generation++
    this.#positions = new Map(positions)
    this.#resting.clear()
    this.#read?.abort()
    this.#wakeUp()
    if (!this.#started) {
      this.#started = true
      void this.#run()
    }
  }

  /** Stops the loop: a waiting fetch ends at once, timers are cleared, nothing more is sent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#read?.abort()
    this.#wakeUp()
  }

  async #run(): Promise<void> {
    const { outbox } = this.#options
    while (!this.#closed) {
      if (outbox.closed) break
      if (!outbox.ready) {
        await outbox.whenReady()
        continue
      }
      const now = Date.now()
      const positions: Array<{ partition: number; offset: number }> = []
      let nextRetry = Number.POSITIVE_INFINITY
      for (const [partition, offset] of this.#positions) {
        const rest = this.#resting.get(partition)
        if (rest !== undefined && rest.until > now) {
          nextRetry = Math.min(nextRetry, rest.until)
          continue
        }
        positions.push({ partition, offset })
      }
      if (positions.length === 0) {
        await this.#sleep(nextRetry - now)
        continue
      }
      const generation = this.#generation
      const controller = new AbortController()
      this.#read = controller
      let read: PartitionRead<Uint8Array>
      try {
        const request = {
          topic: this.#options.topic,
          positions,
          format: this.#options.format,
          maxBytes: this.#options.maxBytes,
          maxWaitMs: Math.max(0, Math.min(this.#options.maxWaitMs, nextRetry - now)),
          signal: controller.signal,
        }
        read = this.#options.binaryFrames ? await this.#options.reader.readFrame(request) : await this.#options.reader.readJsonBytes(request, RECORDS_ENVELOPE)
      } catch (error) {
        if (!this.#closed) this.#options.fail(error)
        this.close()
        return
      } finally {
        this.#read = null
      }
      if (this.#closed || generation !== this.#generation) continue
      this.#take(read)
    }
    this.#clearTimer()
  }

  /** Sends a read's records and moves the positions past them; handles each partition's error. */
  #take(read: PartitionRead<Uint8Array>): void {
    if (read.count > 0) {
      // JSON frames come as UTF-8 bytes, sent with the text opcode: uWS then copies them as they
      // are instead of encoding a string for every subscriber.
      this.#options.outbox.send(read.output, this.#options.binaryFrames)
      this.#recordsSent += read.count
      this.#framesSent++
    }
    this.#bytesRead += read.bytes
    for (const outcome of read.partitions) {
      if (!this.#positions.has(outcome.partition)) continue
      if (outcome.errorCode === KafkaErrorCodes.NONE) {
        this.#positions.set(outcome.partition, outcome.nextOffset)
        this.#resting.delete(outcome.partition)
        continue
      }
      const offset = this.#positions.get(outcome.partition)!
      if (outcome.errorCode === KafkaErrorCodes.OFFSET_OUT_OF_RANGE && outcome.logStartOffset >= 0) {
        const to = offset < outcome.logStartOffset ? outcome.logStartOffset : outcome.highWatermark
        this.#positions.set(outcome.partition, to)
        this.#options.notify({
          type: 'reset',
          partition: outcome.partition,
          from: String(offset),
          to: String(to),
          message: `Offset ${offset} is out of range for partition ${outcome.partition} (it holds ${outcome.logStartOffset} to ${outcome.highWatermark - 1}); continuing from ${to}.`,
        })
        continue
      }
      const previous = this.#resting.get(outcome.partition)
      this.#resting.set(outcome.partition, { until: Date.now() + this.#options.retryBackoffMs, errorCode: outcome.errorCode })
      // Once per change of error, not once per retry.
      if (previous?.errorCode !== outcome.errorCode) {
        const info = kafkaError(outcome.errorCode)
        this.#options.notify({
          type: 'error',
          error_code: outcome.errorCode,
          partition: outcome.partition,
          message: `Partition ${outcome.partition} of '${this.#options.topic}' cannot be read here: ${info.name}: ${info.message} Retrying every ${this.#options.retryBackoffMs} ms.`,
        })
      }
    }
  }

  /** Waits `ms` (forever for Infinity) or until `assign` or `close`. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve
      if (Number.isFinite(ms)) this.#timer = setTimeout(() => this.#wakeUp(), Math.max(1, ms))
    })
  }

  #wakeUp(): void {
    this.#clearTimer()
    const wake = this.#wake
    this.#wake = null
    wake?.()
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }
}
