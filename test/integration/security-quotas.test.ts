/**
 * Client quotas against a real broker: Kafka 3.9.1's kafka-configs sets and describes them
 * (AlterClientQuotas / DescribeClientQuotas), and a kafkajs producer under a producer_byte_rate
 * quota is held to it: its acknowledged byte rate, measured once the quota's sample windows are
 * full, is within 10% of the quota, and kafkajs reports the throttle time the broker sends.
 *
 * quota.window.num=2 (of 1 s) keeps the burst a fresh client gets before the measured rate
 * reaches the quota to about a second, so the steady state starts early; Kafka's default (11)
 * allows about ten seconds' worth.
 */
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { ensureKafkaTools, kafkaTool } from '../helpers/kafka-tools.js'

const QUOTA = 1_048_576
const CLIENT_ID = 'throttled-app'

let broker: BrokerProcess
const configs = (...args: string[]) => kafkaTool('kafka.admin.ConfigCommand', '--bootstrap-server', broker.bootstrap, ...args)

beforeAll(async () => {
  await ensureKafkaTools()
  broker = await startBroker({ settings: { 'quota.window.num': 2, 'quota.window.size.seconds': 1 } })
}, 300_000)

afterAll(async () => {
  await broker?.stop()
})

describe('kafka-configs', () => {
  it('sets, describes and removes client quotas', async () => {
    const set = await configs('--alter', '--add-config', `producer_byte_rate=${QUOTA}`, '--entity-type', 'clients', '--entity-name', CLIENT_ID)
    expect(set.code, set.stderr + set.stdout).toBe(0)
    const defaults = await configs('--alter', '--add-config', 'consumer_byte_rate=2097152,request_percentage=200', '--entity-type', 'users', '--entity-default')
    expect(defaults.code, defaults.stderr + defaults.stdout).toBe(0)

    const described = await configs('--describe', '--entity-type', 'clients', '--entity-name', CLIENT_ID)
    expect(described.code, described.stderr).toBe(0)
    expect(described.stdout).toMatch(new RegExp(`Quota configs for client-id '${CLIENT_ID}' are producer_byte_rate=${QUOTA}(\\.0)?`))

    const bad = await configs('--alter', '--add-config', 'producer_byte_rate=-5', '--entity-type', 'clients', '--entity-name', 'other')
    expect(bad.code).not.toBe(0)
    expect(bad.stderr + bad.stdout).toMatch(/producer_byte_rate must be a positive number/)

    const removed = await configs('--alter', '--delete-config', 'consumer_byte_rate,request_percentage', '--entity-type', 'users', '--entity-default')
    expect(removed.code, removed.stderr).toBe(0)
    const all = await configs('--describe', '--entity-type', 'clients')
    expect(all.stdout).toMatch(new RegExp(CLIENT_ID))
  }, 240_000)
})

describe('producer_byte_rate', () => {
  // Set here too (the same quota kafka-configs sets above), so these tests stand alone.
  beforeAll(async () => {
    const connection = await BrokerConnection.open({ host: broker.host, port: broker.port, requestTimeoutMs: 10_000 })
    try {
      const response = await connection.request(ApiKeys.AlterClientQuotas, {
        entries: [{ entity: [{ entityType: 'client-id', entityName: CLIENT_ID }], ops: [{ key: 'producer_byte_rate', value: QUOTA, remove: false }] }],
        validateOnly: false,
      }, 1)
      expect(response.entries[0]!.errorCode).toBe(0)
    } finally {
      connection.close()
    }
  })

  it('holds a producer to its quota (within 10%) and the client sees the throttle time', async () => {
    const throttles: number[] = []
    const kafka = new Kafka({
      clientId: CLIENT_ID,
      brokers: [broker.bootstrap],
      logLevel: logLevel.DEBUG,
      logCreator: () => ({ log }) => {
        const match = /Client side throttling in effect for (\d+)ms/.exec(log.message)
        if (match !== null) throttles.push(Number(match[1]))
      },
    })
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'quota', numPartitions: 1 }] })
    await admin.disconnect()

    const producer = kafka.producer()
    await producer.connect()
    const value = Buffer.alloc(10_240, 'q')
    const messages = Array.from({ length: 10 }, () => ({ value }))
    const acked: Array<[timeMs: number, bytes: number]> = []
    const started = Date.now()
    try {
      while (Date.now() - started < 14_000) {
        await producer.send({ topic: 'quota', acks: 1, messages })
        acked.push([Date.now() - started, messages.length * value.length])
      }
    } finally {
      await producer.disconnect()
    }
    // Steady state: after the first two seconds (the sample windows filling), to the end.
    const from = 3_000
    const steady = acked.filter(([t]) => t >= from)
    const bytes = steady.reduce((sum, [, b]) => sum + b, 0)
    const seconds = (steady.at(-1)![0] - from) / 1000
    const rate = bytes / seconds
    expect(rate / QUOTA, `measured ${Math.round(rate)} B/s against a quota of ${QUOTA} B/s`).toBeGreaterThan(0.9)
    expect(rate / QUOTA, `measured ${Math.round(rate)} B/s against a quota of ${QUOTA} B/s`).toBeLessThan(1.1)
    expect(throttles.length).toBeGreaterThan(0)
    expect(Math.max(...throttles)).toBeLessThanOrEqual(2_000)
  }, 120_000)

  it('leaves a client without a quota unthrottled', async () => {
    const throttles: number[] = []
    const kafka = new Kafka({
      clientId: 'free-app',
      brokers: [broker.bootstrap],
      logLevel: logLevel.DEBUG,
      logCreator: () => ({ log }) => {
        if (/Client side throttling in effect/.test(log.message)) throttles.push(1)
      },
    })
    const producer = kafka.producer()
    await producer.connect()
    const value = Buffer.alloc(10_240, 'f')
    try {
      // 4 MiB at once: four times what throttled-app may send in a second.
      for (let i = 0; i < 40; i++) await producer.send({ topic: 'quota', acks: 1, messages: Array.from({ length: 10 }, () => ({ value })) })
    } finally {
      await producer.disconnect()
    }
    expect(throttles).toEqual([])
  }, 60_000)
})
