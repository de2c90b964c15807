/**
 * Frames captured from real clients (test/fixtures/frames/) decode to the values the clients
 * were asked to send, and re-encode byte for byte.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { ApiKeys } from '../../../src/protocol/api-keys.js'
import { type SupportedRequest, decodeRequest, encodeRequest } from '../../../src/protocol/frames.js'
import { decodeSubscription } from '../../../src/protocol/messages/consumer-protocol.js'
import { decodeRecordBatches } from '../../../src/protocol/records.js'
import { flattenChunks } from '../../../src/protocol/writer.js'

interface Fixture {
  client: string
  clientVersion: string
  apiKey: number
  api: string
  apiVersion: number
  hex: string
}

const dir = new URL('../../fixtures/frames/', import.meta.url)
const fixtures = new Map<string, Fixture>(
  readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => [name.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as Fixture]),
)

function decoded(name: string): SupportedRequest {
  const fixture = fixtures.get(name)
  if (fixture === undefined) throw new Error(`fixture ${name} is missing`)
  const request = decodeRequest(Buffer.from(fixture.hex, 'hex'))
  if (!request.supported) throw new Error(`${name} decoded as unsupported`)
  expect(request.header.clientId).toBe('samsa-golden')
  return request
}

test('every captured frame re-encodes byte for byte', () => {
  expect(fixtures.size).toBeGreaterThanOrEqual(15)
  for (const [name, fixture] of fixtures) {
    const frame = Buffer.from(fixture.hex, 'hex')
    const request = decodeRequest(frame)
    if (!request.supported) throw new Error(`${name} decoded as unsupported`)
    expect([request.apiKey, request.apiVersion], name).toEqual([fixture.apiKey, fixture.apiVersion])
    const { correlationId, clientId } = request.header
    const output = encodeRequest(request.apiKey, request.apiVersion, correlationId, clientId, request.body as never)
    expect(flattenChunks(output.chunks).subarray(4).toString('hex'), name).toBe(fixture.hex)
  }
})

describe('ApiVersions', () => {
  test('kafkajs sends v2 with a v1 header and an empty body', () => {
    const request = decoded('kafkajs-api-versions-v2')
    expect(request.header).toMatchObject({ apiVersion: 2, headerVersion: 1 })
    expect(request.body).toEqual({ clientSoftwareName: '', clientSoftwareVersion: '' })
  })

  test('kcat (librdkafka) and platformatic send v3 with a v2 header and their software names', () => {
    expect(decoded('kcat-api-versions-v3')).toMatchObject({
      header: { apiVersion: 3, headerVersion: 2 },
      body: { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' },
    })
    expect(decoded('platformatic-api-versions-v3')).toMatchObject({
      header: { apiVersion: 3, headerVersion: 2 },
      body: { clientSoftwareName: 'platformatic-kafka', clientSoftwareVersion: '1.35.0' },
    })
  })
})

describe('Metadata', () => {
  test('kafkajs v6 asks for the topic without auto-creation', () => {
    expect(decoded('kafkajs-metadata-v6').body).toEqual({
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'golden' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    })
  })

  test('platformatic v12 (flexible) asks for topic authorized operations', () => {
    expect(decoded('platformatic-metadata-v12').body).toMatchObject({
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'golden' }],
      includeTopicAuthorizedOperations: true,
    })
  })

  test('kcat v4 decodes', () => {
    expect(decoded('kcat-metadata-v4').apiVersion).toBe(4)
  })
})

describe('Produce', () => {
  const cases = [
    ['kafkajs-produce-v7', 1, ['k1', null], [[{ key: 'h', value: 'x' }], []]],
    ['platformatic-produce-v11', 1, ['k1', 'k2'], [[{ key: 'h', value: 'x' }], []]],
    ['kcat-produce-v7', -1, ['k1', 'k2'], [[{ key: 'h', value: 'x' }], [{ key: 'h', value: 'x' }]]],
  ] as const

  test.each(cases)('%s carries one RecordBatch v2 whose CRC and records check out', (name, acks, keys, headers) => {
    const request = decoded(name)
    if (request.apiKey !== ApiKeys.Produce) throw new Error('not a Produce request')
    expect(request.body).toMatchObject({ transactionalId: null, acks, topicData: [{ name: 'golden', partitionData: [{ index: 0 }] }] })
    const records = request.body.topicData[0]!.partitionData[0]!.records!
    const batches = decodeRecordBatches(records)
    expect(batches).toHaveLength(1)
    const batch = batches[0]!
    expect(batch).toMatchObject({ baseOffset: 0n, magic: 2, compression: 0, isTransactional: false, isControl: false, lastOffsetDelta: 1 })
    expect(batch.batchLength + 12).toBe(records.length)
    expect(batch.records.map((r) => r.key?.toString() ?? null)).toEqual(keys)
    expect(batch.records.map((r) => r.value?.toString())).toEqual(['v1', 'v2'])
    expect(batch.records.map((r) => r.headers.map((h) => ({ key: h.key, value: h.value?.toString() })))).toEqual(headers)
  })

  test('the timestamps the JS clients were given arrive as base timestamp and deltas', () => {
    for (const name of ['kafkajs-produce-v7', 'platformatic-produce-v11']) {
      const request = decoded(name)
      if (request.apiKey !== ApiKeys.Produce) throw new Error('not a Produce request')
      const [batch] = decodeRecordBatches(request.body.topicData[0]!.partitionData[0]!.records!)
      expect(batch!.baseTimestamp).toBe(1700000000000n)
      expect(batch!.maxTimestamp).toBe(1700000000001n)
      expect(batch!.records.map((r) => r.timestampDelta)).toEqual([0, 1])
    }
  })
})

describe('consumer groups', () => {
  test('FindCoordinator: a single key up to v3, a batch of keys from v4', () => {
    expect(decoded('kafkajs-find-coordinator-v2').body).toEqual({ key: 'golden-group', keyType: 0, coordinatorKeys: [] })
    expect(decoded('kcat-find-coordinator-v2').body).toEqual({ key: 'golden-group', keyType: 0, coordinatorKeys: [] })
    expect(decoded('platformatic-find-coordinator-v6').body).toEqual({ key: '', keyType: 0, coordinatorKeys: ['golden-group'] })
  })

  test('JoinGroup carries each client’s timeouts, assignors and subscription', () => {
    const kafkajs = decoded('kafkajs-join-group-v5')
    if (kafkajs.apiKey !== ApiKeys.JoinGroup) throw new Error('not a JoinGroup request')
    expect(kafkajs.body).toMatchObject({ groupId: 'golden-group', sessionTimeoutMs: 30000, rebalanceTimeoutMs: 60000, memberId: '', protocolType: 'consumer' })
    expect(kafkajs.body.protocols.map((p) => p.name)).toEqual(['RoundRobinAssigner'])
    expect(decodeSubscription(kafkajs.body.protocols[0]!.metadata)).toMatchObject({ version: 0, value: { topics: ['golden'] } })

    const kcat = decoded('kcat-join-group-v5')
    if (kcat.apiKey !== ApiKeys.JoinGroup) throw new Error('not a JoinGroup request')
    expect(kcat.body).toMatchObject({ sessionTimeoutMs: 45000, rebalanceTimeoutMs: 300000 })
    expect(kcat.body.protocols.map((p) => p.name)).toEqual(['range', 'roundrobin'])
    for (const protocol of kcat.body.protocols) {
      expect(decodeSubscription(protocol.metadata)).toMatchObject({ version: 1, value: { topics: ['golden'], ownedPartitions: [] } })
    }

    const platformatic = decoded('platformatic-join-group-v9')
    if (platformatic.apiKey !== ApiKeys.JoinGroup) throw new Error('not a JoinGroup request')
    expect(platformatic.body).toMatchObject({ sessionTimeoutMs: 60000, rebalanceTimeoutMs: 102000, reason: '' })
  })

  test('platformatic 1.35 labels its subscription v1 but leaves out owned_partitions; like Kafka, we reject it', () => {
    const platformatic = decoded('platformatic-join-group-v9')
    if (platformatic.apiKey !== ApiKeys.JoinGroup) throw new Error('not a JoinGroup request')
    const metadata = platformatic.body.protocols[0]!.metadata
    expect(metadata.toString('hex')).toBe('0001' + '00000001' + '0006' + Buffer.from('golden').toString('hex') + 'ffffffff')
    expect(() => decodeSubscription(metadata)).toThrow(/ConsumerProtocolSubscription v1: ownedPartitions: int32 needs 4 bytes/)
  })
})
