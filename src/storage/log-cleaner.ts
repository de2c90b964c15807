/**
 * `LogCleaner`: compacts the logs of one data directory whose cleanup.policy includes `compact`
 * (Kafka's LogCleaner + LogCleanerManager). The cleaning itself is seglog's (crates/seglog/src/
 * cleaner.rs), run on the libuv pool; this class decides which log to clean and when, keeps
 * Kafka's `cleaner-offset-checkpoint` (per log: the offset below which it is clean) and reports
 * each cleaning in the log.
 *
 * Choosing (Kafka's rules): among the compacted logs not being cleaned, the one with the highest
 * dirty ratio, dirty bytes / (clean + dirty bytes) below the first uncleanable offset, if it is at
 * least min.cleanable.dirty.ratio; a log whose first dirty segment is older than
 * max.compaction.lag.ms goes first whatever its ratio. Up to log.cleaner.threads cleanings run at
 * once; each gets an equal share of log.cleaner.dedupe.buffer.size and of
 * log.cleaner.io.max.bytes.per.second. With nothing dirty enough the cleaner sleeps
 * log.cleaner.backoff.ms.
 *
 * Leaders and followers alike: each replica cleans its own log, bounded by `upperBound` (the
 * partition's high watermark: a follower may still truncate above it).
 *
 * Thread-safety: belongs to the JS thread of its LogManager.
 */
import { join } from 'node:path'
import { LONG_MAX } from '../common/config/config-def.js'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { Logger } from '../common/logger.js'
import { CleanerCancel, readOffsetCheckpoint, writeOffsetCheckpoint, type CleanStats } from './native.js'
import type { PartitionLog } from './partition-log.js'

export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint'

/** Broker settings of the cleaner, under Kafka's names and with Kafka's defaults. */
export interface LogCleanerOptions {
  'log.cleaner.threads'?: number
  'log.cleaner.dedupe.buffer.size'?: number
  'log.cleaner.io.max.bytes.per.second'?: number
  'log.cleaner.backoff.ms'?: number
  /** The dirty ratio for logs whose topic sets no min.cleanable.dirty.ratio. */
  'log.cleaner.min.cleanable.ratio'?: number
  /** Nothing at or above this offset is cleaned (the high watermark); undefined: no bound. */
  upperBound?: (topic: string, partition: number) => number | undefined
  logger?: Logger
}

export interface CleanableLog {
  topic: string
  partition: number
  log: PartitionLog
}

interface Running {
  cancel: CleanerCancel
  done: Promise<void>
}

