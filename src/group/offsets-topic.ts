/**
 * How `__consumer_offsets` is created: offsets.topic.num.partitions partitions, compacted (the
 * latest record per key is the state), segments of offsets.topic.segment.bytes, and internal
 * (clients cannot produce to it or delete it).
 *
 * Samsa's storage engine applies time and size retention whatever the cleanup policy, whereas
 * Kafka never deletes a compact-only topic's segments by age; the topic therefore sets
 * retention.ms and retention.bytes to -1 so no committed offset is ever lost to retention.
 */
import type { BrokerConfig } from '../common/config/broker-config.js'

export { OFFSETS_TOPIC } from './coordinator-key.js'

export function offsetsTopicConfigs(config: BrokerConfig): Record<string, string> {
  return {
    'cleanup.policy': 'compact',
    'compression.type': 'producer',
    'segment.bytes': String(config.get('offsets.topic.segment.bytes')),
    'retention.ms': '-1',
    'retention.bytes': '-1',
  }
}
