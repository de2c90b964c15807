/**
 * REST Proxy consumer instances against a real broker process and real Kafka clients: an instance
 * reads what kafkajs produced; an instance and a kafkajs consumer in the same group split the
 * partitions (each partition to exactly one of them) and together consume every record once; an
 * instance and a librdkafka member (kcat -G) agree on the range assignor and split the partitions;
 * committed offsets survive deleting the instance and a new instance resumes from them, and
 * kafkajs's admin sees the same commits; seeks move positions; auto-commit commits on delete;
 * an idle instance expires and leaves its group.
 */
import { AssignerProtocol, type GroupDescription, Kafka, logLevel } from 'kafkajs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'
import { type BatchEvent, type ClientProcess, latestAssignments, startKafkajsConsumer, startKcatGroupConsumer, waitUntil } from '../helpers/group-clients.js'
import { BINARY_V2, JSON_V2, V2, produceJson, rest } from '../helpers/rest-client.js'

interface RestRecord {
  topic: string
  key: unknown
  value: unknown
  partition: number
  offset: number
}

let broker: BrokerProcess
let http: string
let kafka: Kafka
const clients: ClientProcess[] = []
/** Instances to delete after each test, as [group, name]. */
const instances: Array<[string, string]> = []

beforeAll(async () => {
  broker = await startBrokerWithGateway()
  http = broker.httpUrl!
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'rest-consumer-test', logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'from-kafkajs', numPartitions: 3 },
        { topic: 'shared', numPartitions: 4 },
        { topic: 'resume', numPartitions: 1 },
        { topic: 'auto', numPartitions: 2 },
      ],
    })
  } finally {
    await admin.disconnect()
  }
})

afterEach(async () => {
  for (const client of clients.splice(0)) await client.stop()
  for (const [group, name] of instances.splice(0)) await rest(http, `/consumers/${group}/instances/${name}`, { method: 'DELETE' })
})

afterAll(async () => {
  await broker?.stop()
})

async function createInstance(group: string, settings: Record<string, unknown>): Promise<string> {
  const response = await rest(http, `/consumers/${group}`, { body: settings, contentType: V2, accept: V2 })
  expect(response.status).toBe(200)
  const name = response.body.instance_id as string
  instances.push([group, name])
  expect(response.body.base_uri).toBe(`${http}consumers/${group}/instances/${name}`)
  return name
}

async function readRecords(group: string, name: string, format: 'json' | 'binary', timeoutMs = 1000): Promise<RestRecord[]> {
  const response = await rest<RestRecord[]>(http, `/consumers/${group}/instances/${name}/records?timeout=${timeoutMs}`, { accept: format === 'json' ? JSON_V2 : BINARY_V2 })
  if (response.status !== 200) throw new Error(`records read failed: ${response.status} ${JSON.stringify(response.body)}`)
  return response.body
}

/** Reads until `count` records arrived (or the deadline passes), then once more to catch extras. */
async function readAtLeast(group: string, name: string, format: 'json' | 'binary', count: number): Promise<RestRecord[]> {
  const records: RestRecord[] = []
  await waitUntil(async () => {
    records.push(...(await readRecords(group, name, format)))
    return records.length >= count
  }, 60_000, `${count} records for ${name}`)
  records.push(...(await readRecords(group, name, format, 300)))
  return records
}

async function committedByKafkajs(group: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    return new Map(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]))
  } finally {
    await admin.disconnect()
  }
}

