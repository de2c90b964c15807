/**
 * Kafka's ACL authorizer against one real broker, with Kafka 3.9.1's kafka-acls (AclCommand),
 * kafkajs and kcat. Clients on its PLAINTEXT listener are User:ANONYMOUS; those on its
 * SASL_PLAINTEXT listener log in with PLAIN as alice, bob or admin (super.users=User:admin). The
 * broker starts deny-by-default (allow.everyone.if.no.acl.found=false) with ANONYMOUS allowed to
 * administer the cluster, the way an operator bootstraps Kafka's admin principal, so one identity
 * can both manage ACLs and be refused what no ACL grants it:
 *
 * - kafka-acls adds, lists and removes ACLs (literal and prefixed, topic and group);
 * - without WRITE on a topic a producer is refused at once with TOPIC_AUTHORIZATION_FAILED
 *   (kafkajs and kcat both report it), and the broker logs the denial with principal,
 *   operation and resource;
 * - with DESCRIBE but not READ a consumer's fetch is refused; without READ on a group it cannot
 *   join it; Metadata lists only the topics the principal may describe;
 * - a PREFIXED ACL covers a topic created after it;
 * - principals from SASL: alice, granted WRITE and READ on a topic, produces and consumes it while
 *   bob, granted nothing, is refused; admin, a super user, may do everything without an ACL;
 *   a transactional producer needs WRITE on its transactional id before it may begin.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes } from '../../src/protocol/error-codes.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { kcat } from '../helpers/clients.js'
import { freePort } from '../helpers/free-ports.js'
import { ADMIN_ACLS, ensureKafkaTools, kafkaTool } from '../helpers/kafka-tools.js'

const AUTHORIZER = { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' }

let broker: BrokerProcess
let kafka: Kafka
let saslBootstrap: string
const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule'
const plain = (user: string) => ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', `sasl.username=${user}`, '-X', `sasl.password=${user}-secret`]
const dataDir = mkdtempSync(join(tmpdir(), 'samsa-acls-'))

const acls = (...args: string[]) => kafkaTool('kafka.admin.AclCommand', '--bootstrap-server', broker.bootstrap, ...args)

beforeAll(async () => {
  await ensureKafkaTools()
  writeFileSync(join(dataDir, 'security.json'), JSON.stringify({ version: 1, acls: ADMIN_ACLS, quotas: {} }))
  const saslPort = await freePort()
  broker = await startBroker({
    dataDir,
    settings: {
      ...AUTHORIZER,
      'super.users': 'User:admin',
      'auto.create.topics.enable': false,
      'listeners': `PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': `${PLAIN_MODULE} required user_alice="alice-secret" user_bob="bob-secret" user_admin="admin-secret";`,
    },
  })
  saslBootstrap = `127.0.0.1:${saslPort}`
  kafka = new Kafka({ clientId: 'acl-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } })
  const admin = kafka.admin()
  await admin.connect()
  try {
    // Not waiting for leaders: that needs a Metadata answer for topics ANONYMOUS may not describe.
    await admin.createTopics({ waitForLeaders: false, topics: ['guarded', 'described', 'team-early', 'alices'].map((topic) => ({ topic, numPartitions: 1 })) })
  } finally {
    await admin.disconnect()
  }
}, 300_000)

afterAll(async () => {
  await broker?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('kafka-acls', () => {
  it('adds, lists and removes ACLs', async () => {
    const added = await acls('--add', '--allow-principal', 'User:ANONYMOUS', '--operation', 'Write', '--operation', 'Read',
      '--topic', 'team-', '--resource-pattern-type', 'prefixed')
    expect(added.code, added.stderr + added.stdout).toBe(0)
    const described = await acls('--add', '--allow-principal', 'User:ANONYMOUS', '--operation', 'Describe', '--topic', 'described')
    expect(described.code, described.stderr).toBe(0)
    const bob = await acls('--add', '--allow-principal', 'User:bob', '--operation', 'Read', '--group', 'closed-group')
    expect(bob.code, bob.stderr).toBe(0)

    const listed = await acls('--list', '--topic', 'team-', '--resource-pattern-type', 'prefixed')
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toMatch(/name=team-, patternType=PREFIXED/)
    expect(listed.stdout).toMatch(/principal=User:ANONYMOUS, host=\*, operation=WRITE, permissionType=ALLOW/)
    expect(listed.stdout).toMatch(/principal=User:ANONYMOUS, host=\*, operation=READ, permissionType=ALLOW/)

    const temporary = await acls('--add', '--deny-principal', 'User:mallory', '--operation', 'All', '--topic', 'described')
    expect(temporary.code, temporary.stderr).toBe(0)
    expect((await acls('--list', '--topic', 'described')).stdout).toMatch(/User:mallory.*operation=ALL, permissionType=DENY/)
    const removed = await acls('--remove', '--force', '--deny-principal', 'User:mallory', '--operation', 'All', '--topic', 'described')
    expect(removed.code, removed.stderr).toBe(0)
    const after = await acls('--list', '--topic', 'described')
    expect(after.stdout).not.toMatch(/mallory/)
    expect(after.stdout).toMatch(/User:ANONYMOUS, host=\*, operation=DESCRIBE/)
  }, 240_000)
})

describe('authorization of clients', () => {
  it('refuses a producer without WRITE at once with TOPIC_AUTHORIZATION_FAILED, and logs the denial', async () => {
    const producer = kafka.producer()
    await producer.connect()
    try {
      const started = Date.now()
      await expect(producer.send({ topic: 'guarded', messages: [{ value: 'no' }] })).rejects.toMatchObject({ retriable: false, cause: { type: 'TOPIC_AUTHORIZATION_FAILED' } })
      // A topic it may describe but not write: refused by the Produce handler itself.
      await expect(producer.send({ topic: 'described', messages: [{ value: 'no' }] })).rejects.toMatchObject({ retriable: false, message: expect.stringMatching(/Not authorized to access topics/) })
      // Not a retry loop that ends in a timeout.
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      await producer.disconnect()
    }
    await expect(kcat(['-P', '-b', broker.bootstrap, '-t', 'guarded', '-m', '10'], 'no\n', 60_000)).rejects.toThrow(/Topic authorization failed/)
    expect(broker.output()).toMatch(/authorization denied principal="User:ANONYMOUS" operation="DESCRIBE" resource="TOPIC:guarded" host="127\.0\.0\.1" request="Metadata"/)
    expect(broker.output()).toMatch(/authorization denied principal="User:ANONYMOUS" operation="WRITE" resource="TOPIC:described" host="127\.0\.0\.1" request="Produce"/)
  }, 120_000)

  it('produces and consumes under a PREFIXED ACL, on a topic created after the ACL', async () => {
    const admin = kafka.admin()
    await admin.connect()
    try {
      await admin.createTopics({ waitForLeaders: false, topics: [{ topic: 'team-later', numPartitions: 1 }] })
    } finally {
      await admin.disconnect()
    }
    const produced = await kcat(['-P', '-b', broker.bootstrap, '-t', 'team-later'], 'one\ntwo\nthree\n')
    expect(produced.code, produced.stderr).toBe(0)
    const consumed = await kcat(['-C', '-b', broker.bootstrap, '-t', 'team-later', '-e', '-f', '%o:%s\n'])
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(consumed.stdout.toString().trim().split('\n')).toEqual(['0:one', '1:two', '2:three'])
  }, 120_000)

  it('lists only the topics the principal may describe', async () => {
    const admin = kafka.admin()
    await admin.connect()
    try {
      const topics = await admin.listTopics()
      expect(topics).toEqual(expect.arrayContaining(['team-early', 'team-later', 'described']))
      expect(topics).not.toContain('guarded')
      expect(topics).not.toContain('__consumer_offsets')
    } finally {
      await admin.disconnect()
    }
  }, 60_000)

  it('refuses a fetch without READ (DESCRIBE alone is not enough)', async () => {
    const connection = await BrokerConnection.open({ host: broker.host, port: broker.port, requestTimeoutMs: 10_000 })
    try {
      const response = await connection.request(ApiKeys.Fetch, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: 'described', partitions: [{ partition: 0, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [], rackId: '',
      }, 12)
      expect(response.responses).toHaveLength(1)
      expect(response.responses[0]!.partitions[0]!.errorCode).toBe(KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED)
    } finally {
      connection.close()
    }
    await expect(kcat(['-C', '-b', broker.bootstrap, '-t', 'described', '-e'], undefined, 60_000)).rejects.toThrow(/Fetch from broker 1 failed: Broker: Topic authorization failed/)
  }, 120_000)

  it('refuses to let a consumer join a group it may not read', async () => {
    const connection = await BrokerConnection.open({ host: broker.host, port: broker.port, requestTimeoutMs: 10_000 })
    try {
      const coordinator = await connection.request(ApiKeys.FindCoordinator, { key: 'closed-group', keyType: 0, coordinatorKeys: [] }, 3)
      expect(coordinator.errorCode).toBe(KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED)
      const joined = await connection.request(ApiKeys.JoinGroup, {
        groupId: 'closed-group', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      }, 5)
      expect(joined.errorCode).toBe(KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED)
    } finally {
      connection.close()
    }
    // kafkajs gives up at once (it reports a missing coordinator, not the code) rather than retrying.
    const consumer = kafka.consumer({ groupId: 'closed-group', retry: { retries: 0 } })
    await consumer.connect()
    try {
      await consumer.subscribe({ topics: ['team-early'] })
      const crashed = new Promise<unknown>((resolve) => consumer.on(consumer.events.CRASH, (event) => resolve(event.payload.error)))
      const started = Date.now()
      await consumer.run({ eachMessage: async () => {} }).catch((error: unknown) => error)
      await expect(crashed).resolves.toMatchObject({ retriable: false })
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      await consumer.disconnect()
    }
  }, 120_000)
})

describe('principals from SASL', () => {
  it('lets alice produce and consume what her ACLs grant, and refuses bob', async () => {
    const granted = await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Write', '--operation', 'Read', '--topic', 'alices')
    expect(granted.code, granted.stderr).toBe(0)
    const produced = await kcat(['-P', '-b', saslBootstrap, ...plain('alice'), '-t', 'alices'], 'from alice\n')
    expect(produced.code, produced.stderr).toBe(0)
    const consumed = await kcat(['-C', '-b', saslBootstrap, ...plain('alice'), '-t', 'alices', '-e', '-f', '%s\n'])
    expect(consumed.stdout.toString().trim()).toBe('from alice')

    await expect(kcat(['-P', '-b', saslBootstrap, ...plain('bob'), '-t', 'alices'], 'from bob\n', 60_000)).rejects.toThrow(/Topic authorization failed/)
    const bob = new Kafka({ clientId: 'bob', brokers: [saslBootstrap], logLevel: logLevel.NOTHING, sasl: { mechanism: 'plain', username: 'bob', password: 'bob-secret' } })
    const producer = bob.producer()
    await producer.connect()
    try {
      await expect(producer.send({ topic: 'alices', messages: [{ value: 'no' }] })).rejects.toMatchObject({ retriable: false, message: expect.stringMatching(/Not authorized to access topics/) })
    } finally {
      await producer.disconnect()
    }
    expect(broker.output()).toMatch(/authorization denied principal="User:bob" operation="DESCRIBE" resource="TOPIC:alices"/)
    // Nothing of bob's reached the log.
    const all = await kcat(['-C', '-b', saslBootstrap, ...plain('alice'), '-t', 'alices', '-e', '-f', '%s\n'])
    expect(all.stdout.toString().trim().split('\n')).toEqual(['from alice'])
  }, 120_000)

  it('lets a transactional producer begin only with WRITE on its transactional id', async () => {
    const alice = new Kafka({ clientId: 'alice-tx', brokers: [saslBootstrap], logLevel: logLevel.NOTHING, retry: { retries: 1 }, sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } })
    const refused = alice.producer({ transactionalId: 'alice-tx', idempotent: true, maxInFlightRequests: 1 })
    await refused.connect()
    const started = Date.now()
    try {
      // Refused at once: FindCoordinator answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which
      // kafkajs does not retry (it reports it as its generic coordinator error, as against Kafka).
      await expect(refused.transaction()).rejects.toThrow(/Failed to find group coordinator/)
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      await refused.disconnect()
    }
    expect(broker.output()).toMatch(/authorization denied principal="User:alice" operation="DESCRIBE" resource="TRANSACTIONAL_ID:alice-tx"/)

    const granted = await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Write', '--transactional-id', 'alice-tx')
    expect(granted.code, granted.stderr).toBe(0)
    const producer = alice.producer({ transactionalId: 'alice-tx', idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    try {
      const transaction = await producer.transaction()
      await transaction.send({ topic: 'alices', messages: [{ value: 'in a transaction' }] })
      await transaction.commit()
    } finally {
      await producer.disconnect()
    }
    const read = await kcat(['-C', '-b', saslBootstrap, ...plain('alice'), '-X', 'isolation.level=read_committed', '-t', 'alices', '-e', '-f', '%s\n'])
    expect(read.stdout.toString().trim().split('\n')).toContain('in a transaction')
  }, 120_000)

  it('lets a super user do everything without a single ACL of its own', async () => {
    const produced = await kcat(['-P', '-b', saslBootstrap, ...plain('admin'), '-t', 'guarded'], 'a\nb\n')
    expect(produced.code, produced.stderr).toBe(0)
    const consumed = await kcat(['-C', '-b', saslBootstrap, ...plain('admin'), '-t', 'guarded', '-e', '-f', '%s\n'])
    expect(consumed.stdout.toString().trim().split('\n')).toEqual(['a', 'b'])
  }, 120_000)
})
