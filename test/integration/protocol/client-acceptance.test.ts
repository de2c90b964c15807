/**
 * Real clients accept the responses our codec encodes: kafkajs 2.2.4, @platformatic/kafka 1.35.0
 * and kcat (librdkafka) complete a produce against a scripted single-broker responder whose
 * ApiVersions, Metadata and Produce answers come from src/protocol. Each client negotiates its
 * own versions (ApiVersions v2/v3, Metadata v4/v6/v12, Produce v7/v11), so this covers classic
 * and flexible encodings, the v0 header of ApiVersions, and the v1 headers of flexible responses.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { Producer, stringSerializers } from '@platformatic/kafka'
import { afterEach, describe, expect, test } from 'vitest'
import { type CaptureServer, startCaptureServer } from '../../helpers/frame-capture.js'
import { CLIENT_ID, TOPIC, respond } from '../../helpers/scripted-responder.js'

const require = createRequire(import.meta.url)
const hasKcat = spawnSync('kcat', ['-V']).status === 0

let server: CaptureServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function apiVersionsSeen(): number[] {
  return server!.frames.map(({ frame }) => frame.readInt16BE(0))
}

describe('clients complete a produce against responses we encode', () => {
  test('kafkajs (ApiVersions v2, Metadata v6, Produce v7)', async () => {
    server = await startCaptureServer(respond)
    const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs')
    const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } })
    const producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
    const result = await producer.send({ topic: TOPIC, acks: 1, messages: [{ value: 'hello' }] })
    await producer.disconnect()
    expect(result).toEqual([expect.objectContaining({ topicName: TOPIC, partition: 0, errorCode: 0, baseOffset: '0' })])
    expect(apiVersionsSeen()).toEqual(expect.arrayContaining([18, 3, 0]))
  })

  test('@platformatic/kafka (ApiVersions v3, Metadata v12, Produce v11)', async () => {
    server = await startCaptureServer(respond)
    const producer = new Producer({ clientId: CLIENT_ID, bootstrapBrokers: [`127.0.0.1:${server.port}`], serializers: stringSerializers, retries: 0 })
    try {
      const result = await producer.send({ messages: [{ topic: TOPIC, value: 'hello', partition: 0 }] })
      expect(result.offsets).toEqual([{ topic: TOPIC, partition: 0, offset: 0n }])
    } finally {
      await producer.close()
    }
  })

  test.skipIf(!hasKcat)('kcat / librdkafka (ApiVersions v3, Metadata v4, Produce v7)', async () => {
    server = await startCaptureServer(respond)
    const port = server.port
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('kcat', ['-P', '-b', `127.0.0.1:${port}`, '-t', TOPIC, '-p', '0', '-X', 'linger.ms=0'], { stdio: ['pipe', 'ignore', 'ignore'] })
      child.on('error', reject)
      child.on('exit', resolve)
      child.stdin.end('hello\n')
    })
    expect(code).toBe(0)
    const produce = server.frames.find(({ frame }) => frame.readInt16BE(0) === 0)
    expect(produce?.frame.readInt16BE(2)).toBe(7)
  })
})
