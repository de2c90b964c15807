import { describe, expect, it } from 'vitest'
import { createLogger } from '../../../src/common/logger.js'
import { parseConnectionOverrides } from '../../../src/common/config/connection-overrides.js'
import { ConnectionQuotas, type ConnectionLimits } from '../../../src/network/connection-quotas.js'

const UNLIMITED = 2147483647
const lines: string[] = []
const logger = { ...createLogger('test', 'silent'), warn: (message: string) => void lines.push(message) }

function quotas(limits: Partial<ConnectionLimits>, clock = { now: 0 }): ConnectionQuotas {
  return new ConnectionQuotas(
    { maxConnections: UNLIMITED, maxConnectionsPerIp: UNLIMITED, perIpOverrides: new Map(), maxCreationRate: UNLIMITED, ...limits },
    logger,
    () => clock.now,
  )
}

describe('ConnectionQuotas', () => {
  it('counts the broker-wide limit over all addresses and gives a slot back on release', () => {
    const q = quotas({ maxConnections: 2 })
    expect(q.acquire('10.0.0.1', 'PLAINTEXT')).toBeNull()
    expect(q.acquire('10.0.0.2', 'PLAINTEXT')).toBeNull()
    expect(q.acquire('10.0.0.3', 'PLAINTEXT')).toBe('max.connections')
    q.release('10.0.0.1')
    expect(q.acquire('10.0.0.3', 'PLAINTEXT')).toBeNull()
    expect(q.connectionCount).toBe(2)
    expect(q.refusals()['max.connections']).toBe(1)
  })

  it('applies an override instead of the per-IP default for the address it names', () => {
    const q = quotas({ maxConnectionsPerIp: 1, perIpOverrides: new Map([['10.0.0.9', 3]]) })
    expect(q.acquire('10.0.0.1', 'PLAINTEXT')).toBeNull()
    expect(q.acquire('10.0.0.1', 'PLAINTEXT')).toBe('max.connections.per.ip')
    for (let i = 0; i < 3; i++) expect(q.acquire('10.0.0.9', 'PLAINTEXT')).toBeNull()
    expect(q.acquire('10.0.0.9', 'PLAINTEXT')).toBe('max.connections.per.ip')
  })

  it('lets a second of burst through at the creation rate, then queues each connection one turn behind the last', () => {
    const clock = { now: 1_000 }
    const q = quotas({ maxCreationRate: 4 }, clock)
    expect([q.acceptDelayMs(), q.acceptDelayMs(), q.acceptDelayMs(), q.acceptDelayMs()]).toEqual([0, 0, 0, 0])
    expect([q.acceptDelayMs(), q.acceptDelayMs()]).toEqual([250, 500])
    expect(q.throttledCount).toBe(2)
    // After a quiet second the promised turns are paid off and the bucket refills to one second.
    clock.now += 2_000
    expect(q.acceptDelayMs()).toBe(0)
  })

  it('logs the first refusal, then at most one line per ten seconds with the number it held back', () => {
    lines.length = 0
    const clock = { now: 0 }
    const q = quotas({ maxConnections: 0 }, clock)
    for (let i = 0; i < 50; i++) q.acquire('10.0.0.1', 'PLAINTEXT')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('max.connections (0) reached')
    clock.now += 10_000
    q.acquire('10.0.0.1', 'PLAINTEXT')
    expect(lines).toHaveLength(2)
    expect(q.refusals()['max.connections']).toBe(51)
  })
})

describe('max.connections.per.ip.overrides', () => {
  it('reads IPv4 and IPv6 entries, the count after the last colon', () => {
    expect(parseConnectionOverrides(['127.0.0.1:200', '::1:5', '[fe80::2]:7'])).toEqual(new Map([['127.0.0.1', 200], ['::1', 5], ['fe80::2', 7]]))
  })

  it('names an entry that is not an address and a count', () => {
    expect(parseConnectionOverrides(['kafka.example.com:5'])).toMatch(/'kafka\.example\.com:5' is not an IP address/)
    expect(parseConnectionOverrides(['127.0.0.1'])).toMatch(/not an IP address and a connection count/)
  })
})
