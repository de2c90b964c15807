/**
 * What the cluster says about one partition, for fault tests: its leader and ISR as the first
 * broker that answers Metadata reports them, and waits on that. Brokers that are down or paused
 * are skipped (a paused broker would hold every call until its timeout).
 */
import { Kafka, logLevel } from 'kafkajs'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/index.js'
import type { TestCluster } from './cluster.js'

export interface PartitionState {
  readonly leader: number
  readonly isr: readonly number[]
  readonly replicas: readonly number[]
}

export function isRunning(cluster: TestCluster, nodeId: number): boolean {
  const child = cluster.broker(nodeId).child
  return child.exitCode === null && child.signalCode === null
}

/** Partition `partition` of `topic` as the first responsive broker reports it. */
export async function partitionState(cluster: TestCluster, topic: string, partition = 0, skip: ReadonlySet<number> = new Set()): Promise<PartitionState> {
  for (const broker of cluster.brokers) {
    if (skip.has(broker.nodeId) || !isRunning(cluster, broker.nodeId)) continue
    const connection = await BrokerConnection.open({ host: broker.host, port: broker.port, requestTimeoutMs: 3000, connectTimeoutMs: 1000 }).catch(() => undefined)
    if (connection === undefined) continue
    try {
      const metadata = await connection.request(ApiKeys.Metadata, { topics: [{ name: topic }], allowAutoTopicCreation: false }, 9)
      const found = metadata.topics[0]?.partitions.find((p) => p.partitionIndex === partition)
      if (found !== undefined) return { leader: found.leaderId, isr: found.isrNodes, replicas: found.replicaNodes }
    } catch {
      // A broker still starting or just elected may not know the topic yet: ask the next one.
    } finally {
      connection.close()
    }
  }
  throw new Error(`no broker answered Metadata for ${topic}-${partition}`)
}

/** Waits until the partition has a leader and every one of its `replicas` replicas is in sync. */
export async function waitForFullIsr(cluster: TestCluster, topic: string, replicas = 3, partition = 0, timeoutMs = 60_000): Promise<PartitionState> {
  let state: PartitionState | undefined
  await cluster.waitUntil(async () => {
    state = await partitionState(cluster, topic, partition)
    return state.leader >= 0 && state.isr.length === replicas
  }, `${topic}-${partition} to have a leader and all ${replicas} replicas in sync`, timeoutMs)
  return state!
}

/** Waits until the partition is led by a broker other than `previous`; resolves with the new state. */
export async function waitForNewLeader(cluster: TestCluster, topic: string, previous: number, partition = 0, timeoutMs = 30_000): Promise<PartitionState> {
  let state: PartitionState | undefined
  await cluster.waitUntil(async () => {
    state = await partitionState(cluster, topic, partition, new Set([previous]))
    return state.leader >= 0 && state.leader !== previous
  }, `a leader other than broker ${previous} for ${topic}-${partition}`, timeoutMs)
  return state!
}

/**
 * Creates `topic` on the cluster with replication factor 3 and min.insync.replicas 2 (the fault
 * tests' setting: acks=all survives one broker down), through kafkajs's admin client, and waits
 * until every partition has a leader and all three replicas in sync. `replicas` places partition
 * 0 by hand, preferred leader first.
 */
export async function createReplicatedTopic(cluster: TestCluster, topic: string, options: { readonly partitions?: number; readonly replicas?: readonly number[] } = {}): Promise<void> {
  const kafka = new Kafka({ clientId: 'fault-test-admin', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } })
  const admin = kafka.admin()
  await admin.connect()
  try {
    const placement = options.replicas === undefined
      ? { numPartitions: options.partitions ?? 1, replicationFactor: 3 }
      : { replicaAssignment: [{ partition: 0, replicas: [...options.replicas] }] }
    await admin.createTopics({ topics: [{ topic, ...placement, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] })
  } finally {
    await admin.disconnect()
  }
  for (let partition = 0; partition < (options.partitions ?? 1); partition++) await waitForFullIsr(cluster, topic, 3, partition)
}
