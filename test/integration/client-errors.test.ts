/**
 * What real clients hand the application when Samsa refuses something, against one broker with a
 * PLAINTEXT and a SASL_PLAINTEXT listener, an ACL authorizer, share groups off and only the
 * uniform KIP-848 assignor. Each refusal must reach the application at once as the error that
 * names it, never as a retry until the delivery timeout. With franz-go (v1.22.3, whose producer
 * here may retry for 60 s):
 * - a record without a key on a compacted topic: INVALID_RECORD, and nothing is appended;
 * - a record over the topic's max.message.bytes: MESSAGE_TOO_LARGE;
 * - a SASL user with no WRITE on a topic: TOPIC_AUTHORIZATION_FAILED (while a user granted it
 *   produces there);
 * - a share group while the broker serves none, and a KIP-848 group asking for an assignor the
 *   broker does not have: both stop the consumer's poll with an error.
 * The produce refusals again with the Java client (kafka-clients 3.9: a non-retriable exception
 * from the send's future; 4.4 for the unserved assignor, thrown from poll) and librdkafka (kcat: the delivery report names the broker's error),
 * which the other tests do not cover for these codes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes } from '../../src/protocol/index.js'
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/acl.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { kcat } from '../helpers/clients.js'
import { freePort } from '../helpers/free-ports.js'
import { type GoLine, buildGoPrograms, missingGo, runGo } from '../helpers/go-client.js'
import { javaWithConfig, missingTools, prepareJava } from '../helpers/java-client.js'
import { GroupMember, prepareGroupMember, waitForAll } from '../helpers/java-group-member.js'
import { WireClient } from '../helpers/wire-client.js'

const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule'
const dataDir = mkdtempSync(join(tmpdir(), 'samsa-franz-errors-'))
let broker: BrokerProcess
let saslBootstrap: string

async function run(program: string, bootstrap: string, args: readonly string[]): Promise<GoLine[]> {
  const result = await runGo(program, ['-bootstrap', bootstrap, ...args])
  if (result.code !== 0) throw new Error(`${program} exited with ${result.code}: ${JSON.stringify(result.lines.slice(-3))}\n${result.stderr}`)
  return result.lines
}

/** What the producer's callback got for each record: acknowledged, or the error. */
async function produce(topic: string, args: readonly string[], bootstrap = broker.bootstrap): Promise<GoLine[]> {
  const lines = await run('produce', bootstrap, ['-topic', topic, ...args])
  expect(lines.at(-1)).toEqual({ done: true })
  return lines.slice(0, -1)
}

/** Creates the topics every client here is refused on, through the wire (no client needed). */
async function createTopics(topics: Record<string, Record<string, string>>): Promise<void> {
  const admin = await WireClient.connect(broker.host, broker.port)
  try {
    const created = await admin.request(ApiKeys.CreateTopics, 7, {
      topics: Object.entries(topics).map(([name, configs]) => ({
        name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })),
      })),
      timeoutMs: 60_000,
      validateOnly: false,
    })
    expect(created.topics.map((t) => [t.name, t.errorCode])).toEqual(Object.keys(topics).map((name) => [name, KafkaErrorCodes.NONE]))
  } finally {
    admin.close()
  }
}

async function endOffset(topic: string): Promise<number> {
  const [offsets] = await run('admin', broker.bootstrap, ['-offsets', topic])
  return (offsets!.end as Record<string, number>)['0']!
}

/** A refusal as the application sees it: the Kafka code, not retriable, for every record sent. */
function refused(code: string, count: number) {
  return Array.from({ length: count }, () => expect.objectContaining({ code, retriable: false }))
}

