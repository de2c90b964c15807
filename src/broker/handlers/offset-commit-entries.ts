/**
 * What OffsetCommit and TxnOffsetCommit share: splitting a request's partitions into the entries
 * the group coordinator stores and the ones answered at once (TOPIC_AUTHORIZATION_FAILED without
 * READ on the topic, UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist), and merging
 * the coordinator's results back into the request's order.
 */
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { OffsetCommitEntry } from '../../group/coordinator-results.js'
import { AclOperation, ResourceType } from '../../security/acl.js'
import type { BrokerContext } from '../broker-context.js'
import type { RequestContext } from '../handler.js'

interface CommittedPartition {
  readonly partitionIndex: number
  readonly committedOffset: bigint
  readonly committedLeaderEpoch: number
  readonly committedMetadata: string | null
}

interface CommittedTopic {
  readonly name: string
  readonly partitions: readonly CommittedPartition[]
}

/** Marks a partition whose answer comes from the coordinator. */
const STORED = -1

export interface OffsetCommitSplit {
  readonly entries: OffsetCommitEntry[]
  /** Per topic and partition: an error code, or STORED. */
  readonly errors: number[][]
}

export function splitOffsetCommit(broker: BrokerContext, context: RequestContext, topics: readonly CommittedTopic[]): OffsetCommitSplit {
  const entries: OffsetCommitEntry[] = []
  const errors = topics.map((topic) => {
    const known = broker.metadata.topic(topic.name)
    const readable = broker.authorizer.authorize(context, AclOperation.READ, ResourceType.TOPIC, topic.name)
    return topic.partitions.map((p) => {
      if (!readable) return KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED
      if (known === undefined || p.partitionIndex < 0 || p.partitionIndex >= known.partitions) return KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION
      entries.push({
        topic: topic.name,
        partition: p.partitionIndex,
        offset: Number(p.committedOffset),
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.committedMetadata,
      })
      return STORED
    })
  })
  return { entries, errors }
}

/** The response's topics: each partition's own error, or the coordinator's result in entry order. */
export function offsetCommitResults(topics: readonly CommittedTopic[], split: OffsetCommitSplit, results: readonly number[]) {
  let next = 0
  return topics.map((topic, t) => ({
    name: topic.name,
    partitions: topic.partitions.map((p, i) => {
      const error = split.errors[t]![i]!
      return { partitionIndex: p.partitionIndex, errorCode: error === STORED ? results[next++]! : error }
    }),
  }))
}
