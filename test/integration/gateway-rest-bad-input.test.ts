/**
 * Bad input to the REST Proxy API, against a real broker process: each case gets the status and
 * error code Confluent's proxy answers (400 malformed JSON, 404/40401 missing topic, 404/40402 bad
 * partition, 406 unacceptable Accept, 413 body over the limit, 415 unknown content type, 422
 * malformed records and base64, 40403/40601/40902/40903/42204 for consumer instances) with a
 * message that says what was wrong, and nothing at all is written for a rejected produce, not even
 * the valid records of the same request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, logLevel } from 'kafkajs'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'
import { BINARY_V2, JSON_V2, V2, rest } from '../helpers/rest-client.js'

const BODY_LIMIT = 4096

let broker: BrokerProcess
let http: string

beforeAll(async () => {
  broker = await startBrokerWithGateway({ settings: { 'http.request.max.bytes': BODY_LIMIT } })
  http = broker.httpUrl!
  const admin = new Kafka({ brokers: [broker.bootstrap], clientId: 'rest-bad-input', logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'guarded', numPartitions: 2 }] })
  } finally {
    await admin.disconnect()
  }
})

afterAll(async () => {
  await broker?.stop()
})

/** The end offsets of both partitions of 'guarded', through the REST offsets endpoint. */
async function endOffsets(): Promise<number[]> {
  const ends: number[] = []
  for (const p of [0, 1]) ends.push((await rest(http, `/topics/guarded/partitions/${p}/offsets`)).body.end_offset)
  return ends
}

const valid = { value: 'fine' }

describe('a rejected REST produce', () => {
  it.each([
    ['malformed JSON', '/topics/guarded', '{"records": [{"value": "fine"},', JSON_V2, 400, 400, /not valid JSON/],
    ['an unknown content type', '/topics/guarded', { records: [valid] }, 'text/plain', 415, 415, /application\/vnd\.kafka\.json\.v2\+json/],
    ['a schema format it cannot serve', '/topics/guarded', { records: [valid] }, 'application/vnd.kafka.avro.v2+json', 415, 415, /schema registry/],
    ['a missing topic', '/topics/no-such-topic', { records: [valid] }, JSON_V2, 404, 40401, /no-such-topic/],
    ['a partition outside the topic in the URL', '/topics/guarded/partitions/7', { records: [valid] }, JSON_V2, 404, 40402, /0-1/],
    ['a partition that is not a number', '/topics/guarded/partitions/x', { records: [valid] }, JSON_V2, 404, 40402, /'x'/],
    ['a record naming a partition outside the topic', '/topics/guarded', { records: [valid, { value: 'x', partition: 2 }] }, JSON_V2, 404, 40402, /records\[1\]/],
    ['a body without records', '/topics/guarded', { values: [] }, JSON_V2, 422, 422, /"records"/],
    ['a record that is not an object', '/topics/guarded', { records: [valid, 'oops'] }, JSON_V2, 422, 422, /records\[1\]/],
    ['invalid base64 after valid records', '/topics/guarded', { records: [{ value: 'Zm9v' }, { value: 'not base64!' }] }, BINARY_V2, 422, 422, /records\[1\]\.value is not valid base64/],
    ['a body over http.request.max.bytes', '/topics/guarded', { records: [{ value: 'x'.repeat(BODY_LIMIT) }] }, JSON_V2, 413, 413, /http\.request\.max\.bytes/],
  ])('refuses %s with the proxy\'s status and code, and writes nothing', async (_name, path, body, contentType, status, errorCode, message) => {
    const before = await endOffsets()
    const response = await rest(http, path, { body, contentType })
    expect(response.status).toBe(status)
    expect(response.body.error_code).toBe(errorCode)
    expect(response.body.message).toMatch(message)
    expect(await endOffsets()).toEqual(before)
  })

  it('refuses an Accept header that allows no v2 JSON with 406', async () => {
    const before = await endOffsets()
    const response = await rest(http, '/topics/guarded', { body: { records: [valid] }, contentType: JSON_V2, accept: 'text/html' })
    expect(response.status).toBe(406)
    expect(response.body.error_code).toBe(406)
    expect(await endOffsets()).toEqual(before)
  })

  it('still accepts a good request afterwards (the checks above are not a closed door)', async () => {
    const response = await rest(http, '/topics/guarded/partitions/1', { body: { records: [valid] }, contentType: JSON_V2 })
    expect(response.status).toBe(200)
    expect(response.body.offsets).toEqual([{ partition: 1, offset: 0, error_code: null, error: null }])
  })
})

