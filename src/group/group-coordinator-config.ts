/**
 * The group coordinator's settings, read from the broker's Kafka properties: the classic
 * protocol's group.* and offsets.* settings, and the KIP-848 (group.consumer.*) and KIP-932
 * (group.share.*) groups when they are served.
 */
import { type BrokerConfig, consumerAssignorName } from '../common/config/broker-config.js'
import type { AssignorName, ConsumerGroupConfig, MigrationPolicy } from './consumer-group-coordinator.js'
import type { ShareGroupConfig } from './share/share-group-coordinator.js'

export interface GroupCoordinatorConfig {
  readonly minSessionTimeoutMs: number
  readonly maxSessionTimeoutMs: number
  readonly initialRebalanceDelayMs: number
  readonly maxGroupSize: number
  readonly maxMetadataBytes: number
  readonly offsetsRetentionMs: number
  readonly offsetsRetentionCheckIntervalMs: number
  /** How often partitions that changed write a snapshot. */
  readonly snapshotIntervalMs: number
  /** Records appended to one partition that trigger a snapshot before the interval ends. */
  readonly snapshotRecords: number
  /** How long a write waits for the ISR before it fails with REQUEST_TIMED_OUT (offsets.commit.timeout.ms). */
  readonly offsetCommitTimeoutMs: number
  /** KIP-848 consumer groups; absent when group.coordinator.rebalance.protocols leaves out "consumer". */
  readonly consumer?: ConsumerGroupConfig
  /** KIP-932 share groups; absent when group.share.enable is false. */
  readonly share?: ShareGroupConfig
}

export function groupCoordinatorConfig(config: BrokerConfig): GroupCoordinatorConfig {
  return {
    minSessionTimeoutMs: config.get('group.min.session.timeout.ms'),
    maxSessionTimeoutMs: config.get('group.max.session.timeout.ms'),
    initialRebalanceDelayMs: config.get('group.initial.rebalance.delay.ms'),
    maxGroupSize: config.get('group.max.size'),
    maxMetadataBytes: config.get('offset.metadata.max.bytes'),
    offsetsRetentionMs: config.get('offsets.retention.minutes') * 60_000,
    offsetsRetentionCheckIntervalMs: config.get('offsets.retention.check.interval.ms'),
    snapshotIntervalMs: config.get('offsets.snapshot.interval.ms'),
    snapshotRecords: config.get('offsets.snapshot.records'),
    offsetCommitTimeoutMs: config.get('offsets.commit.timeout.ms'),
    consumer: config.get('group.coordinator.rebalance.protocols').includes('consumer')
      ? {
        sessionTimeoutMs: config.get('group.consumer.session.timeout.ms'),
        heartbeatIntervalMs: config.get('group.consumer.heartbeat.interval.ms'),
        maxSize: config.get('group.consumer.max.size'),
        assignors: [...new Set(config.get('group.consumer.assignors').map((a) => consumerAssignorName(a)!))] as AssignorName[],
        migrationPolicy: config.get('group.consumer.migration.policy') as MigrationPolicy,
      }
      : undefined,
    share: config.get('group.share.enable')
      ? {
        sessionTimeoutMs: config.get('group.share.session.timeout.ms'),
        heartbeatIntervalMs: config.get('group.share.heartbeat.interval.ms'),
        maxSize: config.get('group.share.max.size'),
      }
      : undefined,
  }
}
