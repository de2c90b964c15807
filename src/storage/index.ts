/**
 * The storage engine's public face (`import { PartitionLog } from 'samsa/log'`): a Kafka-layout
 * partition log over a Rust addon, usable without the broker.
 */
export { PartitionLog } from './partition-log.js'
export type {
  AbortedTxn,
  AppendOptions,
  AppendResult,
  BatchHeader,
  CloseResult,
  EpochEndOffset,
  OpenReport,
  RecoveryOptions,
  TimestampAndOffset,
} from './partition-log.js'
export { DataDirLock } from './dir-lock.js'
export { LogManager } from './log-manager.js'
export { CLEANER_OFFSET_CHECKPOINT, LogCleaner, type CleanableLog, type LogCleanerOptions } from './log-cleaner.js'
export { checkStartupDescriptors, descriptorShortfall, describeOpenFileLimit, readOpenFileLimit, type OpenFileLimit } from './open-file-limit.js'
export type { LogManagerOptions, TopicPartitionLog } from './log-manager.js'
export { defaultLogConfig, type LogConfig } from './log-config.js'
export { ReadPlan, type ReadPlanSlice } from './read-plan.js'
export { transferResumable, transferTo, writeToSocket } from './transfer.js'
/** Kafka's offset checkpoint files ("<topic> <partition> <offset>" lines), written durably. */
export { readOffsetCheckpoint, writeOffsetCheckpoint, type OffsetCheckpointEntry } from './native.js'
