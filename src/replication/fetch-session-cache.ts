/**
 * The broker's fetch sessions (KIP-227, Kafka's FetchSessionCache and FetchManager.newContext).
 *
 * A Fetch names a session by (session_id, session_epoch):
 * - (0, 0): a full request that asks for a session; one is created after the read when the
 *   cache has room, and its id goes back in the response (0 when none was created).
 * - (id, 0): a full request that closes session `id` and asks for a new one.
 * - (0, -1) or (id, -1): a full request without a session (closing `id`); also every Fetch
 *   before v7, which has no session fields.
 * - (id, n > 0): an incremental request; `n` must be the session's next epoch.
 * Errors, answered at once with no partitions: FETCH_SESSION_ID_NOT_FOUND for an id the cache
 * does not hold, INVALID_FETCH_SESSION_EPOCH for a wrong epoch (also when two requests race on
 * one session), FETCH_SESSION_TOPIC_ID_ERROR when a session created with topic ids (v13+) is
 * used by an older version or the reverse.
 *
 * Sessions are keyed by id, not by connection: a fetcher that reconnects keeps its session.
 * The cache is bounded by max.incremental.fetch.session.cache.slots. When it is full, a new
 * session may take the place of one that has not been used for evictionMs, else of the least
 * valuable evictable session (consumers' before followers', then fewer partitions first),
 * provided the new one is worth at least as much; a session younger than evictionMs is only
 * evictable by a follower's, and only when it is a consumer's. Eviction scans the sessions
 * (at most the slot count) and happens only when the cache is full and a fetcher asks for a
 * new session, so it is kept simple rather than indexed.
 *
 * Not thread-safe: used from the event loop only.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { TopicFetch } from './fetch-records.js'
import {
  CachedPartition,
  FINAL_EPOCH,
  FetchSession,
  type ForgottenTopic,
  INITIAL_EPOCH,
  INVALID_SESSION_ID,
  nextEpoch,
  type RequestedTopic,
} from './fetch-session.js'
import type { ReadOutcome } from './partition.js'

/** Kafka's MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS: how long a session is safe from eviction. */
export const DEFAULT_SESSION_EVICTION_MS = 120_000

export interface FetchSessionCacheOptions {
  /** max.incremental.fetch.session.cache.slots; 0 disables sessions. */
  readonly maxSlots: number
  readonly evictionMs?: number
  readonly now?: () => number
}

/** The session fields of a Fetch request. */
export interface FetchSessionRequest {
  readonly version: number
  readonly sessionId: number
  readonly sessionEpoch: number
  /** A follower's fetch (replica id ≥ 0): its session is privileged. */
  readonly follower: boolean
  readonly topics: readonly RequestedTopic[]
  readonly forgottenTopics: readonly ForgottenTopic[]
}

/**
 * How one Fetch is answered with respect to sessions: what to read, which read partitions the
 * response carries, and the session id it names.
 */
export interface FetchContext {
  /** Non-zero: answer at once with this error, no partitions and session id 0. */
  readonly errorCode: number
  /** What to read: the request's partitions, or every partition of the session. */
  readonly topics: readonly TopicFetch[]
  /** Reads of partitions with nothing new may be skipped (see fetchRecords' `incremental`). */
  readonly incremental: boolean
  /** A top-level error found when answering (the session moved on meanwhile), else NONE. */
  responseError(): number
  /** Whether the response carries partition `index` of topic `topic` (indexes into `topics`). */
  include(topic: number, index: number, outcome: ReadOutcome): boolean
  /** The session id the response names; call after every include(). */
  complete(): number
}

const NO_TOPICS: readonly TopicFetch[] = []

class SessionErrorContext implements FetchContext {
  readonly topics = NO_TOPICS
  readonly incremental = false
  constructor(readonly errorCode: number) {}
  responseError(): number {
    return this.errorCode
  }
  include(): boolean {
    return false
  }
  complete(): number {
    return INVALID_SESSION_ID
  }
}

/** A full fetch that keeps no session. */
class SessionlessContext implements FetchContext {
  readonly errorCode = KafkaErrorCodes.NONE
  readonly incremental = false
  constructor(readonly topics: readonly TopicFetch[]) {}
  responseError(): number {
    return KafkaErrorCodes.NONE
  }
  include(): boolean {
    return true
  }
  complete(): number {
    return INVALID_SESSION_ID
  }
}