describe('bad metadata and read requests', () => {
  it('answers 40401 for an unknown topic and 40402 for an unknown partition', async () => {
    expect((await rest(http, '/topics/nothing-here')).body).toMatchObject({ error_code: 40401 })
    expect((await rest(http, '/topics/nothing-here')).status).toBe(404)
    expect((await rest(http, '/topics/guarded/partitions/2')).body).toMatchObject({ error_code: 40402 })
    expect((await rest(http, '/topics/guarded/partitions/5/offsets')).status).toBe(404)
  })

  it('refuses a records read without an offset, or past the end of the partition', async () => {
    const missing = await rest(http, '/topics/guarded/partitions/0/records', { accept: JSON_V2 })
    expect(missing.status).toBe(400)
    expect(missing.body.message).toMatch(/'offset' is required/)
    const past = await rest(http, '/topics/guarded/partitions/1/records?offset=99', { accept: JSON_V2 })
    expect(past.status).toBe(400)
    expect(past.body.message).toMatch(/out of range/)
  })
})

describe('bad consumer instance requests', () => {
  const C = { contentType: V2 }

  it('answers 40403 for an instance that does not exist', async () => {
    const response = await rest(http, '/consumers/g/instances/ghost/records', { accept: JSON_V2 })
    expect(response.status).toBe(404)
    expect(response.body.error_code).toBe(40403)
  })

  it('refuses invalid consumer settings with 42204, naming the setting', async () => {
    for (const [setting, value] of [['format', 'avro'], ['format', 'xml'], ['auto.offset.reset', 'none'], ['auto.commit.enable', 'maybe'], ['fetch.min.bytes', 'lots']] as const) {
      const response = await rest(http, '/consumers/bad-settings', { body: { name: 'c', [setting]: value }, ...C })
      expect(response.status).toBe(422)
      expect(response.body.error_code).toBe(42204)
      expect(response.body.message).toContain(setting)
    }
  })

  it('refuses a second instance with the same name (40902), a read before any subscription or in another format (40903, 40601), and a seek of a partition it does not hold (40903)', async () => {
    expect((await rest(http, '/consumers/bad-group', { body: { name: 'one', format: 'json' }, ...C })).status).toBe(200)
    try {
      const again = await rest(http, '/consumers/bad-group', { body: { name: 'one' }, ...C })
      expect(again.status).toBe(409)
      expect(again.body.error_code).toBe(40902)

      const unsubscribed = await rest(http, '/consumers/bad-group/instances/one/records', { accept: JSON_V2 })
      expect(unsubscribed.status).toBe(409)
      expect(unsubscribed.body.error_code).toBe(40903)

      const mismatch = await rest(http, '/consumers/bad-group/instances/one/records', { accept: BINARY_V2 })
      expect(mismatch.status).toBe(406)
      expect(mismatch.body.error_code).toBe(40601)

      const seek = await rest(http, '/consumers/bad-group/instances/one/positions', { body: { offsets: [{ topic: 'guarded', partition: 0, offset: 0 }] }, ...C })
      expect(seek.status).toBe(409)
      expect(seek.body.error_code).toBe(40903)

      const badBody = await rest(http, '/consumers/bad-group/instances/one/subscription', { body: '{"topics": [', ...C })
      expect(badBody.status).toBe(400)
      const noTopics = await rest(http, '/consumers/bad-group/instances/one/subscription', { body: { topics: [] }, ...C })
      expect(noTopics.status).toBe(422)
      const unknownTopic = await rest(http, '/consumers/bad-group/instances/one/subscription', { body: { topics: ['nothing-here'] }, ...C })
      expect(unknownTopic.body.error_code).toBe(40401)
      const wrongType = await rest(http, '/consumers/bad-group/instances/one/assignments', { body: { partitions: [{ topic: 'guarded', partition: 0 }] }, contentType: 'text/plain' })
      expect(wrongType.status).toBe(415)
      const badPartition = await rest(http, '/consumers/bad-group/instances/one/assignments', { body: { partitions: [{ topic: 'guarded', partition: 9 }] }, ...C })
      expect(badPartition.body.error_code).toBe(40402)
    } finally {
      expect((await rest(http, '/consumers/bad-group/instances/one', { method: 'DELETE' })).status).toBe(204)
    }
  })
})
