import { beforeEach, describe, expect, test } from 'vitest'
import { createLogger } from '../../../src/common/logger.js'
import type { KafkaPrincipal } from '../../../src/common/kafka-principal.js'
import type { ConnectionInfo } from '../../../src/network/connection.js'
import { ApiKeys } from '../../../src/protocol/api-keys.js'
import {
  type AclBinding,
  AclOperation as Op,
  AclPermissionType,
  PatternType,
  ResourceType,
  filterMatches,
  invalidBindingReason,
} from '../../../src/security/acl.js'
import { AclAuthorizer, parseSuperUsers } from '../../../src/security/acl-authorizer.js'
import { MemorySecurityStore } from '../../helpers/memory-security-store.js'

const alice: KafkaPrincipal = { principalType: 'User', name: 'alice' }
const bob: KafkaPrincipal = { principalType: 'User', name: 'bob' }

function connection(principal: KafkaPrincipal, remoteAddress = '10.0.0.1'): ConnectionInfo {
  return { id: 1, remoteAddress, remotePort: 5000, localPort: 9092, listenerName: 'PLAINTEXT', principal }
}

const request = (principal: KafkaPrincipal, remoteAddress?: string) => ({ connection: connection(principal, remoteAddress), header: { apiKey: ApiKeys.Produce } })

function acl(partial: Partial<AclBinding> & Pick<AclBinding, 'resourceName' | 'operation'>): AclBinding {
  return {
    resourceType: ResourceType.TOPIC,
    patternType: PatternType.LITERAL,
    principal: 'User:alice',
    host: '*',
    permissionType: AclPermissionType.ALLOW,
    ...partial,
  }
}

const silent = createLogger('test', 'silent')

