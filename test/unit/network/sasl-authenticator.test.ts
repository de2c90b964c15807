/**
 * The per-connection SASL state machine (network/sasl-authenticator.ts) driven through the
 * broker's own request processor and SASL handlers, with a connection stand-in that routes
 * frames the way KafkaConnection does (to the authenticator until it says authenticated) and a
 * clock the test moves.
 */
import { describe, expect, it } from 'vitest'
import { BrokerRequestProcessor } from '../../../src/broker/request-processor.js'
import type { BrokerContext } from '../../../src/broker/broker-context.js'
import type { ApiHandler } from '../../../src/broker/handler.js'
import { apiVersionsHandler } from '../../../src/broker/handlers/api-versions.js'
import { saslAuthenticateHandler } from '../../../src/broker/handlers/sasl-authenticate.js'
import { saslHandshakeHandler } from '../../../src/broker/handlers/sasl-handshake.js'
import { ANONYMOUS, type KafkaPrincipal } from '../../../src/common/kafka-principal.js'
import { createLogger } from '../../../src/common/logger.js'
import { CLOSE_CONNECTION, type KafkaConnection, type Outcome } from '../../../src/network/connection.js'
import { SaslAuthenticators, SaslServerAuthenticator } from '../../../src/network/sasl-authenticator.js'
import { ApiKeys, KafkaErrorCodes, decodeResponse, encodeRequest, flattenChunks } from '../../../src/protocol/index.js'
import type { DescribedApiKey, RequestInputOf, ResponseOf } from '../../../src/protocol/index.js'
import { PlainMechanism, plainUsersFromJaas } from '../../../src/security/sasl/plain.js'
import type { SaslListener } from '../../../src/security/sasl/sasl-listener.js'

const logger = createLogger('test', 'error')
const users = plainUsersFromJaas(new Map([['user_alice', 'alice-secret'], ['user_bob', 'bob-secret']]))

function setup(reauthMs = 0) {
  let now = 1_000_000
  const listener: SaslListener = {
    listenerName: 'SASL_PLAINTEXT',
    enabledMechanisms: ['PLAIN'],
    mechanisms: new Map([['PLAIN', new PlainMechanism(users.check)]]),
    maxReceiveBytes: 524288,
    reauthMs,
    authenticationTimeoutMs: 60_000,
    close: () => undefined,
  }
  const sessions = new SaslAuthenticators()
  const context = { saslAuthenticators: sessions } as unknown as BrokerContext
  const handlers = [saslHandshakeHandler(context), saslAuthenticateHandler(context)]
  const processor: BrokerRequestProcessor = new BrokerRequestProcessor([...handlers, apiVersionsHandler((): ApiHandler[] => processor.handlers())], logger)
  const connection = {
    id: 1,
    remoteAddress: '127.0.0.1',
    remotePort: 5000,
    localPort: 9092,
    listenerName: 'SASL_PLAINTEXT',
    principal: ANONYMOUS as KafkaPrincipal,
    closing: false,
    closed: false,
    closeAfterResponse() {
      this.closing = true
    },
    close() {
      this.closed = true
    },
  }
  const authenticator = new SaslServerAuthenticator(connection as unknown as KafkaConnection, listener, processor, logger, () => now)
  sessions.register(connection, authenticator)
  let correlationId = 0
  /** Sends one frame the way KafkaConnection routes it. */
  const route = async (frame: Buffer): Promise<Outcome> =>
    authenticator.authenticated ? processor.process(frame, connection) : authenticator.process(frame, connection as unknown as KafkaConnection)
  const request = async <K extends DescribedApiKey>(apiKey: K, version: number, body: RequestInputOf<K>): Promise<ResponseOf<K> | typeof CLOSE_CONNECTION> => {
    const id = ++correlationId
    const out = encodeRequest(apiKey, version, id, 'test', body)
    const outcome = await route(flattenChunks(out.chunks, out.byteLength).subarray(4))
    if (outcome === CLOSE_CONNECTION) return CLOSE_CONNECTION
    if (typeof outcome === 'symbol') throw new Error('no response')
    const frame = Buffer.concat(outcome.chunks as Buffer[]).subarray(4)
    return decodeResponse(apiKey, version, frame).body
  }
  const login = async (user: string, password: string, version = 2) => {
    expect(await request(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: 0, mechanisms: ['PLAIN'] })
    return request(ApiKeys.SaslAuthenticate, version, { authBytes: Buffer.from(`\0${user}\0${password}`) })
  }
  return { authenticator, connection, request, route, login, advance: (ms: number) => (now += ms) }
}

