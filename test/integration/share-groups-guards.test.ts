/**
 * What guards a broker's share groups (KIP-932), against one real broker with Kafka's ACL
 * authorizer (deny by default) and a SASL_PLAINTEXT listener; alice logs in with PLAIN and is
 * granted ACLs with Kafka 3.9.1's kafka-acls, admin is a super user:
 *
 * - the share session cache holds at most group.share.max.share.sessions (2 here): one more is
 *   refused with SHARE_SESSION_LIMIT_REACHED, and a member that leaves its group frees its place;
 * - ACLs as Kafka's KafkaApis checks them: READ on the group for ShareGroupHeartbeat, ShareFetch
 *   and ShareAcknowledge (GROUP_AUTHORIZATION_FAILED), DESCRIBE on every subscribed topic
 *   (TOPIC_AUTHORIZATION_FAILED, the group unchanged), READ on each topic fetched or
 *   acknowledged (TOPIC_AUTHORIZATION_FAILED for that partition only, the others served),
 *   DESCRIBE on the group for ShareGroupDescribe, and the offsets admin APIs' topic checks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { kcat } from '../helpers/clients.js'
import { freePort } from '../helpers/free-ports.js'
import type { RawConnection } from '../helpers/group-admin.js'
import { ADMIN_ACLS, ensureKafkaTools, kafkaTool } from '../helpers/kafka-tools.js'
import { type AcknowledgementBatch, shareFetchBody, shareHeartbeat } from '../helpers/share-wire.js'

const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule'
const OPEN = 'share-open'
const DESCRIBED = 'share-described'
const HIDDEN = 'share-hidden'
const GROUP = 'share-acl-group'
const CLOSED_GROUP = 'share-closed-group'

let broker: BrokerProcess
let saslPort: number
let admin: RawConnection
let alice: RawConnection
const topicIds = new Map<string, string>()
const dataDir = mkdtempSync(join(tmpdir(), 'samsa-share-guards-'))

async function connectAs(user: string): Promise<RawConnection> {
  const connection = await BrokerConnection.open({
    host: '127.0.0.1',
    port: saslPort,
    clientId: `share-guards-${user}`,
    sasl: { mechanism: 'PLAIN', username: user, password: `${user}-secret` },
  })
  return {
    request: (apiKey, version, body) => connection.request(apiKey, body, version ?? connection.versionFor(apiKey)),
    close: () => connection.close(),
  }
}

const acls = (...args: string[]) => kafkaTool('kafka.admin.AclCommand', '--bootstrap-server', broker.bootstrap, ...args)

beforeAll(async () => {
  await ensureKafkaTools()
  writeFileSync(join(dataDir, 'security.json'), JSON.stringify({ version: 1, acls: ADMIN_ACLS, quotas: {} }))
  saslPort = await freePort()
  broker = await startBroker({
    dataDir,
    settings: {
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
      'num.partitions': 1,
      'group.share.max.share.sessions': 2,
      'listeners': `PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': `${PLAIN_MODULE} required user_alice="alice-secret" user_admin="admin-secret";`,
    },
  })
  admin = await connectAs('admin')
  alice = await connectAs('alice')
  for (const topic of [OPEN, DESCRIBED, HIDDEN]) {
    const created = await admin.request(ApiKeys.Metadata, 12, { topics: [{ name: topic }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false })
    topicIds.set(topic, created.topics[0]!.topicId)
  }
  // alice: READ and DESCRIBE on her group and on share-open; DESCRIBE only on share-described.
  const granted = await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Read', '--operation', 'Describe', '--group', GROUP, '--topic', OPEN)
  expect(granted.code, granted.stderr + granted.stdout).toBe(0)
  const describeOnly = await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Describe', '--topic', DESCRIBED)
  expect(describeOnly.code, describeOnly.stderr + describeOnly.stdout).toBe(0)
}, 300_000)

afterAll(async () => {
  admin?.close()
  alice?.close()
  await broker?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const heartbeat = shareHeartbeat
const shareFetch = (c: RawConnection, groupId: string, memberId: string, shareSessionEpoch: number, partitions: Array<{ topic: string; acks?: AcknowledgementBatch[] }>) =>
  c.request(ApiKeys.ShareFetch, 1, shareFetchBody(groupId, memberId, shareSessionEpoch, partitions.map((p) => ({ topicId: topicIds.get(p.topic)!, acks: p.acks }))))
/** Each partition's error code by topic name. */
const errorsByTopic = (responses: Array<{ topicId: string; partitions: Array<{ errorCode: number }> }>) => {
  const names = new Map([...topicIds].map(([name, id]) => [id, name]))
  return Object.fromEntries(responses.map((t) => [names.get(t.topicId)!, t.partitions[0]!.errorCode]))
}

