/**
 * Per-partition and per-topic metrics, in one pass over the partitions this broker hosts:
 *
 * - the JMX exporter's kafka_log_log_{size,logstartoffset,logendoffset}{topic,partition}, for
 *   every hosted partition, leader or follower, as Kafka registers them for every local log;
 * - kafka_exporter's kafka_topic_partition_* (current and oldest offset, leader, replicas, ISR
 *   size, under-replicated, preferred leader) for the partitions this broker leads, so that over
 *   a cluster each partition is reported once, by its leader, with the leader's offsets; the
 *   current offset is the high watermark, what a consumer's "latest" is;
 * - kafka_exporter's kafka_topic_partitions{topic} and kafka_brokers, from the cluster's
 *   metadata (the same on every broker: aggregate them with max, not sum).
 *
 * The walk gives the event loop back every SLICE partitions (bench/gateway/metrics-scrape.ts:
 * 4-14 µs of event-loop time per partition on the 2-core VM), so with thousands of partitions a
 * scrape delays Kafka requests by a few milliseconds at a time, not by the whole walk. A partition
 * removed meanwhile is skipped.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { BrokerContext } from '../../broker/broker-context.js'
import { type Exposition, labels } from './exposition.js'

/** Partitions written per turn of the event loop. */
export const SLICE = 250

export async function writePartitionFamilies(out: Exposition, broker: BrokerContext): Promise<void> {
  const logSize = out.family('kafka_log_log_size', 'gauge', 'Bytes in all segments of the partition\'s log on this broker.')
  const logStart = out.family('kafka_log_log_logstartoffset', 'gauge', 'The first offset still in the partition\'s log on this broker.')
  const logEnd = out.family('kafka_log_log_logendoffset', 'gauge', 'The offset the next record appended to the partition\'s log on this broker gets.')
  const current = out.family('kafka_topic_partition_current_offset', 'gauge', 'High watermark of a partition this broker leads: the offset after the last committed record.')
  const oldest = out.family('kafka_topic_partition_oldest_offset', 'gauge', 'Log start offset of a partition this broker leads.')
  const leader = out.family('kafka_topic_partition_leader', 'gauge', 'Leader broker id of a partition this broker leads.')
  const replicas = out.family('kafka_topic_partition_replicas', 'gauge', 'Replicas of a partition this broker leads.')
  const inSync = out.family('kafka_topic_partition_in_sync_replica', 'gauge', 'In-sync replicas of a partition this broker leads.')
  const preferred = out.family('kafka_topic_partition_leader_is_preferred', 'gauge', '1 when a partition this broker leads is led by its preferred (first) replica.')
  const underReplicated = out.family('kafka_topic_partition_under_replicated_partition', 'gauge', '1 when a partition this broker leads has fewer in-sync replicas than replicas.')

  const hosted = broker.replicas
  let left = SLICE
  for (const partition of [...hosted.allPartitions()]) {
    if (--left === 0) {
      left = SLICE
      await nextTurn()
    }
    if (hosted.partition(partition.topic, partition.index) !== partition) continue
    const where = labels({ topic: partition.topic, partition: partition.index })
    const log = partition.log
    const logStartOffset = log.logStartOffset
    logSize.add(where, log.size)
    logStart.add(where, logStartOffset)
    logEnd.add(where, log.logEndOffset)
    if (!partition.isLeader) continue
    const state = partition.state
    current.add(where, partition.highWatermark)
    oldest.add(where, logStartOffset)
    leader.add(where, state.leader)
    replicas.add(where, state.replicas.length)
    inSync.add(where, state.isr.length)
    preferred.add(where, state.replicas[0] === state.leader ? 1 : 0)
    underReplicated.add(where, state.isr.length < state.replicas.length ? 1 : 0)
  }

  const topicPartitions = out.family('kafka_topic_partitions', 'gauge', 'Partitions of the topic, over the whole cluster.')
  for (const topic of broker.metadata.topics()) topicPartitions.add(labels({ topic: topic.name }), topic.partitions)
  out.family('kafka_brokers', 'gauge', 'Live brokers in the cluster.').add('', broker.cluster.brokers().length)
}
