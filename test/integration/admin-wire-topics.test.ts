/**
 * CreateTopics, DeleteTopics, CreatePartitions and Metadata over a raw connection to a real broker
 * process: every version, Kafka's error codes for bad input, and proof through Metadata that a
 * refused request changed nothing. Some requests are written byte by byte, so the broker meets
 * bytes our own encoder would never produce.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { ZERO_UUID } from '../../src/protocol/uuid.js'
import { WireConnection, be, rawRequest } from '../helpers/admin-wire.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'

const INT32_MAX = 2 ** 31 - 1

let broker: BrokerProcess
let wire: WireConnection

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 3 } })
  wire = await WireConnection.connect(broker.host, broker.port)
})

afterAll(async () => {
  wire?.close()
  await broker?.stop()
})

/** Every topic with its id and partition count, straight from Metadata (never auto-creating). */
async function topics(): Promise<Map<string, { topicId: string; partitions: number; internal: boolean }>> {
  const response = await wire.request(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false })
  return new Map(response.topics.map((t) => [t.name!, { topicId: t.topicId, partitions: t.partitions.length, internal: t.isInternal }]))
}

const topic = (name: string, numPartitions = 1, replicationFactor = 1, extra: Record<string, unknown> = {}) => ({
  name,
  numPartitions,
  replicationFactor,
  assignments: [],
  configs: [],
  ...extra,
})