describe('the share session cache', () => {
  it('refuses a session past group.share.max.share.sessions with SHARE_SESSION_LIMIT_REACHED; a member that leaves frees its place', async () => {
    const group = 'share-cap-group'
    for (const member of ['m1', 'm2', 'm3']) expect((await heartbeat(admin, group, member, 0, [OPEN])).errorCode).toBe(E.NONE)
    expect((await shareFetch(admin, group, 'm1', 0, [{ topic: OPEN }])).errorCode).toBe(E.NONE)
    expect((await shareFetch(admin, group, 'm2', 0, [{ topic: OPEN }])).errorCode).toBe(E.NONE)
    const refused = await shareFetch(admin, group, 'm3', 0, [{ topic: OPEN }])
    expect(refused.errorCode).toBe(E.SHARE_SESSION_LIMIT_REACHED)
    expect(refused.errorMessage).toMatch(/group\.share\.max\.share\.sessions/)
    // m1 leaves its group: its session goes with it, and m3 may open one.
    expect((await heartbeat(admin, group, 'm1', -1)).errorCode).toBe(E.NONE)
    expect((await shareFetch(admin, group, 'm1', 1, [])).errorCode).toBe(E.SHARE_SESSION_NOT_FOUND)
    expect((await shareFetch(admin, group, 'm3', 0, [{ topic: OPEN }])).errorCode).toBe(E.NONE)
    // Every place is taken again until the others leave.
    expect((await shareFetch(admin, group, 'm1', 0, [{ topic: OPEN }])).errorCode).toBe(E.SHARE_SESSION_LIMIT_REACHED)
    for (const member of ['m2', 'm3']) expect((await heartbeat(admin, group, member, -1)).errorCode).toBe(E.NONE)
  })
})

