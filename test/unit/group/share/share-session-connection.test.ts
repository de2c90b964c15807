/**
 * A share session belongs to the connection that opened it: when that connection closes, the
 * cache drops it (and answers it, so the manager releases its member's records). A member that
 * opened its session again on a new connection keeps it when the old connection closes.
 */
import { describe, expect, it } from 'vitest'
import { ShareSessionCache, connectionKey } from '../../../../src/group/share/share-session.js'

const p0 = { topicId: 'T', partition: 0 }

describe('ShareSessionCache and connections', () => {
  it('drops the sessions a closed connection opened, and only those', () => {
    const cache = new ShareSessionCache({ maxSessions: 3 })
    const first = connectionKey('PLAINTEXT', 1)
    const second = connectionKey('PLAINTEXT', 2)
    cache.update('g', 'a', 0, [p0], [], true, first)
    cache.update('g', 'b', 0, [p0], [], true, first)
    cache.update('g', 'c', 0, [p0], [], true, second)

    expect(cache.removeConnection(first).map((s) => s.memberId).sort()).toEqual(['a', 'b'])
    expect(cache.size).toBe(1)
    // The closed connection's members have no session now; c's goes on at its next epoch.
    expect(cache.update('g', 'a', 1, [], [], true).errorCode).not.toBe(0)
    expect(cache.update('g', 'c', 1, [], [], true).errorCode).toBe(0)
  })

  it('a session opened again on a new connection moves there', () => {
    const cache = new ShareSessionCache()
    const old = connectionKey('PLAINTEXT', 1)
    cache.update('g', 'a', 0, [p0], [], true, old)
    cache.update('g', 'a', 0, [p0], [], true, connectionKey('PLAINTEXT', 2))
    expect(cache.removeConnection(old)).toEqual([])
    expect(cache.size).toBe(1)
  })

  it('tells connections of different listeners apart (each numbers its own from 1)', () => {
    expect(connectionKey('PLAINTEXT', 1)).not.toBe(connectionKey('SASL_PLAINTEXT', 1))
  })
})