describe('the ACL authorizer', () => {
  let store: MemorySecurityStore
  let authorizer: AclAuthorizer
  const decide = (principal: KafkaPrincipal, op: number, name: string, type: number = ResourceType.TOPIC, host = '10.0.0.1') =>
    authorizer.decide(principal, host, op, type, name)

  beforeEach(() => {
    store = new MemorySecurityStore()
    authorizer = new AclAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: false }, store, silent)
  })

  test('denies everything when no ACL exists and allow.everyone.if.no.acl.found is off', () => {
    expect(decide(alice, Op.WRITE, 'orders')).toBe(false)
    expect(decide(alice, Op.DESCRIBE, 'kafka-cluster', ResourceType.CLUSTER)).toBe(false)
  })

  test('a LITERAL ACL covers exactly its resource name, for its principal only', async () => {
    await store.createAcls([acl({ resourceName: 'orders', operation: Op.WRITE })])
    expect(decide(alice, Op.WRITE, 'orders')).toBe(true)
    expect(decide(alice, Op.WRITE, 'orders-eu')).toBe(false)
    expect(decide(bob, Op.WRITE, 'orders')).toBe(false)
    expect(decide(alice, Op.WRITE, 'orders', ResourceType.GROUP)).toBe(false)
  })

  test('a PREFIXED ACL covers every name that starts with it, including topics created later', async () => {
    await store.createAcls([acl({ resourceName: 'orders.', patternType: PatternType.PREFIXED, operation: Op.READ })])
    expect(decide(alice, Op.READ, 'orders.eu')).toBe(true)
    expect(decide(alice, Op.READ, 'orders.us.2026')).toBe(true)
    expect(decide(alice, Op.READ, 'orders')).toBe(false)
    expect(decide(alice, Op.READ, 'payments')).toBe(false)
  })

  test('the literal name * covers every resource of its type, User:* every principal, host * every host', async () => {
    await store.createAcls([acl({ resourceName: '*', principal: 'User:*', operation: Op.READ })])
    expect(decide(bob, Op.READ, 'anything')).toBe(true)
    expect(decide(bob, Op.READ, 'anything', ResourceType.GROUP)).toBe(false)
  })

  test('a host-specific ACL applies only to that host', async () => {
    await store.createAcls([acl({ resourceName: 'orders', operation: Op.WRITE, host: '10.0.0.7' })])
    expect(decide(alice, Op.WRITE, 'orders', ResourceType.TOPIC, '10.0.0.7')).toBe(true)
    expect(decide(alice, Op.WRITE, 'orders', ResourceType.TOPIC, '10.0.0.8')).toBe(false)
  })

  test('DENY wins over ALLOW, whichever pattern each comes from', async () => {
    await store.createAcls([
      acl({ resourceName: '*', operation: Op.ALL }),
      acl({ resourceName: 'secret', patternType: PatternType.PREFIXED, operation: Op.READ, permissionType: AclPermissionType.DENY }),
    ])
    expect(decide(alice, Op.READ, 'public')).toBe(true)
    expect(decide(alice, Op.READ, 'secret-plans')).toBe(false)
    // The DENY is for READ only; other operations stay allowed by ALL.
    expect(decide(alice, Op.WRITE, 'secret-plans')).toBe(true)
  })

  test('a DENY of User:* refuses a principal that has its own ALLOW', async () => {
    await store.createAcls([
      acl({ resourceName: 'orders', operation: Op.WRITE }),
      acl({ resourceName: 'orders', operation: Op.WRITE, principal: 'User:*', permissionType: AclPermissionType.DENY }),
    ])
    expect(decide(alice, Op.WRITE, 'orders')).toBe(false)
  })

  test.each([
    ['READ', Op.READ], ['WRITE', Op.WRITE], ['DELETE', Op.DELETE], ['ALTER', Op.ALTER],
  ])('%s implies DESCRIBE, and nothing else', async (_name, granted) => {
    await store.createAcls([acl({ resourceName: 'orders', operation: granted })])
    expect(decide(alice, Op.DESCRIBE, 'orders')).toBe(true)
    expect(decide(alice, Op.DESCRIBE_CONFIGS, 'orders')).toBe(false)
    expect(decide(alice, Op.CREATE, 'orders')).toBe(false)
  })

  test('ALTER_CONFIGS implies DESCRIBE_CONFIGS; ALL implies every operation', async () => {
    await store.createAcls([acl({ resourceName: 'orders', operation: Op.ALTER_CONFIGS }), acl({ resourceName: 'logs', operation: Op.ALL })])
    expect(decide(alice, Op.DESCRIBE_CONFIGS, 'orders')).toBe(true)
    expect(decide(alice, Op.DESCRIBE, 'orders')).toBe(false)
    for (const op of [Op.READ, Op.WRITE, Op.CREATE, Op.DELETE, Op.ALTER, Op.DESCRIBE, Op.ALTER_CONFIGS]) expect(decide(alice, op, 'logs')).toBe(true)
  })

  test('a DENY of DESCRIBE is not implied by denying READ (deny applies to its own operation)', async () => {
    await store.createAcls([
      acl({ resourceName: 'orders', operation: Op.DESCRIBE }),
      acl({ resourceName: 'orders', operation: Op.READ, permissionType: AclPermissionType.DENY }),
    ])
    expect(decide(alice, Op.DESCRIBE, 'orders')).toBe(true)
    expect(decide(alice, Op.READ, 'orders')).toBe(false)
  })

  test('super.users are allowed everything, even against a DENY', async () => {
    authorizer = new AclAuthorizer({ superUsers: parseSuperUsers('User:admin; User:CN=ops,O=example'), allowEveryoneIfNoAclFound: false }, store, silent)
    await store.createAcls([acl({ resourceName: '*', principal: 'User:*', operation: Op.ALL, permissionType: AclPermissionType.DENY })])
    expect(decide({ principalType: 'User', name: 'admin' }, Op.ALTER, 'kafka-cluster', ResourceType.CLUSTER)).toBe(true)
    expect(decide({ principalType: 'User', name: 'CN=ops,O=example' }, Op.WRITE, 'orders')).toBe(true)
    expect(decide(alice, Op.WRITE, 'orders')).toBe(false)
  })

  test('allow.everyone.if.no.acl.found allows only resources that have no ACL at all', async () => {
    authorizer = new AclAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: true }, store, silent)
    await store.createAcls([acl({ resourceName: 'orders', operation: Op.WRITE, principal: 'User:bob' })])
    expect(decide(alice, Op.WRITE, 'unguarded')).toBe(true)
    // orders has an ACL (for bob): alice gets no default allow there.
    expect(decide(alice, Op.WRITE, 'orders')).toBe(false)
  })

  test('cached decisions per connection follow ACL changes at once', async () => {
    const context = request(alice, '::ffff:10.0.0.1')
    expect(authorizer.authorize(context, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(false)
    await store.createAcls([acl({ resourceName: 'orders', operation: Op.WRITE, host: '10.0.0.1' })])
    // An IPv4 client on a dual-stack socket matches its plain IPv4 address.
    expect(authorizer.authorize(context, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(true)
    await store.deleteAcls(store.acls())
    expect(authorizer.authorize(context, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(false)
  })

  test('a connection whose principal changes (re-authentication) is not answered from the old principal\'s cache', async () => {
    await store.createAcls([acl({ resourceName: 'orders', operation: Op.WRITE })])
    const conn = { ...connection(alice) }
    const context = { connection: conn, header: { apiKey: ApiKeys.Produce } }
    expect(authorizer.authorize(context, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(true)
    ;(conn as { principal: KafkaPrincipal }).principal = bob
    expect(authorizer.authorize(context, Op.WRITE, ResourceType.TOPIC, 'orders')).toBe(false)
  })

  test('WRITE on any topic answers InitProducerId\'s question, unless a DENY on * refuses it', async () => {
    const context = request(alice)
    expect(authorizer.authorizeAny(context, Op.WRITE, ResourceType.TOPIC)).toBe(false)
    await store.createAcls([acl({ resourceName: 'orders', patternType: PatternType.PREFIXED, operation: Op.WRITE })])
    expect(authorizer.authorizeAny(context, Op.WRITE, ResourceType.TOPIC)).toBe(true)
    await store.createAcls([acl({ resourceName: '*', operation: Op.WRITE, permissionType: AclPermissionType.DENY })])
    expect(authorizer.authorizeAny(context, Op.WRITE, ResourceType.TOPIC)).toBe(false)
  })
})

describe('ACL bindings and filters', () => {
  test('refuses bindings Kafka refuses, saying why', () => {
    expect(invalidBindingReason(acl({ resourceName: 'orders', operation: Op.WRITE }))).toBeNull()
    expect(invalidBindingReason(acl({ resourceName: 'orders', operation: Op.IDEMPOTENT_WRITE }))).toMatch(/does not apply to TOPIC/)
    // Group configs (Kafka 4.0): a group's configs are read and changed under ACLs on the group.
    expect(invalidBindingReason(acl({ resourceName: 'g', resourceType: ResourceType.GROUP, operation: Op.ALTER_CONFIGS }))).toBeNull()
    expect(invalidBindingReason(acl({ resourceName: 'g', resourceType: ResourceType.GROUP, operation: Op.DESCRIBE_CONFIGS }))).toBeNull()
    expect(invalidBindingReason(acl({ resourceName: 'g', resourceType: ResourceType.GROUP, operation: Op.WRITE }))).toMatch(/does not apply to GROUP/)
    expect(invalidBindingReason(acl({ resourceName: 'x', resourceType: ResourceType.CLUSTER, operation: Op.ALTER }))).toMatch(/kafka-cluster/)
    expect(invalidBindingReason(acl({ resourceName: 'orders', operation: Op.WRITE, principal: 'alice' }))).toMatch(/Type:name/)
    expect(invalidBindingReason(acl({ resourceName: 'orders', operation: Op.ANY }))).toMatch(/does not apply/)
    expect(invalidBindingReason(acl({ resourceName: 'orders', operation: Op.WRITE, patternType: PatternType.MATCH }))).toMatch(/not LITERAL or PREFIXED/)
  })

  test('a MATCH filter finds every pattern that applies to a name', () => {
    const filter = { resourceType: ResourceType.TOPIC, resourceName: 'orders.eu', patternType: PatternType.MATCH, principal: null, host: null, operation: Op.ANY, permissionType: AclPermissionType.ANY }
    expect(filterMatches(filter, acl({ resourceName: 'orders.eu', operation: Op.READ }))).toBe(true)
    expect(filterMatches(filter, acl({ resourceName: '*', operation: Op.READ }))).toBe(true)
    expect(filterMatches(filter, acl({ resourceName: 'orders.', patternType: PatternType.PREFIXED, operation: Op.READ }))).toBe(true)
    expect(filterMatches(filter, acl({ resourceName: 'orders.us', operation: Op.READ }))).toBe(false)
  })

  test('an ANY filter with a name matches that name under either pattern type; null fields match anything', () => {
    const filter = { resourceType: ResourceType.ANY, resourceName: 'orders', patternType: PatternType.ANY, principal: null, host: null, operation: Op.ANY, permissionType: AclPermissionType.ANY }
    expect(filterMatches(filter, acl({ resourceName: 'orders', operation: Op.READ }))).toBe(true)
    expect(filterMatches(filter, acl({ resourceName: 'orders', patternType: PatternType.PREFIXED, operation: Op.READ }))).toBe(true)
    expect(filterMatches(filter, acl({ resourceName: 'orders2', operation: Op.READ }))).toBe(false)
    expect(filterMatches({ ...filter, principal: 'User:bob' }, acl({ resourceName: 'orders', operation: Op.READ }))).toBe(false)
  })
})
