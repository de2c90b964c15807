/**
 * The HTTP gateway with gateway.auth=basic: requests authenticate with HTTP Basic against the
 * broker's SASL users (PLAIN users of the SASL listener's JAAS line) and run under the same ACLs
 * as Kafka clients. No or wrong credentials get 401 with a Basic challenge; health checks stay
 * open; alice, granted WRITE and READ on one topic, produces and reads it over REST, and bob,
 * granted nothing, gets 403 and sees no topics.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/acl.js'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'
import { freePort } from '../helpers/free-ports.js'
import { JSON_V2, V2 } from '../helpers/rest-client.js'

const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule'
const dataDir = mkdtempSync(join(tmpdir(), 'samsa-gw-auth-'))
let broker: BrokerProcess

const allow = (principal: string, operation: number, resourceType: number, resourceName: string) =>
  ({ resourceType, resourceName, patternType: PatternType.LITERAL, principal, host: '*', operation, permissionType: AclPermissionType.ALLOW })

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

function call(path: string, init: { method?: string; authorization?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { accept: V2 }
  if (init.authorization !== undefined) headers.authorization = init.authorization
  if (init.body !== undefined) headers['content-type'] = JSON_V2
  return fetch(new URL(path, broker.httpUrl!), { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) })
}

beforeAll(async () => {
  // Topics exist and ACLs are in place before the start, as an operator would have them.
  writeFileSync(join(dataDir, 'security.json'), JSON.stringify({
    version: 1,
    acls: [
      allow('User:alice', AclOperation.WRITE, ResourceType.TOPIC, 'orders'),
      allow('User:alice', AclOperation.READ, ResourceType.TOPIC, 'orders'),
      allow('User:ANONYMOUS', AclOperation.CREATE, ResourceType.CLUSTER, 'kafka-cluster'),
      allow('User:alice', AclOperation.DESCRIBE, ResourceType.CLUSTER, 'kafka-cluster'),
    ],
    quotas: {},
  }))
  const saslPort = await freePort()
  broker = await startBrokerWithGateway({
    dataDir,
    settings: {
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'gateway.auth': 'basic',
      'num.partitions': 1,
      'listeners': `PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': `${PLAIN_MODULE} required user_alice="alice-secret" user_bob="bob-secret";`,
    },
  })
}, 120_000)

afterAll(async () => {
  await broker?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('gateway.auth=basic', () => {
  it('answers 401 with a Basic challenge without credentials or with wrong ones, and keeps health checks open', async () => {
    const anonymous = await call('topics')
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="samsa"/)
    expect((await call('topics', { authorization: basic('alice', 'wrong') })).status).toBe(401)
    expect((await call('topics', { authorization: basic('mallory', 'alice-secret') })).status).toBe(401)
    expect((await call('topics', { authorization: 'Bearer abc' })).status).toBe(401)
    expect((await call('health/live')).status).toBe(200)
  })

  it('lets alice produce and read what her ACLs grant, and refuses bob with 403', async () => {
    // The topic is made over Kafka (ANONYMOUS may CREATE on the cluster): REST has no topic creation.
    const { Kafka, logLevel } = await import('kafkajs')
    const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    try {
      await admin.createTopics({ waitForLeaders: false, topics: [{ topic: 'orders', numPartitions: 1 }, { topic: 'payments', numPartitions: 1 }] })
    } finally {
      await admin.disconnect()
    }

    const produced = await call('topics/orders', { authorization: basic('alice', 'alice-secret'), body: { records: [{ value: { n: 1 } }] } })
    expect(produced.status, await produced.clone().text()).toBe(200)
    expect(((await produced.json()) as { offsets: unknown[] }).offsets[0]).toMatchObject({ partition: 0, offset: 0 })

    const read = await fetch(new URL('topics/orders/partitions/0/records?offset=0', broker.httpUrl!), {
      headers: { accept: 'application/vnd.kafka.json.v2+json', authorization: basic('alice', 'alice-secret') },
    })
    expect(read.status).toBe(200)
    expect(((await read.json()) as Array<{ value: unknown }>).map((r: { value: unknown }) => r.value)).toEqual([{ n: 1 }])

    const refused = await call('topics/orders', { authorization: basic('bob', 'bob-secret'), body: { records: [{ value: { n: 2 } }] } })
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ error_code: 40301, message: expect.stringMatching(/User:bob may not WRITE TOPIC 'orders'/) })
    expect((await call('topics/payments', { authorization: basic('alice', 'alice-secret'), body: { records: [{ value: 1 }] } })).status).toBe(403)

    expect(await (await call('topics', { authorization: basic('alice', 'alice-secret') })).json()).toEqual(['orders'])
    expect(await (await call('topics', { authorization: basic('bob', 'bob-secret') })).json()).toEqual([])
    expect(broker.output()).toMatch(/authorization denied principal="User:bob" operation="WRITE" resource="TOPIC:orders" host="[^"]*" request="HTTP"/)
  }, 120_000)

  it("shows the console's connected clients only to a principal that may describe the cluster", async () => {
    expect((await call('api/clients')).status).toBe(401)
    const refused = await call('api/clients', { authorization: basic('bob', 'bob-secret') })
    expect(refused.status).toBe(403)
    expect(await refused.json()).toEqual({ error_code: 40301, message: "Not authorized: User:bob may not DESCRIBE CLUSTER 'kafka-cluster'." })
    const allowed = await call('api/clients', { authorization: basic('alice', 'alice-secret') })
    expect(allowed.status).toBe(200)
    expect(await allowed.json()).toMatchObject({ nodeId: 1, software: expect.any(Array) })
  })
})
