import { type AddressInfo, connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../../src/common/logger.js'
import { CLOSE_CONNECTION, NO_RESPONSE, type Outcome, type RequestProcessor } from '../../../src/network/connection.js'
import { ConnectionQuotas } from '../../../src/network/connection-quotas.js'
import { ConnectionRegistry } from '../../../src/network/connection-registry.js'
import { KafkaListener } from '../../../src/network/listener.js'
import type { AuthenticatorFactory } from '../../../src/network/authenticator.js'

const logger = createLogger('test', 'silent')

/** A request frame whose body is a 10-byte header-sized payload starting with a 4-byte tag. */
function request(tag: number, extra = 6): Buffer {
  const out = Buffer.alloc(4 + 4 + extra)
  out.writeInt32BE(4 + extra, 0)
  out.writeInt32BE(tag, 4)
  return out
}

function response(tag: number, size = 4): Outcome {
  const out = Buffer.alloc(4 + size)
  out.writeInt32BE(size, 0)
  out.writeInt32BE(tag, 4)
  return { chunks: [out] }
}

/** Reads whole response frames from a client socket. */
function collect(socket: Socket): { tags: number[]; bytes: () => number; closed: Promise<void> } {
  const tags: number[] = []
  let total = 0
  let pending = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    total += chunk.length
    pending = Buffer.concat([pending, chunk])
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = pending.readInt32BE(0)
      tags.push(pending.readInt32BE(4))
      pending = pending.subarray(4 + size)
    }
  })
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return { tags, bytes: () => total, closed }
}

let listener: KafkaListener | undefined
afterEach(async () => {
  await listener?.close()
  listener = undefined
})

async function start(processor: RequestProcessor, maxFrameBytes = 1 << 20, authenticator: AuthenticatorFactory | null = null, registry?: ConnectionRegistry): Promise<AddressInfo> {
  listener = new KafkaListener(processor, {
    name: authenticator === null ? 'PLAINTEXT' : 'SASL_PLAINTEXT',
    securityProtocol: authenticator === null ? 'PLAINTEXT' : 'SASL_PLAINTEXT',
    authenticator,
    ssl: null,
    host: '127.0.0.1',
    port: 0,
    maxFrameBytes,
    idleTimeoutMs: 0,
    maxQueuedRequests: 500,
    maxQueuedRequestBytes: Math.max(maxFrameBytes * 2, 1 << 20),
    quotas: unlimitedQuotas(),
    registry,
    fileTransfer: null,
    logger,
  })
  return listener.listen()
}

function unlimitedQuotas(): ConnectionQuotas {
  const unlimited = 2147483647
  return new ConnectionQuotas({ maxConnections: unlimited, maxConnectionsPerIp: unlimited, perIpOverrides: new Map(), maxCreationRate: unlimited }, logger)
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(condition()).toBe(true)
}

