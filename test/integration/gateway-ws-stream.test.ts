/**
 * WebSocket streams against the real broker process: a subscriber receives exactly what kafkajs
 * produced, from the earliest offset, the latest, an offset per partition or a timestamp, in the
 * JSON, text and binary forms and in binary record frames; produce over the socket is acked with
 * offsets that kcat then reads; a bad query is an HTTP error before the upgrade; a malformed
 * frame gets an error frame and a close code, and the broker carries on.
 */
import { Kafka, type Producer, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StreamClient, UpgradeRefused } from '../../bench/gateway/ws-client.js'
import { decodeRecordFrame } from '../../src/workers/tasks/record-frame.js'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'
import { readWithKcat } from '../helpers/clients.js'

const DEADLINE = 30_000
let broker: BrokerProcess
let kafka: Kafka
let producer: Producer
const clients: StreamClient[] = []

/** Opens a stream on `path` (with its query); closed after the file. */
async function connect(path: string): Promise<StreamClient> {
  const url = new URL(`v1/ws/${path}`, broker.httpUrl!.replace(/^http/, 'ws')).toString()
  const client = await StreamClient.connect(url)
  clients.push(client)
  return client
}

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}

beforeAll(async () => {
  broker = await startBrokerWithGateway()
  kafka = new Kafka({ clientId: 'gateway-ws-stream', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
  producer = kafka.producer()
  await producer.connect()
})

afterAll(async () => {
  for (const client of clients) client.terminate()
  await producer?.disconnect()
  await broker?.stop()
})

/** `[partition, offset, value]` of a stream's JSON records (text form), sorted. */
function received(client: StreamClient): Array<[number, string, unknown]> {
  return client.records.map((r) => [r.partition as number, r.offset as string, r.value] as [number, string, unknown]).sort((a, b) => a[0] - b[0] || Number(a[1]) - Number(b[1]))
}

describe('WebSocket topic streams', () => {
  it('sends every record kafkajs produced from the earliest offset, with keys, headers and timestamps', async () => {
    await createTopic('ws-earliest', 3)
    const messages = Array.from({ length: 60 }, (_, i) => ({ key: `user-${i % 7}`, value: `event ${i}`, headers: { seq: String(i) }, timestamp: String(1_760_000_000_000 + i) }))
    const [sent] = await producer.send({ topic: 'ws-earliest', messages })
    expect(sent).toBeDefined()

    const client = await connect('topics/ws-earliest?offset=earliest&format=text')
    const subscribed = await client.next('subscribed', DEADLINE)
    expect(subscribed).toMatchObject({ topic: 'ws-earliest', format: 'text', frames: 'text', partitions: [0, 1, 2].map((partition) => ({ partition, offset: '0' })) })
    await client.waitFor(() => client.recordCount >= 60, DEADLINE, '60 records')

    const byValue = new Map(client.records.map((r) => [r.value as string, r]))
    expect(byValue.size).toBe(60)
    for (const [i, message] of messages.entries()) {
      expect(byValue.get(message.value)).toMatchObject({ key: message.key, timestamp: Number(message.timestamp), headers: [{ key: 'seq', value: String(i) }] })
    }
    // Within a partition, offsets are dense and in order, as kcat reads them.
    const kcatRecords = await readWithKcat(broker.bootstrap, 'ws-earliest')
    expect(received(client)).toEqual(kcatRecords.map((r) => [r.partition, String(r.offset), r.value!.toString()]).sort((a, b) => (a[0] as number) - (b[0] as number) || Number(a[1]) - Number(b[1])))
  })

  it('from latest sends only what is produced after subscribing', async () => {
    await createTopic('ws-latest', 2)
    await producer.send({ topic: 'ws-latest', messages: [{ value: 'before-0', partition: 0 }, { value: 'before-1', partition: 1 }] })
    const client = await connect('topics/ws-latest?format=text')
    expect(await client.next('subscribed', DEADLINE)).toMatchObject({ partitions: [{ partition: 0, offset: '1' }, { partition: 1, offset: '1' }] })
    await producer.send({ topic: 'ws-latest', messages: [{ value: 'after-0', partition: 0 }, { value: 'after-1', partition: 1 }] })
    await client.waitFor(() => client.recordCount >= 2, DEADLINE, 'the two new records')
    expect(received(client)).toEqual([
      [0, '1', 'after-0'],
      [1, '1', 'after-1'],
    ])
  })

  it('starts each listed partition at its own offset and streams only those', async () => {
    await createTopic('ws-offsets', 3)
    for (const partition of [0, 1, 2]) {
      await producer.send({ topic: 'ws-offsets', messages: Array.from({ length: 10 }, (_, i) => ({ value: `p${partition}-${i}`, partition })) })
    }
    const client = await connect('topics/ws-offsets?offsets=0:7,2:4&format=text')
    await client.waitFor(() => client.recordCount >= 9, DEADLINE, '3 + 6 records')
    expect(received(client)).toEqual([
      ...[7, 8, 9].map((o) => [0, String(o), `p0-${o}`]),
      ...[4, 5, 6, 7, 8, 9].map((o) => [2, String(o), `p2-${o}`]),
    ])
    // One more on partition 1 (not listed) and one on partition 0: only the latter comes.
    await producer.send({ topic: 'ws-offsets', messages: [{ value: 'p1-late', partition: 1 }, { value: 'p0-late', partition: 0 }] })
    await client.waitFor(() => client.recordCount >= 10, DEADLINE, 'the late record of partition 0')
    expect(client.records.map((r) => r.value)).not.toContain('p1-late')
    expect(client.records.at(-1)).toMatchObject({ partition: 0, offset: '10', value: 'p0-late' })
  })

  it('starts at the first record at or after a timestamp', async () => {
    await createTopic('ws-timestamp', 1)
    const base = 1_760_000_000_000
    await producer.send({ topic: 'ws-timestamp', messages: Array.from({ length: 10 }, (_, i) => ({ value: `t${i}`, timestamp: String(base + i * 1000) })) })
    const client = await connect(`topics/ws-timestamp?timestamp=${base + 6500}&format=text`)
    expect(await client.next('subscribed', DEADLINE)).toMatchObject({ partitions: [{ partition: 0, offset: '7' }] })
    await client.waitFor(() => client.recordCount >= 3, DEADLINE, 'records t7-t9')
    expect(client.records.map((r) => r.value)).toEqual(['t7', 't8', 't9'])
  })

  it('shows JSON values parsed, reports one that is not JSON, and carries raw bytes in binary frames', async () => {
    await createTopic('ws-forms', 1)
    await producer.send({ topic: 'ws-forms', messages: [{ key: '"k"', value: '{"price":12.5}' }, { key: null, value: 'plain' }, { value: Buffer.from([0, 1, 254, 255]) }] })
    const json = await connect('topics/ws-forms?offset=earliest&format=json')
    await json.waitFor(() => json.recordCount >= 3, DEADLINE)
    expect(json.records[0]).toMatchObject({ key: 'k', value: { price: 12.5 } })
    expect(json.records[1]).toMatchObject({ key: null, value: null, valueError: expect.stringContaining('not JSON'), valueBase64: Buffer.from('plain').toString('base64') })

    const binaryForm = await connect('topics/ws-forms?offset=earliest')
    await binaryForm.waitFor(() => binaryForm.recordCount >= 3, DEADLINE)
    expect(binaryForm.records[2]!.value).toBe(Buffer.from([0, 1, 254, 255]).toString('base64'))

    const frames: Buffer[] = []
    const binaryFrames = await StreamClient.connect(new URL('v1/ws/topics/ws-forms?offset=earliest&frames=binary', broker.httpUrl!.replace(/^http/, 'ws')).toString(), { onBinary: (frame) => frames.push(frame) })
    clients.push(binaryFrames)
    await binaryFrames.waitFor(() => binaryFrames.recordCount >= 3, DEADLINE)
    const records = frames.flatMap((frame) => decodeRecordFrame(frame))
    expect(records.map((r) => [r.offset, r.key === null ? null : Buffer.from(r.key).toString(), Buffer.from(r.value!)])).toEqual([
      [0n, '"k"', Buffer.from('{"price":12.5}')],
      [1n, null, Buffer.from('plain')],
      [2n, null, Buffer.from([0, 1, 254, 255])],
    ])
  })

  it('acks records produced over the socket with their offsets, and kcat reads them with their headers', async () => {
    await createTopic('ws-produce', 2)
    const client = await connect('topics/ws-produce?offset=earliest&format=json')
    await client.next('subscribed', DEADLINE)
    client.send({ type: 'produce', id: 'first', records: [{ value: { n: 1 }, partition: 1, headers: [{ key: 'trace', value: 't-1' }] }, { key: 'order-9', value: { n: 2 }, partition: 1 }] })
    client.send({ type: 'produce', id: 42, format: 'binary', records: [{ value: Buffer.from('raw').toString('base64'), partition: 0 }] })
    const first = await client.next('ack', DEADLINE, (f) => f.id === 'first')
    expect(first.offsets).toEqual([
      { partition: 1, offset: '0' },
      { partition: 1, offset: '1' },
    ])
    expect((await client.next('ack', DEADLINE, (f) => f.id === 42)).offsets).toEqual([{ partition: 0, offset: '0' }])

    // The same socket streams them back, and kcat sees them in the log.
    await client.waitFor(() => client.recordCount >= 3, DEADLINE)
    const kcatRecords = await readWithKcat(broker.bootstrap, 'ws-produce')
    expect(kcatRecords.map((r) => [r.partition, r.offset, r.key?.toString() ?? null, r.value!.toString()]).sort()).toEqual([
      [0, 0, null, 'raw'],
      [1, 0, null, '{"n":1}'],
      [1, 1, '"order-9"', '{"n":2}'],
    ])
    expect(kcatRecords.find((r) => r.partition === 1 && r.offset === 0)!.headers.map(([k, v]) => [k, v?.toString()])).toEqual([['trace', 't-1']])
    expect(client.records.find((r) => r.partition === 1 && r.offset === '0')).toMatchObject({ headers: [{ key: 'trace', value: 't-1' }] })
  })

  it('answers a produce it cannot accept with an error frame carrying the request id, and writes nothing', async () => {
    await createTopic('ws-produce-bad', 1)
    const client = await connect('topics/ws-produce-bad?offset=earliest')
    client.send({ type: 'produce', id: 'bad-base64', format: 'binary', records: [{ value: 'ok' }, { value: '***' }] })
    client.send({ type: 'produce', id: 'bad-partition', records: [{ value: 1, partition: 5 }] })
    client.send({ type: 'launch', id: 7 })
    expect(await client.next('error', DEADLINE, (f) => f.id === 'bad-base64')).toMatchObject({ error_code: 422, message: expect.stringContaining('records[1].value is not valid base64') })
    expect(await client.next('error', DEADLINE, (f) => f.id === 'bad-partition')).toMatchObject({ error_code: 40402 })
    expect(await client.next('error', DEADLINE, (f) => f.id === 7)).toMatchObject({ error_code: 400, message: expect.stringContaining('Unknown message type "launch"') })
    expect(client.closed).toBeNull()
    expect(await readWithKcat(broker.bootstrap, 'ws-produce-bad')).toEqual([])
  })

  it('closes the socket with 1007 after a frame that is not JSON, and with 1003 after a binary one', async () => {
    await createTopic('ws-malformed', 1)
    const notJson = await connect('topics/ws-malformed')
    notJson.send('{"type": "produce", ')
    await notJson.waitFor(() => notJson.closed !== null, DEADLINE, 'the close')
    expect(notJson.closed!.code).toBe(1007)
    expect(notJson.framesOf('error')[0]).toMatchObject({ message: expect.stringContaining('not valid JSON') })

    const binary = await connect('topics/ws-malformed')
    binary.sendBinary(new Uint8Array([1, 2, 3]))
    await binary.waitFor(() => binary.closed !== null, DEADLINE, 'the close')
    expect(binary.closed!.code).toBe(1003)

    // The gateway and the broker carry on.
    const again = await connect('topics/ws-malformed?offset=earliest&format=text')
    await producer.send({ topic: 'ws-malformed', messages: [{ value: 'still here' }] })
    await again.waitFor(() => again.recordCount >= 1, DEADLINE)
    expect(again.records[0]!.value).toBe('still here')
  })

  it('refuses a bad query or an unknown topic with an HTTP error before upgrading', async () => {
    const refusal = async (path: string): Promise<UpgradeRefused> => {
      const error = await connect(path).then(
        () => null,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(UpgradeRefused)
      return error as UpgradeRefused
    }
    expect(await refusal('topics/no-such-topic')).toMatchObject({ status: 404, body: { error_code: 40401, message: expect.stringContaining("'no-such-topic' does not exist") } })
    await createTopic('ws-refusals', 2)
    expect(await refusal('topics/ws-refusals?offset=soon')).toMatchObject({ status: 400, body: { error_code: 400, message: expect.stringContaining("Parameter 'offset' is 'soon'") } })
    expect(await refusal('topics/ws-refusals?offsets=0-5')).toMatchObject({ status: 400, body: { message: expect.stringContaining('partition:offset pairs') } })
    expect(await refusal('topics/ws-refusals?format=avro')).toMatchObject({ status: 400 })
    expect(await refusal('topics/ws-refusals?group=g&offsets=0:1')).toMatchObject({ status: 400 })
    expect(await refusal('topics/ws-refusals?partitions=7')).toMatchObject({ status: 404, body: { error_code: 40402, message: expect.stringContaining('partitions 0-1, not 7') } })
  })

  it('resets an offset past the end to the end, saying so', async () => {
    await createTopic('ws-reset', 1)
    await producer.send({ topic: 'ws-reset', messages: [{ value: 'a' }, { value: 'b' }] })
    const client = await connect('topics/ws-reset?offsets=0:50&format=text')
    expect(await client.next('reset', DEADLINE)).toMatchObject({ partition: 0, from: '50', to: '2' })
    await producer.send({ topic: 'ws-reset', messages: [{ value: 'c' }] })
    await client.waitFor(() => client.recordCount >= 1, DEADLINE)
    expect(client.records).toMatchObject([{ offset: '2', value: 'c' }])
  })
})
