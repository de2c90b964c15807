/**
 * fetchRecords: the fetch path's partition logic, shared by consumers' and followers' Fetch
 * requests and the HTTP gateway, as Kafka's ReplicaManager.fetchMessages is.
 *
 * Reads whole record batches from the one holding each fetch offset, bounded by what the fetcher
 * may see (a follower: the log end; a consumer: the high watermark, or the last stable offset
 * for read_committed), by each partition's max bytes and by the request's max bytes, with
 * Kafka's rule that the first partition with data returns at least one batch even when it is
 * larger (KIP-74). The records are storage read plans, not bytes: they travel to the socket by
 * sendfile.
 *
 * A follower's fetch (replica id ≥ 0) also tells the leader how far that follower has got,
 * which may move the high watermark. When fewer than min bytes are available, the request waits
 * in the delayed-fetch purgatory until enough arrive or max wait passes, then reads again.
 *
 * Replication throttle, leader side (KIP-73): a follower outside a partition's ISR fetching a
 * partition its topic names in leader.replication.throttled.replicas for this broker gets no
 * records of it while the leader quota is exceeded (its progress is still taken), and what it is
 * sent of such partitions counts against the quota. In-sync followers are never throttled.
 */
import type { TopicMetadata } from '../metadata/metadata-store.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { FetchIsolation, Partition, ReadOutcome } from './partition.js'
import { CachedPartition } from './fetch-session.js'
import type { ReplicaManager } from './replica-manager.js'
import type { TopicCounters } from './replication-counters.js'

export interface PartitionFetch {
  readonly partition: number
  /** The leader epoch the fetcher believes current, or -1 to skip the check (KIP-320). */
  readonly currentLeaderEpoch: number
  readonly fetchOffset: bigint | number
  readonly partitionMaxBytes: number
}

export interface TopicFetch {
  /** The topic's name, used unless `byTopicId`. */
  readonly topic: string
  readonly topicId: string
  readonly partitions: readonly PartitionFetch[]
}

export interface FetchRecordsRequest {
  /** -1 for a consumer; a follower broker's id for replication. */
  readonly replicaId: number
  readonly maxWaitMs: number
  readonly minBytes: number
  /** Bytes over all partitions; the broker's fetch.max.bytes caps it further. */
  readonly maxBytes: number
  /** 0 read_uncommitted, 1 read_committed (consumers only). */
  readonly isolationLevel: number
  readonly topics: readonly TopicFetch[]
  /** Topics are named by id (Fetch v13+) rather than by name. */
  readonly byTopicId: boolean
  /** Ends a wait for min bytes early (the gateway's stream closed); the fetch then reads once more. */
  readonly signal?: AbortSignal
  /**
   * An incremental fetch session's read (KIP-227): the partitions are the session's
   * CachedPartitions, and one with nothing new since its last response (caught up, offsets
   * unchanged) is not read: its outcome is UNCHANGED. An idle fetch of 1,000 partitions then
   * allocates nothing per partition.
   */
  readonly incremental?: boolean
}

/** One requested topic's outcome: the topic if known, and a read outcome per requested partition. */
export interface FetchedTopic {
  readonly topic: TopicMetadata | undefined
  readonly partitions: ReadOutcome[]
}

interface ReadPass {
  readonly topics: FetchedTopic[]
  readonly bytes: number
  /** Some partition answered with an error: the fetch is answered now, as Kafka does. */
  readonly failed: boolean
  readonly partitions: Partition[]
  /** Bytes read of leader-throttled partitions, recorded against the quota if this pass is sent. */
  readonly throttledBytes: number
  /** Each topic's counters (undefined where none of its partitions is hosted), as `topics`. */
  readonly counters: Array<TopicCounters | undefined>
  readonly follower: boolean
}

const READ_COMMITTED = 1

export function fetchRecords(replicas: ReplicaManager, request: FetchRecordsRequest, fetchMaxBytes: number): FetchedTopic[] | Promise<FetchedTopic[]> {
  const first = readOnce(replicas, request, fetchMaxBytes)
  if (first.bytes >= request.minBytes || request.maxWaitMs <= 0 || first.failed || first.partitions.length === 0) return sent(replicas, first)
  const toLogEnd = request.replicaId >= 0
  return replicas.purgatories.fetches
    .wait(first.partitions, toLogEnd, request.minBytes - first.bytes, request.maxWaitMs, request.signal, !toLogEnd && request.isolationLevel === READ_COMMITTED)
    .then(() => sent(replicas, readOnce(replicas, request, fetchMaxBytes)))
}

/**
 * The pass that is answered: its throttled bytes count against the leader quota now, and its
 * bytes count as sent to consumers or followers (only this pass: a parked fetch reads twice).
 */
function sent(replicas: ReplicaManager, pass: ReadPass): FetchedTopic[] {
  if (pass.throttledBytes > 0) replicas.quotas?.leader.record(pass.throttledBytes)
  if (pass.bytes > 0) {
    for (let t = 0; t < pass.topics.length; t++) {
      const counters = pass.counters[t]
      if (counters === undefined) continue
      let bytes = 0
      for (const outcome of pass.topics[t]!.partitions) bytes += outcome.records?.byteLength ?? 0
      if (pass.follower) counters.replicationBytesOut += bytes
      else counters.bytesOut += bytes
    }
  }
  return pass.topics
}

