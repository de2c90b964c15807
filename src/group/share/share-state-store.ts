/**
 * Durable share-partition state: what Kafka's share coordinator keeps in __share_group_state
 * (WriteShareGroupState / ReadShareGroupState), here one file per share-partition under
 * `<log.dirs>/__share_group_state/<group>/<topic id>-<partition>.json`, holding Kafka's
 * ShareSnapshot fields: state epoch, start offset and the state batches of in-flight records.
 *
 * A write goes to a temp file, is fsynced and renamed over the old one, so a crash leaves the old
 * state or the new, never half of one. Writes of one share-partition are coalesced: while one is
 * in flight, later changes wait and go out together in the next, and every caller's promise
 * resolves once a write taken after its call is durable (an acknowledgement is answered then).
 *
 * The state stays on the broker that led the partition when it was written: a leader move in a
 * cluster starts the share-partition afresh (share.auto.offset.reset) on the new leader.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ShareSnapshot } from './share-partition.js'

export interface SharePartitionKey {
  readonly groupId: string
  readonly topicId: string
  readonly partition: number
}

interface PendingWrite {
  snapshot: () => ShareSnapshot
  waiters: Array<() => void>
  failures: Array<(error: unknown) => void>
}

export class ShareStateStore {
  readonly #dir: string
  /** Per share-partition file: the write in flight and the one queued behind it. */
  readonly #inFlight = new Map<string, Promise<void>>()
  readonly #queued = new Map<string, PendingWrite>()

  constructor(logDir: string) {
    this.#dir = join(logDir, '__share_group_state')
  }

  #file(key: SharePartitionKey): string {
    return join(this.#dir, encodeURIComponent(key.groupId), `${key.topicId}-${key.partition}.json`)
  }

  /** The persisted state, or null when the share-partition was never written (or was deleted). */
  async read(key: SharePartitionKey): Promise<ShareSnapshot | null> {
    try {
      return JSON.parse(await readFile(this.#file(key), 'utf8')) as ShareSnapshot
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
  }

  /**
   * Persists `snapshot()` (taken when the write starts, so it includes every change made before
   * then); resolves once it is durable.
   */
  write(key: SharePartitionKey, snapshot: () => ShareSnapshot): Promise<void> {
    const id = this.#file(key)
    return new Promise<void>((resolve, reject) => {
      let pending = this.#queued.get(id)
      if (pending === undefined) {
        pending = { snapshot, waiters: [], failures: [] }
        this.#queued.set(id, pending)
        if (!this.#inFlight.has(id)) this.#drain(id)
      }
      pending.snapshot = snapshot
      pending.waiters.push(resolve)
      pending.failures.push(reject)
    })
  }

  /** The share-partitions of `groupId` that have persisted state. */
  async partitions(groupId: string): Promise<Array<{ topicId: string; partition: number }>> {
    let names: string[]
    try {
      names = await readdir(join(this.#dir, encodeURIComponent(groupId)))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
    const found: Array<{ topicId: string; partition: number }> = []
    for (const name of names) {
      const match = /^(.+)-(\d+)\.json$/.exec(name)
      if (match !== null) found.push({ topicId: match[1]!, partition: Number(match[2]) })
    }
    return found
  }

  /** Forgets a share-partition's state (DeleteShareGroupOffsets, a deleted group). */
  async delete(key: SharePartitionKey): Promise<void> {
    await this.#inFlight.get(this.#file(key))
    await rm(this.#file(key), { force: true })
  }

  /** Resolves once every write under way is durable (shutdown). */
  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()])
  }

  #drain(id: string): void {
    const pending = this.#queued.get(id)
    if (pending === undefined) return
    this.#queued.delete(id)
    const done = writeDurably(id, JSON.stringify(pending.snapshot())).then(
      () => pending.waiters.forEach((w) => w()),
      (error: unknown) => pending.failures.forEach((f) => f(error)),
    )
    this.#inFlight.set(id, done)
    void done.finally(() => {
      this.#inFlight.delete(id)
      this.#drain(id)
    })
  }
}

async function writeDurably(file: string, text: string): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true })
  const temp = `${file}.tmp`
  const handle = await open(temp, 'w')
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temp, file)
}