describe('ACLs on the share-group APIs', () => {
  it('refuses a group the principal may not read, and topics it may not describe, changing nothing', async () => {
    expect((await heartbeat(alice, CLOSED_GROUP, 'a', 0, [OPEN])).errorCode).toBe(E.GROUP_AUTHORIZATION_FAILED)
    expect((await shareFetch(alice, CLOSED_GROUP, 'a', 0, [{ topic: OPEN }])).errorCode).toBe(E.GROUP_AUTHORIZATION_FAILED)
    const ack = await alice.request(ApiKeys.ShareAcknowledge, 1, { groupId: CLOSED_GROUP, memberId: 'a', shareSessionEpoch: 1, topics: [] })
    expect(ack.errorCode).toBe(E.GROUP_AUTHORIZATION_FAILED)
    const described = await alice.request(ApiKeys.ShareGroupDescribe, 1, { groupIds: [CLOSED_GROUP], includeAuthorizedOperations: false })
    expect(described.groups[0]!.errorCode).toBe(E.GROUP_AUTHORIZATION_FAILED)

    const hidden = await heartbeat(alice, GROUP, 'alice-1', 0, [OPEN, HIDDEN])
    expect(hidden.errorCode).toBe(E.TOPIC_AUTHORIZATION_FAILED)
    expect(hidden.errorMessage).toMatch(new RegExp(HIDDEN))
    expect(hidden.errorMessage).not.toMatch(new RegExp(OPEN))
    // The refused member never joined: the group does not exist.
    const group = await admin.request(ApiKeys.ShareGroupDescribe, 1, { groupIds: [GROUP], includeAuthorizedOperations: false })
    expect(group.groups[0]!.errorCode).toBe(E.GROUP_ID_NOT_FOUND)
  })

  it('serves the topics the principal may read and refuses the others partition by partition', async () => {
    // DESCRIBE is enough to subscribe: both topics are assigned.
    const joined = await heartbeat(alice, GROUP, 'alice-1', 0, [OPEN, DESCRIBED])
    expect(joined.errorCode).toBe(E.NONE)
    expect(joined.assignment!.topicPartitions.map((t) => t.topicId).sort()).toEqual([topicIds.get(OPEN), topicIds.get(DESCRIBED)].sort())

    // READ is needed to fetch: share-described is refused, share-open served.
    const opened = await shareFetch(alice, GROUP, 'alice-1', 0, [{ topic: OPEN }, { topic: DESCRIBED }])
    expect(opened.errorCode).toBe(E.NONE)
    expect(errorsByTopic(opened.responses)).toEqual({ [OPEN]: E.NONE, [DESCRIBED]: E.TOPIC_AUTHORIZATION_FAILED })
    const asAdmin = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=admin', '-X', 'sasl.password=admin-secret']
    for (const topic of [OPEN, DESCRIBED]) await kcat(['-b', `127.0.0.1:${saslPort}`, ...asAdmin, '-P', '-t', topic, '-p', '0'], 'one\ntwo\n')

    // The refused partition never joined the session: only share-open's records come.
    const fetched = await shareFetch(alice, GROUP, 'alice-1', 1, [])
    expect(fetched.errorCode).toBe(E.NONE)
    expect(fetched.responses.map((t) => t.topicId)).toEqual([topicIds.get(OPEN)])
    expect(fetched.responses[0]!.partitions[0]!.acquiredRecords).toEqual([{ firstOffset: 0n, lastOffset: 1n, deliveryCount: 1 }])

    // Acknowledging: share-open accepted, share-described refused on its own.
    const acked = await alice.request(ApiKeys.ShareAcknowledge, 1, {
      groupId: GROUP,
      memberId: 'alice-1',
      shareSessionEpoch: 2,
      topics: [OPEN, DESCRIBED].map((topic) => ({ topicId: topicIds.get(topic)!, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 0n, lastOffset: 1n, acknowledgeTypes: [1] }] }] })),
    })
    expect(acked.errorCode).toBe(E.NONE)
    expect(errorsByTopic(acked.responses)).toEqual({ [OPEN]: E.NONE, [DESCRIBED]: E.TOPIC_AUTHORIZATION_FAILED })

    // The offsets admin APIs check topics too: DESCRIBE to describe, READ to alter.
    const offsets = await alice.request(ApiKeys.DescribeShareGroupOffsets, 0, {
      groups: [{ groupId: GROUP, topics: [OPEN, HIDDEN].map((topicName) => ({ topicName, partitions: [0] })) }],
    })
    const startOffsets = Object.fromEntries(offsets.groups[0]!.topics.map((t) => [t.topicName, [t.partitions[0]!.errorCode, t.partitions[0]!.startOffset]]))
    expect(startOffsets).toEqual({ [OPEN]: [E.NONE, 2n], [HIDDEN]: [E.TOPIC_AUTHORIZATION_FAILED, -1n] })
    expect((await heartbeat(alice, GROUP, 'alice-1', joined.memberEpoch, null)).errorCode).toBe(E.NONE)
    expect((await heartbeat(alice, GROUP, 'alice-1', -1)).errorCode).toBe(E.NONE)
    const altered = await alice.request(ApiKeys.AlterShareGroupOffsets, 0, {
      groupId: GROUP,
      topics: [OPEN, DESCRIBED].map((topicName) => ({ topicName, partitions: [{ partitionIndex: 0, startOffset: 0n }] })),
    })
    expect(altered.errorCode).toBe(E.NONE)
    expect(Object.fromEntries(altered.responses.map((t) => [t.topicName, t.partitions[0]!.errorCode]))).toEqual({ [OPEN]: E.NONE, [DESCRIBED]: E.TOPIC_AUTHORIZATION_FAILED })
    // DELETE on the group is not granted.
    const deleted = await alice.request(ApiKeys.DeleteShareGroupOffsets, 0, { groupId: GROUP, topics: [{ topicName: OPEN }] })
    expect(deleted.errorCode).toBe(E.GROUP_AUTHORIZATION_FAILED)
  })
})
