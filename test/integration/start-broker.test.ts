/**
 * startBroker(): brokers inside the test's own process, as an embedder or a test suite starts
 * them. Two at once each have their own port, data directory and topics and stop in either
 * order without breaking the other (the worker pool they share closes with the last one);
 * bad options reject with errors that name the problem.
 */
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { Kafka, logLevel } from 'kafkajs'
import { afterEach, describe, expect, it } from 'vitest'
import { Producer } from '../../src/client/index.js'
import { type Broker, startBroker } from '../../src/index.js'
import { waitForMessages } from '../../src/testing/index.js'
import { openWorkerPools } from '../../src/workers/pool.js'
import { freePort } from '../helpers/free-ports.js'
import { tempDir } from '../helpers/temp-dir.js'

const started: Broker[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((broker) => broker.close()))
})

async function start(options: Parameters<typeof startBroker>[0] = {}): Promise<Broker> {
  const broker = await startBroker(options)
  started.push(broker)
  return broker
}

/**
 * Produces `values` with kafkajs (uncompressed batches) and resolves with every value the topic
 * then holds, read from the start, sorted (partitions interleave in no fixed order).
 */
async function roundTrip(broker: Broker, topic: string, values: readonly string[]): Promise<string[]> {
  const kafka = new Kafka({ brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING })
  const producer = kafka.producer()
  await producer.connect()
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) })
  } finally {
    await producer.disconnect()
  }
  const admin = kafka.admin()
  await admin.connect()
  let held: number
  try {
    held = (await admin.fetchTopicOffsets(topic)).reduce((sum, o) => sum + Number(o.high), 0)
  } finally {
    await admin.disconnect()
  }
  const records = await waitForMessages(broker, topic, held)
  return records.map((r) => r.value!.toString()).sort()
}

/** True when nothing listens on `port` any more: a new server can bind it. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

describe('two brokers in one process', () => {
  for (const order of [['first', 'second'], ['second', 'first']] as const) {
    it(`each serve their own topics and stop in either order (${order.join(' then ')})`, async () => {
      // gzip topics: kafkajs sends uncompressed batches, so every produce goes through the
      // worker pool the two brokers share (recompression).
      const brokers = { first: await start({ 'compression.type': 'gzip' }), second: await start({ 'compression.type': 'gzip', 'node.id': 7 }) }
      expect(brokers.first.port).not.toBe(brokers.second.port)
      expect(brokers.first.dataDir).not.toBe(brokers.second.dataDir)
      expect(brokers.second.nodeId).toBe(7)
      expect(brokers.first.bootstrapServers).toBe(`127.0.0.1:${brokers.first.port}`)
      await brokers.first.createTopic('orders', { partitions: 2 })
      await brokers.second.createTopic('orders', { partitions: 1 })

      expect(await roundTrip(brokers.first, 'orders', ['a1'])).toEqual(['a1'])
      expect(await roundTrip(brokers.second, 'orders', ['b1'])).toEqual(['b1'])

      const [stopped, running] = [brokers[order[0]], brokers[order[1]]]
      // A client in the same process compresses in the same pool, and keeps it across the stop.
      const producer = new Producer({ bootstrapServers: running.bootstrapServers }, { compression: 'gzip', inlineEncodeBytes: 0, lingerMs: 0 })
      try {
        await producer.send('orders', [{ value: 'p1' }])
        await stopped.close()
        expect(existsSync(stopped.dataDir)).toBe(false)
        expect(await portIsFree(stopped.port)).toBe(true)
        await producer.send('orders', [{ value: 'p2' }])
      } finally {
        await producer.close()
      }
      // The other broker still recompresses in the pool the stopped one no longer holds.
      const before = running === brokers.first ? 'a1' : 'b1'
      expect(await roundTrip(running, 'orders', ['r3'])).toEqual([before, 'p1', 'p2', 'r3'])

      await running.close()
      expect(existsSync(running.dataDir)).toBe(false)
      expect(await portIsFree(running.port)).toBe(true)
      expect(openWorkerPools()).toBe(0)
    })
  }
})

describe('startBroker options', () => {
  it('rejects an unknown property, naming it', async () => {
    await expect(startBroker({ 'num.partition': 3 } as never)).rejects.toMatchObject({
      code: 'SAMSA_CONFIG',
      message: expect.stringMatching(/Unknown option 'num\.partition'.*Kafka broker property names/),
    })
  })

  it('rejects a port that is not a number, naming the option', async () => {
    await expect(startBroker({ port: '90x2' as never })).rejects.toMatchObject({
      code: 'SAMSA_CONFIG',
      message: expect.stringMatching(/^Invalid option port: "90x2" is not a port number/),
    })
    await expect(startBroker({ port: 70000 })).rejects.toMatchObject({ code: 'SAMSA_CONFIG', message: expect.stringContaining('Invalid option port: 70000') })
  })

  it('rejects an invalid value of a known property, naming the property', async () => {
    await expect(startBroker({ 'num.partitions': 'three' })).rejects.toMatchObject({
      code: 'SAMSA_CONFIG',
      message: expect.stringMatching(/'three' for setting num\.partitions.*option 'num\.partitions'/),
    })
  })

  it('rejects a data directory another broker in this process holds, naming the directory', async () => {
    const holder = await start()
    await expect(startBroker({ dataDir: holder.dataDir })).rejects.toMatchObject({
      code: 'SAMSA_CONFIG',
      message: expect.stringContaining(`The data directory ${holder.dataDir} is in use by another broker`),
    })
    // The refused start changed nothing: the holder still serves.
    await holder.createTopic('still-serving')
    expect(await roundTrip(holder, 'still-serving', ['ok'])).toEqual(['ok'])
  })

  it('keeps a data directory the caller gave, and a restart on it finds the topics', async () => {
    const dataDir = tempDir('samsa-start-broker-')
    const first = await start({ dataDir, 'auto.create.topics.enable': false })
    await first.createTopic('kept', { partitions: 3, configs: { 'retention.ms': 60_000 } })
    expect(await roundTrip(first, 'kept', ['x'])).toEqual(['x'])
    await first.close()
    expect(existsSync(dataDir)).toBe(true)

    const second = await start({ dataDir })
    await expect(second.createTopic('kept')).rejects.toMatchObject({ code: 'SAMSA_TOPIC', kafkaError: 'TOPIC_ALREADY_EXISTS' })
    expect(await roundTrip(second, 'kept', ['y'])).toEqual(['x', 'y'])
  })

  it('serves no HTTP gateway unless http.port is set, then serves it on that port', async () => {
    expect((await start()).httpUrl).toBeNull()
    const port = await freePort()
    const broker = await start({ 'http.port': port })
    expect(broker.httpUrl).toBe(`http://127.0.0.1:${port}/`)
    const live = await fetch(new URL('health/live', broker.httpUrl!))
    expect(live.status).toBe(200)
    await broker.close()
    expect(await portIsFree(port)).toBe(true)
  })

  it('stops at the end of an `await using` block', async () => {
    let dataDir: string
    let port: number
    {
      await using broker = await startBroker()
      dataDir = broker.dataDir
      port = broker.port
      expect(existsSync(dataDir)).toBe(true)
    }
    expect(existsSync(dataDir)).toBe(false)
    expect(await portIsFree(port)).toBe(true)
  })
})
