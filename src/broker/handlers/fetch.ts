/**
 * Fetch: decode, read through the replication layer's fetchRecords, encode.
 *
 * Consumers (replica id -1) and followers (a broker's id, in replica_id before v15 and in
 * replica_state from v15) share the path; see fetch-records.ts for what each may read and how
 * a fetch under min_bytes waits. The records in the response are storage read plans: the
 * protocol writer carries them as external chunks and the network layer sends them from the
 * segment files with sendfile.
 *
 * Fetch sessions (KIP-227, v7+): the session cache decides what is read (the request's
 * partitions, or a whole session for an incremental request) and which partitions the response
 * carries; see fetch-session-cache.ts. Isolation level, min bytes and max wait apply as for any
 * fetch.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { FetchRequest, FetchResponseInput } from '../../protocol/messages/fetch.js'
import { ZERO_UUID } from '../../protocol/uuid.js'
import { type FetchedTopic, fetchRecords, UNCHANGED } from '../../replication/fetch-records.js'
import type { FetchContext } from '../../replication/fetch-session-cache.js'
import type { AbortedTxn } from '../../storage/index.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'
import { splitByAuthorization } from './authorized-topics.js'

type TopicResponse = FetchResponseInput['responses'][number]
type PartitionResponse = TopicResponse['partitions'][number]

const EMPTY = Buffer.alloc(0)
const READ_COMMITTED = 1
const NONE_ABORTED: PartitionResponse['abortedTransactions'] = []

/** The response's list: producer id and first offset of each aborted transaction in the range. */
function abortedTransactions(aborted: readonly AbortedTxn[] | null | undefined): PartitionResponse['abortedTransactions'] {
  if (aborted === null || aborted === undefined || aborted.length === 0) return NONE_ABORTED
  return aborted.map((txn) => ({ producerId: BigInt(txn.producerId), firstOffset: BigInt(txn.firstOffset) }))
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

  const respond = (request: FetchRequest, session: FetchContext, fetched: FetchedTopic[]): FetchResponseInput => {
    const sessionError = session.responseError()
    // As Kafka, the answer to a request that lost a race on its session still names the session.
    if (sessionError !== KafkaErrorCodes.NONE) return { throttleTimeMs: 0, errorCode: sessionError, sessionId: session.complete(), responses: [] }
    const readCommitted = request.isolationLevel === READ_COMMITTED
    const responses: TopicResponse[] = []
    for (let t = 0; t < fetched.length; t++) {
      const requested = session.topics[t]!
      const { topic, partitions: outcomes } = fetched[t]!
      let partitions: PartitionResponse[] | undefined
      for (let i = 0; i < outcomes.length; i++) {
        const outcome = outcomes[i]!
        // An idle partition of an incremental session costs this comparison and nothing else.
        if (outcome === UNCHANGED || !session.include(t, i, outcome)) continue
        ;(partitions ??= []).push({
          partitionIndex: requested.partitions[i]!.partition,
          errorCode: outcome.errorCode,
          // Numbers, not BigInts: the writer takes both for int64, and three BigInts per
          // partition per fetch were a good part of the broker's garbage.
          highWatermark: outcome.highWatermark,
          lastStableOffset: outcome.lastStableOffset,
          logStartOffset: outcome.logStartOffset,
          abortedTransactions: readCommitted && outcome.errorCode === KafkaErrorCodes.NONE ? abortedTransactions(outcome.abortedTransactions) : null,
          preferredReadReplica: -1,
          records: outcome.records ?? EMPTY,
        })
      }
      if (partitions === undefined) continue
      responses.push({ topic: topic?.name ?? requested.topic, topicId: topic?.topicId ?? requested.topicId ?? ZERO_UUID, partitions })
    }
    return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.NONE, sessionId: session.complete(), responses }
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

  const withRefused = (response: FetchResponseInput, denied: FetchRequest['topics']): FetchResponseInput => ({
    ...response,
    responses: [...response.responses, ...denied.map((topic) => ({
      topic: topic.topic,
      topicId: topic.topicId,
      partitions: topic.partitions.map((p) => emptyPartition(p.partition, KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED)),
    }))],
  })

  return defineHandler({
    apiKey: ApiKeys.Fetch,
    advertised: { min: 4, max: 16 },
    handle(request, context) {
      const replicaId = context.apiVersion >= 15 ? request.replicaState.replicaId : request.replicaId
      const byTopicId = context.apiVersion >= 13
      const topicName = (topic: { topic: string; topicId: string }) => (byTopicId ? broker.metadata.topicById(topic.topicId)?.name : topic.topic)
      // A follower needs CLUSTER_ACTION on the cluster, a consumer READ on each topic (as Kafka).
      // Refused topics never join a fetch session; they are answered TOPIC_AUTHORIZATION_FAILED.
      const split = replicaId >= 0
        ? (broker.authorizer.authorize(context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME) ? null : { allowed: [], denied: [...request.topics] })
        : splitByAuthorization(broker, context, AclOperation.READ, ResourceType.TOPIC, request.topics, topicName)
      if (split !== null) request = { ...request, topics: split.allowed }
      const session = broker.fetchSessions.newContext({
        version: context.apiVersion,
        sessionId: request.sessionId,
        sessionEpoch: request.sessionEpoch,
        follower: replicaId >= 0,
        topics: request.topics,
        forgottenTopics: request.forgottenTopicsData,
      })
      if (session.errorCode !== KafkaErrorCodes.NONE) {
        return { throttleTimeMs: 0, errorCode: session.errorCode, sessionId: 0, responses: [] }
      }
      // An incremental request reads partitions added earlier: Kafka authorizes every one of them
      // on every request. One whose READ was revoked since ends the session: the client's next
      // full fetch is authorized topic by topic above. (Decisions are cached per connection.)
      if (session.incremental && replicaId < 0 && broker.authorizer.enabled &&
        session.topics.some((topic) => !broker.authorizer.authorize(context, AclOperation.READ, ResourceType.TOPIC, topicName(topic) ?? topic.topic))) {
        return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] }
      }
      const answer = (f: FetchedTopic[]) => (split === null ? respond(request, session, f) : withRefused(respond(request, session, f), split.denied))
      const fetched = fetchRecords(broker.replicas, {
        replicaId,
        maxWaitMs: request.maxWaitMs,
        minBytes: request.minBytes,
        maxBytes: request.maxBytes,
        isolationLevel: request.isolationLevel,
        topics: session.topics,
        byTopicId,
        incremental: session.incremental,
      }, broker.config.get('fetch.max.bytes'))
      return fetched instanceof Promise ? fetched.then(answer) : answer(fetched)
    },
    errorResponse,
  })
}
