/**
 * What the console shows of a partition and a topic: placement from the metadata store (leader,
 * replicas, ISR), start and end offsets from each partition's leader (this broker's replica when
 * it leads, a ListOffsets to the leader otherwise: records/partition-positions.ts), and size from
 * this broker's replica. A broker holds only the partitions placed on it, so the size of a
 * partition with no replica here is null (unknown), and so are the offsets of a partition whose
 * leader is moving or does not answer.
 */
import type { BrokerContext } from '../../../broker/broker-context.js'
import type { TopicMetadata } from '../../../metadata/metadata-store.js'
import type { Bounds } from '../../records/partition-positions.js'

export interface PartitionSummary {
  readonly partition: number
  /** -1 while the partition has no leader (offline). */
  readonly leader: number
  readonly replicas: readonly number[]
  readonly isr: readonly number[]
  /** The log start offset at the leader, or null when the leader did not tell. */
  readonly startOffset: number | null
  /** The high watermark at the leader (what consumers can read up to), or null when the leader did not tell. */
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
  /** Sums over the partitions whose figures are known (size: those this broker holds). */
  readonly sizeBytes: number
  /** True when some partition has no replica here, so the topic is larger than `sizeBytes`. */
  readonly sizePartial: boolean
  readonly startOffset: number
  readonly endOffset: number
  /** endOffset − startOffset: the records still in the log. */
  readonly messages: number
  readonly underReplicatedPartitions: number
  readonly offlinePartitions: number
}

function partitionSummary(broker: BrokerContext, topic: string, index: number, bounds: Bounds | undefined): PartitionSummary | undefined {
  const state = broker.metadata.partitionState(topic, index)
  if (state === undefined) return undefined
  const local = broker.replicas.partition(topic, index)
  return {
    partition: index,
    leader: state.leader,
    replicas: state.replicas,
    isr: state.isr,
    startOffset: bounds?.beginning ?? null,
    endOffset: bounds?.end ?? null,
    sizeBytes: local?.log.size ?? null,
    underReplicated: state.leader !== -1 && state.isr.length < state.replicas.length,
    offline: state.leader === -1,
  }
}

/** Each partition of `topic`, with the offsets its leader gave (`bounds`, from PartitionPositions). */
export function partitionSummaries(broker: BrokerContext, topic: TopicMetadata, bounds: ReadonlyMap<number, Bounds>): PartitionSummary[] {
  const summaries: PartitionSummary[] = []
  for (let index = 0; index < topic.partitions; index++) {
    const summary = partitionSummary(broker, topic.name, index, bounds.get(index))
    if (summary !== undefined) summaries.push(summary)
  }
  return summaries
}

export function topicSummary(broker: BrokerContext, topic: TopicMetadata, partitions: readonly PartitionSummary[]): TopicSummary {
  let sizeBytes = 0
  let startOffset = 0
  let endOffset = 0
  let underReplicatedPartitions = 0
  let offlinePartitions = 0
  let sizePartial = false
  for (const p of partitions) {
    sizeBytes += p.sizeBytes ?? 0
    if (p.sizeBytes === null) sizePartial = true
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
    sizePartial,
    startOffset,
    endOffset,
    messages: endOffset - startOffset,
    underReplicatedPartitions,
    offlinePartitions,
  }
}