describe('CreateTopics', () => {
  it('creates topics at every version 0-7, with v5+ details and the v7 topic id', async () => {
    for (let version = 0; version <= 7; version++) {
      const name = `created-v${version}`
      const response = await wire.request(ApiKeys.CreateTopics, version, {
        topics: [topic(name, 2, 1, { configs: [{ name: 'retention.ms', value: '3600000' }] })],
        timeoutMs: 1000,
      })
      const [result] = response.topics
      expect(result).toMatchObject({ name, errorCode: E.NONE })
      const known = (await topics()).get(name)
      expect(known?.partitions).toBe(2)
      if (version >= 5) {
        expect(result!.numPartitions).toBe(2)
        expect(result!.replicationFactor).toBe(1)
        const retention = result!.configs!.find((c) => c.name === 'retention.ms')
        expect(retention).toEqual({ name: 'retention.ms', value: '3600000', readOnly: false, configSource: 1, isSensitive: false })
        expect(result!.configs!.find((c) => c.name === 'cleanup.policy')).toMatchObject({ value: 'delete', configSource: 5 })
        expect(result!.configs!.map((c) => c.name)).toEqual([...result!.configs!.map((c) => c.name)].sort())
      }
      expect(result!.topicId).toBe(version >= 7 ? known!.topicId : ZERO_UUID)
    }
  })

  it('takes num.partitions and default.replication.factor for -1 (v4+)', async () => {
    const response = await wire.request(ApiKeys.CreateTopics, 5, { topics: [topic('defaults', -1, -1)], timeoutMs: 0 })
    expect(response.topics[0]).toMatchObject({ errorCode: E.NONE, numPartitions: 3, replicationFactor: 1 })
    expect((await topics()).get('defaults')?.partitions).toBe(3)
  })

  it("answers each bad topic with Kafka's code and creates only the good ones", async () => {
    const response = await wire.request(ApiKeys.CreateTopics, 7, {
      topics: [
        topic('bad name'),
        topic(''),
        topic('..'),
        topic('x'.repeat(250)),
        topic('created-v1'),
        topic('zero-partitions', 0),
        topic('negative-partitions', -2),
        topic('zero-rf', 1, 0),
        topic('three-rf', 1, 3),
        topic('unknown-config', 1, 1, { configs: [{ name: 'retention.forever', value: '1' }] }),
        topic('bad-value', 1, 1, { configs: [{ name: 'retention.ms', value: 'soon' }] }),
        topic('null-value', 1, 1, { configs: [{ name: 'retention.ms', value: null }] }),
        topic('good-one', 2),
      ],
      timeoutMs: 1000,
    })
    const byName = new Map(response.topics.map((t) => [t.name, t]))
    expect(byName.get('bad name')?.errorCode).toBe(E.INVALID_TOPIC_EXCEPTION)
    expect(byName.get('')?.errorCode).toBe(E.INVALID_TOPIC_EXCEPTION)
    expect(byName.get('..')?.errorCode).toBe(E.INVALID_TOPIC_EXCEPTION)
    expect(byName.get('x'.repeat(250))?.errorCode).toBe(E.INVALID_TOPIC_EXCEPTION)
    expect(byName.get('created-v1')).toMatchObject({ errorCode: E.TOPIC_ALREADY_EXISTS, numPartitions: -1, replicationFactor: -1 })
    expect(byName.get('zero-partitions')?.errorCode).toBe(E.INVALID_PARTITIONS)
    expect(byName.get('negative-partitions')?.errorCode).toBe(E.INVALID_PARTITIONS)
    expect(byName.get('zero-rf')?.errorCode).toBe(E.INVALID_REPLICATION_FACTOR)
    expect(byName.get('three-rf')).toMatchObject({
      errorCode: E.INVALID_REPLICATION_FACTOR,
      errorMessage: 'Replication factor: 3 larger than available brokers: 1.',
    })
    expect(byName.get('unknown-config')).toMatchObject({ errorCode: E.INVALID_CONFIG, errorMessage: expect.stringContaining('retention.forever') })
    expect(byName.get('bad-value')).toMatchObject({ errorCode: E.INVALID_CONFIG, errorMessage: expect.stringContaining('retention.ms') })
    expect(byName.get('null-value')?.errorCode).toBe(E.INVALID_CONFIG)
    expect(byName.get('good-one')?.errorCode).toBe(E.NONE)

    const now = await topics()
    expect(now.get('good-one')?.partitions).toBe(2)
    expect(now.get('created-v1')?.partitions).toBe(2)
    for (const refused of ['zero-partitions', 'negative-partitions', 'zero-rf', 'three-rf', 'unknown-config', 'bad-value', 'null-value']) {
      expect(now.has(refused), refused).toBe(false)
    }
  })

  it('refuses a topic named twice in one request and still creates the others', async () => {
    const response = await wire.request(ApiKeys.CreateTopics, 4, {
      topics: [topic('twice'), topic('once'), topic('twice', 4)],
      timeoutMs: 1000,
    })
    expect(response.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['twice', E.INVALID_REQUEST],
      ['once', E.NONE],
    ])
    const now = await topics()
    expect(now.has('twice')).toBe(false)
    expect(now.has('once')).toBe(true)
  })

  it('refuses 2^31-1 partitions for the whole request (POLICY_VIOLATION) without creating anything', async () => {
    // Written by hand: CreateTopics v0 with a good topic and one asking for INT32_MAX partitions.
    const entry = (name: string, partitions: number) =>
      Buffer.concat([be.string(name), be.int32(partitions), be.int16(1), be.int32(0), be.int32(0)])
    const body = Buffer.concat([be.int32(2), entry('small', 1), entry('huge', INT32_MAX), be.int32(1000)])
    const frame = await wire.send(rawRequest(ApiKeys.CreateTopics, 0, body))
    expect(frame).not.toBeNull()
    // v0 response: correlation id, then [name error_code].
    const results: Array<[string, number]> = []
    let at = 4
    const count = frame!.readInt32BE(at)
    at += 4
    for (let i = 0; i < count; i++) {
      const length = frame!.readInt16BE(at)
      const name = frame!.subarray(at + 2, at + 2 + length).toString()
      at += 2 + length
      results.push([name, frame!.readInt16BE(at)])
      at += 2
    }
    expect(results).toEqual([
      ['small', E.POLICY_VIOLATION],
      ['huge', E.POLICY_VIOLATION],
    ])
    const now = await topics()
    expect(now.has('small')).toBe(false)
    expect(now.has('huge')).toBe(false)
  })

  it('accepts a manual assignment onto this broker and refuses every other shape of it', async () => {
    const assigned = (name: string, assignments: Array<[number, number[]]>, numPartitions = -1, replicationFactor = -1) =>
      topic(name, numPartitions, replicationFactor, { assignments: assignments.map(([partitionIndex, brokerIds]) => ({ partitionIndex, brokerIds })) })
    const response = await wire.request(ApiKeys.CreateTopics, 7, {
      topics: [
        assigned('assigned', [[1, [1]], [0, [1]]]),
        assigned('other-broker', [[0, [2]]]),
        assigned('twice-on-one', [[0, [1, 1]]]),
        assigned('no-replicas', [[0, []]]),
        assigned('gap', [[0, [1]], [2, [1]]]),
        assigned('same-index', [[0, [1]], [0, [1]]]),
        assigned('with-count', [[0, [1]]], 1, -1),
        assigned('with-rf', [[0, [1]]], -1, 1),
      ],
      timeoutMs: 1000,
    })
    const codes = Object.fromEntries(response.topics.map((t) => [t.name, t.errorCode]))
    expect(codes).toEqual({
      'assigned': E.NONE,
      'other-broker': E.INVALID_REPLICA_ASSIGNMENT,
      'twice-on-one': E.INVALID_REPLICA_ASSIGNMENT,
      'no-replicas': E.INVALID_REPLICA_ASSIGNMENT,
      'gap': E.INVALID_REPLICA_ASSIGNMENT,
      'same-index': E.INVALID_REPLICA_ASSIGNMENT,
      'with-count': E.INVALID_REQUEST,
      'with-rf': E.INVALID_REQUEST,
    })
    expect(response.topics[0]).toMatchObject({ numPartitions: 2, replicationFactor: 1 })
    const now = await topics()
    expect(now.get('assigned')?.partitions).toBe(2)
    expect([...now.keys()].filter((n) => ['other-broker', 'twice-on-one', 'no-replicas', 'gap', 'same-index', 'with-count', 'with-rf'].includes(n))).toEqual([])
  })

  it('validates without creating when validate_only is set', async () => {
    const response = await wire.request(ApiKeys.CreateTopics, 7, {
      topics: [topic('only-validated', 4, 1, { configs: [{ name: 'cleanup.policy', value: 'compact' }] }), topic('also bad', 1)],
      timeoutMs: 1000,
      validateOnly: true,
    })
    expect(response.topics[0]).toMatchObject({ errorCode: E.NONE, numPartitions: 4, topicId: ZERO_UUID })
    expect(response.topics[0]!.configs!.find((c) => c.name === 'cleanup.policy')).toMatchObject({ value: 'compact', configSource: 1 })
    expect(response.topics[1]!.errorCode).toBe(E.INVALID_TOPIC_EXCEPTION)
    expect((await topics()).has('only-validated')).toBe(false)
  })
})

