/**
 * The idempotent producer against the real broker: producer ids, sequence continuity per
 * partition, retries among the last five batches answered with their original offsets and not
 * written again, epoch fencing, all of it rebuilt after a clean or a killed restart; and a
 * kafkajs idempotent producer whose lost response makes it retry, without a duplicate in the log.
 */
import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka, logLevel } from 'kafkajs'
import { ApiKeys, KafkaErrorCodes, encodeRecordBatch } from '../../src/protocol/index.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { readWithKcat } from '../helpers/clients.js'
import { TcpProxy, freePort } from '../helpers/tcp-proxy.js'
import { WireClient } from '../helpers/wire-client.js'

const TOPIC = 'idempotent'
const brokers: BrokerProcess[] = []
let proxy: TcpProxy | undefined

afterAll(async () => {
  await proxy?.close()
  for (const broker of brokers) await broker.stop()
  for (const dir of new Set(brokers.map((b) => b.dataDir))) rmSync(dir, { recursive: true, force: true })
})

interface Producer {
  readonly producerId: bigint
  epoch: number
}

/** A batch of 5 records with the given producer fields. */
function batch(producer: Producer, baseSequence: number, epoch = producer.epoch): Buffer {
  return encodeRecordBatch({
    baseTimestamp: Date.now(),
    producerId: producer.producerId,
    producerEpoch: epoch,
    baseSequence,
    records: Array.from({ length: 5 }, (_, i) => ({ value: Buffer.from(`seq ${baseSequence + i} epoch ${epoch}`) })),
  })
}

async function send(client: WireClient, records: Buffer): Promise<{ errorCode: number; baseOffset: bigint }> {
  const response = await client.request(ApiKeys.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
  })
  return response.responses[0]!.partitionResponses[0]!
}

async function logEndOffset(client: WireClient): Promise<bigint> {
  const response = await client.request(ApiKeys.ListOffsets, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
  })
  return response.topics[0]!.partitions[0]!.offset
}

