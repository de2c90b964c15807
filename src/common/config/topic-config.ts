/**
 * Topic-level settings: Kafka's names and defaults. A topic's effective value is its own override
 * if it has one, else the broker setting it is derived from (for example retention.ms falls back
 * to log.retention.ms/minutes/hours), else the default here.
 */
import {
  type ConfigDef,
  LONG_MAX,
  booleanDef,
  doubleDef,
  intDef,
  listDef,
  longDef,
  parseValue,
  stringDef,
  type ValueOf,
} from './config-def.js'
import { ErrorCodes, SamsaError } from '../errors.js'

/**
 * A throttled-replicas list: every entry "partition:brokerId", or the single entry "*" (Kafka's
 * ThrottledReplicaListValidator rule).
 */
function throttledReplicasDef(doc: string): ConfigDef<string[]> {
  return {
    type: 'list',
    default: [],
    doc,
    validate: (entries) => {
      if (entries.length === 1 && entries[0] === '*') return undefined
      const bad = entries.find((entry) => !/^\d+:\d+$/.test(entry))
      return bad === undefined ? undefined : `'${bad}' is not partition:brokerId; give a list of partition:brokerId entries, or *`
    },
  }
}

export const COMPRESSION_TYPES = ['producer', 'uncompressed', 'none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

export const topicConfigDefs = {
  'cleanup.policy': listDef(['delete'], 'delete old segments by time/size, or compact by key', ['delete', 'compact']),
  'compression.type': stringDef('producer', "codec the topic stores batches in; 'producer' keeps the producer's", COMPRESSION_TYPES),
  'retention.ms': longDef(604800000, 'delete segments whose records are all older than this; -1 keeps them forever', { min: -1 }),
  'retention.bytes': longDef(-1, 'delete oldest segments while a partition is larger than this; -1 is unlimited', { min: -1 }),
  'segment.bytes': intDef(1073741824, 'roll to a new segment file at this size', { min: 14 }),
  'segment.ms': longDef(604800000, 'roll to a new segment after this long even if it is not full', { min: 1 }),
  'segment.index.bytes': intDef(10485760, 'largest offset index file per segment', { min: 4 }),
  'index.interval.bytes': intDef(4096, 'bytes of log between two offset index entries', { min: 0 }),
  'max.message.bytes': intDef(1048588, 'largest record batch the topic accepts', { min: 0 }),
  'min.insync.replicas': intDef(1, 'replicas that must have a write for acks=all to succeed', { min: 1 }),
  'message.timestamp.type': stringDef('CreateTime', "CreateTime keeps the producer's timestamps; LogAppendTime stamps the broker's", ['CreateTime', 'LogAppendTime']),
  'message.timestamp.before.max.ms': longDef(LONG_MAX, 'largest age a record timestamp may have at append', { min: 0 }),
  'message.timestamp.after.max.ms': longDef(LONG_MAX, 'largest distance into the future a record timestamp may have', { min: 0 }),
  'flush.messages': longDef(LONG_MAX, 'fsync after this many records; unset lets the OS write back', { min: 1 }),
  'flush.ms': longDef(LONG_MAX, 'fsync after this many milliseconds; unset lets the OS write back', { min: 0 }),
  'file.delete.delay.ms': longDef(60000, 'delay between renaming a deleted segment and removing it', { min: 0 }),
  'delete.retention.ms': longDef(86400000, 'how long delete markers stay on compacted topics', { min: 0 }),
  'min.compaction.lag.ms': longDef(0, 'youngest record age eligible for compaction', { min: 0 }),
  'max.compaction.lag.ms': longDef(LONG_MAX, 'oldest record age before compaction is forced', { min: 1 }),
  'min.cleanable.dirty.ratio': doubleDef(0.5, 'dirty fraction of the log that triggers compaction', { min: 0, max: 1 }),
  'unclean.leader.election.enable': booleanDef(false, 'allow a replica outside the ISR to become leader (may lose data)'),
  'preallocate': booleanDef(false, 'preallocate segment files'),
  'message.downconversion.enable': booleanDef(true, 'convert batches for old consumers (not needed: Samsa serves RecordBatch v2 only)'),
  'leader.replication.throttled.replicas': throttledReplicasDef(
    "replicas ('partition:brokerId', or '*' for all) whose leader bounds what it sends to followers outside the ISR by its leader.replication.throttled.rate",
  ),
  'follower.replication.throttled.replicas': throttledReplicasDef(
    "replicas ('partition:brokerId', or '*' for all) that, outside the ISR, fetch no faster than their broker's follower.replication.throttled.rate",
  ),
} as const satisfies Record<string, ConfigDef<any>>

export type TopicConfigName = keyof typeof topicConfigDefs
export type TopicConfig = { -readonly [K in TopicConfigName]: ValueOf<(typeof topicConfigDefs)[K]> }

export function isTopicConfigName(name: string): name is TopicConfigName {
  return Object.hasOwn(topicConfigDefs, name)
}

/**
 * Parses and validates topic overrides (as a CreateTopics or AlterConfigs request or the CLI
 * gives them). Throws SAMSA_CONFIG naming the first bad setting.
 */
export function parseTopicOverrides(entries: Iterable<readonly [string, string | null]>): Partial<TopicConfig> {
  const out: Record<string, unknown> = {}
  for (const [name, text] of entries) {
    if (!isTopicConfigName(name)) {
      throw new SamsaError(ErrorCodes.CONFIG, `Unknown topic setting ${name}.`)
    }
    if (text === null) {
      throw new SamsaError(ErrorCodes.CONFIG, `Setting ${name} needs a value.`)
    }
    out[name] = parseValue(name, topicConfigDefs[name] as ConfigDef<unknown>, text)
  }
  return out as Partial<TopicConfig>
}
