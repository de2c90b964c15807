/**
 * Where a share-partition leader keeps its share-partitions' durable state (Kafka's Persister,
 * KIP-932): the share coordinator, which holds it in `__share_group_state`. The leader reads
 * the state when a share-partition starts here and writes it after every change an
 * acknowledgement, a release or a lock timeout makes; the admin side reads summaries and
 * initializes or deletes state.
 *
 * Every call names the share-partition leader's epoch where Kafka's requests carry one, so the
 * coordinator can fence a leader that has been replaced (FENCED_LEADER_EPOCH) or state that an
 * admin has reset (FENCED_STATE_EPOCH); those and other refusals reject with ShareStateError.
 *
 * WriteCoalescer keeps the writes of one share-partition in order and few: while one is in
 * flight, later changes wait and go out together in the next, and every caller's promise
 * resolves once a write taken after its call is durable (an acknowledgement is answered then).
 */
import type { SharePartitionKey, StateBatch } from './coordinator/share-coordinator-records.js'
import type { ShareSnapshot } from './share-partition.js'

export type { SharePartitionKey } from './coordinator/share-coordinator-records.js'

/** What ReadShareGroupStateSummary gives: the admin's view of a share-partition. */
export interface ShareStateSummary {
  readonly stateEpoch: number
  /** -1: never initialized. */
  readonly startOffset: number
}

export interface ShareStatePersister {
  /** The persisted state, or null when the share-partition was never written (or was deleted). */
  read(key: SharePartitionKey, leaderEpoch: number): Promise<ShareSnapshot | null>
  /**
   * Persists `snapshot()` (taken when the write starts, so it includes every change made before
   * then) for the leader at `leaderEpoch`; resolves once it is durable.
   */
  write(key: SharePartitionKey, leaderEpoch: number, snapshot: () => ShareSnapshot): Promise<void>
  /** The state epoch and start offset (DescribeShareGroupOffsets, AlterShareGroupOffsets). */
  readSummary(key: SharePartitionKey): Promise<ShareStateSummary>
  /** Starts the share-partition afresh at `startOffset` under `stateEpoch` (AlterShareGroupOffsets). */
  initialize(key: SharePartitionKey, stateEpoch: number, startOffset: number): Promise<void>
  /** Forgets the share-partition's state (DeleteShareGroupOffsets, a deleted group). */
  delete(key: SharePartitionKey): Promise<void>
  /** Resolves once every write under way has settled (shutdown). */
  flush(): Promise<void>
}

/** A refusal from the share coordinator, with Kafka's error code. */
export class ShareStateError extends Error {
  readonly errorCode: number

  constructor(errorCode: number, message: string) {
    super(message)
    this.name = 'ShareStateError'
    this.errorCode = errorCode
  }
}

export function toStateBatches(snapshot: ShareSnapshot): StateBatch[] {
  return snapshot.stateBatches.map((b) => ({ firstOffset: b.firstOffset, lastOffset: b.lastOffset, deliveryState: b.deliveryState, deliveryCount: b.deliveryCount }))
}

interface PendingWrite {
  snapshot: () => ShareSnapshot
  readonly send: (snapshot: ShareSnapshot) => Promise<void>
  readonly waiters: Array<() => void>
  readonly failures: Array<(error: unknown) => void>
}

/** One write in flight per share-partition; the changes made meanwhile go out in the next. */
export class WriteCoalescer {
  readonly #inFlight = new Map<string, Promise<void>>()
  readonly #queued = new Map<string, PendingWrite>()

  /** Sends `snapshot()` with `send` once no write of `id` is in flight; resolves when it is durable. */
  write(id: string, snapshot: () => ShareSnapshot, send: (snapshot: ShareSnapshot) => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let pending = this.#queued.get(id)
      if (pending === undefined) {
        pending = { snapshot, send, waiters: [], failures: [] }
        this.#queued.set(id, pending)
        if (!this.#inFlight.has(id)) this.#drain(id)
      }
      pending.snapshot = snapshot
      pending.waiters.push(resolve)
      pending.failures.push(reject)
    })
  }

  /** Resolves once the write of `id` under way (if any) has settled. */
  async settled(id: string): Promise<void> {
    await this.#inFlight.get(id)?.catch(() => undefined)
  }

  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()])
  }

  #drain(id: string): void {
    const pending = this.#queued.get(id)
    if (pending === undefined) return
    this.#queued.delete(id)
    let sent: Promise<void>
    try {
      sent = pending.send(pending.snapshot())
    } catch (error) {
      sent = Promise.reject(error)
    }
    const done = sent.then(
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
