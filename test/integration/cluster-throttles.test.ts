/**
 * Replication throttles (KIP-73) with Kafka 3.9.1's own kafka-reassign-partitions and
 * kafka-configs against a three-broker cluster (real etcd, real broker processes):
 *
 * - A topic of replication factor 2 on brokers 1 and 2 holds about 3 MB in partition 0; moving
 *   that partition to brokers 1 and 3 with --throttle 200000 sets the four throttle settings
 *   (the rates on every broker involved, the throttled replicas on the topic), the copy to broker
 *   3 takes about bytes/rate rather than the fraction of a second it takes unthrottled, and
 *   --verify removes the settings once the move is complete.
 * - Meanwhile acks=all writes to partition 1, whose follower is in sync, stay fast: in-sync
 *   followers are never throttled.
 * - A rate set with kafka-configs survives its broker's restart (it is kept in etcd).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/index.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { ensureKafkaTools, kafkaTool } from '../helpers/kafka-tools.js'

const TOPIC = 'throttled'
const RATE = 200_000
/** Samples of the rate: the first (samples - 1) seconds of a copy may burst at the rate. */
const QUOTA_SAMPLES = 3
const TOPIC_RESOURCE = 2
const BROKER_RESOURCE = 4
const DYNAMIC_BROKER_CONFIG = 2

let cluster: TestCluster
const jsonDir = mkdtempSync(join(tmpdir(), 'samsa-throttles-'))

const tool = kafkaTool

const reassign = (...args: string[]) => tool('org.apache.kafka.tools.reassign.ReassignPartitionsCommand', '--bootstrap-server', cluster.bootstrap, ...args)
const configs = (...args: string[]) => tool('kafka.admin.ConfigCommand', '--bootstrap-server', cluster.bootstrap, ...args)

async function withConnection<T>(nodeId: number, use: (connection: BrokerConnection) => Promise<T>): Promise<T> {
  const broker = cluster.broker(nodeId)
  const connection = await BrokerConnection.open({ host: broker.host, port: broker.port, requestTimeoutMs: 5000 })
  try {
    return await use(connection)
  } finally {
    connection.close()
  }
}

/** name → [value, source] of a resource's settings, via DescribeConfigs v4 on broker `via`. */
function describeConfigs(via: number, resourceType: number, resourceName: string, keys: string[]): Promise<Record<string, [string | null, number]>> {
  return withConnection(via, async (connection) => {
    const response = await connection.request(ApiKeys.DescribeConfigs, { resources: [{ resourceType, resourceName, configurationKeys: keys }], includeSynonyms: false, includeDocumentation: false }, 4)
    const result = response.results[0]!
    expect(result.errorCode, result.errorMessage ?? '').toBe(0)
    return Object.fromEntries(result.configs.map((c) => [c.name, [c.value, c.configSource]]))
  })
}

const RATES = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate']
const REPLICAS = ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas']

async function partitionState(p: number): Promise<{ leader: number; replicas: number[]; isr: number[] }> {
  return withConnection(1, async (connection) => {
    const metadata = await connection.request(ApiKeys.Metadata, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false }, 9)
    const partition = metadata.topics[0]!.partitions.find((x) => x.partitionIndex === p)!
    return { leader: partition.leaderId, replicas: partition.replicaNodes, isr: partition.isrNodes }
  })
}

beforeAll(async () => {
  await ensureKafkaTools()
  cluster = await startCluster({
    brokers: 3,
    settings: {
      'auto.leader.rebalance.enable': false,
      'replication.quota.window.num': QUOTA_SAMPLES,
      // Small fetches make the throttle's steps small (a fetch under the quota is sent whole).
      'replica.fetch.max.bytes': 65_536,
    },
  })
}, 180_000)

afterAll(async () => {
  await cluster?.close()
})

