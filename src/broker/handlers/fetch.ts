/**
 * Fetch: whole record batches from the one holding each fetch offset, bounded by the high
 * watermark (the last stable offset for read_committed), partition_max_bytes and the request's
 * max_bytes (capped by fetch.max.bytes), with Kafka's rule that the first partition with data
 * returns at least one batch even when it is larger (KIP-74).
 *
 * The records are storage read plans, not bytes: the protocol writer carries them as external
 * chunks and the network layer sends them from the segment files with sendfile.
 *
 * When fewer than min_bytes are available, the request waits in the delayed-fetch purgatory
 * until appends bring enough bytes or max_wait_ms passes, then reads again. Fetch sessions
 * (KIP-227) are not kept: every answer has session id 0, which tells clients to keep sending
 * full requests; an incremental request for a session gets FETCH_SESSION_ID_NOT_FOUND.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { FetchRequest, FetchResponseInput } from '../../protocol/messages/fetch.js'
import { ZERO_UUID } from '../../protocol/uuid.js'
import type { Partition } from '../../replication/partition.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

type TopicResponse = FetchResponseInput['responses'][number]
type PartitionResponse = TopicResponse['partitions'][number]

const EMPTY = Buffer.alloc(0)
const READ_COMMITTED = 1

interface ReadResult {
  readonly responses: TopicResponse[]
  readonly bytes: number
  readonly failed: boolean
  readonly partitions: Partition[]
}

export function fetchHandler(broker: BrokerContext) {
  const emptyPartition = (partitionIndex: number, errorCode: number): PartitionResponse => ({
    partitionIndex,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    abortedTransactions: null,
    records: EMPTY,
  })

  /** One pass over the requested partitions. */
  const read = (request: FetchRequest, version: number): ReadResult => {
    const readCommitted = request.isolationLevel === READ_COMMITTED
    let remaining = Math.min(request.maxBytes, broker.config.get('fetch.max.bytes'))
    let bytes = 0
    let failed = false
    const partitions: Partition[] = []
    const responses: TopicResponse[] = []
    for (const topic of request.topics) {
      const metadata = version >= 13 ? broker.metadata.topicById(topic.topicId) : broker.metadata.topic(topic.topic)
      const partitionResponses: PartitionResponse[] = []
      for (const p of topic.partitions) {
        const partition = metadata === undefined ? undefined : broker.replicas.partition(metadata.name, p.partition)
        if (partition === undefined) {
          failed = true
          const unknown = version >= 13 && metadata === undefined ? KafkaErrorCodes.UNKNOWN_TOPIC_ID : KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION
          partitionResponses.push(emptyPartition(p.partition, unknown))
          continue
        }
        partitions.push(partition)
        if (p.currentLeaderEpoch !== -1 && p.currentLeaderEpoch !== partition.leaderEpoch) {
          failed = true
          partitionResponses.push(emptyPartition(p.partition, p.currentLeaderEpoch < partition.leaderEpoch ? KafkaErrorCodes.FENCED_LEADER_EPOCH : KafkaErrorCodes.UNKNOWN_LEADER_EPOCH))
          continue
        }
        // KIP-74: until something has been read, the first batch is returned whatever its size;
        // after that, a batch that does not fit in what is left of max_bytes waits for the next fetch.
        const minOneBatch = bytes === 0
        const limit = minOneBatch ? Math.max(1, Math.min(p.partitionMaxBytes, remaining)) : Math.min(p.partitionMaxBytes, remaining)
        const outcome = partition.read(Number(p.fetchOffset), limit, readCommitted, minOneBatch)
        if (outcome.errorCode !== KafkaErrorCodes.NONE) failed = true
        const size = outcome.records?.byteLength ?? 0
        bytes += size
        remaining = Math.max(0, remaining - size)
        partitionResponses.push({
          partitionIndex: p.partition,
          errorCode: outcome.errorCode,
          // Numbers, not BigInts: the writer takes both for int64, and three BigInts per
          // partition per fetch were a good part of the broker's garbage.
          highWatermark: outcome.highWatermark,
          lastStableOffset: outcome.lastStableOffset,
          logStartOffset: outcome.logStartOffset,
          abortedTransactions: readCommitted ? [] : null,
          preferredReadReplica: -1,
          records: outcome.records ?? EMPTY,
        })
      }
      responses.push({ topic: metadata?.name ?? topic.topic, topicId: metadata?.topicId ?? topic.topicId ?? ZERO_UUID, partitions: partitionResponses })
    }
    return { responses, bytes, failed, partitions }
  }

  const errorResponse = (request: FetchRequest, errorCode: number): FetchResponseInput => ({
    throttleTimeMs: 0,
    errorCode,
    sessionId: 0,
    responses: request.topics.map((topic) => ({
      topic: topic.topic,
      topicId: topic.topicId,
      partitions: topic.partitions.map((p) => emptyPartition(p.partition, errorCode)),
    })),
  })

  return defineHandler({
    apiKey: ApiKeys.Fetch,
    advertised: { min: 4, max: 16 },
    handle(request, context) {
      if (request.sessionId !== 0 && request.sessionEpoch > 0) {
        return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] }
      }
      const first = read(request, context.apiVersion)
      if (first.bytes >= request.minBytes || request.maxWaitMs <= 0 || first.failed || first.partitions.length === 0) {
        return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.NONE, sessionId: 0, responses: first.responses }
      }
      return broker.fetches.wait(first.partitions, request.minBytes - first.bytes, request.maxWaitMs).then(() => ({
        throttleTimeMs: 0,
        errorCode: KafkaErrorCodes.NONE,
        sessionId: 0,
        responses: read(request, context.apiVersion).responses,
      }))
    },
    errorResponse,
  })
}
