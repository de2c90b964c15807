/**
 * Topic and partition metadata in the REST Proxy v2 shapes:
 * - a topic: `{"name", "configs": {name: value}, "partitions": [...]}`, configs being every topic
 *   setting's effective value (overrides and broker defaults), as DescribeConfigs reports them;
 * - a partition: `{"partition", "leader", "replicas": [{"broker", "leader", "in_sync"}]}`.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import { describeTopicConfigs } from '../../common/config/config-description.js'
import type { TopicMetadata } from '../../metadata/metadata-store.js'

export interface RestPartition {
  readonly partition: number
  readonly leader: number
  readonly replicas: ReadonlyArray<{ broker: number; leader: boolean; in_sync: boolean }>
}

export function restPartition(broker: BrokerContext, topic: string, partition: number): RestPartition {
  const state = broker.metadata.partitionState(topic, partition)
  const leader = state?.leader ?? -1
  return {
    partition,
    leader,
    replicas: (state?.replicas ?? []).map((id) => ({ broker: id, leader: id === leader, in_sync: state!.isr.includes(id) })),
  }
}

export function restPartitions(broker: BrokerContext, topic: TopicMetadata): RestPartition[] {
  const partitions: RestPartition[] = []
  for (let p = 0; p < topic.partitions; p++) partitions.push(restPartition(broker, topic.name, p))
  return partitions
}

export function restTopic(broker: BrokerContext, topic: TopicMetadata): { name: string; configs: Record<string, string | null>; partitions: RestPartition[] } {
  const configs: Record<string, string | null> = {}
  for (const entry of describeTopicConfigs(broker.config, topic.configs)) if (!entry.sensitive) configs[entry.name] = entry.value
  return { name: topic.name, configs, partitions: restPartitions(broker, topic) }
}