describe('CreatePartitions', () => {
  it('grows a topic at every version 0-3', async () => {
    await wire.request(ApiKeys.CreateTopics, 7, { topics: [topic('grows', 1)], timeoutMs: 0 })
    for (let version = 0; version <= 3; version++) {
      const response = await wire.request(ApiKeys.CreatePartitions, version, {
        topics: [{ name: 'grows', count: version + 2, assignments: version === 3 ? [[1]].map((brokerIds) => ({ brokerIds })) : null }],
        timeoutMs: 1000,
        validateOnly: false,
      })
      expect(response.results).toEqual([{ name: 'grows', errorCode: E.NONE, errorMessage: null }])
      expect((await topics()).get('grows')?.partitions).toBe(version + 2)
    }
  })

  it("answers each bad request with Kafka's code and changes nothing", async () => {
    await wire.request(ApiKeys.CreateTopics, 7, { topics: [topic('fixed', 2), topic('__consumer_offsets', 1)], timeoutMs: 0 })
    const response = await wire.request(ApiKeys.CreatePartitions, 3, {
      topics: [
        { name: 'fixed', count: 2, assignments: null },
        { name: 'missing', count: 4, assignments: null },
        { name: 'grows', count: 1, assignments: null },
        { name: 'created-v2', count: 5, assignments: [{ brokerIds: [1] }] },
        { name: 'created-v3', count: 3, assignments: [{ brokerIds: [2] }] },
        { name: 'created-v4', count: 3, assignments: [{ brokerIds: [1, 1] }] },
        { name: 'dup', count: 3, assignments: null },
        { name: 'dup', count: 4, assignments: null },
        { name: '__consumer_offsets', count: 10, assignments: null },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    })
    expect(Object.fromEntries(response.results.map((r) => [r.name, r.errorCode]))).toEqual({
      'fixed': E.INVALID_PARTITIONS,
      'missing': E.UNKNOWN_TOPIC_OR_PARTITION,
      'grows': E.INVALID_PARTITIONS,
      'created-v2': E.INVALID_REPLICA_ASSIGNMENT,
      'created-v3': E.INVALID_REPLICA_ASSIGNMENT,
      'created-v4': E.INVALID_REPLICA_ASSIGNMENT,
      'dup': E.INVALID_REQUEST,
      '__consumer_offsets': E.INVALID_TOPIC_EXCEPTION,
    })
    const now = await topics()
    expect([now.get('fixed')?.partitions, now.get('created-v2')?.partitions, now.get('created-v3')?.partitions]).toEqual([2, 2, 2])
    // The broker creates __consumer_offsets at start with offsets.topic.num.partitions (5 in tests).
    expect(now.get('__consumer_offsets')?.partitions).toBe(5)
    expect(now.has('missing')).toBe(false)
  })

  it('refuses 2^31-1 partitions (POLICY_VIOLATION) and checks only under validate_only', async () => {
    const huge = await wire.request(ApiKeys.CreatePartitions, 1, {
      topics: [{ name: 'fixed', count: INT32_MAX, assignments: null }],
      timeoutMs: 1000,
      validateOnly: false,
    })
    expect(huge.results[0]!.errorCode).toBe(E.POLICY_VIOLATION)
    const validated = await wire.request(ApiKeys.CreatePartitions, 2, {
      topics: [{ name: 'fixed', count: 6, assignments: null }],
      timeoutMs: 1000,
      validateOnly: true,
    })
    expect(validated.results[0]!.errorCode).toBe(E.NONE)
    expect((await topics()).get('fixed')?.partitions).toBe(2)
  })
})

describe('DeleteTopics', () => {
  it('deletes by name at v0-5 and by name or id at v6', async () => {
    const names = ['del-0', 'del-1', 'del-2', 'del-3', 'del-4', 'del-5', 'del-6-name', 'del-6-id']
    await wire.request(ApiKeys.CreateTopics, 7, { topics: names.map((n) => topic(n)), timeoutMs: 0 })
    const ids = await topics()
    for (let version = 0; version <= 5; version++) {
      const response = await wire.request(ApiKeys.DeleteTopics, version, { topicNames: [`del-${version}`], timeoutMs: 1000 })
      expect(response.responses).toEqual([expect.objectContaining({ name: `del-${version}`, errorCode: E.NONE })])
    }
    const response = await wire.request(ApiKeys.DeleteTopics, 6, {
      topics: [
        { name: 'del-6-name', topicId: ZERO_UUID },
        { name: null, topicId: ids.get('del-6-id')!.topicId },
      ],
      timeoutMs: 1000,
    })
    expect(response.responses).toEqual([
      { name: 'del-6-name', topicId: ids.get('del-6-name')!.topicId, errorCode: E.NONE, errorMessage: null },
      { name: 'del-6-id', topicId: ids.get('del-6-id')!.topicId, errorCode: E.NONE, errorMessage: null },
    ])
    const now = await topics()
    expect(names.filter((n) => now.has(n))).toEqual([])
  })

  it("answers each bad entry with Kafka's code and deletes nothing else", async () => {
    await wire.request(ApiKeys.CreateTopics, 7, { topics: [topic('kept-a'), topic('kept-b')], timeoutMs: 0 })
    const before = await topics()
    const keptB = before.get('kept-b')!.topicId
    const response = await wire.request(ApiKeys.DeleteTopics, 6, {
      topics: [
        { name: 'never-existed', topicId: ZERO_UUID },
        { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAg' },
        { name: null, topicId: ZERO_UUID },
        { name: 'kept-a', topicId: before.get('kept-a')!.topicId },
        { name: 'kept-b', topicId: ZERO_UUID },
        { name: 'kept-b', topicId: ZERO_UUID },
        { name: null, topicId: keptB },
        { name: null, topicId: keptB },
        { name: '__consumer_offsets', topicId: ZERO_UUID },
      ],
      timeoutMs: 1000,
    })
    expect(response.responses.map((r) => [r.name, r.errorCode])).toEqual([
      ['never-existed', E.UNKNOWN_TOPIC_OR_PARTITION],
      [null, E.UNKNOWN_TOPIC_ID],
      [null, E.INVALID_REQUEST],
      ['kept-a', E.INVALID_REQUEST],
      ['kept-b', E.INVALID_REQUEST],
      [null, E.INVALID_REQUEST],
      ['__consumer_offsets', E.INVALID_TOPIC_EXCEPTION],
    ])
    const after = await topics()
    expect([after.has('kept-a'), after.has('kept-b'), after.has('__consumer_offsets')]).toEqual([true, true, true])
  })
})

describe('Metadata', () => {
  it('lists every topic for an empty v0 list and none for an empty v1 list', async () => {
    const v0 = await wire.request(ApiKeys.Metadata, 0, { topics: [] })
    expect(v0.topics.map((t) => t.name)).toContain('created-v0')
    const v1 = await wire.request(ApiKeys.Metadata, 1, { topics: [] })
    expect(v1.topics).toEqual([])
  })

  it('answers a topic asked for twice once, by name or by id (v12)', async () => {
    const { topicId } = (await topics()).get('created-v7')!
    const response = await wire.request(ApiKeys.Metadata, 12, {
      topics: [
        { name: 'created-v7', topicId: ZERO_UUID },
        { name: 'created-v7', topicId: ZERO_UUID },
        { name: null, topicId },
        { name: null, topicId },
        { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAg' },
      ],
      allowAutoTopicCreation: false,
    })
    expect(response.topics.map((t) => [t.name, t.topicId, t.errorCode])).toEqual([
      ['created-v7', topicId, E.NONE],
      ['created-v7', topicId, E.NONE],
      [null, 'AAAAAAAAAAAAAAAAAAAAAg', E.UNKNOWN_TOPIC_ID],
    ])
  })

  it('refuses a lookup by id before v12 and reports authorized operations when asked (v8)', async () => {
    const v10 = await wire.request(ApiKeys.Metadata, 10, { topics: [{ name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAg' }], allowAutoTopicCreation: false })
    expect(v10.topics[0]!.errorCode).toBe(E.INVALID_REQUEST)
    const v8 = await wire.request(ApiKeys.Metadata, 8, {
      topics: [{ name: 'created-v0' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: true,
      includeTopicAuthorizedOperations: true,
    })
    const bits = (...operations: number[]): number => operations.reduce((sum, op) => sum | (1 << op), 0)
    // READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11
    expect(v8.topics[0]!.topicAuthorizedOperations).toBe(bits(3, 4, 5, 6, 7, 8, 10, 11))
    // CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12
    expect(v8.clusterAuthorizedOperations).toBe(bits(5, 7, 8, 9, 10, 11, 12))
  })
})

describe('malformed requests', () => {
  it('closes the connection on impossible lengths and keeps serving everyone else', async () => {
    const before = await topics()
    const hostile = [
      // CreateTopics v0 claiming 2^31-1 topics in a 4-byte body.
      rawRequest(ApiKeys.CreateTopics, 0, be.int32(INT32_MAX)),
      // CreateTopics v1 cut off inside the first topic.
      rawRequest(ApiKeys.CreateTopics, 1, Buffer.concat([be.int32(1), be.string('cut'), be.int16(1)])),
      // DeleteTopics v0 whose name claims 30000 bytes.
      rawRequest(ApiKeys.DeleteTopics, 0, Buffer.concat([be.int32(1), be.int16(30000), Buffer.from('x')])),
      // DescribeConfigs v4 (flexible) with a compact array count of 2^28.
      rawRequest(ApiKeys.DescribeConfigs, 4, Buffer.from([0x81, 0x80, 0x80, 0x80, 0x01]), { flexible: true }),
      // IncrementalAlterConfigs v0 with a negative config count inside a resource.
      rawRequest(ApiKeys.IncrementalAlterConfigs, 0, Buffer.concat([be.int32(1), be.int8(2), be.string('fixed'), be.int32(-5), be.bool(false)])),
      // AlterConfigs v0 whose config value claims more bytes than follow.
      rawRequest(ApiKeys.AlterConfigs, 0, Buffer.concat([be.int32(1), be.int8(2), be.string('fixed'), be.int32(1), be.string('retention.ms'), be.int16(500), Buffer.from('1')])),
      // CreatePartitions v0 with an assignment list of 2^31-1 broker lists.
      rawRequest(ApiKeys.CreatePartitions, 0, Buffer.concat([be.int32(1), be.string('fixed'), be.int32(3), be.int32(INT32_MAX)])),
      // DescribeCluster v0 (flexible) with no body at all.
      rawRequest(ApiKeys.DescribeCluster, 0, Buffer.alloc(0), { flexible: true }),
      // Metadata v1 whose topic count is 2^31-1.
      rawRequest(ApiKeys.Metadata, 1, be.int32(INT32_MAX)),
    ]
    for (const bytes of hostile) {
      const connection = await WireConnection.connect(broker.host, broker.port)
      expect(await connection.send(bytes)).toBeNull()
      connection.close()
    }
    expect(await topics()).toEqual(before)
  })
})