/** One pass over the requested partitions. */
function readOnce(replicas: ReplicaManager, request: FetchRecordsRequest, fetchMaxBytes: number): ReadPass {
  const follower = request.replicaId >= 0
  const isolation: FetchIsolation = follower ? 'logEnd' : request.isolationLevel === READ_COMMITTED ? 'committed' : 'highWatermark'
  const now = Date.now()
  const quota = follower ? replicas.quotas?.leader : undefined
  let throttledBytes = 0
  let remaining = Math.min(request.maxBytes, fetchMaxBytes)
  let bytes = 0
  let failed = false
  const partitions: Partition[] = []
  const topics: FetchedTopic[] = []
  const counters: Array<TopicCounters | undefined> = []
  for (const requested of request.topics) {
    const topic = request.byTopicId ? replicas.metadata.topicById(requested.topicId) : replicas.metadata.topic(requested.topic)
    const outcomes: ReadOutcome[] = []
    topics.push({ topic, partitions: outcomes })
    counters.push(undefined)
    for (const p of requested.partitions) {
      const partition = topic === undefined ? undefined : replicas.partition(topic.name, p.partition)
      if (partition !== undefined) counters[counters.length - 1] = partition.counters
      if (partition === undefined) {
        failed = true
        const hostedElsewhere = topic !== undefined && p.partition >= 0 && p.partition < topic.partitions
        outcomes.push(hostedElsewhere ? NOT_LEADER_OR_FOLLOWER : request.byTopicId && topic === undefined ? UNKNOWN_TOPIC_ID : UNKNOWN_TOPIC_OR_PARTITION)
        continue
      }
      partitions.push(partition)
      if (p.currentLeaderEpoch !== -1 && p.currentLeaderEpoch !== partition.leaderEpoch) {
        failed = true
        outcomes.push(p.currentLeaderEpoch < partition.leaderEpoch ? FENCED_LEADER_EPOCH : UNKNOWN_LEADER_EPOCH)
        continue
      }
      if (!partition.isLeader) {
        failed = true
        outcomes.push(NOT_LEADER_OR_FOLLOWER)
        continue
      }
      // KIP-74: until something has been read, the first batch is returned whatever its size;
      // after that, a batch that does not fit in what is left of max bytes waits for the next fetch.
      const minOneBatch = bytes === 0
      const limit = minOneBatch ? Math.max(1, Math.min(p.partitionMaxBytes, remaining)) : Math.min(p.partitionMaxBytes, remaining)
      const fetchOffset = Number(p.fetchOffset)
      const throttled = quota !== undefined && !partition.state.isr.includes(request.replicaId) && quota.isThrottled(partition)
      // Over the quota, a throttled partition is answered without records (a zero-byte read still
      // checks the offset), and the follower asks again.
      const outcome =
        request.incremental === true && p instanceof CachedPartition && nothingNew(partition, p, fetchOffset, isolation)
          ? UNCHANGED
          : partition.read(fetchOffset, throttled && quota.isQuotaExceeded(now) ? 0 : limit, isolation, minOneBatch)
      // The leader learns the follower's log end offset from the offset it fetches from, after
      // the read, as Kafka does.
      if (follower && !partition.updateFollowerFetchState(request.replicaId, fetchOffset, now)) {
        failed = true
        outcomes.push(NOT_LEADER_OR_FOLLOWER)
        continue
      }
      if (outcome.errorCode !== KafkaErrorCodes.NONE) failed = true
      const size = outcome.records?.byteLength ?? 0
      if (throttled) throttledBytes += size
      bytes += size
      remaining = Math.max(0, remaining - size)
      outcomes.push(outcome)
    }
  }
  return { topics, bytes, failed, partitions, throttledBytes, counters, follower }
}

/**
 * Whether a session partition would read no records and show the fetcher the same offsets it
 * was last sent: the fetch offset is exactly where this fetcher's reads end (so it is in range),
 * and the high watermark, last stable offset and log start offset are those last sent.
 */
function nothingNew(partition: Partition, cached: CachedPartition, fetchOffset: number, isolation: FetchIsolation): boolean {
  const highWatermark = partition.highWatermark
  if (highWatermark !== cached.highWatermark) return false
  const lastStableOffset = partition.lastStableOffset
  if (lastStableOffset !== cached.lastStableOffset || partition.logStartOffset !== cached.logStartOffset) return false
  const upperBound = isolation === 'logEnd' ? partition.logEndOffset : isolation === 'committed' ? lastStableOffset : highWatermark
  return fetchOffset === upperBound
}

/**
 * The outcome of a session partition that was not read because nothing is new (see
 * `incremental`); its offsets mean nothing and the response leaves the partition out.
 */
export const UNCHANGED: ReadOutcome = Object.freeze({ errorCode: KafkaErrorCodes.NONE, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: null })

/** A shared outcome for a partition that could not be read: no offsets, no records. */
function failure(errorCode: number): ReadOutcome {
  return Object.freeze({ errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: null })
}

const UNKNOWN_TOPIC_ID = failure(KafkaErrorCodes.UNKNOWN_TOPIC_ID)
const UNKNOWN_TOPIC_OR_PARTITION = failure(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
const FENCED_LEADER_EPOCH = failure(KafkaErrorCodes.FENCED_LEADER_EPOCH)
const UNKNOWN_LEADER_EPOCH = failure(KafkaErrorCodes.UNKNOWN_LEADER_EPOCH)
const NOT_LEADER_OR_FOLLOWER = failure(KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER)
