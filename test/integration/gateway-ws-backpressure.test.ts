/**
 * The slow subscriber, against the real broker process: a client that stops reading its socket
 * while tens of megabytes are produced. The broker buffers a bounded amount for it (the stream
 * stops reading the log once the socket's buffered amount passes its limit, and uWS never drops a
 * frame), a second subscriber on the same topic receives everything meanwhile, and when the slow
 * one reads again it gets every record, in order, with no gap.
 */
import { Kafka, type Producer, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StreamClient } from '../../bench/gateway/ws-client.js'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'

const TOPIC = 'ws-slow'
const RECORDS = 40_000
const VALUE_BYTES = 1000
const DEADLINE = 120_000

interface StreamStats {
  id: number
  bufferedAmount: number
  maxBufferedAmount: number
  queuedFrames: number
  droppedFrames: number
  pauses: number
  recordsSent: number
  reading: boolean
}
interface Stats {
  maxBackpressure: number
  pauseBytes: number
  streams: StreamStats[]
}

let broker: BrokerProcess
let kafka: Kafka
let producer: Producer
const clients: StreamClient[] = []

async function stats(): Promise<Stats> {
  const response = await fetch(new URL('v1/ws/stats', broker.httpUrl!))
  return (await response.json()) as Stats
}

async function connect(path: string): Promise<StreamClient> {
  const client = await StreamClient.connect(new URL(`v1/ws/${path}`, broker.httpUrl!.replace(/^http/, 'ws')).toString())
  clients.push(client)
  return client
}

beforeAll(async () => {
  broker = await startBrokerWithGateway()
  kafka = new Kafka({ clientId: 'gateway-ws-backpressure', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()
  producer = kafka.producer()
  await producer.connect()
})

afterAll(async () => {
  for (const client of clients) client.terminate()
  await producer?.disconnect()
  await broker?.stop()
})

describe('a slow WebSocket subscriber', () => {
  it('costs bounded memory, does not slow a fast subscriber, and gets every record in order when it reads again', async () => {
    const slow = await connect(`topics/${TOPIC}?offset=earliest`)
    await slow.next('subscribed', DEADLINE)
    slow.pause()
    const fast = await connect(`topics/${TOPIC}?offset=earliest`)
    await fast.next('subscribed', DEADLINE)
    const [slowId, fastId] = (await stats()).streams.map((s) => s.id).sort((a, b) => a - b)

    // 40 MB of records (about 53 MB of base64 in JSON frames), while the slow client reads nothing.
    let maxBuffered = 0
    let produced = 0
    const value = Buffer.alloc(VALUE_BYTES, 'v')
    while (produced < RECORDS) {
      await producer.send({ topic: TOPIC, messages: Array.from({ length: 1000 }, (_, i) => ({ key: String(produced + i), value })) })
      produced += 1000
      const slowStats = (await stats()).streams.find((s) => s.id === slowId)!
      maxBuffered = Math.max(maxBuffered, slowStats.bufferedAmount)
    }

    // The fast subscriber has it all, while the slow one still reads nothing.
    await fast.waitFor(() => fast.recordCount >= RECORDS, DEADLINE, `all ${RECORDS} records on the fast subscriber`)
    const during = await stats()
    const slowStats = during.streams.find((s) => s.id === slowId)!
    const fastStats = during.streams.find((s) => s.id === fastId)!
    expect(fastStats.recordsSent).toBe(RECORDS)
    // The slow stream stopped reading the log with most of the records unsent...
    expect(slowStats.recordsSent).toBeLessThan(RECORDS / 2)
    expect(slowStats.pauses).toBeGreaterThan(0)
    expect(slowStats.reading).toBe(false)
    // ...and what the broker holds for it stayed under the limit plus one frame, far below the
    // point where uWS would drop frames, which it never did.
    const bound = during.pauseBytes + 1024 * 1024
    expect(Math.max(maxBuffered, slowStats.maxBufferedAmount)).toBeLessThanOrEqual(bound)
    expect(slowStats.maxBufferedAmount).toBeGreaterThan(during.pauseBytes / 2)
    expect(slowStats.bufferedAmount).toBeLessThanOrEqual(bound)
    expect(slowStats.droppedFrames).toBe(0)
    expect(slowStats.queuedFrames).toBe(0)

    // One more record reaches the fast subscriber; the paused stream still does not read.
    await producer.send({ topic: TOPIC, messages: [{ key: String(RECORDS), value }] })
    await fast.waitFor(() => fast.recordCount >= RECORDS + 1, DEADLINE, 'the extra record')
    expect((await stats()).streams.find((s) => s.id === slowId)!.recordsSent).toBe(slowStats.recordsSent)

    slow.resume()
    await slow.waitFor(() => slow.recordCount >= RECORDS + 1, DEADLINE, `all ${RECORDS + 1} records on the slow subscriber once it reads`)
    const offsets = slow.records.map((r) => Number(r.offset))
    expect(offsets).toEqual(Array.from({ length: RECORDS + 1 }, (_, i) => i))
    expect(slow.records.map((r) => Buffer.from(r.key as string, 'base64').toString())).toEqual(offsets.map(String))
    const after = (await stats()).streams.find((s) => s.id === slowId)!
    expect(after.droppedFrames).toBe(0)
    expect(after.recordsSent).toBe(RECORDS + 1)
  })
})