describe('idempotent producer, on the wire', () => {
  let broker: BrokerProcess
  let client: WireClient
  let producer: Producer
  const offsets = new Map<number, bigint>()

  it('gives each InitProducerId a new producer id with epoch 0', async () => {
    broker = await startBroker()
    brokers.push(broker)
    client = await WireClient.connect(broker.host, broker.port)
    await client.request(ApiKeys.Metadata, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: true })
    const first = await client.request(ApiKeys.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 })
    const second = await client.request(ApiKeys.InitProducerId, 0, { transactionalId: null, transactionTimeoutMs: 60000 })
    expect(first).toMatchObject({ errorCode: KafkaErrorCodes.NONE, producerEpoch: 0 })
    expect(second.errorCode).toBe(KafkaErrorCodes.NONE)
    expect(second.producerId).not.toBe(first.producerId)
    producer = { producerId: first.producerId, epoch: 0 }
  })

  it('appends batches whose sequences follow on, and answers a retry among the last five with its original offset without writing it', async () => {
    for (let seq = 0; seq < 30; seq += 5) {
      const answer = await send(client, batch(producer, seq))
      expect(answer.errorCode).toBe(KafkaErrorCodes.NONE)
      offsets.set(seq, answer.baseOffset)
    }
    const end = await logEndOffset(client)
    for (const seq of [5, 15, 25]) {
      expect(await send(client, batch(producer, seq))).toMatchObject({ errorCode: KafkaErrorCodes.NONE, baseOffset: offsets.get(seq) })
    }
    expect(await logEndOffset(client)).toBe(end)
  })

  it('rejects a sequence gap and a retry older than the last five with OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    const end = await logEndOffset(client)
    expect((await send(client, batch(producer, 40))).errorCode).toBe(KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER)
    expect((await send(client, batch(producer, 0))).errorCode).toBe(KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER)
    expect(await logEndOffset(client)).toBe(end)
  })

  it('rebuilds the state from the log after SIGKILL: retries still get their offsets, sequences go on', async () => {
    client.close()
    await broker.kill()
    broker = await broker.restart()
    brokers.push(broker)
    client = await WireClient.connect(broker.host, broker.port)
    const end = await logEndOffset(client)
    expect(await send(client, batch(producer, 25))).toMatchObject({ errorCode: KafkaErrorCodes.NONE, baseOffset: offsets.get(25) })
    expect((await send(client, batch(producer, 35))).errorCode).toBe(KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER)
    expect(await logEndOffset(client)).toBe(end)
    const next = await send(client, batch(producer, 30))
    expect(next).toMatchObject({ errorCode: KafkaErrorCodes.NONE, baseOffset: end })
    offsets.set(30, next.baseOffset)
  })

  it('restores the state after a clean restart (from its snapshot) just the same', async () => {
    client.close()
    expect(await broker.stop('SIGTERM')).toBe(0)
    broker = await broker.restart()
    brokers.push(broker)
    client = await WireClient.connect(broker.host, broker.port)
    expect(await send(client, batch(producer, 30))).toMatchObject({ errorCode: KafkaErrorCodes.NONE, baseOffset: offsets.get(30) })
    expect((await send(client, batch(producer, 35))).errorCode).toBe(KafkaErrorCodes.NONE)
  })

  it('fences an older epoch with INVALID_PRODUCER_EPOCH once a newer epoch has written, and a new epoch must start at 0', async () => {
    expect((await send(client, batch(producer, 5, 1))).errorCode).toBe(KafkaErrorCodes.OUT_OF_ORDER_SEQUENCE_NUMBER)
    expect((await send(client, batch(producer, 0, 1))).errorCode).toBe(KafkaErrorCodes.NONE)
    producer.epoch = 1
    const end = await logEndOffset(client)
    expect((await send(client, batch(producer, 40, 0))).errorCode).toBe(KafkaErrorCodes.INVALID_PRODUCER_EPOCH)
    expect(await logEndOffset(client)).toBe(end)
    expect((await send(client, batch(producer, 5))).errorCode).toBe(KafkaErrorCodes.NONE)
    client.close()
  })
})

describe('kafkajs idempotent producer', () => {
  it('retries a Produce whose response was lost, and the log holds each record once at the offset it was told', async () => {
    // The broker advertises the proxy, so every connection kafkajs makes goes through it.
    const brokerPort = await freePort()
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: brokerPort })
    const broker = await startBroker({ port: brokerPort, settings: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}`, 'num.partitions': 2 } })
    brokers.push(broker)
    const kafka = new Kafka({ brokers: [`127.0.0.1:${proxy.port}`], clientId: 'idempotence-test', logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, retries: 8 } })
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true })
    await producer.connect()
    const told = new Map<string, string>()
    const sendBatch = async (n: number): Promise<void> => {
      const messages = Array.from({ length: 10 }, (_, i) => ({ key: `key-${i}`, value: `batch ${n} record ${i}`, partition: i % 2 }))
      const results = await producer.send({ topic: 'kafkajs-idempotent', messages })
      for (const result of results) {
        const first = messages.find((m) => m.partition === result.partition)!
        told.set(first.value, `${result.partition}@${result.baseOffset}`)
      }
    }
    for (let n = 0; n < 5; n++) await sendBatch(n)
    proxy.dropNextResponse(ApiKeys.Produce)
    await sendBatch(5)
    expect(proxy.dropped).toEqual([ApiKeys.Produce])
    for (let n = 6; n < 10; n++) await sendBatch(n)
    await producer.disconnect()

    const records = await readWithKcat(`127.0.0.1:${brokerPort}`, 'kafkajs-idempotent')
    const values = records.map((r) => r.value!.toString())
    expect(values).toHaveLength(100)
    expect(new Set(values).size).toBe(100)
    const where = new Map(records.map((r) => [r.value!.toString(), `${r.partition}@${r.offset}`]))
    for (const [value, position] of told) expect(where.get(value), value).toBe(position)
  })
})
