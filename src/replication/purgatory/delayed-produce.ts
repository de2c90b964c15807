/**
 * Kafka's delayed-produce purgatory: an acks=all Produce whose records are in the leader's log
 * waits here until the high watermark of every partition it wrote passes its records (the ISR
 * has them), the partition settles otherwise (the ISR fell below min.insync.replicas, or this
 * broker stopped leading), or the request's timeout passes. Each partition reports through
 * Partition.replicationOutcome; the caller reads the outcomes once the wait resolves.
 *
 * Waiting costs a timer and a set entry per partition; a high watermark move costs one check per
 * produce waiting on that partition.
 */
import type { Partition } from '../partition.js'

/** One partition's part of a waiting produce: the offset its high watermark must reach. */
export interface ReplicationWait {
  readonly partition: Partition
  readonly requiredOffset: number
}

class DelayedProduce {
  readonly waits: readonly ReplicationWait[]
  readonly resolve: () => void
  timer: NodeJS.Timeout | null = null
  done = false

  constructor(waits: readonly ReplicationWait[], resolve: () => void) {
    this.waits = waits
    this.resolve = resolve
  }

  settled(): boolean {
    return allSettled(this.waits)
  }
}

/** True once no partition is still waiting for replication. */
function allSettled(waits: readonly ReplicationWait[]): boolean {
  for (const wait of waits) if (wait.partition.replicationOutcome(wait.requiredOffset) === 'pending') return false
  return true
}

export class DelayedProducePurgatory {
  readonly #watchers = new Map<Partition, Set<DelayedProduce>>()
  #waiting = 0

  /** How many produces are waiting (for metrics and tests). */
  get size(): number {
    return this.#waiting
  }

  /**
   * Resolves when every wait is settled, after `timeoutMs`, or at shutdown. Returns null, with
   * nothing parked, when every wait is settled already (on a single broker, always), so the
   * caller can answer synchronously.
   */
  wait(waits: readonly ReplicationWait[], timeoutMs: number): Promise<void> | null {
    if (allSettled(waits)) return null
    return new Promise((resolve) => {
      const parked = new DelayedProduce(waits, resolve)
      this.#waiting++
      for (const { partition } of waits) {
        let set = this.#watchers.get(partition)
        if (set === undefined) {
          set = new Set()
          this.#watchers.set(partition, set)
        }
        set.add(parked)
      }
      parked.timer = setTimeout(() => this.#complete(parked), timeoutMs)
    })
  }

  /** The partition's high watermark, ISR or leadership changed: waiting produces re-check. */
  progress(partition: Partition): void {
    const set = this.#watchers.get(partition)
    if (set === undefined) return
    for (const produce of set) if (produce.settled()) this.#complete(produce)
  }

  /** Completes every waiting produce at once (shutdown); unsettled partitions time out. */
  completeAll(): void {
    for (const set of [...this.#watchers.values()]) for (const produce of [...set]) this.#complete(produce)
  }

  #complete(produce: DelayedProduce): void {
    if (produce.done) return
    produce.done = true
    this.#waiting--
    if (produce.timer !== null) clearTimeout(produce.timer)
    produce.timer = null
    for (const { partition } of produce.waits) {
      const set = this.#watchers.get(partition)
      if (set === undefined) continue
      set.delete(produce)
      if (set.size === 0) this.#watchers.delete(partition)
    }
    produce.resolve()
  }
}
