/**
 * Which broker settings stand behind a topic setting, and which broker settings are spellings of
 * one another, in Kafka's order of precedence. DescribeConfigs lists these as synonyms, and the
 * first one that is set decides where a topic's effective value comes from.
 *
 * retention.ms, for example, falls back to log.retention.ms, then log.retention.minutes, then
 * log.retention.hours (whose default, 168, is what an untouched broker uses).
 */
import type { BrokerConfigName } from './broker-config.js'
import type { TopicConfigName } from './topic-config.js'

/** For each topic setting, the broker settings it defaults to, highest precedence first. */
export const topicConfigSynonyms: { readonly [K in TopicConfigName]: readonly BrokerConfigName[] } = {
  'cleanup.policy': ['log.cleanup.policy'],
  'compression.type': ['compression.type'],
  'retention.ms': ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  'retention.bytes': ['log.retention.bytes'],
  'segment.bytes': ['log.segment.bytes'],
  'segment.ms': ['log.roll.ms', 'log.roll.hours'],
  'segment.index.bytes': ['log.index.size.max.bytes'],
  'index.interval.bytes': ['log.index.interval.bytes'],
  'max.message.bytes': ['message.max.bytes'],
  'min.insync.replicas': ['min.insync.replicas'],
  'message.timestamp.type': ['log.message.timestamp.type'],
  'message.timestamp.before.max.ms': ['log.message.timestamp.before.max.ms'],
  'message.timestamp.after.max.ms': ['log.message.timestamp.after.max.ms'],
  'flush.messages': ['log.flush.interval.messages'],
  'flush.ms': ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
  'file.delete.delay.ms': ['log.segment.delete.delay.ms'],
  'delete.retention.ms': ['log.cleaner.delete.retention.ms'],
  'min.compaction.lag.ms': ['log.cleaner.min.compaction.lag.ms'],
  'max.compaction.lag.ms': ['log.cleaner.max.compaction.lag.ms'],
  'min.cleanable.dirty.ratio': ['log.cleaner.min.cleanable.ratio'],
  'unclean.leader.election.enable': ['unclean.leader.election.enable'],
  'preallocate': ['log.preallocate'],
  'message.downconversion.enable': ['log.message.downconversion.enable'],
  // Per topic only: the broker-level side of a throttle is its rate, a different setting.
  'leader.replication.throttled.replicas': [],
  'follower.replication.throttled.replicas': [],
}

/** Broker settings that are several spellings of one value (the first set one wins). */
const brokerSynonymGroups: ReadonlyArray<readonly BrokerConfigName[]> = [
  ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  ['log.roll.ms', 'log.roll.hours'],
]

/**
 * The broker settings that decide `name`'s value, highest precedence first (the name itself when
 * it has no other spelling). log.flush.interval.ms falls back to the scheduler interval, as in
 * Kafka, but not the other way round.
 */
export function brokerConfigSynonyms(name: BrokerConfigName): readonly BrokerConfigName[] {
  if (name === 'log.flush.interval.ms') return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms']
  return brokerSynonymGroups.find((group) => group.includes(name)) ?? [name]
}