describe('replication throttles against a three-broker cluster', { timeout: 120_000 }, () => {
  it('kafka-reassign-partitions --throttle bounds the copy to the new replica, not in-sync followers, and --verify clears the throttle', async () => {
    const kafka = new Kafka({ clientId: 'throttles', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: [1, 2] }, { partition: 1, replicas: [1, 2] }], configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] })
    await admin.disconnect()
    await cluster.waitUntil(async () => (await partitionState(0)).isr.length === 2 && (await partitionState(1)).isr.length === 2, 'the topic fully in sync')

    const producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
    try {
      const value = Buffer.alloc(10_000, 'x')
      let bytes = 0
      for (let batch = 0; batch < 10; batch++) {
        await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 30 }, () => ({ partition: 0, value })) })
        bytes += 30 * value.length
      }

      const file = join(jsonDir, 'move.json')
      writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: TOPIC, partition: 0, replicas: [1, 3] }] }))
      const executed = await reassign('--reassignment-json-file', file, '--execute', '--throttle', String(RATE))
      const started = Date.now()
      expect(executed.code, executed.stdout + executed.stderr).toBe(0)
      expect(executed.stdout).toContain(`Successfully started partition reassignment for ${TOPIC}-0`)

      // The four settings are in place while the copy runs.
      for (const broker of [1, 2, 3]) {
        const rates = await describeConfigs(broker, BROKER_RESOURCE, String(broker), RATES)
        expect(rates).toEqual({ [RATES[0]!]: [String(RATE), DYNAMIC_BROKER_CONFIG], [RATES[1]!]: [String(RATE), DYNAMIC_BROKER_CONFIG] })
      }
      const throttled = await describeConfigs(1, TOPIC_RESOURCE, TOPIC, REPLICAS)
      expect(throttled[REPLICAS[0]!]![0]!.split(',').sort()).toEqual(['0:1', '0:2'])
      expect(throttled[REPLICAS[1]!]![0]).toBe('0:3')

      // acks=all writes to partition 1, whose follower is in sync, stay fast meanwhile.
      const latencies: number[] = []
      let done = false
      const writing = (async () => {
        while (!done) {
          const sentAt = Date.now()
          await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 1, value: 'in sync' }] })
          latencies.push(Date.now() - sentAt)
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      })()
      try {
        await cluster.waitUntil(async () => {
          const state = await partitionState(0)
          return state.replicas.length === 2 && state.replicas.includes(3) && state.isr.includes(3)
        }, 'broker 3 to catch up and the move to finish', 90_000)
      } finally {
        done = true
        await writing
      }
      const elapsedMs = Date.now() - started
      // At most (samples - 1) seconds' worth bursts; the rest goes at the rate (an unthrottled
      // copy of 3 MB takes well under a second here).
      const expectedMs = ((bytes - (QUOTA_SAMPLES - 1) * RATE) / RATE) * 1000
      expect(elapsedMs, `the throttled copy took ${elapsedMs} ms`).toBeGreaterThan(expectedMs * 0.75)
      latencies.sort((a, b) => a - b)
      expect(latencies.length).toBeGreaterThan(10)
      expect(latencies[Math.floor(latencies.length / 2)]!, `latencies ${latencies.join(',')}`).toBeLessThan(300)
      expect(latencies[Math.floor(latencies.length * 0.9)]!, `latencies ${latencies.join(',')}`).toBeLessThan(1000)

      // --verify reports completion and removes the throttles.
      const verified = await reassign('--reassignment-json-file', file, '--verify')
      expect(verified.stdout, verified.stdout + verified.stderr).toContain(`Reassignment of partition ${TOPIC}-0 is completed.`)
      for (const broker of [1, 2, 3]) {
        const rates = await describeConfigs(broker, BROKER_RESOURCE, String(broker), RATES)
        expect(rates[RATES[0]!]![1]).not.toBe(DYNAMIC_BROKER_CONFIG)
        expect(rates[RATES[1]!]![1]).not.toBe(DYNAMIC_BROKER_CONFIG)
      }
      const cleared = await describeConfigs(1, TOPIC_RESOURCE, TOPIC, REPLICAS)
      expect(cleared).toEqual({ [REPLICAS[0]!]: ['', 5], [REPLICAS[1]!]: ['', 5] })
    } finally {
      await producer.disconnect()
    }
  })

  it('a rate set with kafka-configs applies to the broker it names and survives its restart', async () => {
    const altered = await configs('--entity-type', 'brokers', '--entity-name', '2', '--alter', '--add-config', 'follower.replication.throttled.rate=1000000')
    expect(altered.code, altered.stdout + altered.stderr).toBe(0)
    expect((await describeConfigs(2, BROKER_RESOURCE, '2', RATES))[RATES[1]!]).toEqual(['1000000', DYNAMIC_BROKER_CONFIG])
    expect((await describeConfigs(3, BROKER_RESOURCE, '3', RATES))[RATES[1]!]![1]).not.toBe(DYNAMIC_BROKER_CONFIG)

    await cluster.restart(2)
    expect((await describeConfigs(2, BROKER_RESOURCE, '2', RATES))[RATES[1]!]).toEqual(['1000000', DYNAMIC_BROKER_CONFIG])

    const refused = await configs('--entity-type', 'brokers', '--entity-name', '2', '--alter', '--add-config', 'log.retention.hours=1')
    expect(refused.code).not.toBe(0)
    expect(refused.stdout + refused.stderr).toContain('Broker settings are static in Samsa')
    const deleted = await configs('--entity-type', 'brokers', '--entity-name', '2', '--alter', '--delete-config', 'follower.replication.throttled.rate')
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0)
    expect((await describeConfigs(2, BROKER_RESOURCE, '2', RATES))[RATES[1]!]![1]).not.toBe(DYNAMIC_BROKER_CONFIG)
  })
})
