/**
 * How `__consumer_offsets` is created: offsets.topic.num.partitions partitions, compacted (the
 * latest record per key is the state, and a compact-only topic is never trimmed by time or
 * size retention), segments of offsets.topic.segment.bytes, and internal (clients cannot
 * produce to it or delete it).
 */
import type { BrokerConfig } from '../common/config/broker-config.js'

export { OFFSETS_TOPIC } from './coordinator-key.js'

export function offsetsTopicConfigs(config: BrokerConfig): Record<string, string> {
  return {
    'cleanup.policy': 'compact',
    'compression.type': 'producer',
    'segment.bytes': String(config.get('offsets.topic.segment.bytes')),
  }
}
