/**
 * A fetch session (KIP-227, Kafka's FetchSession): the partitions one fetcher reads, kept by the
 * broker between its Fetch requests so that each request names only what changed and each
 * response carries only what is new.
 *
 * The session remembers, per partition, the fetcher's last request parameters (fetch offset,
 * leader epoch, max bytes) and what the fetcher was last told (high watermark, last stable
 * offset, log start offset). An incremental request adds or updates the partitions it names and
 * drops those in forgotten_topics_data; its response includes a partition only when it has
 * records, an error, or offsets that moved since they were last sent (Kafka's
 * CachedPartition.maybeUpdateResponseData; we also count the last stable offset, which Kafka's
 * clients read but Kafka's rule leaves out: resending a partition is always safe).
 *
 * Partitions that returned records move to the end of the session's order (as Kafka's
 * incremental context does), so when max bytes cuts a response short the partitions left out
 * are read first next time.
 *
 * Not thread-safe (nothing in the broker is): the session cache and the fetch handler use it
 * from the event loop only.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { PartitionFetch, TopicFetch } from './fetch-records.js'
import type { ReadOutcome } from './partition.js'

/** The session id of "no session" (Kafka's INVALID_SESSION_ID). */
export const INVALID_SESSION_ID = 0
/** The epoch of a full request that asks for a new session. */
export const INITIAL_EPOCH = 0
/** The epoch of a full request that wants no session (and closes the one it names). */
export const FINAL_EPOCH = -1

/** The epoch after `epoch`: wraps from the largest int32 to 1, since 0 means "create". */
export function nextEpoch(epoch: number): number {
  if (epoch < 0) return FINAL_EPOCH
  return epoch === 0x7fffffff ? 1 : epoch + 1
}

/** A partition as a Fetch request names it (the fields a session keeps). */
export interface RequestedPartition {
  readonly partition: number
  readonly currentLeaderEpoch: number
  readonly fetchOffset: bigint | number
  readonly lastFetchedEpoch: number
  readonly logStartOffset: bigint | number
  readonly partitionMaxBytes: number
}

export interface RequestedTopic {
  readonly topic: string
  readonly topicId: string
  readonly partitions: readonly RequestedPartition[]
}

export interface ForgottenTopic {
  readonly topic: string
  readonly topicId: string
  readonly partitions: readonly number[]
}

/** One partition of a session: the fetcher's last request parameters and what it was last told. */
export class CachedPartition implements PartitionFetch {
  readonly topic: string
  readonly topicId: string
  readonly partition: number
  currentLeaderEpoch: number
  fetchOffset: number
  partitionMaxBytes: number
  lastFetchedEpoch: number
  /** The fetcher's own log start offset (a follower's), as last sent. */
  fetcherLogStartOffset: number
  /** What the last response that carried this partition said; -1 until one has. */
  highWatermark = -1
  lastStableOffset = -1
  logStartOffset = -1

  constructor(topic: string, topicId: string, requested: RequestedPartition) {
    this.topic = topic
    this.topicId = topicId
    this.partition = requested.partition
    this.currentLeaderEpoch = requested.currentLeaderEpoch
    this.fetchOffset = Number(requested.fetchOffset)
    this.partitionMaxBytes = requested.partitionMaxBytes
    this.lastFetchedEpoch = requested.lastFetchedEpoch
    this.fetcherLogStartOffset = Number(requested.logStartOffset)
  }

  /** Takes the parameters of a request that names this partition again. */
  updateRequestParams(requested: RequestedPartition): void {
    this.currentLeaderEpoch = requested.currentLeaderEpoch
    this.fetchOffset = Number(requested.fetchOffset)
    this.partitionMaxBytes = requested.partitionMaxBytes
    this.lastFetchedEpoch = requested.lastFetchedEpoch
    this.fetcherLogStartOffset = Number(requested.logStartOffset)
  }

  /**
   * Whether an incremental response must carry this partition given what was read: records,
   * an error, or offsets that differ from those last sent. With `update`, remembers what is
   * sent; an error forgets the high watermark so the partition is sent again once it clears.
   */
  maybeUpdateResponseData(outcome: ReadOutcome, update: boolean): boolean {
    let mustRespond = (outcome.records?.byteLength ?? 0) > 0
    if (this.highWatermark !== outcome.highWatermark) {
      mustRespond = true
      if (update) this.highWatermark = outcome.highWatermark
    }
    if (this.lastStableOffset !== outcome.lastStableOffset) {
      mustRespond = true
      if (update) this.lastStableOffset = outcome.lastStableOffset
    }
    if (this.logStartOffset !== outcome.logStartOffset) {
      mustRespond = true
      if (update) this.logStartOffset = outcome.logStartOffset
    }
    if (outcome.errorCode !== KafkaErrorCodes.NONE) {
      mustRespond = true
      if (update) this.highWatermark = -1
    }
    return mustRespond
  }
}