describe('a REST consumer instance', () => {
  it('reads everything kafkajs produced, each partition in order, once', async () => {
    const producer = kafka.producer()
    await producer.connect()
    const produced = Array.from({ length: 60 }, (_, i) => ({ key: `key-${i % 7}`, value: `value-${i}` }))
    try {
      await producer.send({ topic: 'from-kafkajs', acks: -1, messages: produced })
    } finally {
      await producer.disconnect()
    }
    const name = await createInstance('readers', { name: 'reader-1', format: 'binary', 'auto.offset.reset': 'earliest' })
    expect((await rest(http, `/consumers/readers/instances/${name}/subscription`, { body: { topics: ['from-kafkajs'] }, contentType: V2 })).status).toBe(204)
    expect((await rest(http, `/consumers/readers/instances/${name}/subscription`)).body).toEqual({ topics: ['from-kafkajs'] })

    const records = await readAtLeast('readers', name, 'binary', produced.length)
    const decoded = records.map((r) => ({ ...r, key: Buffer.from(r.key as string, 'base64').toString(), value: Buffer.from(r.value as string, 'base64').toString() }))
    expect(decoded.map((r) => r.value).sort()).toEqual(produced.map((p) => p.value).sort())
    for (const partition of [0, 1, 2]) {
      const offsets = decoded.filter((r) => r.partition === partition).map((r) => r.offset)
      expect(offsets).toEqual(offsets.map((_, i) => i))
    }
    expect((await rest(http, `/consumers/readers/instances/${name}/assignments`)).body.partitions).toEqual([0, 1, 2].map((partition) => ({ topic: 'from-kafkajs', partition })))
  })

  it('shares its group with a kafkajs consumer: each partition goes to one of them and every record is consumed once', async () => {
    const kafkajs = startKafkajsConsumer({ bootstrap: broker.bootstrap, groupId: 'mixed', topic: 'shared', clientId: 'kafkajs-member' })
    clients.push(kafkajs)
    await kafkajs.waitFor((events) => events.some((e) => e.e === 'joined'), 60_000, 'kafkajs joining the group')

    const name = await createInstance('mixed', { name: 'rest-member', format: 'json', 'auto.offset.reset': 'earliest' })
    expect((await rest(http, `/consumers/mixed/instances/${name}/subscription`, { body: { topics: ['shared'] }, contentType: V2 })).status).toBe(204)
    const restRecords: RestRecord[] = []
    let restPartitions: number[] = []
    // Poll (as a REST client does) until the rebalance settled with both members holding partitions.
    await waitUntil(async () => {
      restRecords.push(...(await readRecords('mixed', name, 'json', 200)))
      restPartitions = ((await rest(http, `/consumers/mixed/instances/${name}/assignments`)).body.partitions as Array<{ partition: number }>).map((p) => p.partition)
      const kafkajsPartitions = latestAssignments([kafkajs]).get('kafkajs-member') ?? []
      return restPartitions.length > 0 && kafkajsPartitions.length > 0 && restPartitions.length + kafkajsPartitions.length === 4
    }, 60_000, 'the group to settle with both members')
    const kafkajsPartitions = latestAssignments([kafkajs]).get('kafkajs-member')!
    expect([...restPartitions, ...kafkajsPartitions].sort()).toEqual([0, 1, 2, 3])

    const produced = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 4 }))
    await produceJson(http, 'shared', produced)
    const kafkajsValues = (): string[] => kafkajs.events.filter((e) => e.e === 'batch').flatMap((e) => (e as BatchEvent).v)
    await waitUntil(async () => {
      restRecords.push(...(await readRecords('mixed', name, 'json', 200)))
      return restRecords.length + kafkajsValues().length >= produced.length
    }, 60_000, 'every record to be consumed by one member or the other')
    restRecords.push(...(await readRecords('mixed', name, 'json', 500)))

    // json values were stored as JSON text: kafkajs sees the quotes, the REST reader the value.
    const seen = [...restRecords.map((r) => r.value as string), ...kafkajsValues().map((v) => JSON.parse(v) as string)]
    expect(seen.sort()).toEqual(produced.map((p) => p.value).sort())
    expect(new Set(restRecords.map((r) => r.partition))).toEqual(new Set(restPartitions))
    const kafkajsBatchPartitions = new Set(kafkajs.events.filter((e) => e.e === 'batch').map((e) => (e as BatchEvent).p))
    expect(kafkajsBatchPartitions).toEqual(new Set(kafkajsPartitions))
  })

  it('shares its group with a librdkafka member (kcat -G) under the range assignor both offer', async () => {
    const name = await createInstance('ranged', { name: 'rest-leader', format: 'json', 'auto.offset.reset': 'earliest' })
    await rest(http, `/consumers/ranged/instances/${name}/subscription`, { body: { topics: ['shared'] }, contentType: V2 })
    // The first read completes the join, before kcat arrives.
    expect(await readRecords('ranged', name, 'json', 500)).toBeDefined()
    const kcat = startKcatGroupConsumer({ bootstrap: broker.bootstrap, groupId: 'ranged', topic: 'shared', clientId: 'kcat-member' })
    clients.push(kcat)
    const admin = kafka.admin()
    await admin.connect()
    try {
      let description: GroupDescription | undefined
      await waitUntil(async () => {
        await readRecords('ranged', name, 'json', 200)
        description = (await admin.describeGroups(['ranged'])).groups[0]
        return description?.state === 'Stable' && description.members.length === 2
      }, 60_000, 'the group to settle with the instance and kcat')
      expect(description!.protocol).toBe('range')
      // Range: members sorted by id, each takes a contiguous run of two of the four partitions.
      const byMember = description!.members
        .map((m) => ({ memberId: m.memberId, partitions: AssignerProtocol.MemberAssignment.decode(m.memberAssignment)!.assignment['shared']! }))
        .sort((a, b) => (a.memberId < b.memberId ? -1 : 1))
      expect(byMember.map((m) => [...m.partitions].sort())).toEqual([[0, 1], [2, 3]])
      const restAssigned = ((await rest(http, `/consumers/ranged/instances/${name}/assignments`)).body.partitions as Array<{ partition: number }>).map((p) => p.partition)
      expect(byMember.find((m) => m.memberId.startsWith('rest-'))?.partitions.sort()).toEqual(restAssigned.sort())
    } finally {
      await admin.disconnect()
    }
  })

  it('commits offsets that survive its deletion: a new instance in the group resumes there, and kafkajs sees the commit', async () => {
    await produceJson(http, 'resume', Array.from({ length: 10 }, (_, i) => ({ value: i })))
    const first = await createInstance('resumers', { name: 'first', format: 'json', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' })
    await rest(http, `/consumers/resumers/instances/${first}/subscription`, { body: { topics: ['resume'] }, contentType: V2 })
    const read = await readAtLeast('resumers', first, 'json', 10)
    expect(read.map((r) => r.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    // The application processed six of them: it commits offset 6 (the next one to read).
    const commit = await rest(http, `/consumers/resumers/instances/${first}/offsets`, { body: { offsets: [{ topic: 'resume', partition: 0, offset: 6 }] }, contentType: V2 })
    expect(commit.status).toBe(200)
    const committed = await rest(http, `/consumers/resumers/instances/${first}/offsets`, { method: 'GET', body: { partitions: [{ topic: 'resume', partition: 0 }] }, contentType: V2 })
    expect(committed.body).toEqual({ offsets: [{ topic: 'resume', partition: 0, offset: 6, metadata: '' }] })
    expect((await rest(http, `/consumers/resumers/instances/${first}`, { method: 'DELETE' })).status).toBe(204)
    instances.splice(instances.findIndex(([, n]) => n === first), 1)
    expect((await rest(http, `/consumers/resumers/instances/${first}/records`, { accept: JSON_V2 })).body.error_code).toBe(40403)

    const second = await createInstance('resumers', { name: 'second', format: 'json', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' })
    await rest(http, `/consumers/resumers/instances/${second}/subscription`, { body: { topics: ['resume'] }, contentType: V2 })
    const resumed = await readAtLeast('resumers', second, 'json', 4)
    expect(resumed.map((r) => r.offset)).toEqual([6, 7, 8, 9])
    // An empty commit commits every position: everything read so far.
    expect((await rest(http, `/consumers/resumers/instances/${second}/offsets`, { body: {}, contentType: V2 })).status).toBe(200)
    expect(await committedByKafkajs('resumers', 'resume')).toEqual(new Map([[0, 10]]))
  })

  it('moves its positions to the beginning, an offset and the end of manually assigned partitions', async () => {
    const name = await createInstance('seekers', { name: 'seeker', format: 'json', 'auto.commit.enable': false })
    const at = `/consumers/seekers/instances/${name}`
    expect((await rest(http, `${at}/assignments`, { body: { partitions: [{ topic: 'resume', partition: 0 }] }, contentType: V2 })).status).toBe(204)
    expect((await rest(http, `${at}/assignments`)).body).toEqual({ partitions: [{ topic: 'resume', partition: 0 }] })
    // auto.offset.reset defaults to latest: nothing to read until a seek.
    expect(await readRecords('seekers', name, 'json', 200)).toEqual([])

    expect((await rest(http, `${at}/positions/beginning`, { body: { partitions: [{ topic: 'resume', partition: 0 }] }, contentType: V2 })).status).toBe(204)
    expect((await readAtLeast('seekers', name, 'json', 10)).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect((await rest(http, `${at}/positions`, { body: { offsets: [{ topic: 'resume', partition: 0, offset: 8 }] }, contentType: V2 })).status).toBe(204)
    expect((await readAtLeast('seekers', name, 'json', 2)).map((r) => r.offset)).toEqual([8, 9])
    expect((await rest(http, `${at}/positions/beginning`, { body: { partitions: [{ topic: 'resume', partition: 0 }] }, contentType: V2 })).status).toBe(204)
    expect((await rest(http, `${at}/positions/end`, { body: { partitions: [{ topic: 'resume', partition: 0 }] }, contentType: V2 })).status).toBe(204)
    expect(await readRecords('seekers', name, 'json', 200)).toEqual([])
  })

  it('with auto.commit.enable commits what it returned when it is deleted', async () => {
    await produceJson(http, 'auto', Array.from({ length: 8 }, (_, i) => ({ value: i, partition: i % 2 })))
    const name = await createInstance('auto-committers', { name: 'auto', format: 'json', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'true' })
    await rest(http, `/consumers/auto-committers/instances/${name}/subscription`, { body: { topics: ['auto'] }, contentType: V2 })
    expect(await readAtLeast('auto-committers', name, 'json', 8)).toHaveLength(8)
    expect((await rest(http, `/consumers/auto-committers/instances/${name}`, { method: 'DELETE' })).status).toBe(204)
    instances.splice(0)
    expect(await committedByKafkajs('auto-committers', 'auto')).toEqual(new Map([[0, 4], [1, 4]]))
  })
})

describe('an idle REST consumer instance', () => {
  let short: BrokerProcess | undefined
  afterAll(async () => {
    await short?.stop()
  })

  it('expires after http.consumer.instance.timeout.ms without requests and leaves its group', async () => {
    short = await startBrokerWithGateway({ settings: { 'http.consumer.instance.timeout.ms': 1500 } })
    const base = short.httpUrl!
    const admin = new Kafka({ brokers: [short.bootstrap], clientId: 'rest-expiry', logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'idle', numPartitions: 1 }] })
      const created = await rest(base, '/consumers/idlers', { body: { name: 'sleepy' }, contentType: V2 })
      expect(created.status).toBe(200)
      await rest(base, '/consumers/idlers/instances/sleepy/subscription', { body: { topics: ['idle'] }, contentType: V2 })
      expect((await rest(base, '/consumers/idlers/instances/sleepy/records?timeout=500', { accept: BINARY_V2 })).status).toBe(200)
      const members = async () => (await admin.describeGroups(['idlers'])).groups[0]!.members.length
      expect(await members()).toBe(1)
      // Only the admin client asks from now on: the instance itself gets no request.
      await waitUntil(async () => (await members()) === 0, 30_000, 'the expired instance to leave its group')
      const gone = await rest(base, '/consumers/idlers/instances/sleepy/records', { accept: BINARY_V2 })
      expect(gone.status).toBe(404)
      expect(gone.body.error_code).toBe(40403)
    } finally {
      await admin.disconnect()
    }
  })
})
