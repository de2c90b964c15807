/**
 * What the console shows of a partition and a topic: placement from the metadata store (leader,
 * replicas, ISR), offsets and size from the local replica. In a cluster a broker holds only the
 * partitions placed on it, so the offsets of others are null here (the console asks the broker
 * it is served by; ask a partition's leader for its figures).
 */
import type { BrokerContext } from '../../../broker/broker-context.js'
import type { TopicMetadata } from '../../../metadata/metadata-store.js'

export interface PartitionSummary {
  readonly partition: number
  /** -1 while the partition has no leader (offline). */
  readonly leader: number
  readonly replicas: readonly number[]
  readonly isr: readonly number[]
  /** The log start offset, or null when this broker holds no replica. */
  readonly startOffset: number | null
  /** The high watermark (what consumers can read up to), or null when this broker holds no replica. */
  readonly endOffset: number | null
  /** Bytes of the local replica's segments, or null when this broker holds no replica. */
  readonly sizeBytes: number | null
  readonly underReplicated: boolean
  readonly offline: boolean
}

export interface TopicSummary {
  readonly name: string
  readonly internal: boolean
  readonly partitions: number
  readonly replicationFactor: number
  /** Sums over the partitions this broker holds. */
  readonly sizeBytes: number
  readonly startOffset: number
  readonly endOffset: number
  /** endOffset − startOffset: the records still in the log. */
  readonly messages: number
  readonly underReplicatedPartitions: number
  readonly offlinePartitions: number
}

export function partitionSummary(broker: BrokerContext, topic: string, index: number): PartitionSummary | undefined {
  const state = broker.metadata.partitionState(topic, index)
  if (state === undefined) return undefined
  const local = broker.replicas.partition(topic, index)
  return {
    partition: index,
    leader: state.leader,
    replicas: state.replicas,
    isr: state.isr,
    startOffset: local?.logStartOffset ?? null,
    endOffset: local?.highWatermark ?? null,
    sizeBytes: local?.log.size ?? null,
    underReplicated: state.leader !== -1 && state.isr.length < state.replicas.length,
    offline: state.leader === -1,
  }
}

export function partitionSummaries(broker: BrokerContext, topic: TopicMetadata): PartitionSummary[] {
  const summaries: PartitionSummary[] = []
  for (let index = 0; index < topic.partitions; index++) {
    const summary = partitionSummary(broker, topic.name, index)
    if (summary !== undefined) summaries.push(summary)
  }
  return summaries
}

export function topicSummary(broker: BrokerContext, topic: TopicMetadata, partitions = partitionSummaries(broker, topic)): TopicSummary {
  let sizeBytes = 0
  let startOffset = 0
  let endOffset = 0
  let underReplicatedPartitions = 0
  let offlinePartitions = 0
  for (const p of partitions) {
    sizeBytes += p.sizeBytes ?? 0
    startOffset += p.startOffset ?? 0
    endOffset += p.endOffset ?? 0
    if (p.underReplicated) underReplicatedPartitions++
    if (p.offline) offlinePartitions++
  }
  return {
    name: topic.name,
    internal: topic.internal,
    partitions: topic.partitions,
    replicationFactor: broker.topics.replicationFactorOf(topic.name),
    sizeBytes,
    startOffset,
    endOffset,
    messages: endOffset - startOffset,
    underReplicatedPartitions,
    offlinePartitions,
  }
}
