/**
 * The web console's JSON API (/api/…) and static files against a real broker process: topics
 * created, configured and deleted through it are what Kafka clients then see; consumer groups
 * show their members, assignments and lag as a kafkajs consumer works; an empty group's offsets
 * are reset to earliest, latest or a time; and bad input of every kind gets a JSON error with a
 * REST-Proxy-style code and proper status while changing nothing.
 */
import { gunzipSync } from 'node:zlib'
import { type Consumer, Kafka, type Producer, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'

let broker: BrokerProcess
let kafka: Kafka
let producer: Producer
const consumers: Consumer[] = []

beforeAll(async () => {
  broker = await startBrokerWithGateway()
  kafka = new Kafka({ clientId: 'console-api-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
  producer = kafka.producer()
  await producer.connect()
}, 60_000)

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)))
  await producer?.disconnect()
  await broker?.stop()
})

interface Answer<T = any> {
  readonly status: number
  readonly body: T
}

async function call<T = any>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
  const response = await fetch(new URL(path, broker.httpUrl!), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  expect(response.headers.get('content-type'), `${method} ${path}`).toBe('application/json')
  return { status: response.status, body: (await response.json()) as T }
}

async function topicNames(): Promise<string[]> {
  return (await call('GET', 'api/topics')).body.topics.map((t: { name: string }) => t.name)
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe('console static files', () => {
  it('serves the page at / and its assets gzipped, revalidated by ETag', async () => {
    const page = await fetch(new URL('/', broker.httpUrl!))
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = await page.text()
    expect(html).toContain('<script type="module" src="console/app.js">')
    // Relative URLs only: the console must work through whatever host the browser used.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)

    const raw = await fetch(new URL('console/app.js', broker.httpUrl!), { headers: { 'accept-encoding': 'gzip' }, decompress: false } as RequestInit)
    // undici decompresses transparently; the header still says what was sent.
    expect(raw.headers.get('content-encoding')).toBe('gzip')
    expect(raw.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(raw.headers.get('cache-control')).toBe('no-cache')
    const etag = raw.headers.get('etag')!
    expect(await raw.text()).toContain('hashchange')

    const again = await fetch(new URL('console/app.js', broker.httpUrl!), { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)

    const css = await fetch(new URL('console/style.css', broker.httpUrl!))
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')

    const missing = await call('GET', 'console/no-such-file.js')
    expect(missing.status).toBe(404)
    expect(missing.body.message).toContain('no-such-file.js')
  })

  it('gzips to a fraction of the size', async () => {
    const { request } = await import('node:http')
    const url = new URL('console/pages/messages.js', broker.httpUrl!)
    const [zipped, plain] = await Promise.all(
      ['gzip', 'identity'].map(
        (encoding) =>
          new Promise<Buffer>((resolve, reject) => {
            request(url, { headers: { 'accept-encoding': encoding } }, (res) => {
              const chunks: Buffer[] = []
              res.on('data', (c: Buffer) => chunks.push(c))
              res.on('end', () => resolve(Buffer.concat(chunks)))
            }).on('error', reject).end()
          }),
      ),
    )
    expect(gunzipSync(zipped!).equals(plain!)).toBe(true)
    expect(zipped!.length).toBeLessThan(plain!.length / 2)
  })
})

describe('console topics API', () => {
  it('creates a topic that Kafka clients see, with its partitions and overrides', async () => {
    const created = await call('POST', 'api/topics', { name: 'console.orders', partitions: 4, replicationFactor: 1, configs: { 'retention.ms': '3600000' } })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ name: 'console.orders', partitions: 4, replicationFactor: 1, messages: 0, internal: false })

    const admin = kafka.admin()
    await admin.connect()
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: ['console.orders'] })
      expect(metadata.topics[0]!.partitions).toHaveLength(4)
      const described = await admin.describeConfigs({ resources: [{ type: 2, name: 'console.orders', configNames: ['retention.ms'] }], includeSynonyms: false })
      expect(described.resources[0]!.configEntries[0]!.configValue).toBe('3600000')
    } finally {
      await admin.disconnect()
    }

    await producer.send({ topic: 'console.orders', messages: [{ key: 'a', value: 'one', partition: 0 }, { key: 'b', value: 'two', partition: 0 }, { value: 'three', partition: 2 }] })
    const detail = await call('GET', `api/topics/${encodeURIComponent('console.orders')}`)
    expect(detail.status).toBe(200)
    expect(detail.body.endOffset).toBe(3)
    expect(detail.body.messages).toBe(3)
    expect(detail.body.sizeBytes).toBeGreaterThan(0)
    expect(detail.body.partitionDetails.map((p: { endOffset: number }) => p.endOffset)).toEqual([2, 0, 1, 0])
    expect(detail.body.partitionDetails[0]).toMatchObject({ partition: 0, leader: 1, replicas: [1], isr: [1], startOffset: 0, underReplicated: false, offline: false })
  })

  it('reads records with their timestamps and headers for the message browser, a page at a time', async () => {
    const sent = Date.now()
    await producer.send({
      topic: 'console.orders',
      messages: [{ key: 'c', value: '{"n":4}', partition: 0, headers: { trace: 'xyz', empty: '' } }],
    })
    const page = await call('GET', 'api/topics/console.orders/partitions/0/records?offset=1&limit=5')
    expect(page.status).toBe(200)
    expect(page.body).toMatchObject({ topic: 'console.orders', partition: 0, startOffset: 0, endOffset: 3, nextOffset: 3 })
    const [second, third] = page.body.records
    expect(page.body.records).toHaveLength(2)
    expect(second).toMatchObject({ offset: 1, key: Buffer.from('b').toString('base64'), value: Buffer.from('two').toString('base64'), headers: [] })
    expect(third).toMatchObject({ offset: 2, key: Buffer.from('c').toString('base64'), value: Buffer.from('{"n":4}').toString('base64') })
    expect(third.headers).toEqual([{ key: 'trace', value: Buffer.from('xyz').toString('base64') }, { key: 'empty', value: '' }])
    expect(third.timestamp).toBeGreaterThanOrEqual(sent - 1000)

    const first = await call('GET', 'api/topics/console.orders/partitions/0/records?offset=0&limit=1')
    expect(first.body.records.map((r: { offset: number }) => r.offset)).toEqual([0])
    expect(first.body.nextOffset).toBe(1)
    const atEnd = await call('GET', 'api/topics/console.orders/partitions/0/records?offset=3')
    expect(atEnd.body.records).toEqual([])

    const beyond = await call('GET', 'api/topics/console.orders/partitions/0/records?offset=50')
    expect(beyond.status).toBe(422)
    expect(beyond.body.message).toBe('Offset 50 is out of range: console.orders-0 holds offsets 0 to 2.')
    for (const query of ['offset=-1', 'offset=x', '', 'offset=0&limit=0']) {
      const bad = await call('GET', `api/topics/console.orders/partitions/0/records?${query}`)
      expect(bad.status, query).toBe(422)
    }
    expect(await call('GET', 'api/topics/console.orders/partitions/4/records?offset=0')).toEqual({
      status: 404,
      body: { error_code: 40402, message: "Topic 'console.orders' has 4 partition(s); there is no partition 4." },
    })
  })

  it('takes the broker defaults when partitions and replication factor are left out', async () => {
    const created = await call('POST', 'api/topics', { name: 'console.defaults' })
    expect(created.status).toBe(201)
    expect(created.body.partitions).toBe(1) // num.partitions
    expect(created.body.replicationFactor).toBe(1)
  })

  it('refuses bad topics with a JSON error and creates nothing', async () => {
    const before = await topicNames()
    const cases: Array<[unknown, number, number, RegExp]> = [
      ['{"name": "x",', 400, 40002, /not valid JSON/],
      ['[1, 2]', 400, 40002, /JSON object/],
      [{ partitions: 1 }, 422, 42201, /name/],
      [{ name: 'console.bad', partitions: 0 }, 422, 42201, /partitions must be a whole number from 1/],
      [{ name: 'console.bad', partitions: 'many' }, 422, 42201, /partitions/],
      [{ name: 'console.bad', replicationFactor: 3 }, 422, 42201, /larger than available brokers/],
      [{ name: 'console.bad', configs: { 'retention.ms': 'soon' } }, 422, 42201, /retention\.ms/],
      [{ name: 'console.bad', configs: { 'no.such.setting': '1' } }, 422, 42201, /no\.such\.setting/],
      [{ name: 'console.bad', configs: ['retention.ms=1'] }, 422, 42201, /configs must be an object/],
      [{ name: 'bad/name' }, 422, 42201, /bad\/name|illegal|character/i],
      [{ name: 'console.orders' }, 409, 40901, /already exists/],
    ]
    for (const [body, status, code, message] of cases) {
      const answer = await call('POST', 'api/topics', body)
      expect(answer.status, JSON.stringify(body)).toBe(status)
      expect(answer.body.error_code, JSON.stringify(body)).toBe(code)
      expect(answer.body.message, JSON.stringify(body)).toMatch(message)
    }
    expect(await topicNames()).toEqual(before)
    const orders = await call('GET', 'api/topics/console.orders')
    expect(orders.body.partitions).toBe(4)
  })

  it('answers 404 for a topic that does not exist', async () => {
    for (const [method, path] of [['GET', 'api/topics/nope'], ['DELETE', 'api/topics/nope'], ['GET', 'api/topics/nope/configs'], ['GET', 'api/topics/nope/partitions/0/offset?timestamp=0']] as const) {
      const answer = await call(method, path)
      expect(answer.status, `${method} ${path}`).toBe(404)
      expect(answer.body).toEqual({ error_code: 40401, message: "Topic 'nope' does not exist." })
    }
  })

  it("shows a topic's settings with their defaults, and sets and resets an override", async () => {
    await call('POST', 'api/topics', { name: 'console.configs', partitions: 1 })
    const listed = await call('GET', 'api/topics/console.configs/configs')
    const retention = listed.body.configs.find((c: { name: string }) => c.name === 'retention.ms')
    expect(retention).toMatchObject({ value: '604800000', default: '604800000', kafkaDefault: '604800000', overridden: false, source: 'DEFAULT_CONFIG' })
    expect(retention.documentation).not.toBe('')

    const set = await call('PUT', 'api/topics/console.configs/configs/retention.ms', { value: '60000' })
    expect(set.status).toBe(200)
    expect(set.body).toMatchObject({ name: 'retention.ms', value: '60000', default: '604800000', overridden: true, source: 'DYNAMIC_TOPIC_CONFIG' })

    const admin = kafka.admin()
    await admin.connect()
    try {
      const described = await admin.describeConfigs({ resources: [{ type: 2, name: 'console.configs', configNames: ['retention.ms'] }], includeSynonyms: false })
      expect(described.resources[0]!.configEntries[0]!.configValue).toBe('60000')
    } finally {
      await admin.disconnect()
    }

    for (const [body, pattern] of [[{ value: 'tomorrow' }, /retention\.ms/], [{}, /value/], [{ value: null }, /value/]] as const) {
      const refused = await call('PUT', 'api/topics/console.configs/configs/retention.ms', body)
      expect(refused.status, JSON.stringify(body)).toBe(422)
      expect(refused.body.error_code).toBe(42201)
      expect(refused.body.message).toMatch(pattern)
    }
    const unknown = await call('PUT', 'api/topics/console.configs/configs/retention.days', { value: '1' })
    expect(unknown.status).toBe(422)
    expect(unknown.body.message).toBe('Unknown topic setting retention.days.')
    const malformed = await call('PUT', 'api/topics/console.configs/configs/retention.ms', 'value=1')
    expect(malformed.status).toBe(400)
    // None of the refusals changed the override.
    const after = await call('GET', 'api/topics/console.configs/configs')
    expect(after.body.configs.find((c: { name: string }) => c.name === 'retention.ms').value).toBe('60000')

    const reset = await call('DELETE', 'api/topics/console.configs/configs/retention.ms')
    expect(reset.status).toBe(200)
    expect(reset.body).toMatchObject({ value: '604800000', overridden: false })
    const unknownReset = await call('DELETE', 'api/topics/console.configs/configs/retention.days')
    expect(unknownReset.status).toBe(422)
  })

  it('deletes a topic, and refuses to delete an internal one', async () => {
    await call('POST', 'api/topics', { name: 'console.doomed', partitions: 2 })
    const deleted = await call('DELETE', 'api/topics/console.doomed')
    expect(deleted).toEqual({ status: 200, body: { deleted: 'console.doomed' } })
    expect(await topicNames()).not.toContain('console.doomed')

    const internal = await call('DELETE', 'api/topics/__consumer_offsets')
    expect(internal.status).toBe(422)
    expect(internal.body.message).toMatch(/internal/)
  })
})

