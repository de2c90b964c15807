/**
 * How GET /api/clients groups connections: by software name and version, the biggest group first,
 * each with its whole count and at most MAX_LISTED connections listed, the oldest.
 */
import { describe, expect, it } from 'vitest'
import { MAX_LISTED, bySoftware } from '../../../../src/gateway/console/api/clients.js'
import type { ClientConnection } from '../../../../src/network/connection-registry.js'

function connection(id: number, softwareName: string, softwareVersion: string, listener = 'PLAINTEXT'): ClientConnection {
  return { id, listener, address: `127.0.0.1:${40000 + id}`, principal: 'User:ANONYMOUS', clientId: `c-${id}`, softwareName, softwareVersion, connectedAt: 1_000 + id, requests: 1, bytesIn: 10, bytesOut: 20 }
}

describe('console clients grouping', () => {
  it('groups by software name and version, largest first, then by name and version', () => {
    const groups = bySoftware([
      connection(1, 'librdkafka', '2.0.2'),
      connection(2, 'apache-kafka-java', '3.9.1'),
      connection(3, 'librdkafka', '2.0.2', 'SSL'),
      connection(4, 'apache-kafka-java', '4.1.0'),
      connection(5, 'unknown', 'unknown'),
    ])
    expect(groups.map((g) => [g.name, g.version, g.connectionCount, g.listeners])).toEqual([
      ['librdkafka', '2.0.2', 2, ['PLAINTEXT', 'SSL']],
      ['apache-kafka-java', '3.9.1', 1, ['PLAINTEXT']],
      ['apache-kafka-java', '4.1.0', 1, ['PLAINTEXT']],
      ['unknown', 'unknown', 1, ['PLAINTEXT']],
    ])
    expect(groups[0]!.connections.map((c) => c.id)).toEqual([1, 3])
  })

  it(`lists at most ${MAX_LISTED} connections of a group, the oldest, and counts them all`, () => {
    const many = Array.from({ length: MAX_LISTED + 50 }, (_, i) => connection(i, 'platformatic-kafka', '1.35.0'))
    const [group] = bySoftware(many)
    expect(group!.connectionCount).toBe(MAX_LISTED + 50)
    expect(group!.connections.map((c) => c.id)).toEqual(Array.from({ length: MAX_LISTED }, (_, i) => i))
  })
})
