/**
 * Followers copy through incremental fetch sessions (KIP-227): after its first fetch, a follower
 * names only the partitions whose fetch offset moved, and the leader answers only those with
 * something new. Proved on two real brokers: the leader holds one session with every followed
 * partition and answers incremental fetches from it, and acks=all writes, which need the
 * follower's progress as the session reports it, are all on the follower when the leader dies.
 */
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readWithKcat } from '../helpers/clients.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { freePort } from '../helpers/free-ports.js'
import { waitForFullIsr, waitForNewLeader } from '../helpers/partition-state.js'

const TOPIC = 'follower-sessions'
const PARTITIONS = 6
const ROUNDS = 20

let cluster: TestCluster
let metricsUrl: string

beforeAll(async () => {
  const httpPort = await freePort()
  metricsUrl = `http://127.0.0.1:${httpPort}/metrics`
  cluster = await startCluster({ brokers: 2, httpPorts: { 1: httpPort } })
  const kafka = new Kafka({ clientId: 'follower-sessions-admin', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } })
  const admin = kafka.admin()
  await admin.connect()
  try {
    // Broker 1 leads every partition; broker 2 follows them all from it.
    const replicaAssignment = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, replicas: [1, 2] }))
    await admin.createTopics({ topics: [{ topic: TOPIC, replicaAssignment }] })
  } finally {
    await admin.disconnect()
  }
  for (let partition = 0; partition < PARTITIONS; partition++) await waitForFullIsr(cluster, TOPIC, 2, partition)
}, 180_000)

afterAll(async () => {
  await cluster?.close()
}, 60_000)

/** A metric's value in broker 1's Prometheus exposition (an unlabelled series). */
async function metric(name: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  if (line === undefined) throw new Error(`no ${name} in broker 1's /metrics`)
  return Number(line.slice(name.length + 1))
}

describe('a follower copying through an incremental fetch session', () => {
  it('holds one session on its leader with every partition it follows, and fetches incrementally', async () => {
    // The ISR starts full at creation: the follower's first fetch may still be on its way.
    await cluster.waitUntil(async () => (await metric('kafka_server_fetchsessioncache_numincrementalfetchsessions')) > 0, 'the follower to open a fetch session', 30_000)
    expect(await metric('kafka_server_fetchsessioncache_numincrementalfetchsessions')).toBe(1)
    expect(await metric('kafka_server_fetchsessioncache_numincrementalfetchpartitionscached')).toBe(PARTITIONS)
    const before = await metric('samsa_fetch_sessions_incremental_requests_total')
    // Idle fetches wait replica.fetch.wait.max.ms (500 ms) each: a few more come within seconds.
    await cluster.waitUntil(async () => (await metric('samsa_fetch_sessions_incremental_requests_total')) >= before + 3, 'three more incremental fetches from the follower', 30_000)
  })

  it('has every record acknowledged with acks=all when the leader is killed', async () => {
    const kafka = new Kafka({ clientId: 'follower-sessions', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 } })
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
    await producer.connect()
    const acked = new Map<string, number>()
    try {
      // One record per partition per round, so each round moves every partition's fetch offset.
      for (let round = 0; round < ROUNDS; round++) {
        const messages = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: `${partition}-${round}` }))
        const metadata = await producer.send({ topic: TOPIC, acks: -1, timeout: 30_000, messages })
        for (const m of metadata) acked.set(`${m.partition}-${round}`, Number(m.baseOffset))
      }
    } finally {
      await producer.disconnect()
    }
    expect(acked.size).toBe(PARTITIONS * ROUNDS)

    await cluster.kill(1)
    for (let partition = 0; partition < PARTITIONS; partition++) await waitForNewLeader(cluster, TOPIC, 1, partition)
    const read = await readWithKcat(cluster.bootstrap, TOPIC)
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const values = read.filter((r) => r.partition === partition).map((r) => [r.offset, r.value!.toString()])
      const expected = Array.from({ length: ROUNDS }, (_, round) => [acked.get(`${partition}-${round}`), `${partition}-${round}`])
      // Lost, duplicated or reordered acknowledged records would all show here.
      expect(values, `partition ${partition}`).toEqual(expected)
    }
  })
})