/** A run of consecutive session partitions of one topic: what fetchRecords reads. */
interface TopicRun extends TopicFetch {
  readonly partitions: CachedPartition[]
}

export class FetchSession {
  readonly id: number
  /** A follower's session: evicted only after consumers' (KIP-227). */
  readonly privileged: boolean
  /** Created by a v13+ request: partitions are keyed by topic id, and only v13+ may use it. */
  readonly usesTopicIds: boolean
  readonly creationMs: number
  lastUsedMs: number
  /** The epoch the next request must carry. */
  epoch: number
  /** Partitions by topic key (id or name) and index. */
  readonly #byTopic = new Map<string, Map<number, CachedPartition>>()
  /** Every partition in fetch order; a Set keeps insertion order and moves in O(1). */
  readonly #order = new Set<CachedPartition>()
  /** The order as topic runs, rebuilt only after the order changed; never mutated once built. */
  #runs: TopicRun[] | null = null

  constructor(id: number, privileged: boolean, usesTopicIds: boolean, nowMs: number) {
    this.id = id
    this.privileged = privileged
    this.usesTopicIds = usesTopicIds
    this.creationMs = nowMs
    this.lastUsedMs = nowMs
    this.epoch = nextEpoch(INITIAL_EPOCH)
  }

  get size(): number {
    return this.#order.size
  }

  /** Adds a partition built from a full request (its response data already taken). */
  add(cached: CachedPartition): void {
    const key = this.#key(cached.topic, cached.topicId)
    let partitions = this.#byTopic.get(key)
    if (partitions === undefined) this.#byTopic.set(key, (partitions = new Map()))
    const previous = partitions.get(cached.partition)
    if (previous !== undefined) this.#order.delete(previous)
    partitions.set(cached.partition, cached)
    this.#order.add(cached)
    this.#runs = null
  }

  /**
   * Applies an incremental request: partitions it names are added or take its parameters,
   * forgotten ones leave. Returns how many were added, updated and removed.
   */
  update(topics: readonly RequestedTopic[], forgotten: readonly ForgottenTopic[]): { added: number; updated: number; removed: number } {
    let added = 0
    let updated = 0
    let removed = 0
    for (const topic of topics) {
      const name = this.usesTopicIds ? '' : topic.topic
      const topicId = this.usesTopicIds ? topic.topicId : ''
      for (const requested of topic.partitions) {
        const cached = this.#byTopic.get(this.#key(name, topicId))?.get(requested.partition)
        if (cached === undefined) {
          this.add(new CachedPartition(name, topicId, requested))
          added++
        } else {
          cached.updateRequestParams(requested)
          updated++
        }
      }
    }
    for (const topic of forgotten) {
      const key = this.#key(topic.topic, topic.topicId)
      const partitions = this.#byTopic.get(key)
      if (partitions === undefined) continue
      for (const index of topic.partitions) {
        const cached = partitions.get(index)
        if (cached === undefined) continue
        partitions.delete(index)
        this.#order.delete(cached)
        this.#runs = null
        removed++
      }
      if (partitions.size === 0) this.#byTopic.delete(key)
    }
    return { added, updated, removed }
  }

  /** The session's partitions grouped in runs of one topic, in fetch order. */
  topics(): readonly TopicFetch[] {
    if (this.#runs !== null) return this.#runs
    const runs: TopicRun[] = []
    let run: TopicRun | undefined
    for (const cached of this.#order) {
      if (run === undefined || run.topic !== cached.topic || run.topicId !== cached.topicId) {
        run = { topic: cached.topic, topicId: cached.topicId, partitions: [] }
        runs.push(run)
      }
      run.partitions.push(cached)
    }
    this.#runs = runs
    return runs
  }

  /**
   * Whether the incremental response carries `cached`, remembering what it is told; a partition
   * that returned records moves to the end of the fetch order (fairness under max bytes).
   */
  select(cached: CachedPartition, outcome: ReadOutcome): boolean {
    const include = cached.maybeUpdateResponseData(outcome, true)
    if ((outcome.records?.byteLength ?? 0) > 0 && this.#order.has(cached)) {
      this.#order.delete(cached)
      this.#order.add(cached)
      this.#runs = null
    }
    return include
  }

  #key(topic: string, topicId: string): string {
    return this.usesTopicIds ? topicId : topic
  }
}
