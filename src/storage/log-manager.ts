/**
 * `LogManager`: every partition log of one data directory (Kafka's LogManager for one log dir).
 *
 * Layout, exactly Kafka's so operators recognise it:
 * ```
 * <dataDir>/
 *   <topic>-<partition>/                 one PartitionLog per partition
 *   <topic>-<partition>.<uuid>-delete/   a deleted partition, removed in the background
 *   recovery-point-offset-checkpoint     "<topic> <partition> <offset>": flushed below here
 *   log-start-offset-checkpoint          "<topic> <partition> <offset>"
 *   .kafka_cleanshutdown                 present only while no process has the dir open
 * ```
 * At open, the marker decides whether logs recover (scan from their recovery point) or open as
 * is; it is removed once every log is open and written again by a clean `close()`. Checkpoints
 * are written every 60 s (temp file, fsync, rename, directory fsync), retention runs every
 * log.retention.check.interval.ms; the timers are unref'd and never keep the process alive.
 *
 * Thread-safety: belongs to the JS thread that opened it, like the logs it hands out. Only one
 * LogManager (one process) may use a data directory at a time.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { LogConfig } from './log-config.js'
import {
  readOffsetCheckpoint,
  syncDir,
  writeFileDurably,
  writeOffsetCheckpoint,
  type OffsetCheckpointEntry,
} from './native.js'
import { DataDirLock } from './dir-lock.js'
import { LogCleaner, type LogCleanerOptions } from './log-cleaner.js'
import { checkStartupDescriptors } from './open-file-limit.js'
import { PartitionLog } from './partition-log.js'

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown'
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint'
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint'

/** Broker-level settings of the manager, under Kafka's names. */
export interface LogManagerOptions {
  /** How often retention runs. Default 300000 (5 min). */
  'log.retention.check.interval.ms'?: number
  /** How often recovery points are checkpointed. Default 60000. */
  'log.flush.offset.checkpoint.interval.ms'?: number
  /** How often log start offsets are checkpointed. Default 60000. */
  'log.flush.start.offset.checkpoint.interval.ms'?: number
  /**
   * How often old segments not read since the previous sweep close their files (Kafka keeps
   * them open; here an idle old segment costs no descriptor). Default 30000.
   */
  'log.segment.idle.release.ms'?: number
  /** Per-topic overrides, merged over the defaults when a log is opened or created. */
  topicConfig?: (topic: string, partition: number) => LogConfig | undefined
  /** Receives failures of background work (retention, checkpoints). Default: process warning. */
  onError?: (error: unknown) => void
  /**
   * The directory's lock, when the caller took it before opening (the broker does, before it
   * reads its metadata). By default `open` takes it. Either way `close` releases it.
   */
  dirLock?: DataDirLock
}

export interface TopicPartitionLog {
  topic: string
  partition: number
  log: PartitionLog
}

