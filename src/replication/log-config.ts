/**
 * The storage engine's view of a topic's configuration: the subset of topic settings a
 * partition log acts on, with Kafka's "never" (Long.MAX_VALUE) for flushes as the log's unset.
 *
 * Retention by time and size applies only when cleanup.policy includes `delete`, as in Kafka: a
 * compact-only topic (such as __consumer_offsets) keeps its segments until compaction removes
 * superseded records, so its retention settings are handed to the log as "keep forever".
 */
import { LONG_MAX } from '../common/config/config-def.js'
import type { TopicConfig } from '../common/config/topic-config.js'
import type { LogConfig } from '../storage/index.js'

export function toLogConfig(config: TopicConfig): LogConfig {
  const deletes = config['cleanup.policy'].includes('delete')
  return {
    'segment.bytes': config['segment.bytes'],
    'segment.ms': config['segment.ms'],
    'index.interval.bytes': config['index.interval.bytes'],
    'max.message.bytes': config['max.message.bytes'],
    'retention.ms': deletes ? config['retention.ms'] : -1,
    'retention.bytes': deletes ? config['retention.bytes'] : -1,
    'flush.messages': config['flush.messages'] >= LONG_MAX ? null : config['flush.messages'],
    'flush.ms': config['flush.ms'] >= LONG_MAX ? null : config['flush.ms'],
    'message.timestamp.type': config['message.timestamp.type'] === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime',
    'cleanup.policy': config['cleanup.policy'],
    'delete.retention.ms': config['delete.retention.ms'],
    'min.compaction.lag.ms': config['min.compaction.lag.ms'],
    'max.compaction.lag.ms': config['max.compaction.lag.ms'],
    'min.cleanable.dirty.ratio': config['min.cleanable.dirty.ratio'],
  }
}
