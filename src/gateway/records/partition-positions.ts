/**
 * Where a partition starts and ends and which offset a timestamp designates, for the gateway's
 * offsets endpoints, consumer seeks and streams: the same lookup as ListOffsets
 * (replication/partition-offsets.ts) on a partition this broker leads. A topic or partition that
 * does not exist is the proxy's 40401/40402; one led by another broker names that broker.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, offsetForTimestamp } from '../../replication/partition-offsets.js'
import type { Partition } from '../../replication/partition.js'
import { notLeaderHere, partitionNotFound, topicNotFound } from './proxy-error.js'

/** The partition, led here; throws ProxyError otherwise. */
export function ledPartition(broker: BrokerContext, topic: string, partition: number): Partition {
  const metadata = broker.metadata.topic(topic)
  if (metadata === undefined) throw topicNotFound(topic)
  if (!(Number.isInteger(partition) && partition >= 0 && partition < metadata.partitions)) throw partitionNotFound(topic, partition, metadata.partitions)
  const led = broker.replicas.leaderPartition(topic, partition)
  if (typeof led === 'number') throw notLeaderHere(broker, topic, partition)
  return led
}

/** The first offset still in the log and the high watermark (the next offset consumers will see). */
export function partitionBounds(broker: BrokerContext, topic: string, partition: number): { beginning: number; end: number } {
  const led = ledPartition(broker, topic, partition)
  return {
    beginning: offsetForTimestamp(led, EARLIEST_TIMESTAMP, false).offset,
    end: offsetForTimestamp(led, LATEST_TIMESTAMP, false).offset,
  }
}

/**
 * The offset of the first record at or after `timestamp` (ms), or the end of the partition when
 * there is none, as a consumer seeking to a time ends up there (Kafka's consumers do the same).
 */
export function offsetAtTime(broker: BrokerContext, topic: string, partition: number, timestamp: number): number {
  const led = ledPartition(broker, topic, partition)
  const found = offsetForTimestamp(led, timestamp, false)
  return found.offset >= 0 ? found.offset : offsetForTimestamp(led, LATEST_TIMESTAMP, false).offset
}
