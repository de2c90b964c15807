/**
 * The fetcher's half of a fetch session (KIP-227, Kafka's FetchSessionHandler): what a follower
 * tells one leader in each Fetch, given what the leader's session already holds.
 *
 * Each fetch names its partitions with add() between begin() and build(). The first request is
 * full (session id 0, epoch 0: "make me a session") and carries every partition. Once the leader
 * answers with a session id, requests are incremental (that id, the next epoch): they carry only
 * the partitions added since the last request or whose parameters changed (fetch offset, log
 * start offset, leader epoch, max bytes), and list in forgotten_topics_data those no longer
 * named. The leader answers an incremental request with only the partitions that have records,
 * an error, or a high watermark or log start offset that moved, so an idle follower's fetch of
 * 1,000 partitions is a few dozen bytes each way, and the follower still learns the high
 * watermark of a partition it copies nothing of.
 *
 * The session restarts with a full request (epoch 0, closing the old session on the leader) when
 * the leader answers with a top-level error (FETCH_SESSION_ID_NOT_FOUND: the leader restarted or
 * evicted it; INVALID_FETCH_SESSION_EPOCH; FETCH_SESSION_TOPIC_ID_ERROR), when an incremental
 * response names a partition the session does not hold, and when a request fails (the epoch the
 * leader expects is then unknown). A new fetcher, for a new leader or after a restart, starts
 * with a new handler, so with no session.
 *
 * The session's partitions are kept from one fetch to the next and serve as the request's
 * partition entries when sent: an idle fetch allocates nothing per partition.
 *
 * Not thread-safe: one fetcher's loop uses it, one request at a time.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { INITIAL_EPOCH, INVALID_SESSION_ID, nextEpoch } from './fetch-session.js'

/** One partition of the session, as last sent to the leader; `owner` is the fetcher's state for it. */
export class SessionPartition<T> {
  readonly topic: string
  readonly partition: number
  currentLeaderEpoch: number
  fetchOffset: number
  /** Sent as -1: this fetcher truncates through OffsetForLeaderEpoch, not through diverging epochs. */
  readonly lastFetchedEpoch = -1
  logStartOffset: number
  partitionMaxBytes: number
  owner: T
  /** The build that last named it: a partition not named by the current build is forgotten. */
  build = 0

  constructor(topic: string, partition: number, fetchOffset: number, logStartOffset: number, currentLeaderEpoch: number, partitionMaxBytes: number, owner: T) {
    this.topic = topic
    this.partition = partition
    this.fetchOffset = fetchOffset
    this.logStartOffset = logStartOffset
    this.currentLeaderEpoch = currentLeaderEpoch
    this.partitionMaxBytes = partitionMaxBytes
    this.owner = owner
  }
}

/**
 * The session fields and partitions of one Fetch request, in the shape of the request's fields
 * (arrays built for this request alone; the partition entries are the session's own).
 */
export interface SessionFetchRequest<T> {
  readonly sessionId: number
  readonly sessionEpoch: number
  readonly topics: Array<{ topic: string; partitions: SessionPartition<T>[] }>
  readonly forgottenTopicsData: Array<{ topic: string; partitions: number[] }>
}

/** The parts of a Fetch response the session looks at. */
export interface SessionFetchResponse {
  readonly errorCode: number
  readonly sessionId: number
  readonly responses: ReadonlyArray<{ readonly topic: string; readonly partitions: ReadonlyArray<{ readonly partitionIndex: number }> }>
}

export class FetchSessionHandler<T> {
  #sessionId = INVALID_SESSION_ID
  /** The epoch the next request carries: INITIAL_EPOCH for a full one. */
  #epoch = INITIAL_EPOCH
  /** Partitions by topic and index, as the leader's session holds them after the last request. */
  readonly #partitions = new Map<string, Map<number, SessionPartition<T>>>()
  #build = 0
  /** What the request being built sends, by topic; reused from build to build. */
  readonly #sending = new Map<string, SessionPartition<T>[]>()
  /** Whether the request last built was full (the response is then checked against none). */
  #sentFull = true

  get sessionId(): number {
    return this.#sessionId
  }

