/**
 * Brokers authenticate to each other when the inter-broker listener uses SASL: a two-broker
 * cluster (real etcd, real processes) whose INTERNAL listener is SASL_PLAINTEXT with
 * SCRAM-SHA-512, the brokers' user given in that listener's JAAS line, its credential in etcd.
 * Until the credential exists the follower is refused and says so; once `samsa user add --etcd`
 * writes it (the brokers see it through their etcd watch, no restart), the follower logs in,
 * catches up and joins the ISR, and acks=all produces complete. Then a transaction over
 * partitions led by both brokers commits: the coordinator's markers reach the other broker over
 * the same SASL listener.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Admin } from '../../src/client/admin.js'
import { kcat } from '../helpers/clients.js'
import { CLI } from '../helpers/broker-process.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'

const execFileAsync = promisify(execFile)
let cluster: TestCluster

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 2,
    settings: {
      'listeners': 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SASL_PLAINTEXT',
      'inter.broker.listener.name': 'INTERNAL',
      'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'listener.name.internal.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'listener.name.internal.scram-sha-512.sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="broker-secret";',
      'replica.fetch.backoff.ms': 200,
    },
  })
}, 120_000)

afterAll(async () => {
  await cluster?.close()
})

it('replicates over the SASL inter-broker listener once the brokers\' SCRAM user exists', async () => {
  const admin = new Admin({ bootstrapServers: cluster.bootstrap.split(',')[0]!, clientId: 'sasl-inter-broker' })
  try {
    await admin.createTopic({ name: 'replicated', partitions: 1, replicationFactor: 2 })
    await cluster.waitUntil(() => cluster.output().includes('refused SASL/SCRAM-SHA-512 login as broker'), 'the follower to be refused without a credential', 60_000)

    await execFileAsync(process.execPath, [CLI, 'user', 'add', '--etcd', cluster.etcd.endpoints.join(','), '--user', 'broker', '--password', 'broker-secret', '--mechanism', 'SCRAM-SHA-512'])

    const kafka = new Kafka({ clientId: 'sasl-inter-broker', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING })
    const producer = kafka.producer()
    await producer.connect()
    try {
      // acks=all completes only once the follower has fetched the records: its login worked.
      await producer.send({ topic: 'replicated', acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ value: `v${i}` })) })
    } finally {
      await producer.disconnect()
    }
    await cluster.waitUntil(async () => {
      const [topic] = await admin.describeTopics(['replicated'])
      const partition = topic!.partitions[0]!
      return partition.isr.length === 2 && partition.replicas.length === 2
    }, 'both replicas in the ISR', 60_000)
    const [topic] = await admin.describeTopics(['replicated'])
    expect([...topic!.partitions[0]!.isr].sort()).toEqual([1, 2])
  } finally {
    admin.close()
  }
}, 180_000)

it('commits a transaction over partitions led by both brokers: the markers log in over SASL too', async () => {
  const admin = new Admin({ bootstrapServers: cluster.bootstrap.split(',')[0]!, clientId: 'sasl-inter-broker-txn' })
  try {
    await admin.createTopic({ name: 'spread', partitions: 2, replicationFactor: 1 })
    await cluster.waitUntil(async () => {
      const [topic] = await admin.describeTopics(['spread'])
      return topic !== undefined && new Set(topic.partitions.map((p) => p.leader)).size === 2
    }, 'the two partitions to lead on different brokers', 60_000)
  } finally {
    admin.close()
  }
  const kafka = new Kafka({ clientId: 'sasl-inter-broker-txn', brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ transactionalId: 'spread-tx', idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  try {
    const transaction = await producer.transaction()
    await transaction.send({ topic: 'spread', messages: [{ value: 'p0', partition: 0 }, { value: 'p1', partition: 1 }] })
    // EndTxn completes only once both partitions have their COMMIT marker.
    await transaction.commit()
  } finally {
    await producer.disconnect()
  }
  const read = await kcat(['-C', '-b', cluster.bootstrap.split(',')[0]!, '-X', 'isolation.level=read_committed', '-t', 'spread', '-e', '-f', '%s\n'])
  expect(read.stdout.toString().trim().split('\n').sort()).toEqual(['p0', 'p1'])
}, 180_000)