describe('SASL authenticator', () => {
  it('answers ApiVersions before authentication and closes on anything else', async () => {
    const { request } = setup()
    const versions = await request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })
    expect(versions).not.toBe(CLOSE_CONNECTION)
    expect(await request(ApiKeys.Metadata, 1, { topics: null })).toBe(CLOSE_CONNECTION)
  })

  it('sets the principal on success and reports no session lifetime when connections.max.reauth.ms is 0', async () => {
    const { login, authenticator, connection } = setup()
    expect(connection.principal).toBe(ANONYMOUS)
    expect(await login('alice', 'alice-secret')).toMatchObject({ errorCode: 0, sessionLifetimeMs: 0n })
    expect(authenticator.authenticated).toBe(true)
    expect(connection.principal).toEqual({ principalType: 'User', name: 'alice' })
  })

  it('fails a bad password with the message, and closes once the answer is out', async () => {
    const { login, authenticator, connection } = setup()
    expect(await login('alice', 'nope')).toMatchObject({ errorCode: KafkaErrorCodes.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed: Invalid username or password' })
    expect(connection.closing).toBe(true)
    expect(authenticator.authenticated).toBe(false)
    expect(connection.principal).toBe(ANONYMOUS)
  })

  it('answers SaslAuthenticate without a handshake with ILLEGAL_SASL_STATE', async () => {
    const { request, connection } = setup()
    expect(await request(ApiKeys.SaslAuthenticate, 1, { authBytes: Buffer.from('\0alice\0alice-secret') })).toMatchObject({ errorCode: KafkaErrorCodes.ILLEGAL_SASL_STATE })
    expect(connection.closing).toBe(true)
  })

  it('gives the session lifetime, accepts a re-authentication before and just after it ends, and closes a connection that sends anything else after it ended', async () => {
    const { login, request, authenticator, advance } = setup(10_000)
    expect(await login('alice', 'alice-secret')).toMatchObject({ errorCode: 0, sessionLifetimeMs: 10_000n })
    advance(9_000)
    expect(authenticator.authenticated).toBe(true)
    // KIP-368: the client re-authenticates on the same connection; a new session begins.
    expect(await login('alice', 'alice-secret')).toMatchObject({ errorCode: 0, sessionLifetimeMs: 10_000n })
    advance(9_000)
    expect(authenticator.authenticated).toBe(true)
    advance(2_000)
    expect(authenticator.authenticated).toBe(false)
    // A client that begins re-authenticating just after the end is still accepted.
    expect(await login('alice', 'alice-secret')).toMatchObject({ errorCode: 0, sessionLifetimeMs: 10_000n })
    advance(11_000)
    expect(await request(ApiKeys.Metadata, 1, { topics: null })).toBe(CLOSE_CONNECTION)
  })

  it('refuses a re-authentication as someone else', async () => {
    const { login, connection } = setup(10_000)
    await login('alice', 'alice-secret')
    expect(await login('bob', 'bob-secret')).toMatchObject({ errorCode: KafkaErrorCodes.SASL_AUTHENTICATION_FAILED, errorMessage: expect.stringMatching(/Cannot change principals/) })
    expect(connection.closing).toBe(true)
    expect(connection.principal).toEqual({ principalType: 'User', name: 'alice' })
  })

  it('after SaslHandshake v0, takes a raw token and answers with a raw token', async () => {
    const { request, route, authenticator } = setup()
    expect(await request(ApiKeys.SaslHandshake, 0, { mechanism: 'PLAIN' })).toEqual({ errorCode: 0, mechanisms: ['PLAIN'] })
    expect(authenticator.rawTokens).toBe(true)
    const outcome = await route(Buffer.from('\0alice\0alice-secret'))
    expect(outcome).not.toBe(CLOSE_CONNECTION)
    expect(Buffer.concat((outcome as { chunks: Buffer[] }).chunks)).toEqual(Buffer.from([0, 0, 0, 0]))
    expect(authenticator.authenticated).toBe(true)
  })

  it('closes at once on a bad raw token, as Kafka does for v0', async () => {
    const { request, route } = setup()
    await request(ApiKeys.SaslHandshake, 0, { mechanism: 'PLAIN' })
    expect(await route(Buffer.from('\0alice\0wrong'))).toBe(CLOSE_CONNECTION)
  })
})
