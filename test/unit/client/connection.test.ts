import { type AddressInfo, type Server, type Socket, createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { parseHostPort } from '../../../src/client/cluster.js'
import { BrokerConnection } from '../../../src/client/connection.js'
import { ErrorCodes, SamsaError } from '../../../src/common/errors.js'
import { ApiKeys } from '../../../src/protocol/api-keys.js'
import { KafkaErrorCodes } from '../../../src/protocol/error-codes.js'
import { decodeRequest, encodeResponse } from '../../../src/protocol/frames.js'
import { flattenChunks } from '../../../src/protocol/writer.js'

type Respond = (request: ReturnType<typeof decodeRequest>, socket: Socket) => void

const servers: Server[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

/** A fake broker: frames in, `respond` decides what goes out. Serves ApiVersions v3 itself. */
async function fakeBroker(respond: Respond, versions: Array<[number, number, number]> = [[ApiKeys.Metadata, 0, 12], [ApiKeys.Heartbeat, 0, 4]]): Promise<{ port: number; requests: Array<ReturnType<typeof decodeRequest>> }> {
  const requests: Array<ReturnType<typeof decodeRequest>> = []
  const server = createServer((socket) => {
    let buffered = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const frame = buffered.subarray(4, 4 + buffered.readInt32BE(0))
        buffered = buffered.subarray(4 + frame.length)
        const request = decodeRequest(frame)
        requests.push(request)
        if (request.apiKey === ApiKeys.ApiVersions) {
          const body = {
            errorCode: 0,
            apiKeys: [[ApiKeys.ApiVersions, 0, 3], ...versions].map(([apiKey, minVersion, maxVersion]) => ({ apiKey: apiKey!, minVersion: minVersion!, maxVersion: maxVersion! })),
          }
          socket.write(flattenChunks(encodeResponse(ApiKeys.ApiVersions, request.apiVersion, request.header.correlationId, body).chunks))
          continue
        }
        respond(request, socket)
      }
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, requests }
}

function heartbeatResponse(correlationId: number, errorCode: number, version = 4): Buffer {
  return flattenChunks(encodeResponse(ApiKeys.Heartbeat, version, correlationId, { errorCode }).chunks)
}

const heartbeat = { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }

describe('BrokerConnection', () => {
  it('agrees versions through ApiVersions and speaks the highest both sides know', async () => {
    const { port } = await fakeBroker(() => {}, [[ApiKeys.Metadata, 0, 7], [ApiKeys.Fetch, 4, 16]])
    const connection = await BrokerConnection.open({ host: '127.0.0.1', port })
    expect(connection.versionFor(ApiKeys.Metadata)).toBe(7)
    // Fetch stops at 12 on the client side (13+ names topics by id).
    expect(connection.versionFor(ApiKeys.Fetch)).toBe(12)
    expect(connection.supports(ApiKeys.CreateTopics)).toBe(false)
    expect(() => connection.versionFor(ApiKeys.CreateTopics)).toThrow(/does not support CreateTopics \(API key 19\)/)
    connection.close()
  })

  it('pipelines requests and matches responses to them in order, even when answers arrive split and joined', async () => {
    const pending: Array<ReturnType<typeof decodeRequest>> = []
    const { port } = await fakeBroker((request, socket) => {
      pending.push(request)
      if (pending.length < 3) return
      // Answer all three at once, in one write cut at odd places.
      const bytes = Buffer.concat(pending.map((r, i) => heartbeatResponse(r.header.correlationId, i === 1 ? KafkaErrorCodes.REBALANCE_IN_PROGRESS : 0)))
      socket.write(bytes.subarray(0, 3))
      setTimeout(() => socket.write(bytes.subarray(3, 17)), 5)
      setTimeout(() => socket.write(bytes.subarray(17)), 10)
    })
    const connection = await BrokerConnection.open({ host: '127.0.0.1', port })
    const answers = await Promise.all([0, 1, 2].map(() => connection.request(ApiKeys.Heartbeat, heartbeat)))
    expect(answers.map((a) => a.errorCode)).toEqual([0, KafkaErrorCodes.REBALANCE_IN_PROGRESS, 0])
    connection.close()
  })

  it('keeps at most maxInFlightRequests outstanding and sends the rest as answers come', async () => {
    let outstanding = 0
    let most = 0
    const { port } = await fakeBroker((request, socket) => {
      outstanding++
      most = Math.max(most, outstanding)
      setTimeout(() => {
        outstanding--
        socket.write(heartbeatResponse(request.header.correlationId, 0))
      }, 2)
    })
    const connection = await BrokerConnection.open({ host: '127.0.0.1', port, maxInFlightRequests: 2 })
    await Promise.all(Array.from({ length: 10 }, () => connection.request(ApiKeys.Heartbeat, heartbeat)))
    expect(most).toBe(2)
    connection.close()
  })

  it('fails every outstanding request when the broker answers out of order, and closes', async () => {
    const { port } = await fakeBroker((request, socket) => socket.write(heartbeatResponse(request.header.correlationId + 100, 0)))
    const connection = await BrokerConnection.open({ host: '127.0.0.1', port })
    const error = await connection.request(ApiKeys.Heartbeat, heartbeat).catch((e: unknown) => e)
    expect(SamsaError.is(error, ErrorCodes.PROTOCOL)).toBe(true)
    expect(connection.isClosed).toBe(true)
  })

  it('times out a request nobody answers and closes the connection', async () => {
    const { port } = await fakeBroker(() => {})
    const connection = await BrokerConnection.open({ host: '127.0.0.1', port, requestTimeoutMs: 100 })
    const error = await connection.request(ApiKeys.Heartbeat, heartbeat).catch((e: unknown) => e)
    expect(SamsaError.is(error, ErrorCodes.TIMEOUT)).toBe(true)
    expect((error as Error).message).toMatch(/did not answer Heartbeat/)
    expect(connection.isClosed).toBe(true)
  })

  it('reports a refused connection with what to do', async () => {
    const error = await BrokerConnection.open({ host: '127.0.0.1', port: 1 }).catch((e: unknown) => e)
    expect(SamsaError.is(error, ErrorCodes.NETWORK)).toBe(true)
    expect((error as Error).message).toBe('cannot reach broker at 127.0.0.1:1: connection refused — is it running? try `npm start` (or pass --bootstrap-server host:port)')
  })

  it('fails outstanding requests when the broker closes the connection', async () => {
    const { port } = await fakeBroker((_request, socket) => socket.destroy())
    const connection = await BrokerConnection.open({ host: '127.0.0.1', port })
    const error = await connection.request(ApiKeys.Heartbeat, heartbeat).catch((e: unknown) => e)
    expect(SamsaError.is(error, ErrorCodes.NETWORK)).toBe(true)
  })
})

describe('parseHostPort', () => {
  it('reads host:port and [v6]:port, and refuses anything else with an example', () => {
    expect(parseHostPort('127.0.0.1:9092')).toEqual({ host: '127.0.0.1', port: 9092 })
    expect(parseHostPort('[::1]:19092')).toEqual({ host: '::1', port: 19092 })
    expect(() => parseHostPort('localhost')).toThrow("'localhost' is not a broker address; use host:port, e.g. 127.0.0.1:9092.")
    expect(() => parseHostPort('h:99999')).toThrow(/not a broker address/)
  })
})
