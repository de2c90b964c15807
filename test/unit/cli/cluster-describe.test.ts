import { describe, expect, it } from 'vitest'
import type { PartitionInfo, TopicInfo } from '../../../src/client/cluster.js'
import { type ClusterSnapshot, formatClusterDescription } from '../../../src/cli/cluster-describe.js'
import { partitionLine } from '../../../src/cli/topic.js'

function partition(partition: number, leader: number, replicas: number[], isr: number[], offlineReplicas: number[] = []): PartitionInfo {
  return { partition, errorCode: 0, leader, leaderEpoch: 3, replicas, isr, offlineReplicas }
}

function topic(name: string, partitions: PartitionInfo[], errorCode = 0): TopicInfo {
  return { name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', errorCode, isInternal: name.startsWith('__'), partitions }
}

const brokers = [
  { nodeId: 3, host: '127.0.0.1', port: 9094, rack: 'rack-b' },
  { nodeId: 1, host: '127.0.0.1', port: 9092, rack: 'rack-a' },
  { nodeId: 2, host: '::1', port: 9093, rack: null },
]

describe('samsa cluster describe output', () => {
  it('lists brokers by id with address and rack, marks the controller, and says none when every partition is healthy', () => {
    const snapshot: ClusterSnapshot = {
      clusterId: 'q1w2e3r4t5y6u7i8o9p0aa',
      controllerId: 2,
      brokers,
      topics: [topic('events', [partition(0, 1, [1, 2, 3], [1, 2, 3]), partition(1, 2, [2, 3, 1], [2, 3, 1])])],
    }
    expect(formatClusterDescription(snapshot)).toBe(
      [
        'Cluster: q1w2e3r4t5y6u7i8o9p0aa',
        'Controller: 2 ([::1]:9093)',
        'Brokers: 3',
        '  ID  ADDRESS         RACK',
        '  1   127.0.0.1:9092  rack-a',
        '  2   [::1]:9093      -       controller',
        '  3   127.0.0.1:9094  rack-b',
        'Under-replicated partitions: none',
        'Offline partitions: none',
        '',
      ].join('\n'),
    )
  })

  it('lists under-replicated partitions (ISR smaller than replicas) and offline ones (no live leader) in kafka-topics\' layout', () => {
    const snapshot: ClusterSnapshot = {
      clusterId: 'q1w2e3r4t5y6u7i8o9p0aa',
      controllerId: 1,
      brokers: brokers.filter((b) => b.nodeId !== 3),
      topics: [
        topic('orders', [partition(0, 1, [1, 2, 3], [1, 2], [3]), partition(1, -1, [3], [3], [3]), partition(2, 2, [2, 1], [2, 1])]),
        topic('__consumer_offsets', [partition(0, 3, [3, 1], [3, 1])]),
        topic('being-created', [], 5),
      ],
    }
    const text = formatClusterDescription(snapshot)
    expect(text).toContain('Controller: 1 (127.0.0.1:9092)\nBrokers: 2\n')
    expect(text.slice(text.indexOf('Under-replicated'))).toBe(
      [
        'Under-replicated partitions: 1',
        '\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2\tOffline: 3',
        // Sorted by topic name: __consumer_offsets before orders.
        'Offline partitions: 2',
        '\tTopic: __consumer_offsets\tPartition: 0\tLeader: 3\tReplicas: 3,1\tIsr: 3,1',
        '\tTopic: orders\tPartition: 1\tLeader: none\tReplicas: 3\tIsr: 3\tOffline: 3',
        '',
      ].join('\n'),
    )
  })

  it('says so when no broker reports a controller, or the controller is not a live broker', () => {
    const none = formatClusterDescription({ clusterId: null, controllerId: -1, brokers: [], topics: [] })
    expect(none).toBe('Cluster: (not reported)\nController: none (no broker holds the controller role right now)\nBrokers: 0\n  ID  ADDRESS  RACK\nUnder-replicated partitions: none\nOffline partitions: none\n')
    const gone = formatClusterDescription({ clusterId: 'c', controllerId: 7, brokers, topics: [] })
    expect(gone).toContain('Controller: 7 (not among the live brokers)\n')
  })
})

describe('samsa topic describe partition lines', () => {
  it('match kafka-topics when healthy and add Offline: only when a replica is offline', () => {
    expect(partitionLine('t', partition(0, 1, [1, 2], [1, 2]))).toBe('\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2\tIsr: 1,2')
    expect(partitionLine('t', partition(4, -1, [2], [2], [2]))).toBe('\tTopic: t\tPartition: 4\tLeader: none\tReplicas: 2\tIsr: 2\tOffline: 2')
  })
})