/** `<topic>-<partition>` with a legal Kafka topic name; other names are not partition dirs. */
const PARTITION_DIR = /^([a-zA-Z0-9._-]{1,249})-(\d{1,10})$/

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`
}

function checkTopicPartition(topic: string, partition: number): void {
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic) || topic === '.' || topic === '..') {
    throw new SamsaError(ErrorCodes.CONFIG, `Illegal topic name "${topic}": use 1-249 of [a-zA-Z0-9._-].`)
  }
  if (!Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) {
    throw new SamsaError(ErrorCodes.CONFIG, `Illegal partition ${partition}: expected an integer from 0.`)
  }
}

export class LogManager {
  readonly dataDir: string
  #defaults: LogConfig
  #options: LogManagerOptions
  #logs = new Map<string, TopicPartitionLog>()
  #creating = new Map<string, Promise<PartitionLog>>()
  #timers: NodeJS.Timeout[] = []
  /** The checkpoint write in flight per file: writes of one file never overlap (one temp name). */
  #checkpointWrites = new Map<string, Promise<void>>()
  #hadCleanShutdown: boolean
  #closed = false
  #cleaner: LogCleaner | undefined

  private constructor(dataDir: string, defaults: LogConfig, options: LogManagerOptions, hadCleanShutdown: boolean) {
    this.dataDir = dataDir
    this.#defaults = { ...defaults }
    this.#options = options
    this.#hadCleanShutdown = hadCleanShutdown
  }

  /**
   * Opens every `<topic>-<partition>` directory of `dataDir` (created if missing) in parallel on
   * the libuv pool, recovering them if the last stop was unclean, then removes the clean-shutdown
   * marker and starts the schedules. Holds the directory's lock (DataDirLock) until `close`;
   * throws SEGLOG_DIR_LOCKED, before touching anything, when another process holds it.
   */
  static async open(dataDir: string, defaults: LogConfig = {}, options: LogManagerOptions = {}): Promise<LogManager> {
    await mkdir(dataDir, { recursive: true })
    const lock = options.dirLock ?? DataDirLock.acquire(dataDir)
    try {
      return await LogManager.#open(dataDir, defaults, { ...options, dirLock: lock })
    } catch (error) {
      lock.release()
      throw error
    }
  }

  static async #open(dataDir: string, defaults: LogConfig, options: LogManagerOptions): Promise<LogManager> {
    const marker = join(dataDir, CLEAN_SHUTDOWN_FILE)
    let cleanShutdown = existsSync(marker)
    const [recoveryPoints, logStarts] = await Promise.all([
      readOffsetCheckpoint(join(dataDir, RECOVERY_POINT_CHECKPOINT)).catch(() => {
        // A corrupt checkpoint cannot tell what was flushed: verify everything.
        cleanShutdown = false
        return null
      }),
      readOffsetCheckpoint(join(dataDir, LOG_START_OFFSET_CHECKPOINT)).catch(() => null),
    ])
    const manager = new LogManager(dataDir, defaults, options, cleanShutdown)
    const recoveryPointOf = toMap(recoveryPoints)
    const logStartOf = toMap(logStarts)
    const opening: Array<Promise<void>> = []
    const partitionDirs: Array<{ name: string; match: RegExpExecArray }> = []
    for (const entry of await readdir(dataDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      if (entry.name.endsWith('-delete')) {
        manager.#removeInBackground(join(dataDir, entry.name))
        continue
      }
      const match = PARTITION_DIR.exec(entry.name)
      if (match !== null) partitionDirs.push({ name: entry.name, match })
    }
    // Before any log opens: running out of descriptors half way would fail with EMFILE on some
    // random index file, after the work of opening the others.
    checkStartupDescriptors(dataDir, partitionDirs.length)
    // One configuration per topic (overrides are per topic, as in Kafka): merging the defaults
    // once per partition took 0.6 s of one synchronous loop at 10,000 partitions.
    const topicConfigs = new Map<string, LogConfig>()
    for (const { name, match } of partitionDirs) {
      const [, topic, partitionText] = match as unknown as [string, string, string]
      const partition = Number(partitionText)
      const k = key(topic, partition)
      let config = topicConfigs.get(topic)
      if (config === undefined) topicConfigs.set(topic, (config = manager.#configFor(topic, partition)))
      opening.push(
        PartitionLog.open(join(dataDir, name), config, {
          cleanShutdown,
          recoveryPoint: recoveryPointOf.get(k) ?? 0,
          logStartOffset: logStartOf.get(k) ?? 0,
        }).then((log) => {
          manager.#logs.set(k, { topic, partition, log })
        }),
      )
    }
    const results = await Promise.allSettled(opening)
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed !== undefined) {
      await Promise.all([...manager.#logs.values()].map(({ log }) => log.close().catch(() => undefined)))
      throw failed.reason
    }
    // From here on the logs change: a crash must recover them.
    if (existsSync(marker)) {
      await rm(marker, { force: true })
      await syncDir(dataDir)
    }
    manager.#startSchedules()
    return manager
  }

  /**
   * Starts the log cleaner over this directory's compacted logs (log-cleaner.ts). The broker
   * calls it once its partitions can tell their high watermarks. `close` stops it first.
   */
  async startCleaner(options: LogCleanerOptions = {}): Promise<LogCleaner> {
    this.#checkOpen()
    if (this.#cleaner !== undefined) return this.#cleaner
    const cleaner = new LogCleaner(this.dataDir, () => this.logs(), options)
    this.#cleaner = cleaner
    await cleaner.start()
    return cleaner
  }

  /** The running cleaner, if started. */
  get cleaner(): LogCleaner | undefined {
    return this.#cleaner
  }

  /** Whether the marker was present at open (no log was scanned). */
  get hadCleanShutdown(): boolean {
    return this.#hadCleanShutdown
  }

  /** The open log of a partition, if any. */
  get(topic: string, partition: number): PartitionLog | undefined {
    return this.#logs.get(key(topic, partition))?.log
  }

  /** Every open log. */
  logs(): TopicPartitionLog[] {
    return [...this.#logs.values()]
  }

  /**
   * The log of a partition, creating its directory if needed. `config` overrides the defaults
   * and the topicConfig option. Concurrent calls for one partition share one open.
   */
  async create(topic: string, partition: number, config?: LogConfig): Promise<PartitionLog> {
    this.#checkOpen()
    checkTopicPartition(topic, partition)
    const k = key(topic, partition)
    const existing = this.#logs.get(k)
    if (existing !== undefined) return existing.log
    const pending = this.#creating.get(k)
    if (pending !== undefined) return pending
    const opening = PartitionLog.open(
      join(this.dataDir, k),
      { ...this.#configFor(topic, partition), ...config },
      { cleanShutdown: false },
    )
      .then((log) => {
        this.#logs.set(k, { topic, partition, log })
        return log
      })
      .finally(() => this.#creating.delete(k))
    this.#creating.set(k, opening)
    return opening
  }

  /**
   * Deletes a partition like Kafka: the log is closed without a flush and its directory renamed
   * to `<topic>-<partition>.<uuid>-delete` at once; the files are removed in the background
   * (read plans and Buffers that still view them stay valid).
   */
  async delete(topic: string, partition: number): Promise<boolean> {
    this.#checkOpen()
    const k = key(topic, partition)
    const entry = this.#logs.get(k)
    if (entry === undefined) return false
    this.#logs.delete(k)
    // A cleaning holds the log's work in flight until it ends: stop it rather than wait.
    await this.#cleaner?.abort(topic, partition, true)
    // Waits for a flush already running: it would write the leader-epoch checkpoint under the
    // partition's name, which a topic created again at once could already be using.
    await entry.log.abandon()
    const doomed = join(this.dataDir, `${k}.${randomUUID().replaceAll('-', '')}-delete`)
    await rename(entry.log.dir, doomed)
    await syncDir(this.dataDir)
    this.#removeInBackground(doomed)
    return true
  }

  /**
   * Closes the files of old segments not read since the previous sweep, in every log (see
   * PartitionLog.releaseIdleSegments); returns how many old segments still hold a file.
   */
  releaseIdleSegments(): number {
    let stillOpen = 0
    for (const { log } of this.#logs.values()) stillOpen += log.releaseIdleSegments()
    return stillOpen
  }

  /** Writes the recovery-point and log-start-offset checkpoints now. */
  async checkpoint(): Promise<void> {
    await Promise.all([this.#checkpointRecoveryPoints(), this.#checkpointLogStarts()])
  }

  /** One retention pass over every log; resolves to the number of segments deleted. */
  async runRetention(nowMs: number = Date.now()): Promise<number> {
    const counts = await Promise.all(this.logs().map(({ log }) => log.deleteOldSegments(nowMs)))
    return counts.reduce((a, b) => a + b, 0)
  }

  /**
   * Stops the schedules, closes every log (flush, index tails, epoch checkpoints), writes the
   * checkpoints, and writes the clean-shutdown marker if every log closed cleanly.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const timer of this.#timers) clearInterval(timer)
    // Before the logs close: a close waits for a running cleaning, which stops between batches.
    await this.#cleaner?.stop()
    await Promise.allSettled(this.#creating.values())
    const results = await Promise.all(this.logs().map(({ log }) => log.close()))
    await this.checkpoint()
    if (results.every((r) => r.clean)) {
      await writeFileDurably(join(this.dataDir, CLEAN_SHUTDOWN_FILE), Buffer.alloc(0))
    }
    this.#options.dirLock?.release()
  }

  #configFor(topic: string, partition: number): LogConfig {
    return { ...this.#defaults, ...this.#options.topicConfig?.(topic, partition) }
  }

  #checkOpen(): void {
    if (this.#closed) throw new SamsaError(ErrorCodes.STORAGE, `The log manager of ${this.dataDir} is closed.`)
  }

  #checkpointRecoveryPoints(): Promise<void> {
    return this.#writeCheckpoint(RECOVERY_POINT_CHECKPOINT, (log) => log.recoveryPoint)
  }

  #checkpointLogStarts(): Promise<void> {
    return this.#writeCheckpoint(LOG_START_OFFSET_CHECKPOINT, (log) => log.logStartOffset)
  }

  /** Writes one checkpoint file after any write of it in flight, with the values of that moment. */
  #writeCheckpoint(name: string, offsetOf: (log: PartitionLog) => number): Promise<void> {
    const previous = this.#checkpointWrites.get(name) ?? Promise.resolve()
    const write = previous
      .catch(() => undefined)
      .then(() => {
        const entries = this.logs().map(({ topic, partition, log }) => ({ topic, partition, offset: offsetOf(log) }))
        return writeOffsetCheckpoint(join(this.dataDir, name), entries)
      })
    this.#checkpointWrites.set(name, write)
    const settle = (): void => {
      if (this.#checkpointWrites.get(name) === write) this.#checkpointWrites.delete(name)
    }
    write.then(settle, settle)
    return write
  }

  #startSchedules(): void {
    const every = (ms: number, task: () => Promise<unknown>): void => {
      const timer = setInterval(() => {
        if (!this.#closed) task().catch((error: unknown) => this.#reportError(error))
      }, ms)
      timer.unref()
      this.#timers.push(timer)
    }
    const o = this.#options
    every(o['log.retention.check.interval.ms'] ?? 300_000, () => this.runRetention())
    every(o['log.segment.idle.release.ms'] ?? 30_000, async () => {
      this.releaseIdleSegments()
    })
    // A timer tick finding the previous write of its file still running skips (no pile-up).
    const idle = (name: string): boolean => !this.#checkpointWrites.has(name)
    every(o['log.flush.offset.checkpoint.interval.ms'] ?? 60_000, async () => {
      if (idle(RECOVERY_POINT_CHECKPOINT)) await this.#checkpointRecoveryPoints()
    })
    every(o['log.flush.start.offset.checkpoint.interval.ms'] ?? 60_000, async () => {
      if (idle(LOG_START_OFFSET_CHECKPOINT)) await this.#checkpointLogStarts()
    })
  }

  #removeInBackground(dir: string): void {
    rm(dir, { recursive: true, force: true }).catch((error: unknown) => this.#reportError(error))
  }

  #reportError(error: unknown): void {
    if (this.#options.onError !== undefined) this.#options.onError(error)
    else process.emitWarning(error instanceof Error ? error : new Error(String(error)), 'SamsaLogManagerWarning')
  }
}

function toMap(entries: OffsetCheckpointEntry[] | null): Map<string, number> {
  return new Map((entries ?? []).map((e) => [key(e.topic, e.partition), e.offset]))
}
