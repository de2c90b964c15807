/**
 * A three-broker cluster whose brokers reach each other only over TLS: clients use the PLAINTEXT
 * listener, replication runs on INTERNAL (SSL, client certificates required, so each broker
 * proves itself to the leader with its key store). An idempotent producer writes with acks=all
 * while the leader is killed; every acknowledged record must then be read back from the new
 * leader, none lost, duplicated or reordered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AckingProducer, check, readPartition } from '../helpers/ack-checker.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { createReplicatedTopic, partitionState, waitForNewLeader } from '../helpers/partition-state.js'
import { type Pki, makePki } from '../helpers/tls-certs.js'

const TOPIC = 'tls-replicated'

let pki: Pki
let cluster: TestCluster
let producer: AckingProducer | undefined

beforeAll(async () => {
  pki = makePki()
  cluster = await startCluster({
    brokers: 3,
    settings: {
      'listeners': 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SSL',
      'inter.broker.listener.name': 'INTERNAL',
      'ssl.keystore.location': pki.server.keystore,
      'ssl.truststore.location': pki.caPem,
      'listener.name.internal.ssl.client.auth': 'required',
      'broker.session.timeout.ms': 3000,
      'broker.heartbeat.interval.ms': 500,
    },
  })
  await createReplicatedTopic(cluster, TOPIC)
}, 180_000)

afterAll(async () => {
  await producer?.stop().catch(() => undefined)
  await cluster?.close()
})

describe('replication over an SSL inter-broker listener', { timeout: 180_000 }, () => {
  it('replicates acks=all writes over TLS and loses none when the leader is killed', async () => {
    const { leader } = await partitionState(cluster, TOPIC)
    // Followers fetch from the leader's INTERNAL (TLS) address, never its PLAINTEXT one.
    const internal = cluster.broker(leader).listeners.INTERNAL!
    expect(internal).toMatch(/^127\.0\.0\.1:\d+$/)
    await cluster.waitUntil(
      () => cluster.brokers.filter((b) => b.nodeId !== leader).every((b) => b.output().includes(`started a replica fetcher leader=${leader} address="${internal}"`)),
      'followers fetching from the leader over its INTERNAL listener',
    )
    producer = await AckingProducer.connect(cluster.bootstrap, TOPIC)
    producer.start()
    await producer.waitForAcks(100)
    await cluster.kill(leader)
    const after = await waitForNewLeader(cluster, TOPIC, leader)
    await producer.waitForAcks(100)
    await producer.stop()
    const newLeader = cluster.broker(after.leader)
    const report = check(producer.acks, await readPartition(newLeader.bootstrap, TOPIC))
    producer = undefined
    expect({ lost: report.lost, duplicated: report.duplicated, reordered: report.reordered, misplaced: report.misplaced }).toEqual({ lost: [], duplicated: [], reordered: 0, misplaced: [] })
    expect(report.acked).toBeGreaterThanOrEqual(200)
  })
})
