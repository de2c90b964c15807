/**
 * `__share_group_state`, where share coordinators keep share-partition state (KIP-932), and
 * which of its partitions holds a share-partition: the coordinator key is
 * "groupId:topicId:partition" (FindCoordinator key type 2, SHARE), placed at
 * `abs(key.hashCode()) % partitions` with Java's String.hashCode, as Kafka places it, so every
 * broker and Kafka's tools agree on the coordinator.
 *
 * Created on first use with share.coordinator.state.topic.num.partitions partitions,
 * share.coordinator.state.topic.replication.factor replicas capped at the live brokers,
 * compacted: the latest ShareSnapshot and ShareUpdate per share-partition are its state.
 */
import type { BrokerConfig } from '../../../common/config/broker-config.js'
import { javaStringHashCode, kafkaAbs } from '../../coordinator-key.js'

export const SHARE_GROUP_STATE_TOPIC = '__share_group_state'

/** The FindCoordinator key (type SHARE) of a share-partition. */
export function shareCoordinatorKey(groupId: string, topicId: string, partition: number): string {
  return `${groupId}:${topicId}:${partition}`
}

/**
 * A SHARE coordinator key taken apart, or null when it is not "groupId:topicId:partition". The
 * group id may itself hold ':', so the topic id and partition are taken from the right.
 */
export function parseShareCoordinatorKey(key: string): { groupId: string; topicId: string; partition: number } | null {
  const last = key.lastIndexOf(':')
  const middle = last > 0 ? key.lastIndexOf(':', last - 1) : -1
  if (middle <= 0) return null
  const partitionText = key.slice(last + 1)
  if (!/^\d{1,10}$/.test(partitionText)) return null
  const partition = Number(partitionText)
  const topicId = key.slice(middle + 1, last)
  if (partition > 0x7fffffff || topicId.length !== 22) return null
  return { groupId: key.slice(0, middle), topicId, partition }
}

export function partitionForShareKey(key: string, partitionCount: number): number {
  return kafkaAbs(javaStringHashCode(key)) % partitionCount
}

/**
 * The topic's configs. min.insync.replicas is share.coordinator.state.topic.min.isr capped at
 * the replication factor the topic gets, as for __transaction_state: a lone broker has no
 * durability beyond its own disk to promise, and the default of 2 would refuse every write.
 */
export function shareGroupStateTopicConfigs(config: BrokerConfig, replicationFactor: number): Record<string, string> {
  return {
    'cleanup.policy': 'compact',
    'compression.type': 'uncompressed',
    'min.insync.replicas': String(Math.min(config.get('share.coordinator.state.topic.min.isr'), replicationFactor)),
    'segment.bytes': String(config.get('share.coordinator.state.topic.segment.bytes')),
    'unclean.leader.election.enable': 'false',
  }
}
