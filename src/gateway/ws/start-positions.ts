/**
 * Where a stream's partitions start, from its query (stream-options.ts), through the gateway's
 * partition positions (the same lookup as ListOffsets, at the partition's leader wherever it
 * is): earliest is the log start offset, latest the high watermark, a timestamp the first record
 * at or after it (the end when there is none), an explicit offset itself (the reader reports it
 * out of range if it is, and the stream resets).
 *
 * A stream covers all of a topic's partitions, or those named; a partition named must exist.
 * Throws ProxyError otherwise, which refuses the upgrade.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../../replication/partition-offsets.js'
import type { PartitionPositions } from '../records/partition-positions.js'
import { topicNotFound } from '../records/proxy-error.js'
import type { StartOffset, StreamOptions } from './stream-options.js'

export interface StartPositions {
  /** Partition → first offset to send, in partition order. */
  readonly positions: Map<number, number>
}

export async function startPositions(broker: BrokerContext, positionsOf: PartitionPositions, options: StreamOptions): Promise<StartPositions> {
  const topic = broker.metadata.topic(options.topic)
  if (topic === undefined) throw topicNotFound(options.topic)
  const partitions = [...(options.partitions ?? Array.from({ length: topic.partitions }, (_, i) => i))].sort((a, b) => a - b)
  for (const partition of partitions) positionsOf.checkExists(options.topic, partition)
  const needed = partitions.filter((p) => options.offsets?.get(p) === undefined)
  let found = new Map<number, number>()
  if (needed.length > 0) {
    if (options.timestamp !== null) {
      const timestamp = options.timestamp
      const offsets = await Promise.all(needed.map((p) => positionsOf.offsetAtTime(options.topic, p, timestamp)))
      found = new Map(needed.map((p, i) => [p, offsets[i]!]))
    } else {
      found = await resetOffsets(positionsOf, options.topic, needed, options.offset)
    }
  }
  const positions = new Map<number, number>()
  for (const partition of partitions) positions.set(partition, options.offsets?.get(partition) ?? found.get(partition)!)
  return { positions }
}

/** The offsets `policy` designates now: the log start, the high watermark, or the offset itself. */
export async function resetOffsets(positionsOf: PartitionPositions, topic: string, partitions: readonly number[], policy: StartOffset): Promise<Map<number, number>> {
  if (typeof policy === 'number') return new Map(partitions.map((p) => [p, policy]))
  return positionsOf.offsets(topic, partitions, policy === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP)
}
