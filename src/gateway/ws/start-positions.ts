/**
 * Where a stream's partitions start, from its query (stream-options.ts), through the gateway's
 * partition positions (the same lookup as ListOffsets): earliest is the log start offset, latest
 * the high watermark, a timestamp the first record at or after it (the end when there is none),
 * an explicit offset itself (the reader reports it out of range if it is, and the stream resets).
 *
 * A stream over all of a topic's partitions covers those this broker leads (in a cluster the
 * others are served by their leaders' gateways) and says which it left out; a partition named
 * explicitly must exist and be led here. Throws ProxyError otherwise, which refuses the upgrade.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import { ledPartition, offsetAtTime, partitionBounds } from '../records/partition-positions.js'
import { topicNotFound } from '../records/proxy-error.js'
import type { StartOffset, StreamOptions } from './stream-options.js'

export interface StartPositions {
  /** Partition → first offset to send, in partition order. */
  readonly positions: Map<number, number>
  /** Partitions of the topic left out because another broker leads them. */
  readonly ledElsewhere: number[]
}

export function startPositions(broker: BrokerContext, options: StreamOptions): StartPositions {
  const topic = broker.metadata.topic(options.topic)
  if (topic === undefined) throw topicNotFound(options.topic)
  const positions = new Map<number, number>()
  const ledElsewhere: number[] = []
  const explicit = options.partitions !== null
  const partitions = options.partitions ?? Array.from({ length: topic.partitions }, (_, i) => i)
  for (const partition of [...partitions].sort((a, b) => a - b)) {
    if (explicit) ledPartition(broker, options.topic, partition)
    else if (typeof broker.replicas.leaderPartition(options.topic, partition) === 'number') {
      ledElsewhere.push(partition)
      continue
    }
    const given = options.offsets?.get(partition)
    positions.set(
      partition,
      given !== undefined ? given : options.timestamp !== null ? offsetAtTime(broker, options.topic, partition, options.timestamp) : resetOffset(broker, options.topic, partition, options.offset),
    )
  }
  return { positions, ledElsewhere }
}

/** The offset `policy` designates now: the log start, the high watermark, or the offset itself. */
export function resetOffset(broker: BrokerContext, topic: string, partition: number, policy: StartOffset): number {
  if (typeof policy === 'number') return policy
  const bounds = partitionBounds(broker, topic, partition)
  return policy === 'earliest' ? bounds.beginning : bounds.end
}