  /** Partitions in the session. */
  get size(): number {
    let size = 0
    for (const partitions of this.#partitions.values()) size += partitions.size
    return size
  }

  /** Starts the next request: the partitions add() names until build() are what it fetches. */
  begin(): void {
    this.#build++
    this.#sending.clear()
  }

  /** Names a partition in the request being built, with its fetch parameters and its fetcher state. */
  add(topic: string, partition: number, fetchOffset: number, logStartOffset: number, currentLeaderEpoch: number, partitionMaxBytes: number, owner: T): void {
    let partitions = this.#partitions.get(topic)
    if (partitions === undefined) this.#partitions.set(topic, (partitions = new Map()))
    let cached = partitions.get(partition)
    let changed = this.#epoch === INITIAL_EPOCH
    if (cached === undefined) {
      cached = new SessionPartition(topic, partition, fetchOffset, logStartOffset, currentLeaderEpoch, partitionMaxBytes, owner)
      partitions.set(partition, cached)
      changed = true
    } else if (
      cached.fetchOffset !== fetchOffset ||
      cached.logStartOffset !== logStartOffset ||
      cached.currentLeaderEpoch !== currentLeaderEpoch ||
      cached.partitionMaxBytes !== partitionMaxBytes
    ) {
      cached.fetchOffset = fetchOffset
      cached.logStartOffset = logStartOffset
      cached.currentLeaderEpoch = currentLeaderEpoch
      cached.partitionMaxBytes = partitionMaxBytes
      changed = true
    }
    cached.owner = owner
    cached.build = this.#build
    if (changed) {
      let list = this.#sending.get(topic)
      if (list === undefined) this.#sending.set(topic, (list = []))
      list.push(cached)
    }
  }

  /**
   * The request for what add() named since begin(): every partition when full, else the added
   * and changed ones plus the forgotten ones (which leave the session now).
   */
  build(): SessionFetchRequest<T> {
    const full = this.#epoch === INITIAL_EPOCH
    const forgottenTopicsData: Array<{ topic: string; partitions: number[] }> = []
    for (const [topic, partitions] of this.#partitions) {
      let forgotten: number[] | undefined
      for (const [index, cached] of partitions) {
        if (cached.build === this.#build) continue
        partitions.delete(index)
        // A full request replaces the leader's session wholesale: nothing to forget by name.
        if (!full) (forgotten ??= []).push(index)
      }
      if (forgotten !== undefined) forgottenTopicsData.push({ topic, partitions: forgotten })
      if (partitions.size === 0) this.#partitions.delete(topic)
    }
    const topics: Array<{ topic: string; partitions: SessionPartition<T>[] }> = []
    for (const [topic, partitions] of this.#sending) topics.push({ topic, partitions })
    this.#sentFull = full
    return { sessionId: this.#sessionId, sessionEpoch: this.#epoch, topics, forgottenTopicsData }
  }

  /** The session's partition `index` of `topic`: how a response partition is matched to its fetcher state. */
  partition(topic: string, index: number): SessionPartition<T> | undefined {
    return this.#partitions.get(topic)?.get(index)
  }

  /**
   * Takes the response to the request last built. Returns whether its partitions may be used;
   * false means the session restarts with a full request next (nothing in the response applies).
   */
  handleResponse(response: SessionFetchResponse): boolean {
    if (response.errorCode !== KafkaErrorCodes.NONE) {
      // Not found: the leader holds no session of ours, so ask for a new one; otherwise close
      // the one we named and ask for a new one in the same full request.
      if (response.errorCode === KafkaErrorCodes.FETCH_SESSION_ID_NOT_FOUND) this.#sessionId = INVALID_SESSION_ID
      this.#epoch = INITIAL_EPOCH
      return false
    }
    if (!this.#sentFull && !this.#holdsAll(response)) {
      this.#epoch = INITIAL_EPOCH
      return false
    }
    if (response.sessionId === INVALID_SESSION_ID) {
      // No session (the leader's cache is full or sessions are off there, or the leader closed
      // it): the next request is full again and asks anew.
      this.#sessionId = INVALID_SESSION_ID
      this.#epoch = INITIAL_EPOCH
    } else {
      this.#epoch = this.#sentFull ? nextEpoch(INITIAL_EPOCH) : nextEpoch(this.#epoch)
      this.#sessionId = response.sessionId
    }
    return true
  }

  /**
   * The request failed (no response, or one that could not be read): whether the leader applied
   * it is unknown, so the next request is full, closing the session it had.
   */
  handleError(): void {
    this.#epoch = INITIAL_EPOCH
  }

  /**
   * Makes the next request full, so that the leader answers every partition with its current
   * offsets: for a fetcher that dropped part of a response (a partition re-added while the fetch
   * was out), since the leader counts what it sent as known and would not send it again until
   * it changes.
   */
  requestFull(): void {
    this.#epoch = INITIAL_EPOCH
  }

  /** Whether every partition of an incremental response is in the session (Kafka checks the same). */
  #holdsAll(response: SessionFetchResponse): boolean {
    for (const topic of response.responses) {
      const partitions = this.#partitions.get(topic.topic)
      if (partitions === undefined) return false
      for (const data of topic.partitions) if (!partitions.has(data.partitionIndex)) return false
    }
    return true
  }
}
