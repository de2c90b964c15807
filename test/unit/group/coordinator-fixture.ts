/**
 * A group coordinator over real __consumer_offsets partitions in a temporary directory, for unit
 * tests of the protocol rules; plus shorthands for the requests tests send.
 */
import { vi } from 'vitest'
import { BrokerConfig } from '../../../src/common/config/broker-config.js'
import { createLogger, type Logger } from '../../../src/common/logger.js'
import { OFFSETS_TOPIC } from '../../../src/group/coordinator-key.js'
import type { JoinGroupParams, JoinGroupResult, SyncGroupResult } from '../../../src/group/coordinator-results.js'
import type { ConsumerGroupHeartbeatParams } from '../../../src/group/consumer-group-coordinator.js'
import { GroupCoordinator } from '../../../src/group/group-coordinator.js'
import type { GroupCoordinatorConfig } from '../../../src/group/group-coordinator-config.js'
import { encodeSubscription } from '../../../src/protocol/messages/consumer-protocol.js'
import { FileMetadataStore } from '../../../src/metadata/file-metadata-store.js'
import type { Partition } from '../../../src/replication/partition.js'
import { ReplicaManager } from '../../../src/replication/replica-manager.js'
import { LogManager } from '../../../src/storage/index.js'

export const defaultConfig: GroupCoordinatorConfig = {
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 0,
  maxGroupSize: 100,
  maxMetadataBytes: 4096,
  offsetsRetentionMs: 7 * 24 * 3600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  snapshotIntervalMs: 60_000,
  snapshotRecords: 100_000,
  offsetCommitTimeoutMs: 5000,
}

export interface OpenCoordinator {
  readonly coordinator: GroupCoordinator
  readonly metadata: FileMetadataStore
  readonly logs: LogManager
  /** The partitions of __consumer_offsets (3, all led by this broker, id 1, at the start). */
  readonly replicas: ReplicaManager
  /** Clean stop: the coordinator snapshots, then the logs close. */
  close(): Promise<void>
  /** Stops without the coordinator's shutdown work (no snapshot), as after a crash. */
  crash(): Promise<void>
}

export const silentLogger: Logger = createLogger('test', 'silent')

/**
 * KIP-848 consumer groups are served when `config.consumer` is given, KIP-932 share groups when
 * `config.share` is (the coordinator reads the topics from the fixture's metadata store).
 */
export async function openCoordinator(dir: string, config: Partial<GroupCoordinatorConfig> = {}, logger: Logger = silentLogger): Promise<OpenCoordinator> {
  const broker = BrokerConfig.load({})
  const self = [broker.nodeId]
  const metadata = await FileMetadataStore.open(dir, broker.nodeId)
  const offsetsTopic = metadata.topic(OFFSETS_TOPIC) ?? (await metadata.createTopic(OFFSETS_TOPIC, [self, self, self]))
  const logs = await LogManager.open(dir)
  const replicas = new ReplicaManager(broker.nodeId, metadata, logs, logger)
  await replicas.ensurePartitions(offsetsTopic, broker.topicDefaults())
  const coordinator = await GroupCoordinator.start({
    config: { ...defaultConfig, ...config },
    logger,
    offsetsTopicPartitions: async () => replicas.partitions(OFFSETS_TOPIC) as readonly Partition[],
    replicas,
    topics: config.consumer === undefined && config.share === undefined ? undefined : metadata,
  })
  return {
    coordinator,
    metadata,
    logs,
    replicas,
    async close() {
      await coordinator.shutdown()
      await logs.close()
    },
    async crash() {
      await logs.close()
    },
  }
}

export const subscription = (topics: string[]): Buffer => encodeSubscription({ topics })

/**
 * A ConsumerGroupHeartbeat as a consumer-protocol member sends it: at epoch 0 a full join
 * subscribed to `orders`, after that only what `params` says.
 */
export function heartbeatParams(params: Partial<ConsumerGroupHeartbeatParams> & { groupId: string; memberId: string; memberEpoch: number }): ConsumerGroupHeartbeatParams {
  return {
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: params.memberEpoch === 0 ? 30_000 : -1,
    subscribedTopicNames: params.memberEpoch === 0 ? ['orders'] : null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: params.memberEpoch === 0 ? [] : null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    apiVersion: 1,
    ...params,
  }
}

export function joinParams(groupId: string, overrides: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    groupId,
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: false,
    supportSkippingAssignment: false,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: 10_000,
    sessionTimeoutMs: 10_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    reason: null,
    ...overrides,
  }
}

/** Joins and, if the answer is immediate, returns it; else the pending promise. */
export function join(coordinator: GroupCoordinator, params: JoinGroupParams): Promise<JoinGroupResult> {
  return Promise.resolve(coordinator.joinGroup(params))
}

/**
 * Joins all `params` at once and lets (fake) time run until the rebalance completes. Even a
 * group.initial.rebalance.delay.ms of 0 is a timer, which fake timers only fire when advanced.
 */
export async function joinAll(coordinator: GroupCoordinator, params: JoinGroupParams[]): Promise<JoinGroupResult[]> {
  const pending = params.map((p) => join(coordinator, p))
  await vi.advanceTimersByTimeAsync(1)
  return Promise.all(pending)
}

export function sync(
  coordinator: GroupCoordinator,
  groupId: string,
  joined: JoinGroupResult,
  assignments: Array<{ memberId: string; assignment: Uint8Array }> = [],
): Promise<SyncGroupResult> {
  return Promise.resolve(
    coordinator.syncGroup({ groupId, generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments }),
  )
}

/** Whether a promise has settled (after the microtasks that may settle it have run). */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  void promise.then(() => { settled = true }, () => { settled = true })
  for (let i = 0; i < 10; i++) await Promise.resolve()
  return settled
}