/** A full fetch that asks for a session: every partition is answered and, when a session can be made, remembered. */
class FullContext implements FetchContext {
  readonly errorCode = KafkaErrorCodes.NONE
  readonly incremental = false
  readonly #cache: FetchSessionCache
  readonly #request: FetchSessionRequest
  readonly #partitions: CachedPartition[] = []
  /**
   * Whether a session can be made, decided at the first partition: clients that ask for a new
   * session on every fetch (some do) would otherwise cost an object per partition per fetch
   * once the cache is full.
   */
  #remember: boolean | undefined

  constructor(cache: FetchSessionCache, request: FetchSessionRequest) {
    this.#cache = cache
    this.#request = request
  }
  get topics(): readonly TopicFetch[] {
    return this.#request.topics
  }
  responseError(): number {
    return KafkaErrorCodes.NONE
  }
  include(topic: number, index: number, outcome: ReadOutcome): boolean {
    this.#remember ??= this.#cache.hasRoomFor(this.#request.follower, countPartitions(this.#request.topics))
    if (!this.#remember) return true
    const requested = this.#request.topics[topic]!
    const byId = this.#request.version >= 13
    const cached = new CachedPartition(byId ? '' : requested.topic, byId ? requested.topicId : '', requested.partitions[index]!)
    cached.maybeUpdateResponseData(outcome, true)
    this.#partitions.push(cached)
    return true
  }
  complete(): number {
    if (this.#remember === false) return INVALID_SESSION_ID
    return this.#cache.maybeCreateSession(this.#request.follower, this.#request.version >= 13, this.#partitions)
  }
}

function countPartitions(topics: readonly RequestedTopic[]): number {
  let count = 0
  for (const topic of topics) count += topic.partitions.length
  return count
}

/** An incremental fetch: reads the whole session, answers what is new. */
class IncrementalContext implements FetchContext {
  readonly errorCode = KafkaErrorCodes.NONE
  readonly incremental = true
  readonly topics: readonly TopicFetch[]
  readonly #session: FetchSession
  readonly #expectedEpoch: number

  constructor(session: FetchSession, requestEpoch: number) {
    this.#session = session
    this.topics = session.topics()
    this.#expectedEpoch = nextEpoch(requestEpoch)
  }
  responseError(): number {
    // Another request on this session came in while this one waited for data: Kafka's
    // "possible duplicate request".
    return this.#session.epoch === this.#expectedEpoch ? KafkaErrorCodes.NONE : KafkaErrorCodes.INVALID_FETCH_SESSION_EPOCH
  }
  include(topic: number, index: number, outcome: ReadOutcome): boolean {
    return this.#session.select(this.topics[topic]!.partitions[index] as CachedPartition, outcome)
  }
  complete(): number {
    return this.#session.id
  }
}

export class FetchSessionCache {
  readonly maxSlots: number
  readonly evictionMs: number
  readonly #now: () => number
  /** Sessions by id, least recently used first (a touch re-inserts). */
  readonly #sessions = new Map<number, FetchSession>()
  /** Sessions evicted to make room, for metrics (Kafka's IncrementalFetchSessionEvictionsPerSec). */
  evictions = 0
  /** Incremental requests accepted, for metrics: shows that fetchers really use their sessions. */
  incrementalFetches = 0

  constructor(options: FetchSessionCacheOptions) {
    this.maxSlots = options.maxSlots
    this.evictionMs = options.evictionMs ?? DEFAULT_SESSION_EVICTION_MS
    this.#now = options.now ?? Date.now
  }

  /** Sessions held (Kafka's NumIncrementalFetchSessions). */
  get size(): number {
    return this.#sessions.size
  }

  /** Partitions over all sessions (NumIncrementalFetchPartitionsCached); counted when asked, for metrics. */
  get partitions(): number {
    let partitions = 0
    for (const session of this.#sessions.values()) partitions += session.size
    return partitions
  }

  get(sessionId: number): FetchSession | undefined {
    return this.#sessions.get(sessionId)
  }

  /** Decides how a Fetch is answered and applies an incremental request to its session. */
  newContext(request: FetchSessionRequest): FetchContext {
    const { sessionId, sessionEpoch } = request
    if (sessionEpoch === INITIAL_EPOCH || sessionEpoch === FINAL_EPOCH) {
      // A full request closes any session it names.
      if (sessionId !== INVALID_SESSION_ID) this.remove(sessionId)
      return sessionEpoch === FINAL_EPOCH || this.maxSlots === 0 ? new SessionlessContext(request.topics) : new FullContext(this, request)
    }
    const session = this.#sessions.get(sessionId)
    if (session === undefined) return new SessionErrorContext(KafkaErrorCodes.FETCH_SESSION_ID_NOT_FOUND)
    if (session.epoch !== sessionEpoch) return new SessionErrorContext(KafkaErrorCodes.INVALID_FETCH_SESSION_EPOCH)
    if (session.usesTopicIds !== request.version >= 13) return new SessionErrorContext(KafkaErrorCodes.FETCH_SESSION_TOPIC_ID_ERROR)
    session.update(request.topics, request.forgottenTopics)
    if (session.size === 0) {
      // Everything was forgotten: the session ends and this request is answered without one.
      this.remove(sessionId)
      return new SessionlessContext(request.topics)
    }
    this.#touch(session, this.#now())
    session.epoch = nextEpoch(session.epoch)
    this.incrementalFetches++
    return new IncrementalContext(session, sessionEpoch)
  }

  /** Whether a session of `size` partitions could be created now (by evicting one, if need be). */
  hasRoomFor(privileged: boolean, size: number): boolean {
    if (this.maxSlots === 0) return false
    return this.#sessions.size < this.maxSlots || this.#evictionCandidate(privileged, size, this.#now()) !== undefined
  }

  /**
   * Creates a session of `partitions` when there is room or room can be made; returns its id,
   * or 0 when none was created (the fetcher then keeps sending full requests).
   */
  maybeCreateSession(privileged: boolean, usesTopicIds: boolean, partitions: readonly CachedPartition[]): number {
    const now = this.#now()
    if (this.maxSlots === 0) return INVALID_SESSION_ID
    if (this.#sessions.size >= this.maxSlots) {
      const victim = this.#evictionCandidate(privileged, partitions.length, now)
      if (victim === undefined) return INVALID_SESSION_ID
      this.remove(victim.id)
      this.evictions++
    }
    const session = new FetchSession(this.#newSessionId(), privileged, usesTopicIds, now)
    for (const cached of partitions) session.add(cached)
    this.#sessions.set(session.id, session)
    return session.id
  }

  remove(sessionId: number): boolean {
    const session = this.#sessions.get(sessionId)
    if (session === undefined) return false
    this.#sessions.delete(sessionId)
    return true
  }

  #touch(session: FetchSession, now: number): void {
    this.#sessions.delete(session.id)
    this.#sessions.set(session.id, session)
    session.lastUsedMs = now
  }

  /** The session a new one of `size` partitions may replace, if any (Kafka's tryEvict, without evicting). */
  #evictionCandidate(privileged: boolean, size: number, now: number): FetchSession | undefined {
    const leastRecentlyUsed = this.#sessions.values().next().value
    if (leastRecentlyUsed === undefined) return undefined
    if (now - leastRecentlyUsed.lastUsedMs > this.evictionMs) return leastRecentlyUsed
    let victim: FetchSession | undefined
    for (const session of this.#sessions.values()) {
      const old = now - session.creationMs > this.evictionMs
      // A consumer may evict only sessions past their protection; a follower also young consumers'.
      if (!(old || (privileged && !session.privileged))) continue
      if (victim === undefined || compareValue(session.privileged, session.size, session.id, victim.privileged, victim.size, victim.id) < 0) victim = session
    }
    // The newcomer must be worth at least as much as what it replaces (id 0 sorts first).
    if (victim === undefined || compareValue(privileged, size, 0, victim.privileged, victim.size, victim.id) < 0) return undefined
    return victim
  }

  /**
   * A random id in [1, 2^31 - 1], as Kafka draws them: clients may read any id that is not
   * positive as "no session" (franz-go does, and then sends every fetch in full for good).
   */
  #newSessionId(): number {
    let id: number
    do id = 1 + Math.floor(Math.random() * 0x7fff_ffff)
    while (id === INVALID_SESSION_ID || this.#sessions.has(id))
    return id
  }
}

/** Kafka's EvictableKey order: consumers' sessions before followers', then smaller, then by id. */
function compareValue(aPrivileged: boolean, aSize: number, aId: number, bPrivileged: boolean, bSize: number, bId: number): number {
  if (aPrivileged !== bPrivileged) return aPrivileged ? 1 : -1
  if (aSize !== bSize) return aSize - bSize
  return aId - bId
}
