/**
 * Diagnostics: the PartitionLogs of this process that were opened and not yet closed or
 * abandoned. Tests use it to fail a file that leaves a log open, whose background flush could
 * otherwise write into a directory while it is being removed. Touched only when a log opens
 * and closes, never on appends or reads.
 *
 * The log itself is held weakly, so one dropped without close can still be collected; its entry
 * (the directory name) stays, because its in-flight work may still be writing and because a
 * leak is worth reporting even after the garbage collector hid it.
 */

/** What a registered log shows: enough to name it and to close it. */
export interface OpenLog {
  readonly dir: string
  close(): Promise<unknown>
}

export interface OpenLogEntry {
  readonly dir: string
  /** The log, or undefined once it was garbage-collected without being closed. */
  readonly log: OpenLog | undefined
  /** For `unregister`, to forget a collected log once it has been reported. */
  readonly token: object
}

interface Registration {
  readonly dir: string
  readonly ref: WeakRef<OpenLog>
}

const open = new Set<Registration>()

/** Registers an opened log; pass the returned token to `unregister` once it is closed. */
export function register(log: OpenLog): object {
  const registration = { dir: log.dir, ref: new WeakRef(log) }
  open.add(registration)
  return registration
}

export function unregister(token: object): void {
  open.delete(token as Registration)
}

/** The logs opened in this process and not closed yet, oldest first. */
export function openLogs(): OpenLogEntry[] {
  return [...open].map((registration) => ({ dir: registration.dir, log: registration.ref.deref(), token: registration }))
}