describe('KafkaConnection', () => {
  it('answers pipelined requests in request order, even when an earlier one is slow', async () => {
    const address = await start({
      process(frame) {
        const tag = frame.readInt32BE(0)
        // Every third request completes later than the ones pipelined behind it would.
        if (tag % 3 === 0) return new Promise<Outcome>((resolve) => setTimeout(() => resolve(response(tag)), 20))
        return response(tag)
      },
    })
    const client = connect(address.port, '127.0.0.1')
    const got = collect(client)
    client.write(Buffer.concat(Array.from({ length: 30 }, (_, i) => request(i))))
    await until(() => got.tags.length === 30)
    expect(got.tags).toEqual(Array.from({ length: 30 }, (_, i) => i))
    client.destroy()
  })

  it('sends nothing for NO_RESPONSE and keeps serving', async () => {
    const address = await start({
      process(frame) {
        const tag = frame.readInt32BE(0)
        return tag === 1 ? NO_RESPONSE : response(tag)
      },
    })
    const client = connect(address.port, '127.0.0.1')
    const got = collect(client)
    client.write(Buffer.concat([request(0), request(1), request(2)]))
    await until(() => got.tags.length === 2)
    expect(got.tags).toEqual([0, 2])
    client.destroy()
  })

  it('closes the connection for CLOSE_CONNECTION without answering later requests', async () => {
    let processed = 0
    const address = await start({
      process(frame) {
        processed++
        return frame.readInt32BE(0) === 1 ? CLOSE_CONNECTION : response(frame.readInt32BE(0))
      },
    })
    const client = connect(address.port, '127.0.0.1')
    const got = collect(client)
    client.write(Buffer.concat([request(0), request(1), request(2)]))
    await got.closed
    expect(got.tags).toEqual([0])
    expect(processed).toBe(2)
  })

  it('closes the connection on a frame over the size limit, and the broker keeps serving others', async () => {
    const address = await start({ process: (frame) => response(frame.readInt32BE(0)) }, 64)
    const bad = connect(address.port, '127.0.0.1')
    const badGot = collect(bad)
    const size = Buffer.alloc(4)
    size.writeInt32BE(65)
    bad.write(size)
    await badGot.closed
    expect(badGot.tags).toEqual([])

    const good = connect(address.port, '127.0.0.1')
    const goodGot = collect(good)
    good.write(request(7))
    await until(() => goodGot.tags.length === 1)
    expect(goodGot.tags).toEqual([7])
    good.destroy()
  })

  it('closes only the connection whose handler threw', async () => {
    const address = await start({
      process(frame) {
        if (frame.readInt32BE(0) === 666) throw new Error('handler bug')
        return response(frame.readInt32BE(0))
      },
    })
    const bad = connect(address.port, '127.0.0.1')
    const badGot = collect(bad)
    bad.write(request(666))
    await badGot.closed
    const good = connect(address.port, '127.0.0.1')
    const goodGot = collect(good)
    good.write(request(1))
    await until(() => goodGot.tags.length === 1)
    good.destroy()
  })

  it('stops processing while a client does not read its responses, and resumes when it does', async () => {
    let processed = 0
    const big = 4 << 20
    const address = await start({
      process(frame) {
        processed++
        return response(frame.readInt32BE(0), big)
      },
    })
    const client = connect(address.port, '127.0.0.1')
    client.pause()
    const requests = Array.from({ length: 64 }, (_, i) => request(i))
    client.write(Buffer.concat(requests))
    await new Promise((r) => setTimeout(r, 300))
    // 64 responses of 4 MiB would be 256 MiB queued; backpressure keeps it to a few.
    expect(processed).toBeLessThan(8)
    const got = collect(client)
    client.resume()
    await until(() => got.tags.length === 64)
    expect(processed).toBe(64)
    expect(got.tags).toEqual(Array.from({ length: 64 }, (_, i) => i))
    client.destroy()
  })

  it('sends every frame to the authenticator until it authenticates, and only small frames before that', async () => {
    const seenByBroker: number[] = []
    const seenByAuthenticator: number[] = []
    const principals: string[] = []
    const authenticator: AuthenticatorFactory = (connection, security) => {
      expect(security).toEqual({ listenerName: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT' })
      const state = {
        authenticated: false,
        maxFrameBytes: 32,
        process(frame: Buffer) {
          const tag = frame.readInt32BE(0)
          seenByAuthenticator.push(tag)
          // Tag 7 stands for a SaslAuthenticate that succeeds.
          if (tag === 7) {
            state.authenticated = true
            connection.principal = { principalType: 'User', name: 'alice' }
          }
          return response(tag)
        },
      }
      return state
    }
    const address = await start({
      process(frame, connection) {
        seenByBroker.push(frame.readInt32BE(0))
        principals.push(connection.principal.name)
        return response(frame.readInt32BE(0))
      },
    }, 1 << 20, authenticator)
    const client = connect(address.port, '127.0.0.1')
    const got = collect(client)
    client.write(request(1))
    await until(() => got.tags.length === 1)
    client.write(request(7))
    await until(() => got.tags.length === 2)
    // Authenticated: the broker's own limit applies, so a 100-byte frame is fine now.
    client.write(Buffer.concat([request(2, 100), request(3)]))
    await until(() => got.tags.length === 4)
    expect(seenByAuthenticator).toEqual([1, 7])
    expect(seenByBroker).toEqual([2, 3])
    expect(principals).toEqual(['alice', 'alice'])
    client.destroy()

    // Before authentication a frame over the authenticator's limit closes the connection unread.
    const eager = connect(address.port, '127.0.0.1')
    const eagerGot = collect(eager)
    eager.write(request(9, 100))
    await eagerGot.closed
    expect(eagerGot.tags).toEqual([])
    expect(seenByAuthenticator).toEqual([1, 7])
  })
})

describe('ConnectionRegistry', () => {
  it('knows each open connection, its client id and software, requests and bytes both ways, and forgets it once closed', async () => {
    const registry = new ConnectionRegistry()
    // Tag 7 plays ApiVersions v3 (names the software); every request names a client id.
    const address = await start({
      process(frame, connection) {
        const tag = frame.readInt32BE(0)
        connection.clientId = `client-${tag % 2}`
        if (tag === 7) connection.clientSoftware = { name: 'librdkafka', version: '2.0.2' }
        return response(tag, 20)
      },
    }, 1 << 20, null, registry)
    expect(registry.totals()).toEqual([{ listener: 'PLAINTEXT', created: 0, closed: 0 }])

    const named = connect(address.port, '127.0.0.1')
    const namedGot = collect(named)
    named.write(Buffer.concat([request(7), request(9), request(11)]))
    const anonymous = connect(address.port, '127.0.0.1')
    const anonymousGot = collect(anonymous)
    anonymous.write(request(2))
    await until(() => namedGot.tags.length === 3 && anonymousGot.tags.length === 1)

    const byClient = new Map(registry.connections().map((c) => [c.clientId, c]))
    expect(byClient.get('client-1')).toMatchObject({
      listener: 'PLAINTEXT',
      address: `127.0.0.1:${named.localPort}`,
      principal: 'User:ANONYMOUS',
      softwareName: 'librdkafka',
      softwareVersion: '2.0.2',
      requests: 3,
      bytesIn: 3 * 14,
      bytesOut: namedGot.bytes(),
    })
    expect(byClient.get('client-0')).toMatchObject({ softwareName: 'unknown', softwareVersion: 'unknown', requests: 1, bytesIn: 14, bytesOut: 24 })
    expect(registry.softwareCounts().sort((a, b) => a.softwareName.localeCompare(b.softwareName))).toEqual([
      { listener: 'PLAINTEXT', softwareName: 'librdkafka', softwareVersion: '2.0.2', connections: 1 },
      { listener: 'PLAINTEXT', softwareName: 'unknown', softwareVersion: 'unknown', connections: 1 },
    ])

    named.destroy()
    await until(() => registry.size === 1)
    expect(registry.connections().map((c) => c.clientId)).toEqual(['client-0'])
    expect(registry.totals()).toEqual([{ listener: 'PLAINTEXT', created: 2, closed: 1 }])
    anonymous.destroy()
    await until(() => registry.size === 0)
    expect(registry.softwareCounts()).toEqual([])
  })
})
