/**
 * ACLs and client quotas in etcd (EtcdSecurityStore), as two brokers of a cluster see them: a
 * change made through one is visible on the other as soon as its watch delivers it (the other's
 * listeners are told, so its authorizer drops its cached decisions), deletions too, and a store
 * opened later reads everything back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EtcdConnection } from '../../src/cluster/index.js'
import { EtcdSecurityStore } from '../../src/cluster/etcd-security-store.js'
import { createLogger } from '../../src/common/logger.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { type AclBinding, AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/acl.js'
import { AclAuthorizer } from '../../src/security/acl-authorizer.js'
import { type EtcdCluster, startEtcd } from '../helpers/etcd.js'

let etcd: EtcdCluster
const connections: EtcdConnection[] = []
const stores: EtcdSecurityStore[] = []

async function openStore(): Promise<EtcdSecurityStore> {
  const connection = await EtcdConnection.connect({ endpoints: etcd.endpoints, prefix: '/samsa-security', callTimeoutMs: 5000 })
  connections.push(connection)
  const store = new EtcdSecurityStore(connection)
  await store.start()
  stores.push(store)
  return store
}

/** Resolves once `store` has told its listeners of a change for which `condition` holds. */
function changed(store: EtcdSecurityStore, condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (condition()) return resolve()
    const unsubscribe = store.onChange(() => {
      if (!condition()) return
      unsubscribe()
      resolve()
    })
  })
}

const write: AclBinding = {
  resourceType: ResourceType.TOPIC,
  resourceName: 'orders',
  patternType: PatternType.PREFIXED,
  principal: 'User:alice',
  host: '*',
  operation: AclOperation.WRITE,
  permissionType: AclPermissionType.ALLOW,
}

beforeAll(async () => {
  etcd = await startEtcd()
}, 60_000)

afterAll(async () => {
  for (const store of stores) store.close()
  await Promise.all(connections.map((c) => c.close()))
  await etcd?.close()
})

describe('ACLs and quotas in etcd', () => {
  it('reach the other broker through its watch, and a later store reads them back', async () => {
    const [one, two] = [await openStore(), await openStore()]
    const authorizer = new AclAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: false }, two, createLogger('test', 'silent'))
    const context = { connection: { id: 1, remoteAddress: '10.0.0.1', remotePort: 1, localPort: 1, listenerName: 'PLAINTEXT', principal: { principalType: 'User', name: 'alice' } }, header: { apiKey: ApiKeys.Produce } }
    expect(authorizer.authorize(context, AclOperation.WRITE, ResourceType.TOPIC, 'orders-eu')).toBe(false)

    await one.createAcls([write, write])
    await changed(two, () => two.acls().length === 1)
    expect(two.acls()).toEqual([write])
    // The cached refusal is gone with the change.
    expect(authorizer.authorize(context, AclOperation.WRITE, ResourceType.TOPIC, 'orders-eu')).toBe(true)

    await one.alterQuotas({ user: 'alice', clientId: null }, [{ key: 'producer_byte_rate', value: 1048576 }, { key: 'request_percentage', value: 50 }])
    await changed(two, () => two.quotas().length === 1 && Object.keys(two.quotas()[0]!.values).length === 2)
    expect(two.quotas()).toEqual([{ entity: { user: 'alice', clientId: null }, values: { producer_byte_rate: 1048576, request_percentage: 50 } }])

    const three = await openStore()
    expect(three.acls()).toEqual([write])
    expect(three.quotas()).toHaveLength(1)

    await two.deleteAcls([write])
    await two.alterQuotas({ user: 'alice', clientId: null }, [{ key: 'request_percentage', value: null }])
    await changed(one, () => one.acls().length === 0 && Object.keys(one.quotas()[0]?.values ?? {}).length === 1)
    expect(one.quotas()).toEqual([{ entity: { user: 'alice', clientId: null }, values: { producer_byte_rate: 1048576 } }])
    expect(authorizer.authorize(context, AclOperation.WRITE, ResourceType.TOPIC, 'orders-eu')).toBe(false)
    authorizer.close()
  }, 60_000)

  it('stores a CreateAcls of more bindings than one etcd transaction may hold (128 operations)', async () => {
    const [one, two] = [await openStore(), await openStore()]
    const many = Array.from({ length: 300 }, (_, i) => ({ ...write, resourceName: `team-${i}-` }))
    await one.createAcls(many)
    await changed(two, () => two.acls().length === 300)
    expect(new Set(two.acls().map((b) => b.resourceName)).size).toBe(300)
    await one.deleteAcls(many)
    await changed(two, () => two.acls().length === 0)
  }, 60_000)
})