describe('console cluster API', () => {
  it('lists the broker as controller with the partitions it leads and no unhealthy partitions', async () => {
    const cluster = await call('GET', 'api/cluster')
    expect(cluster.status).toBe(200)
    const partitions = cluster.body.partitions
    expect(cluster.body).toMatchObject({ controllerId: 1, nodeId: 1, underReplicatedPartitions: 0, offlinePartitions: 0 })
    expect(cluster.body.brokers).toEqual([{ id: 1, host: broker.host, port: broker.port, rack: null, controller: true, partitionsLed: partitions, replicas: partitions }])
    expect(cluster.body.topics).toBe((await topicNames()).length)
  })
})

describe('console groups and offsets API', () => {
  const topic = 'console.lag'
  const group = 'console-lag-group'

  it('shows a group with its member, assignment and lag falling to 0 as a kafkajs consumer catches up', async () => {
    await call('POST', 'api/topics', { name: topic, partitions: 2 })
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, partition: i % 2 })) })

    const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500 })
    consumers.push(consumer)
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ autoCommitInterval: 100, eachMessage: async () => undefined })

    const caughtUp = await until('the group to show lag 0 on both partitions', async () => {
      const detail = await call('GET', `api/groups/${group}`)
      return detail.status === 200 && detail.body.state === 'Stable' && detail.body.offsets.length === 2 && detail.body.offsets.every((o: { lag: number | null }) => o.lag === 0) ? detail.body : undefined
    })
    expect(caughtUp.protocolType).toBe('consumer')
    expect(caughtUp.members).toHaveLength(1)
    expect(caughtUp.members[0].clientId).toBe('console-api-test')
    expect(caughtUp.members[0].assignments).toEqual([{ topic, partitions: [0, 1] }])
    expect(caughtUp.offsets).toEqual([
      { topic, partition: 0, committedOffset: 5, endOffset: 5, lag: 0, memberId: caughtUp.members[0].memberId, clientId: 'console-api-test' },
      { topic, partition: 1, committedOffset: 5, endOffset: 5, lag: 0, memberId: caughtUp.members[0].memberId, clientId: 'console-api-test' },
    ])

    const listed = await call('GET', 'api/groups')
    expect(listed.body.groups.find((g: { groupId: string }) => g.groupId === group)).toEqual({
      groupId: group, state: 'Stable', protocolType: 'consumer', protocol: caughtUp.protocol, members: 1, topics: [topic], totalLag: 0,
    })
  })

  it('refuses to reset the offsets of a group with members, changing nothing', async () => {
    const refused = await call('POST', `api/groups/${group}/offsets/reset`, { to: 'earliest' })
    expect(refused.status).toBe(409)
    expect(refused.body.error_code).toBe(40902)
    expect(refused.body.message).toMatch(/only while group 'console-lag-group' has no members; it is Stable with 1 member/)
    const detail = await call('GET', `api/groups/${group}`)
    expect(detail.body.offsets.map((o: { committedOffset: number }) => o.committedOffset)).toEqual([5, 5])
  })

  it('resets an empty group to earliest, to a time and to latest', async () => {
    await consumers.pop()!.disconnect()
    await until('the group to be empty', async () => ((await call('GET', `api/groups/${group}`)).body.state === 'Empty' ? true : undefined))

    const earliest = await call('POST', `api/groups/${group}/offsets/reset`, { to: 'earliest' })
    expect(earliest.status).toBe(200)
    expect(earliest.body.offsets).toEqual([
      { topic, partition: 0, previousOffset: 5, offset: 0 },
      { topic, partition: 1, previousOffset: 5, offset: 0 },
    ])
    expect((await call('GET', `api/groups/${group}`)).body.totalLag).toBe(10)

    // Three more on partition 0, after a mark in time: a reset to the mark lands on the first of
    // them, and partition 1, with nothing after the mark, goes to its end.
    const mark = Date.now() + 1
    await new Promise((resolve) => setTimeout(resolve, 5))
    await producer.send({ topic, messages: [{ value: 'late1', partition: 0 }, { value: 'late2', partition: 0 }, { value: 'late3', partition: 0 }] })
    const byTime = await call('POST', `api/groups/${group}/offsets/reset`, { to: 'timestamp', timestamp: mark })
    expect(byTime.status).toBe(200)
    expect(byTime.body.offsets.map((o: { offset: number }) => o.offset)).toEqual([5, 5])
    const lookup = await call('GET', `api/topics/${topic}/partitions/0/offset?timestamp=${mark}`)
    expect(lookup.body).toMatchObject({ topic, partition: 0, offset: 5 })
    expect(lookup.body.timestamp).toBeGreaterThanOrEqual(mark)
    const none = await call('GET', `api/topics/${topic}/partitions/1/offset?timestamp=${mark}`)
    expect(none.body).toEqual({ topic, partition: 1, offset: null, timestamp: null })
    expect((await call('GET', `api/groups/${group}`)).body.totalLag).toBe(3)

    const latest = await call('POST', `api/groups/${group}/offsets/reset`, { to: 'latest' })
    expect(latest.body.offsets.map((o: { offset: number }) => o.offset)).toEqual([8, 5])
    expect((await call('GET', `api/groups/${group}`)).body.totalLag).toBe(0)
  })

  it('resets a group that does not exist yet when told its topics, so consumers start there', async () => {
    const created = await call('POST', 'api/groups/console-new-group/offsets/reset', { to: 'earliest', topics: [topic] })
    expect(created.status).toBe(200)
    const detail = await call('GET', 'api/groups/console-new-group')
    expect(detail.body.state).toBe('Empty')
    expect(detail.body.totalLag).toBe(13)
  })

  it('refuses bad resets and lookups with a JSON error, changing nothing', async () => {
    const before = (await call('GET', `api/groups/${group}`)).body.offsets
    const cases: Array<[string, unknown, number, number, RegExp]> = [
      [group, { to: 'yesterday' }, 422, 42201, /"to" must be "earliest", "latest" or "timestamp"/],
      [group, {}, 422, 42201, /"to" must be/],
      [group, { to: 'timestamp' }, 422, 42201, /timestamp/],
      [group, { to: 'timestamp', timestamp: -5 }, 422, 42201, /timestamp/],
      [group, { to: 'earliest', topics: [] }, 422, 42201, /non-empty list/],
      [group, { to: 'earliest', topics: [topic, 'nope'] }, 404, 40401, /'nope' does not exist/],
      [group, 'to=earliest', 400, 40002, /not valid JSON/],
      ['console-nothing-committed', { to: 'latest' }, 422, 42201, /no committed offsets; name the topics/],
    ]
    for (const [groupId, body, status, code, message] of cases) {
      const answer = await call('POST', `api/groups/${groupId}/offsets/reset`, body)
      expect(answer.status, JSON.stringify(body)).toBe(status)
      expect(answer.body.error_code, JSON.stringify(body)).toBe(code)
      expect(answer.body.message, JSON.stringify(body)).toMatch(message)
    }
    expect((await call('GET', `api/groups/${group}`)).body.offsets).toEqual(before)

    const missing = await call('GET', 'api/groups/no-such-group')
    expect(missing).toEqual({ status: 404, body: { error_code: 40403, message: "Consumer group 'no-such-group' does not exist." } })
    const badPartition = await call('GET', `api/topics/${topic}/partitions/9/offset?timestamp=0`)
    expect(badPartition.status).toBe(404)
    expect(badPartition.body.error_code).toBe(40402)
    const badTime = await call('GET', `api/topics/${topic}/partitions/0/offset?timestamp=noon`)
    expect(badTime.status).toBe(422)
    expect(badTime.body.message).toMatch(/timestamp must be a whole number/)
  })
})
