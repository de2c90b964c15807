/**
 * Real clients against a three-broker cluster (real etcd, real broker processes): topics with
 * replication factor 3 and min.insync.replicas 2, produced with acks=all by kcat, kafkajs and
 * @platformatic/kafka and read back by all three from whichever broker leads each partition;
 * and a kafkajs consumer group that keeps consuming across a kill -9 of its coordinator,
 * resuming from its committed offsets with nothing skipped.
 */
import { Producer } from '@platformatic/kafka'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/index.js'
import { kcat, readers, registerPlatformaticCodecs } from '../helpers/clients.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'

let cluster: TestCluster
let kafka: Kafka

beforeAll(async () => {
  registerPlatformaticCodecs()
  cluster = await startCluster({ brokers: 3, settings: { 'broker.session.timeout.ms': 3000, 'broker.heartbeat.interval.ms': 500, 'group.initial.rebalance.delay.ms': 0 } })
  kafka = new Kafka({ clientId: 'cluster-clients', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } })
  const admin = kafka.admin()
  await admin.connect()
  const replicated = (topic: string, numPartitions: number) => ({ topic, numPartitions, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] })
  await admin.createTopics({ topics: [replicated('by-every-client', 3), replicated('group-input', 3)], waitForLeaders: true })
  await admin.disconnect()
}, 120_000)

afterAll(async () => {
  await cluster?.close()
})

/** The coordinator of `groupId` as FindCoordinator at a live broker reports it. */
async function coordinatorOf(groupId: string): Promise<number> {
  for (const broker of cluster.brokers) {
    if (broker.child.exitCode !== null || broker.child.signalCode !== null) continue
    const connection = await BrokerConnection.open({ host: broker.host, port: broker.port, requestTimeoutMs: 5000 }).catch(() => undefined)
    if (connection === undefined) continue
    try {
      const response = await connection.request(ApiKeys.FindCoordinator, { key: groupId, keyType: 0, coordinatorKeys: [groupId] }, 3)
      if (response.errorCode === 0) return response.nodeId
    } finally {
      connection.close()
    }
  }
  throw new Error(`no broker named the coordinator of ${groupId}`)
}

describe('clients against a three-broker cluster', { timeout: 120_000 }, () => {
  it('every client produces with acks=all and every client reads back all of it, from the partition leaders', async () => {
    await kcat(['-b', cluster.bootstrap, '-P', '-t', 'by-every-client', '-X', 'acks=all', '-X', 'enable.idempotence=true'], Array.from({ length: 300 }, (_, i) => `kcat-${i}`).join('\n') + '\n')
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    await producer.send({ topic: 'by-every-client', acks: -1, messages: Array.from({ length: 300 }, (_, i) => ({ value: `kafkajs-${i}` })) })
    await producer.disconnect()
    const platformatic = new Producer({ clientId: 'cluster-platformatic', bootstrapBrokers: cluster.bootstrap.split(','), idempotent: true, acks: -1 })
    try {
      await platformatic.send({ messages: Array.from({ length: 300 }, (_, i) => ({ topic: 'by-every-client', value: Buffer.from(`platformatic-${i}`) })) })
    } finally {
      await platformatic.close()
    }
    for (const [name, read] of readers) {
      // One bootstrap broker; each client finds the partition leaders through Metadata.
      const values = (await read(cluster.brokers[2]!.bootstrap, 'by-every-client')).map((r) => r.value!.toString())
      expect(values.length, name).toBe(900)
      expect(new Set(values).size, name).toBe(900)
    }
  })

  it('a consumer group keeps consuming across a kill -9 of its coordinator, resuming from its committed offsets with nothing skipped', async () => {
    const groupId = 'survivors'
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    const send = (from: number, count: number) =>
      producer.send({ topic: 'group-input', acks: -1, messages: Array.from({ length: count }, (_, i) => ({ key: `k-${from + i}`, value: `m-${from + i}` })) })

    const seen = new Map<string, number>()
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } })
    await consumer.connect()
    await consumer.subscribe({ topic: 'group-input', fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => { const v = message.value!.toString(); seen.set(v, (seen.get(v) ?? 0) + 1) } })
    const consumed = (n: number) => cluster.waitUntil(() => [...Array(n).keys()].every((i) => seen.has(`m-${i}`)), `${n} messages consumed`, 60_000)

    try {
      await send(0, 200)
      await consumed(200)
      const coordinator = await coordinatorOf(groupId)
      await cluster.kill(coordinator)
      await send(200, 200)
      await consumed(400)
      await cluster.restart(coordinator)
      await send(400, 100)
      await consumed(500)
    } finally {
      await consumer.disconnect()
      await producer.disconnect()
    }
    // At least once: a record may be read twice after the failover, never skipped.
    for (let i = 0; i < 500; i++) expect(seen.get(`m-${i}`), `m-${i}`).toBeGreaterThanOrEqual(1)
  })
})
