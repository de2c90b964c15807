import { describe, expect, test } from 'vitest'
import { createLogger } from '../../../src/common/logger.js'
import { type ClientQuotaEntity, type QuotaKey, entityFromKey, entityKey } from '../../../src/security/client-quota-entity.js'
import { ClientQuotaManager } from '../../../src/security/client-quota-manager.js'
import { resolveQuota } from '../../../src/security/client-quota-precedence.js'
import { MemorySecurityStore } from '../../helpers/memory-security-store.js'

/** The eight levels of Kafka's precedence, most specific first, each with a distinct rate. */
const levels: Array<[string, ClientQuotaEntity, number]> = [
  ['/config/users/alice/clients/app', { user: 'alice', clientId: 'app' }, 1],
  ['/config/users/alice/clients/<default>', { user: 'alice', clientId: null }, 2],
  ['/config/users/alice', { user: 'alice' }, 3],
  ['/config/users/<default>/clients/app', { user: null, clientId: 'app' }, 4],
  ['/config/users/<default>/clients/<default>', { user: null, clientId: null }, 5],
  ['/config/users/<default>', { user: null }, 6],
  ['/config/clients/app', { clientId: 'app' }, 7],
  ['/config/clients/<default>', { clientId: null }, 8],
]

function table(entries: ReadonlyArray<[string, ClientQuotaEntity, number]>, key: QuotaKey = 'producer_byte_rate') {
  return new Map(entries.map(([, entity, rate]) => [entityKey(entity), { [key]: rate }]))
}

describe('client quota precedence', () => {
  test.each(levels.map((level, i) => [level[0], i] as const))('%s applies when nothing more specific is set', (_path, i) => {
    const quota = resolveQuota(table(levels.slice(i)), 'producer_byte_rate', 'alice', 'app')
    expect(quota?.limit).toBe(levels[i]![2])
  })

  test('each key is resolved on its own', () => {
    const quotas = new Map([
      [entityKey({ user: 'alice' }), { producer_byte_rate: 100 }],
      [entityKey({ clientId: null }), { consumer_byte_rate: 200, producer_byte_rate: 999 }],
    ])
    expect(resolveQuota(quotas, 'producer_byte_rate', 'alice', 'app')?.limit).toBe(100)
    expect(resolveQuota(quotas, 'consumer_byte_rate', 'alice', 'app')?.limit).toBe(200)
    expect(resolveQuota(quotas, 'request_percentage', 'alice', 'app')).toBeNull()
  })

  test('a user-level quota is shared by all its client ids; a client-level one by all users', () => {
    const quotas = table([levels[2]!, levels[6]!])
    expect(resolveQuota(quotas, 'producer_byte_rate', 'alice', 'app')).toEqual({ limit: 3, userTag: 'alice', clientTag: '' })
    expect(resolveQuota(quotas, 'producer_byte_rate', 'bob', 'app')).toEqual({ limit: 7, userTag: '', clientTag: 'app' })
  })

  test('entity keys survive names with separators', () => {
    const entity = { user: 'CN=ops,O=example', clientId: 'a=b' }
    expect(entityFromKey(entityKey(entity))).toEqual(entity)
    expect(entityFromKey(entityKey({ clientId: null }))).toEqual({ clientId: null })
  })
})

describe('client quota throttling', () => {
  const silent = createLogger('test', 'silent')

  test('within the quota nothing is throttled; over it, the throttle brings the rate back to the quota', async () => {
    const store = new MemorySecurityStore()
    const quotas = new ClientQuotaManager({ samples: 11, windowMs: 1000 }, store, silent)
    expect(quotas.active).toBe(false)
    await store.alterQuotas({ user: 'alice' }, [{ key: 'producer_byte_rate', value: 1000 }])
    expect(quotas.active).toBe(true)
    const start = 1_000_000
    // 5,000 bytes in the first 10 s window span: rate 500 B/s, under the quota.
    expect(quotas.record('producer_byte_rate', 'alice', 'app', 5_000, start)).toBe(0)
    // 20,000 more: 25,000 bytes over a 10 s span is 2,500 B/s; waiting (2500 - 1000) / 1000 x 10 s = 15 s brings it to 1,000.
    const throttle = quotas.record('producer_byte_rate', 'alice', 'app', 20_000, start)
    expect(throttle).toBe(11_000) // capped at the whole window: 11 samples x 1 s
    // Another user is not affected.
    expect(quotas.record('producer_byte_rate', 'bob', 'app', 20_000, start)).toBe(0)
  })

  test('the throttle time is proportional to the excess', async () => {
    const store = new MemorySecurityStore()
    const quotas = new ClientQuotaManager({ samples: 11, windowMs: 1000 }, store, silent)
    await store.alterQuotas({ clientId: null }, [{ key: 'producer_byte_rate', value: 1000 }])
    // 12,000 bytes over the minimum 10 s span: 1,200 B/s, 20% over: throttle 20% of 10 s.
    expect(quotas.record('producer_byte_rate', 'alice', 'app', 12_000, 5_000_000)).toBe(2_000)
  })
})
