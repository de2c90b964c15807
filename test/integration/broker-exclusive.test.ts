/**
 * A broker owns its data directory and its port: a second broker started on either stops with a
 * message that says which, and the first keeps serving its data untouched.
 */
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import kafkajs from 'kafkajs'
import { type BrokerProcess, CLI, startBroker } from '../helpers/broker-process.js'
import { tempDir } from '../helpers/temp-dir.js'

let broker: BrokerProcess
beforeAll(async () => {
  broker = await startBroker()
})
afterAll(async () => {
  await broker?.stop()
})

function secondBroker(args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, 'start', ...args], { encoding: 'utf8', timeout: 30_000 })
  return { status: result.status, stderr: result.stderr }
}

describe('one broker per data directory and port', () => {
  it('refuses a second broker on the same data directory, leaving the first one\'s records intact', async () => {
    const kafka = new kafkajs.Kafka({ brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.NOTHING })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: 'owned', messages: Array.from({ length: 50 }, (_, i) => ({ value: `m${i}` })) })

    const second = secondBroker(['--port', '0', '--data-dir', broker.dataDir])
    expect(second.status).toBe(1)
    expect(second.stderr).toContain(`The data directory ${broker.dataDir} is in use by another broker`)

    await producer.send({ topic: 'owned', messages: [{ value: 'after' }] })
    await producer.disconnect()
    const admin = kafka.admin()
    await admin.connect()
    const [partition] = await admin.fetchTopicOffsets('owned')
    await admin.disconnect()
    expect(partition!.high).toBe('51')
  })

  it('says which address is taken when the port is in use', () => {
    const second = secondBroker(['--port', String(broker.port), '--data-dir', tempDir('samsa-it-other-')])
    expect(second.status).toBe(1)
    expect(second.stderr).toContain(`Cannot listen on 127.0.0.1:${broker.port}: the address is already in use`)
  })
})
