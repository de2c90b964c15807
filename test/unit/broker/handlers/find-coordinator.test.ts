import { describe, expect, it } from 'vitest'
import { ANONYMOUS } from '../../../../src/common/kafka-principal.js'
import type { BrokerContext } from '../../../../src/broker/broker-context.js'
import type { BrokerEndpoint, ClusterView } from '../../../../src/broker/cluster-view.js'
import type { RequestContext } from '../../../../src/broker/handler.js'
import { findCoordinatorHandler } from '../../../../src/broker/handlers/find-coordinator.js'
import { ALLOW_ALL } from '../../../../src/security/acl-authorizer.js'
import { OFFSETS_TOPIC, partitionForGroup } from '../../../../src/group/coordinator-key.js'
import type { PartitionState } from '../../../../src/metadata/metadata-store.js'
import { KafkaErrorCodes as E } from '../../../../src/protocol/error-codes.js'

const PARTITIONS = 3

/** Broker 1 (this one) and broker 2 are live; broker 3 is assigned but its lease expired. */
const live: BrokerEndpoint[] = [
  { nodeId: 1, host: 'broker-1.example', port: 9092, rack: null },
  { nodeId: 2, host: 'broker-2.example', port: 9093, rack: null },
]
const cluster: ClusterView = {
  brokers: () => live,
  broker: (nodeId) => live.find((b) => b.nodeId === nodeId),
  controllerId: () => 1,
}

/** Leaders of __consumer_offsets: partition 0 on broker 2, 1 on dead broker 3, 2 offline. */
const leaders = [2, 3, -1]

/**
 * Only what FindCoordinator reads of the broker: which partition holds a group, that the offsets
 * topic exists, that partition's state in the metadata, the live brokers and the authorizer.
 */
const broker = {
  nodeId: 1,
  groups: { partitionFor: (groupId: string) => partitionForGroup(groupId, PARTITIONS) },
  metadata: {
    // __consumer_offsets exists, so FindCoordinator answers at once.
    topic: (name: string) => (name === OFFSETS_TOPIC ? { name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: PARTITIONS, configs: {}, internal: true } : undefined),
    partitionState: (topic: string, partition: number): PartitionState | undefined =>
      topic === OFFSETS_TOPIC && partition < PARTITIONS
        ? { replicas: [1, 2, 3], leader: leaders[partition]!, leaderEpoch: 4, partitionEpoch: 7, isr: [1, 2] }
        : undefined,
  },
  cluster,
  // No authorizer: every group may be described.
  authorizer: ALLOW_ALL,
} as unknown as BrokerContext

function groupIn(partition: number): string {
  for (let i = 0; ; i++) if (partitionForGroup(`g-${i}`, PARTITIONS) === partition) return `g-${i}`
}

const context = (apiVersion: number): RequestContext => ({
  apiVersion,
  header: { apiKey: 10, apiVersion, correlationId: 1, clientId: 'test', headerVersion: 2 },
  connection: { id: 1, remoteAddress: '127.0.0.1', remotePort: 40000, localPort: 9092, listenerName: 'PLAINTEXT', principal: ANONYMOUS },
})

describe('FindCoordinator in a cluster', () => {
  const handler = findCoordinatorHandler(broker)

  it('answers the leader of the group\'s __consumer_offsets partition, wherever it is', () => {
    const response = handler.handle({ key: '', keyType: 0, coordinatorKeys: [groupIn(0)] }, context(4))
    expect(response).toMatchObject({ coordinators: [{ key: groupIn(0), nodeId: 2, host: 'broker-2.example', port: 9093, errorCode: E.NONE }] })
  })

  it('answers COORDINATOR_NOT_AVAILABLE while the partition has no leader or its leader is not live', () => {
    const response = handler.handle({ key: '', keyType: 0, coordinatorKeys: [groupIn(1), groupIn(2)] }, context(4))
    expect(response).toMatchObject({
      coordinators: [
        { key: groupIn(1), nodeId: -1, errorCode: E.COORDINATOR_NOT_AVAILABLE },
        { key: groupIn(2), nodeId: -1, errorCode: E.COORDINATOR_NOT_AVAILABLE },
      ],
    })
  })

  it('answers one key in the top-level fields up to v3', () => {
    expect(handler.handle({ key: groupIn(0), keyType: 0, coordinatorKeys: [] }, context(3))).toMatchObject({ errorCode: E.NONE, nodeId: 2, host: 'broker-2.example', port: 9093 })
    expect(handler.handle({ key: groupIn(2), keyType: 0, coordinatorKeys: [] }, context(0))).toMatchObject({ errorCode: E.COORDINATOR_NOT_AVAILABLE, nodeId: -1 })
  })
})
