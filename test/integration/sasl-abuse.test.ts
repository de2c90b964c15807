/**
 * What an unauthenticated peer can do to a SASL listener: nothing beyond ApiVersions and the SASL
 * exchange, in small frames, for a bounded time. Each case runs against one real broker process
 * and ends by checking that an authenticated client is still served.
 */
import { connect, type Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes } from '../../src/protocol/index.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { kcat, readWithKcat } from '../helpers/clients.js'
import { freePort } from '../helpers/free-ports.js'
import { WireClient, encodeRequestFrame } from '../helpers/wire-client.js'

const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule'
const AUTH_TIMEOUT_MS = 8_000
let broker: BrokerProcess
let saslPort: number

const plainAuth = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret']

beforeAll(async () => {
  saslPort = await freePort()
  broker = await startBroker({
    settings: {
      'listeners': `PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': `${PLAIN_MODULE} required user_alice="alice-secret";`,
      'sasl.server.authentication.timeout.ms': AUTH_TIMEOUT_MS,
    },
  })
  const produced = await kcat(['-P', '-b', `127.0.0.1:${saslPort}`, '-t', 'served', ...plainAuth], 'before\n')
  expect(produced.code, produced.stderr).toBe(0)
}, 60_000)

afterAll(async () => {
  await broker?.stop()
})

function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(match![1])
}

/** An authenticated client still produces and reads everything back. */
async function stillServes(value: string): Promise<void> {
  const produced = await kcat(['-P', '-b', `127.0.0.1:${saslPort}`, '-t', 'served', ...plainAuth], `${value}\n`, 60_000)
  expect(produced.code, produced.stderr).toBe(0)
  const values = (await readWithKcat(`127.0.0.1:${saslPort}`, 'served', plainAuth)).map((r) => r.value!.toString())
  expect(values).toContain(value)
}

describe('before authentication', () => {
  it('answers ApiVersions, then closes the connection on a Produce without answering it', async () => {
    const client = await WireClient.connect('127.0.0.1', saslPort)
    const versions = await client.request(ApiKeys.ApiVersions, 0, {})
    expect(versions.errorCode).toBe(0)
    expect(versions.apiKeys.some((k) => k.apiKey === ApiKeys.SaslAuthenticate)).toBe(true)
    const answer = await client.send(client.encode(ApiKeys.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [] }))
    expect(answer).toBeNull()
    expect(broker.output()).toMatch(/closing connection: Produce before SASL authentication/)
    await stillServes('after-produce')
  })

  it('closes on a 2 GiB size prefix at once, and on a frame just over sasl.server.max.receive.size', async () => {
    const before = rssKiB(broker.child.pid!)
    const huge = await WireClient.connect('127.0.0.1', saslPort)
    expect(await huge.send(Buffer.from([0x7f, 0xff, 0xff, 0xff]))).toBeNull()
    const large = await WireClient.connect('127.0.0.1', saslPort)
    const size = Buffer.alloc(4)
    size.writeInt32BE(524_289)
    expect(await large.send(size)).toBeNull()
    // Nothing of the announced sizes was allocated (a 2 GiB buffer would show in the RSS, or fail).
    expect(rssKiB(broker.child.pid!) - before).toBeLessThan(32 * 1024)
    expect(broker.output()).toMatch(/larger than the limit before authentication \(sasl\.server\.max\.receive\.size\) \(524288\)/)
    await stillServes('after-huge')
  })

  it('answers garbage SASL tokens with SASL_AUTHENTICATION_FAILED and a message, then closes', async () => {
    const client = await WireClient.connect('127.0.0.1', saslPort)
    const handshake = await client.request(ApiKeys.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-512' })
    expect(handshake).toEqual({ errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-512'] })
    const answer = await client.request(ApiKeys.SaslAuthenticate, 2, { authBytes: randomBytes(200) })
    expect(answer.errorCode).toBe(KafkaErrorCodes.SASL_AUTHENTICATION_FAILED)
    expect(answer.errorMessage).toMatch(/Authentication failed: invalid SASL\/SCRAM-SHA-512/)
    await client.closed
    expect(client.isClosed).toBe(true)
  })

  it('answers an unknown mechanism with UNSUPPORTED_SASL_MECHANISM and the enabled list', async () => {
    const client = await WireClient.connect('127.0.0.1', saslPort)
    const handshake = await client.request(ApiKeys.SaslHandshake, 1, { mechanism: 'GSSAPI' })
    expect(handshake).toEqual({ errorCode: KafkaErrorCodes.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN', 'SCRAM-SHA-512'] })
    await client.closed
  })

  it('authenticates with SaslHandshake v0 and a raw PLAIN token, then serves requests', async () => {
    const client = await WireClient.connect('127.0.0.1', saslPort)
    expect(await client.request(ApiKeys.SaslHandshake, 0, { mechanism: 'PLAIN' })).toEqual({ errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-512'] })
    const token = Buffer.from('\0alice\0alice-secret')
    const size = Buffer.alloc(4)
    size.writeInt32BE(token.length)
    // The raw answer is PLAIN's empty server token: a frame of size 0.
    expect(await client.send(Buffer.concat([size, token]))).toEqual(Buffer.alloc(0))
    const metadata = await client.request(ApiKeys.Metadata, 1, { topics: [{ name: 'served' }] })
    expect(metadata.topics[0]!.errorCode).toBe(0)
    client.close()
  })

  it('holds 1,000 connections that never authenticate in bounded memory, serves others meanwhile, and closes them at the timeout', async () => {
    const before = rssKiB(broker.child.pid!)
    const sockets: Socket[] = []
    const closed: boolean[] = []
    const frame = Buffer.alloc(4)
    frame.writeInt32BE(500_000)
    const handshake = encodeRequestFrame(ApiKeys.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-512' }, 1)
    for (let i = 0; i < 1000; i++) {
      const socket = await new Promise<Socket>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: saslPort }, () => resolve(s))
        s.once('error', reject)
      })
      socket.on('error', () => undefined)
      // Read (and drop) what the broker sends, or Node never sees the broker close the socket.
      socket.resume()
      const index = i
      closed.push(false)
      socket.once('close', () => (closed[index] = true))
      // A third say nothing, a third start a 500 kB frame and stall after 1 kB, a third send a
      // SaslHandshake and stop.
      if (i % 3 === 1) socket.write(Buffer.concat([frame, randomBytes(1024)]))
      else if (i % 3 === 2) socket.write(handshake)
      sockets.push(socket)
    }
    try {
      await stillServes('during-1000')
      const grownKiB = rssKiB(broker.child.pid!) - before
      console.log(`broker RSS with 1,000 unauthenticated connections: +${Math.round(grownKiB / 1024)} MiB (from ${Math.round(before / 1024)} MiB)`)
      // Kafka would hold up to 1,000 × 500 kB for the stalled frames if it allocated them on
      // announcement; here a stalled frame costs what has arrived.
      expect(grownKiB).toBeLessThan(100 * 1024)
      const deadline = Date.now() + AUTH_TIMEOUT_MS + 30_000
      while (closed.some((c) => !c) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250))
      expect(closed.filter((c) => !c).length).toBe(0)
      expect(broker.output()).toMatch(/SASL authentication did not complete in time/)
    } finally {
      for (const socket of sockets) socket.destroy()
    }
    await stillServes('after-1000')
  }, 120_000)
})
