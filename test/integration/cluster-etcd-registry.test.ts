/**
 * Broker registration in etcd (src/cluster/broker-registry.ts) against a real etcd: a broker's
 * key lives exactly as long as its session lease, a second broker with the same node id is
 * refused, and a broker learns at once when it has lost its session, which is what makes a
 * paused or isolated leader stop acknowledging writes.
 */
import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { type BrokerChange, BrokerRegistry, EtcdConnection } from '../../src/cluster/index.js'
import { ErrorCodes, SamsaError } from '../../src/common/errors.js'
import { etcdPerFile } from '../helpers/etcd.js'

/** Short sessions keep the test fast; production uses broker.session.timeout.ms (9 s). */
const SESSION_MS = 2000

const etcdFile = etcdPerFile('samsa-registry', 3000)
const connect = etcdFile.connect

async function registry(connection: EtcdConnection, nodeId: number): Promise<BrokerRegistry> {
  const r = new BrokerRegistry(connection, {
    nodeId,
    endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + nodeId, securityProtocol: 'PLAINTEXT' }],
    rack: 'rack-a',
    sessionTimeoutMs: SESSION_MS,
  })
  etcdFile.track(r)
  await r.start()
  return r
}

/** Resolves with the first broker change matching `predicate`, as seen by `observer`. */
function nextChange(observer: BrokerRegistry, predicate: (change: BrokerChange) => boolean, timeoutMs = 15_000): Promise<BrokerChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`no matching broker change within ${timeoutMs} ms`))
    }, timeoutMs)
    const unsubscribe = observer.onBrokerChange((changes) => {
      const match = changes.find(predicate)
      if (match === undefined) return
      clearTimeout(timer)
      unsubscribe()
      resolve(match)
    })
  })
}

describe('connecting', () => {
  it('fails at once with a message naming the endpoint when etcd is unreachable', async () => {
    const started = performance.now()
    const error = await EtcdConnection.connect({ endpoints: ['http://127.0.0.1:9'], callTimeoutMs: 3000 }).catch((e: unknown) => e)
    expect(SamsaError.is(error, ErrorCodes.ETCD)).toBe(true)
    expect((error as Error).message).toMatch(/^cannot reach etcd at http:\/\/127\.0\.0\.1:9 /)
    expect(performance.now() - started).toBeLessThan(5000)
  })

  it('refuses an endpoint that is not a URL, naming it', async () => {
    const error = await EtcdConnection.connect({ endpoints: ['127.0.0.1:2379,127.0.0.1:2380'] }).catch((e: unknown) => e)
    expect(SamsaError.is(error, ErrorCodes.CONFIG)).toBe(true)
    expect((error as Error).message).toContain("'127.0.0.1:2379,127.0.0.1:2380'")
  })
})

describe('broker registration', () => {
  it('appears for every broker and disappears as soon as the broker revokes its session', async () => {
    const connection = await connect()
    const observer = await registry(await connect(connection.prefix), 100)
    const broker = await registry(connection, 1)

    const joined = nextChange(observer, (c) => c.type === 'joined' && c.nodeId === 1)
    const registration = await broker.register()
    expect((await joined).registration).toEqual(registration)
    expect(observer.broker(1)).toMatchObject({ nodeId: 1, rack: 'rack-a', endpoints: [{ host: '127.0.0.1', port: 9001 }] })

    const left = nextChange(observer, (c) => c.type === 'left' && c.nodeId === 1)
    await broker.deregister()
    expect((await left).registration.incarnationId).toBe(registration.incarnationId)
    expect(observer.liveBrokers()).toEqual([])
  })

  it('disappears within about one session timeout after its holder stops keeping it alive', async () => {
    const connection = await connect()
    const observer = await registry(await connect(connection.prefix), 100)
    const broker = await registry(connection, 2)
    await broker.register()
    await observer.waitForBrokers((brokers) => brokers.some((b) => b.nodeId === 2), 10_000)

    // A crash: keepalives stop, nothing is revoked; etcd expires the lease on its own.
    const left = nextChange(observer, (c) => c.type === 'left' && c.nodeId === 2)
    const stoppedAt = performance.now()
    broker.lease!.abandon()
    await left
    const expiryMs = performance.now() - stoppedAt
    console.log(`lease expiry to watch event: ${Math.round(expiryMs)} ms (TTL ${SESSION_MS} ms)`)
    expect(expiryMs).toBeLessThan(SESSION_MS + 3000)
  })

  it('refuses a second live broker with the same node id, naming the first one', async () => {
    const connection = await connect()
    const first = await registry(connection, 3)
    const registration = await first.register()
    const second = await registry(await connect(connection.prefix), 3)

    const error = await second.register().catch((e: unknown) => e)
    expect(SamsaError.is(error, ErrorCodes.CLUSTER)).toBe(true)
    expect((error as Error).message).toContain(`node.id 3 is already registered`)
    expect((error as Error).message).toContain(registration.incarnationId)
    expect((error as Error).message).toContain('127.0.0.1:9003')
    // The refused broker left nothing behind: the first registration is untouched.
    expect(second.broker(3)?.incarnationId).toBe(registration.incarnationId)
    expect(second.isRegistered()).toBe(false)

    // Once the first one is gone, the same node id can register (a new incarnation).
    await first.deregister()
    const replacement = await second.register({ waitMs: 10_000 })
    expect(replacement.incarnationId).not.toBe(registration.incarnationId)
  })

  it('tells the broker it lost its session as soon as etcd stops answering, then registers a new incarnation', async () => {
    const connection = await connect()
    const broker = await registry(connection, 4)
    const first = await broker.register()

    // Pause etcd itself: keepalives go unanswered, so the broker cannot prove its lease.
    const lost = new Promise<{ reason: string; afterMs: number }>((resolve) => {
      const pausedAt = performance.now()
      broker.onLeaseLost((reason) => resolve({ reason, afterMs: performance.now() - pausedAt }))
      etcdFile.etcd().stop(0)
    })
    let outcome: { reason: string; afterMs: number }
    try {
      outcome = await lost
      // The synchronous check a leader makes before acknowledging agrees at once.
      expect(broker.isRegistered()).toBe(false)
    } finally {
      etcdFile.etcd().cont(0)
    }
    console.log(`etcd paused to lease-lost callback: ${Math.round(outcome.afterMs)} ms (TTL ${SESSION_MS} ms)`)
    expect(outcome.reason).toBe('keepalive-timeout')
    expect(outcome.afterMs).toBeLessThanOrEqual(SESSION_MS + 500)

    // The old key may still be in etcd (its lease not yet expired there); ours, so replaceable.
    const second = await broker.register()
    expect(second.incarnationId).not.toBe(first.incarnationId)
    await broker.waitForBrokers((brokers) => brokers.find((b) => b.nodeId === 4)?.incarnationId === second.incarnationId, 10_000)
    expect(broker.isRegistered()).toBe(true)
  })
})
