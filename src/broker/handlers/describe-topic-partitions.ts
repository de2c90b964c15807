/**
 * DescribeTopicPartitions (KIP-966): topics and their partitions a page at a time, as Kafka's
 * DescribeTopicPartitionsRequestHandler answers it.
 *
 * The topics asked for (or every topic, when none is named) are taken in name order from the
 * cursor's topic on, the cursor's topic from its partition index. Partitions are described until
 * response_partition_limit (capped by max.request.partition.size.limit) is reached; the answer
 * then ends with the cursor of the next page: the topic and partition where it stopped, or the
 * next topic at partition 0 when a topic ended exactly at the limit. A named topic that does not
 * exist is answered with UNKNOWN_TOPIC_OR_PARTITION (or INVALID_TOPIC_EXCEPTION for a name Kafka
 * could never hold) and takes no room on the page; nothing is created. A cursor whose topic is
 * not among those named, or whose partition index is negative, is INVALID_REQUEST.
 *
 * Partitions carry leader, leader epoch, replicas, ISR and offline replicas as Metadata does;
 * eligible leader replicas are empty, since Samsa elects leaders from the ISR (KIP-966's ELR is
 * not kept).
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { DescribeTopicPartitionsResponseInput } from '../../protocol/messages/describe-topic-partitions.js'
import { ZERO_UUID } from '../../protocol/uuid.js'
import type { TopicMetadata } from '../../metadata/metadata-store.js'
import { topicNameProblem } from '../../metadata/topic-name.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { ALL_TOPIC_OPERATIONS } from './metadata.js'

type TopicEntry = DescribeTopicPartitionsResponseInput['topics'][number]
type PartitionEntry = TopicEntry['partitions'][number]

const NO_REPLICAS: number[] = []

export function describeTopicPartitionsHandler(broker: BrokerContext) {
  /** Partitions `from`..`from + limit - 1` of `topic` (as many as exist), as the metadata store has them. */
  const partitionsOf = (topic: TopicMetadata, from: number, limit: number): PartitionEntry[] => {
    const partitions: PartitionEntry[] = []
    const end = Math.min(topic.partitions, from + limit)
    for (let index = from; index < end; index++) {
      const state = broker.metadata.partitionState(topic.name, index)
      if (state === undefined) continue
      const offline = state.replicas.filter((id) => broker.cluster.broker(id) === undefined)
      partitions.push({
        errorCode: state.leader === -1 ? KafkaErrorCodes.LEADER_NOT_AVAILABLE : KafkaErrorCodes.NONE,
        partitionIndex: index,
        leaderId: state.leader,
        leaderEpoch: state.leaderEpoch,
        replicaNodes: state.replicas as number[],
        isrNodes: state.isr as number[],
        eligibleLeaderReplicas: NO_REPLICAS,
        lastKnownElr: NO_REPLICAS,
        offlineReplicas: offline.length === 0 ? NO_REPLICAS : offline,
      })
    }
    return partitions
  }

  const unknown = (name: string): TopicEntry => ({
    errorCode: topicNameProblem(name) === undefined ? KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION : KafkaErrorCodes.INVALID_TOPIC_EXCEPTION,
    name,
    topicId: ZERO_UUID,
    isInternal: false,
    partitions: [],
  })

  return defineHandler({
    apiKey: ApiKeys.DescribeTopicPartitions,
    advertised: { min: 0, max: 0 },
    handle(request) {
      const cursor = request.cursor
      const everyTopic = request.topics.length === 0
      const named = everyTopic ? [] : [...new Set(request.topics.map((t) => t.name))]
      if (cursor !== null && (cursor.partitionIndex < 0 || (!everyTopic && !named.includes(cursor.topicName)))) {
        return { throttleTimeMs: 0, topics: named.map((name) => ({ ...unknown(name), errorCode: KafkaErrorCodes.INVALID_REQUEST })), nextCursor: null }
      }
      // Authorization (DESCRIBE on each topic) filters here: unauthorized named topics get
      // TOPIC_AUTHORIZATION_FAILED, unauthorized topics of an all-topics request are left out.
      const names = (everyTopic ? [...broker.metadata.topics()].map((t) => t.name) : named)
        .filter((name) => cursor === null || name >= cursor.topicName)
        .sort()
      let remaining = Math.min(request.responsePartitionLimit, broker.config.get('max.request.partition.size.limit'))
      const topics: TopicEntry[] = []
      let nextCursor: DescribeTopicPartitionsResponseInput['nextCursor'] = null
      for (const name of names) {
        if (remaining <= 0) {
          // The page ended with the previous topic: the next one starts the next page.
          if (remaining === 0) nextCursor = { topicName: name, partitionIndex: 0 }
          break
        }
        const topic = broker.metadata.topic(name)
        if (topic === undefined) {
          if (!everyTopic) topics.push(unknown(name))
          continue
        }
        const from = cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0
        const partitions = partitionsOf(topic, from, remaining)
        topics.push({
          errorCode: KafkaErrorCodes.NONE,
          name,
          topicId: topic.topicId,
          isInternal: topic.internal,
          partitions,
          topicAuthorizedOperations: ALL_TOPIC_OPERATIONS,
        })
        const next = from + remaining
        if (next < topic.partitions) {
          nextCursor = { topicName: name, partitionIndex: next }
          break
        }
        remaining -= Math.max(0, topic.partitions - from)
      }
      return { throttleTimeMs: 0, topics, nextCursor }
    },
    errorResponse(request, errorCode) {
      return { throttleTimeMs: 0, topics: request.topics.map(({ name }) => ({ ...unknown(name), errorCode })), nextCursor: null }
    },
  })
}
