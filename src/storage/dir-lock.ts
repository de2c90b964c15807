/**
 * An exclusive lock on a log directory: Kafka's `<dir>/.lock`. Whoever has the directory's logs
 * open holds it, so a second process started on the same directory (a second `npm start`, an
 * embedder pointed at a broker's data) fails before it reads, recovers or truncates anything the
 * first is writing. It is the OS's advisory file lock: released by `release()` or when the
 * process exits or dies, so a crash leaves no stale lock.
 */
import { mkdirSync } from 'node:fs'
import { DirectoryLock } from './native.js'

export class DataDirLock {
  readonly dir: string
  #native: DirectoryLock | null

  private constructor(dir: string, native: DirectoryLock) {
    this.dir = dir
    this.#native = native
  }

  /**
   * Locks `dir` (creating it if needed) without waiting. Throws an error with code
   * SEGLOG_DIR_LOCKED, naming the directory, when another process holds it.
   */
  static acquire(dir: string): DataDirLock {
    mkdirSync(dir, { recursive: true })
    return new DataDirLock(dir, DirectoryLock.acquire(dir))
  }

  get held(): boolean {
    return this.#native !== null
  }

  release(): void {
    this.#native?.release()
    this.#native = null
  }
}
