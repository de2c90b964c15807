/**
 * Settings of one partition log, under Kafka's topic-level config names and with Kafka's
 * defaults. native-config.ts translates them for the addon.
 */

/** Kafka topic configs that the log understands, and one of Samsa's own. Every field is optional. */
export interface LogConfig {
  /** Roll the active segment before it grows past this many bytes. Default 1073741824 (1 GiB). */
  'segment.bytes'?: number
  /** Roll when the active segment's first batch is this old (by batch timestamps). Default 7 days. */
  'segment.ms'?: number
  /** Bytes between sparse offset index entries. Default 4096. */
  'index.interval.bytes'?: number
  /** Largest batch a leader append accepts. Default 1048588. */
  'max.message.bytes'?: number
  /** Delete segments whose newest batch is older than this; -1 keeps them. Default 7 days. */
  'retention.ms'?: number
  /** Delete oldest segments while the log is larger than this; -1 for no limit. Default -1. */
  'retention.bytes'?: number
  /** fsync after this many messages. Default unset: the OS writes back, as in Kafka. */
  'flush.messages'?: number | null
  /** fsync when the oldest unflushed append is this old. Default unset. */
  'flush.ms'?: number | null
  /** CreateTime keeps the producer's timestamps; LogAppendTime overwrites them. Default CreateTime. */
  'message.timestamp.type'?: 'CreateTime' | 'LogAppendTime'
  /**
   * Samsa's own (Kafka has none): start the kernel's writeback of appended data each time this
   * many bytes have accumulated, so dirty pages never pile up into a burst of writeback that
   * stalls appends; 0 leaves writeback to the kernel. Changes when data reaches the disk, not
   * what an acknowledgement promises (only a flush makes data durable). Default 1048576.
   */
  'writeback.bytes'?: number
  // What the log cleaner (log-cleaner.ts) reads; the addon's open and append never see these.
  /** `delete`, `compact` or both. A log is cleaned when it includes `compact`. Default ['delete']. */
  'cleanup.policy'?: readonly string[]
  /** How long a tombstone or transaction marker stays after the cleaning that first kept it. Default 1 day. */
  'delete.retention.ms'?: number
  /** Records younger than this are not compacted. Default 0. */
  'min.compaction.lag.ms'?: number
  /** A log whose oldest dirty record is older than this is cleaned whatever its dirty ratio. Default Long.MAX_VALUE. */
  'max.compaction.lag.ms'?: number
  /** Clean when dirty bytes / (clean + dirty bytes) reaches this. Default: log.cleaner.min.cleanable.ratio. */
  'min.cleanable.dirty.ratio'?: number
}

/** The settings only the cleaner reads (not passed to the addon's log). */
export const cleanerSettingNames = [
  'cleanup.policy',
  'delete.retention.ms',
  'min.compaction.lag.ms',
  'max.compaction.lag.ms',
  'min.cleanable.dirty.ratio',
] as const satisfies ReadonlyArray<keyof LogConfig>

/** Kafka's defaults (and Samsa's for writeback.bytes), for display and for callers that merge configs. */
export const defaultLogConfig: Readonly<Required<LogConfig>> = Object.freeze({
  'segment.bytes': 1_073_741_824,
  'segment.ms': 604_800_000,
  'index.interval.bytes': 4096,
  'max.message.bytes': 1_048_588,
  'retention.ms': 604_800_000,
  'retention.bytes': -1,
  'flush.messages': null,
  'flush.ms': null,
  'message.timestamp.type': 'CreateTime',
  'writeback.bytes': 1_048_576,
  'cleanup.policy': Object.freeze(['delete']),
  'delete.retention.ms': 86_400_000,
  'min.compaction.lag.ms': 0,
  'max.compaction.lag.ms': Number.MAX_SAFE_INTEGER,
  'min.cleanable.dirty.ratio': 0.5,
})