/** Kafka's lower bound per thread: a smaller map holds too few keys to clean a segment. */
const MIN_DEDUPE_BUFFER_PER_THREAD = 1 << 20

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`
}

export class LogCleaner {
  readonly #dataDir: string
  readonly #logs: () => CleanableLog[]
  readonly #threads: number
  readonly #dedupePerThread: number
  readonly #ioPerThread: number
  readonly #backoffMs: number
  readonly #minRatio: number
  readonly #upperBound: LogCleanerOptions['upperBound']
  readonly #logger: Logger | undefined
  /** The cleaner checkpoint per `<topic>-<partition>`. */
  #firstDirty = new Map<string, number>()
  #running = new Map<string, Running>()
  #timer: NodeJS.Timeout | undefined
  #checkpointWrite: Promise<void> = Promise.resolve()
  #stopped = false

  constructor(dataDir: string, logs: () => CleanableLog[], options: LogCleanerOptions = {}) {
    this.#dataDir = dataDir
    this.#logs = logs
    this.#threads = options['log.cleaner.threads'] ?? 1
    const dedupe = options['log.cleaner.dedupe.buffer.size'] ?? 134_217_728
    if (this.#threads > 0 && dedupe / this.#threads < MIN_DEDUPE_BUFFER_PER_THREAD) {
      throw new SamsaError(
        ErrorCodes.CONFIG,
        `log.cleaner.dedupe.buffer.size = ${dedupe} gives each of the ${this.#threads} log.cleaner.threads less than 1 MiB: raise it to at least ${this.#threads * MIN_DEDUPE_BUFFER_PER_THREAD} or use fewer threads.`,
      )
    }
    this.#dedupePerThread = Math.floor(dedupe / Math.max(1, this.#threads))
    this.#ioPerThread = (options['log.cleaner.io.max.bytes.per.second'] ?? Number.MAX_VALUE) / Math.max(1, this.#threads)
    this.#backoffMs = options['log.cleaner.backoff.ms'] ?? 15_000
    this.#minRatio = options['log.cleaner.min.cleanable.ratio'] ?? 0.5
    this.#upperBound = options.upperBound
    this.#logger = options.logger
  }

  /** Reads the checkpoint and starts cleaning in the background. */
  async start(): Promise<void> {
    const entries = await readOffsetCheckpoint(join(this.#dataDir, CLEANER_OFFSET_CHECKPOINT)).catch((error: unknown) => {
      // Losing it costs one full cleaning of every compacted log, not correctness.
      this.#logger?.warn('cleaner-offset-checkpoint unreadable; every compacted log is treated as dirty', { error })
      return null
    })
    for (const e of entries ?? []) this.#firstDirty.set(key(e.topic, e.partition), e.offset)
    if (this.#threads > 0) this.#schedule(0)
  }

  /** The cleaner checkpoint of a log (offsets below it are clean). */
  firstDirtyOffset(topic: string, partition: number): number {
    return this.#firstDirty.get(key(topic, partition)) ?? 0
  }

  /**
   * Starts as many cleanings as there are free threads, dirtiest logs first; resolves when
   * they have finished. Returns how many ran. The background loop calls it; tests may too.
   */
  async cleanOnce(nowMs: number = Date.now()): Promise<number> {
    const chosen = this.#choose(nowMs, this.#threads - this.#running.size)
    await Promise.all(chosen.map((c) => this.#clean(c, nowMs)))
    return chosen.length
  }

  /**
   * Cancels the cleaning of one log and waits for it; `forget` drops its checkpoint entry too
   * (the partition is being deleted).
   */
  async abort(topic: string, partition: number, forget = false): Promise<void> {
    const running = this.#running.get(key(topic, partition))
    if (running !== undefined) {
      running.cancel.cancel()
      await running.done
    }
    if (forget && this.#firstDirty.delete(key(topic, partition))) this.#writeCheckpoint()
  }

  /** Cancels every cleaning and waits for them; the checkpoint is written. Prompt: a cleaning stops between batches. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    for (const running of this.#running.values()) running.cancel.cancel()
    await Promise.all([...this.#running.values()].map((r) => r.done))
    await this.#checkpointWrite
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      const nowMs = Date.now()
      const chosen = this.#choose(nowMs, this.#threads - this.#running.size)
      if (chosen.length === 0) {
        this.#schedule(this.#backoffMs)
        return
      }
      // Each finished cleaning looks for the next dirty log at once.
      for (const c of chosen) void this.#clean(c, nowMs).then(() => this.#schedule(0))
    }, delayMs)
    this.#timer.unref()
  }

  #choose(nowMs: number, slots: number): CleanableLog[] {
    if (slots <= 0 || this.#stopped) return []
    const candidates: Array<{ log: CleanableLog; ratio: number; forced: boolean }> = []
    for (const entry of this.#logs()) {
      const { topic, partition, log } = entry
      if (!log.isCompacted || this.#running.has(key(topic, partition))) continue
      const config = log.config
      let stats
      try {
        stats = log.cleanableStats(this.#options(topic, partition, log, nowMs))
      } catch {
        continue // closed meanwhile
      }
      if (stats.dirtyBytes === 0) continue
      const ratio = stats.dirtyBytes / (stats.cleanBytes + stats.dirtyBytes)
      const maxLag = config['max.compaction.lag.ms'] ?? LONG_MAX
      const forced = maxLag < LONG_MAX && stats.firstDirtyTimestamp >= 0 && nowMs - stats.firstDirtyTimestamp > maxLag
      if (forced || ratio >= (config['min.cleanable.dirty.ratio'] ?? this.#minRatio)) candidates.push({ log: entry, ratio, forced })
    }
    candidates.sort((a, b) => Number(b.forced) - Number(a.forced) || b.ratio - a.ratio)
    return candidates.slice(0, slots).map((c) => c.log)
  }

  #options(topic: string, partition: number, log: PartitionLog, nowMs: number) {
    const config = log.config
    return {
      firstDirtyOffset: this.firstDirtyOffset(topic, partition),
      upperBound: this.#upperBound?.(topic, partition),
      deleteRetentionMs: config['delete.retention.ms'] ?? 86_400_000,
      minCompactionLagMs: config['min.compaction.lag.ms'] ?? 0,
      dedupeBufferBytes: this.#dedupePerThread,
      ioMaxBytesPerSecond: this.#ioPerThread,
      nowMs,
    }
  }

  #clean({ topic, partition, log }: CleanableLog, nowMs: number): Promise<void> {
    const k = key(topic, partition)
    const cancel = new CleanerCancel()
    const options = this.#options(topic, partition, log, nowMs)
    const stats = log.cleanableStats(options)
    this.#logger?.info('cleaning started', {
      topic,
      partition,
      firstDirtyOffset: stats.firstDirtyOffset,
      firstUncleanableOffset: stats.firstUncleanableOffset,
      dirtyBytes: stats.dirtyBytes,
      cleanBytes: stats.cleanBytes,
    })
    const done = log
      .clean(options, cancel)
      .then((result) => this.#finished(topic, partition, result))
      .catch((error: unknown) => {
        this.#logger?.error('cleaning failed', { topic, partition, error })
      })
      .finally(() => this.#running.delete(k))
    this.#running.set(k, { cancel, done })
    return done
  }

  #finished(topic: string, partition: number, s: CleanStats): void {
    const fields = {
      topic,
      partition,
      bytesIn: s.bytesRead,
      bytesOut: s.bytesWritten,
      recordsKept: s.recordsKept,
      recordsRemoved: s.recordsRead - s.recordsKept,
      segmentsRead: s.segmentsRead,
      segmentsWritten: s.segmentsWritten,
      durationMs: s.durationMs,
      mbPerSecond: s.durationMs > 0 ? Number((s.bytesRead / 1048576 / (s.durationMs / 1000)).toFixed(1)) : 0,
      cleanUpTo: s.endOffset,
    }
    if (s.cancelled) this.#logger?.info('cleaning cancelled', fields)
    else if (s.interrupted) this.#logger?.info('cleaning interrupted: the log changed meanwhile; it is retried', fields)
    else this.#logger?.info('cleaned', fields)
    if (!s.cancelled && !s.interrupted && s.endOffset > this.firstDirtyOffset(topic, partition)) {
      this.#firstDirty.set(key(topic, partition), s.endOffset)
      this.#writeCheckpoint()
    }
  }

  #writeCheckpoint(): void {
    this.#checkpointWrite = this.#checkpointWrite
      .catch(() => undefined)
      .then(() => {
        const entries = [...this.#firstDirty].flatMap(([k, offset]) => {
          const at = k.lastIndexOf('-')
          return [{ topic: k.slice(0, at), partition: Number(k.slice(at + 1)), offset }]
        })
        return writeOffsetCheckpoint(join(this.#dataDir, CLEANER_OFFSET_CHECKPOINT), entries)
      })
      .catch((error: unknown) => this.#logger?.error('writing cleaner-offset-checkpoint failed', { error }))
  }
}
