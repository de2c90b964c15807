/**
 * The narrow views of group configs (KIP-848/KIP-932) the coordinators and the share-partition
 * manager read, so that none of them knows where configs are kept. Each lookup answers a
 * group's effective values: its overrides from the MetadataStore, else the broker's settings.
 *
 * Lookups run on every heartbeat and, for share groups, on every acquisition and release, so
 * what is derived from a group's overrides is cached per overrides object: the store hands out
 * the same object until the overrides change, and a change (through any broker) is seen at the
 * next lookup.
 */
import type { BrokerConfig } from '../common/config/broker-config.js'
import { type GroupConfig, effectiveGroupConfig } from '../common/config/group-config.js'
import { SHARE_AUTO_OFFSET_RESET_LATEST, type ShareAutoOffsetReset, parseShareAutoOffsetReset } from '../common/config/share-auto-offset-reset.js'
import type { MetadataStore } from '../metadata/metadata-store.js'
import type { GroupTimeouts } from './consumer-group-coordinator.js'
import type { SharePartitionConfig } from './share/share-partition.js'

export interface GroupConfigLookups {
  readonly consumerTimeouts: (groupId: string) => GroupTimeouts
  readonly shareTimeouts: (groupId: string) => GroupTimeouts
  readonly sharePartitionConfig: (groupId: string) => SharePartitionConfig
  readonly shareAutoOffsetReset: (groupId: string) => ShareAutoOffsetReset
  readonly shareIsolationLevel: (groupId: string) => 'read_uncommitted' | 'read_committed'
}

interface Derived {
  readonly config: GroupConfig
  readonly consumer: GroupTimeouts
  readonly share: GroupTimeouts
  readonly sharePartition: SharePartitionConfig
  readonly shareAutoOffsetReset: ShareAutoOffsetReset
}

/** `maxRecordLocks`: group.share.partition.max.record.locks, which is not a group config in Samsa. */
export function groupConfigLookups(metadata: Pick<MetadataStore, 'groupConfigs'>, broker: BrokerConfig, maxRecordLocks: number): GroupConfigLookups {
  const cache = new WeakMap<Readonly<Record<string, string>>, Derived>()
  const derived = (groupId: string): Derived => {
    const overrides = metadata.groupConfigs(groupId)
    let entry = cache.get(overrides)
    if (entry === undefined) {
      const config = effectiveGroupConfig(overrides, broker)
      entry = {
        config,
        consumer: { sessionTimeoutMs: config['consumer.session.timeout.ms'], heartbeatIntervalMs: config['consumer.heartbeat.interval.ms'] },
        share: { sessionTimeoutMs: config['share.session.timeout.ms'], heartbeatIntervalMs: config['share.heartbeat.interval.ms'] },
        sharePartition: { lockDurationMs: config['share.record.lock.duration.ms'], deliveryCountLimit: config['share.delivery.count.limit'], maxRecordLocks },
        // Validated when stored, so it parses; latest covers a value edited into the store by hand.
        shareAutoOffsetReset: parseShareAutoOffsetReset(config['share.auto.offset.reset']) ?? SHARE_AUTO_OFFSET_RESET_LATEST,
      }
      cache.set(overrides, entry)
    }
    return entry
  }
  return {
    consumerTimeouts: (groupId) => derived(groupId).consumer,
    shareTimeouts: (groupId) => derived(groupId).share,
    sharePartitionConfig: (groupId) => derived(groupId).sharePartition,
    shareAutoOffsetReset: (groupId) => derived(groupId).shareAutoOffsetReset,
    shareIsolationLevel: (groupId) => derived(groupId).config['share.isolation.level'] as 'read_uncommitted' | 'read_committed',
  }
}