beforeAll(async () => {
  // Only alice may write to "guarded"; topics without ACLs are open to all (allow.everyone.if.no.acl.found).
  const guarded = (operation: AclOperation) => ({
    resourceType: ResourceType.TOPIC, resourceName: 'guarded', patternType: PatternType.LITERAL,
    principal: 'User:alice', host: '*', operation, permissionType: AclPermissionType.ALLOW,
  })
  writeFileSync(join(dataDir, 'security.json'), JSON.stringify({ version: 1, acls: [guarded(AclOperation.WRITE), guarded(AclOperation.DESCRIBE)], quotas: {} }))
  const saslPort = await freePort()
  broker = await startBroker({
    dataDir,
    settings: {
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'allow.everyone.if.no.acl.found': true,
      'listeners': `PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': `${PLAIN_MODULE} required user_alice="alice-secret" user_bob="bob-secret";`,
      'group.share.enable': false,
      'group.consumer.assignors': 'uniform',
      'group.consumer.heartbeat.interval.ms': 500,
      'group.consumer.min.heartbeat.interval.ms': 100,
    },
  })
  saslBootstrap = `127.0.0.1:${saslPort}`
  await createTopics({
    'franz-compacted': { 'cleanup.policy': 'compact' },
    'franz-small': { 'max.message.bytes': '2048' },
    'guarded': {},
    'franz-share': {},
    'java-compacted': { 'cleanup.policy': 'compact' },
    'rdkafka-compacted': { 'cleanup.policy': 'compact' },
  })
}, 300_000)
afterAll(async () => {
  await broker?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe.skipIf(missingGo)('franz-go surfaces what Samsa refuses', () => {
  beforeAll(() => buildGoPrograms(), 300_000)

  it('a record without a key on a compacted topic is refused with INVALID_RECORD and nothing is appended', async () => {
    expect(await produce('franz-compacted', ['-no-key', '-count', '3'])).toEqual(refused('INVALID_RECORD', 3))
    expect(await endOffset('franz-compacted')).toBe(0)
    // The same topic takes keyed records: the refusal was about the key.
    expect(await produce('franz-compacted', ['-count', '2'])).toEqual([expect.objectContaining({ acked: 'v-0', offset: 0 }), expect.objectContaining({ acked: 'v-1', offset: 1 })])
  }, 120_000)

  it('a record over the topic\'s max.message.bytes is refused with MESSAGE_TOO_LARGE', async () => {
    expect(await produce('franz-small', ['-value-bytes', '10000'])).toEqual(refused('MESSAGE_TOO_LARGE', 1))
    expect(await endOffset('franz-small')).toBe(0)
    expect(await produce('franz-small', ['-value-bytes', '500'])).toEqual([expect.objectContaining({ acked: 'v-0', offset: 0 })])
  }, 120_000)

  it('a SASL user without WRITE on a topic is refused with TOPIC_AUTHORIZATION_FAILED; the user granted it produces', async () => {
    const bob = await produce('guarded', ['-count', '2', '-sasl-user', 'bob', '-sasl-password', 'bob-secret'], saslBootstrap)
    expect(bob).toEqual(refused('TOPIC_AUTHORIZATION_FAILED', 2))
    const alice = await produce('guarded', ['-count', '2', '-sasl-user', 'alice', '-sasl-password', 'alice-secret'], saslBootstrap)
    expect(alice.map((line) => line.acked)).toEqual(['v-0', 'v-1'])
  }, 120_000)

  it('a share group on a broker that serves none stops the poll with an error at once', async () => {
    const lines = await run('share-consume', broker.bootstrap, ['-topic', 'franz-share', '-group', 'franz-share', '-stop-on-error', '-deadline', '120s'])
    const error = lines.find((line) => 'fetchError' in line)
    expect(error?.error).toMatch(/broker is too old|not support|UNSUPPORTED_VERSION/i)
    expect(lines.at(-1)).toMatchObject({ done: true, consumed: 0, timedOut: false })
  }, 180_000)

  it('a KIP-848 member asking for an assignor the broker does not have gets UNSUPPORTED_ASSIGNOR from its poll', async () => {
    const lines = await run('consume', broker.bootstrap, ['-topics', 'franz-share', '-group', 'franz-range', '-protocol', 'consumer', '-balancer', 'range', '-stop-on-error', '-deadline', '120s'])
    expect(lines.find((line) => 'fetchError' in line)).toMatchObject({ code: 'UNSUPPORTED_ASSIGNOR', retriable: false })
    expect(lines.at(-1)).toMatchObject({ done: true, consumed: 0, timedOut: false })
  }, 180_000)
})

/** Random letters: a size limit is checked on the (maybe compressed) batch, so padding must not shrink. */
function incompressible(bytes: number): string {
  return Array.from({ length: bytes }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('')
}

describe.skipIf(missingTools.length > 0)('the Java client surfaces the same refusals', () => {
  const saslConfig = join(dataDir, 'bob.properties')
  beforeAll(() => {
    prepareJava()
    writeFileSync(saslConfig, [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=PLAIN',
      `sasl.jaas.config=${PLAIN_MODULE} required username="bob" password="bob-secret";`,
    ].join('\n'))
  }, 300_000)

  /** One record through the default producer: [outcome, exception class, retriable, elapsed ms, message]. */
  async function sendOne(topic: string, key: string | null, valueBytes: number, config: string | null = null): Promise<string[]> {
    const lines = await javaWithConfig(config, 'produce-one', config === null ? broker.bootstrap : saslBootstrap, topic, key ?? '-', String(valueBytes))
    return lines.find((line) => line[0] === 'sent' || line[0] === 'error')!
  }

  it('InvalidRecordException for a record without a key on a compacted topic, not retriable', async () => {
    const [outcome, exception, retriable] = await sendOne('java-compacted', null, 10)
    expect([outcome, exception, retriable]).toEqual(['error', 'InvalidRecordException', 'false'])
    expect(await sendOne('java-compacted', 'k', 10)).toEqual(['sent', '0', '0'])
  }, 120_000)

  it('RecordTooLargeException for a record over the topic\'s max.message.bytes, not retriable', async () => {
    const [outcome, exception, retriable] = await sendOne('franz-small', 'k', 10_000)
    expect([outcome, exception, retriable]).toEqual(['error', 'RecordTooLargeException', 'false'])
  }, 120_000)

  it('TopicAuthorizationException for a SASL user without WRITE, not retriable', async () => {
    const [outcome, exception, retriable] = await sendOne('guarded', 'k', 10, saslConfig)
    expect([outcome, exception, retriable]).toEqual(['error', 'TopicAuthorizationException', 'false'])
  }, 120_000)

  it('UnsupportedAssignorException from poll for a KIP-848 member (kafka-clients 4.4) asking for an assignor the broker lacks', async () => {
    prepareGroupMember()
    const member = new GroupMember('sticky-asker', broker.bootstrap, 'java-sticky', 'franz-share', 'consumer', undefined, { remoteAssignor: 'sticky' })
    try {
      await waitForAll([member], () => member.errors.length > 0, 'the member\'s error', 90_000)
      expect(member.errors[0]).toMatch(/UnsupportedAssignorException.*sticky/)
      expect(member.records).toEqual([])
    } finally {
      await member.stop()
    }
  }, 180_000)
})

describe('librdkafka (kcat) surfaces the same refusals', () => {
  /** kcat's delivery report for one record; librdkafka would retry a retriable error until message.timeout.ms. */
  async function sendOne(topic: string, input: string, extra: readonly string[] = []): Promise<string> {
    const outcome = await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-X', 'message.timeout.ms=60000', ...extra], input).catch((error: Error) => error)
    expect(outcome).toBeInstanceOf(Error) // kcat exits non-zero when a delivery failed
    return (outcome as Error).message
  }

  it('INVALID_RECORD for a record without a key on a compacted topic', async () => {
    expect(await sendOne('rdkafka-compacted', 'no key here\n')).toMatch(/Delivery failed.*Broker: Broker failed to validate record/) // librdkafka's text for INVALID_RECORD
  }, 120_000)

  it('MESSAGE_TOO_LARGE for a record over the topic\'s max.message.bytes', async () => {
    expect(await sendOne('franz-small', `k\t${incompressible(10_000)}\n`, ['-K', '\t'])).toMatch(/Delivery failed.*Broker: Message size too large/)
  }, 120_000)
})
