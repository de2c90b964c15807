/**
 * The broker's authorizer: Kafka's StandardAuthorizer semantics over the ACLs in the
 * SecurityStore. Every handler asks it one question per resource it touches,
 * `authorize(context, operation, resourceType, name)`, and answers a denial with the resource's
 * *_AUTHORIZATION_FAILED code.
 *
 * How a decision is made, as in Kafka:
 * 1. a principal listed in super.users is allowed everything;
 * 2. the ACLs that apply to the resource are the LITERAL ones with its name or `*`, and the
 *    PREFIXED ones its name starts with; of those, the ones naming the principal or `User:*` and
 *    the client's host or `*` are considered;
 * 3. a DENY for the operation (or ALL) wins over any ALLOW;
 * 4. an ALLOW for the operation, ALL, or an operation that implies it (acl.ts) allows;
 * 5. when no ACL at all applies to the resource (whoever it names), allow.everyone.if.no.acl.found
 *    decides (false by default); otherwise the answer is no.
 *
 * Cost: decisions are cached per connection (a Map per operation and resource type, keyed by
 * name), so after the first request a Produce pays one Map lookup per topic. The cache is
 * dropped when the ACLs change (the store tells us, from any broker) or the principal of the
 * connection changes (SASL re-authentication). Authorization failures are logged at info with
 * principal, operation, resource and host, as Kafka's authorizer log does; once per connection
 * and resource until the ACLs change, since a client retrying a denied request would otherwise
 * fill the log.
 */
import type { Logger } from '../common/logger.js'
import { type KafkaPrincipal, principalToString } from '../common/kafka-principal.js'
import type { ConnectionInfo } from '../network/connection.js'
import { apiKeyName } from '../protocol/api-keys.js'
import {
  type AclBinding,
  AclPermissionType,
  PatternType,
  WILDCARD_HOST,
  WILDCARD_PRINCIPAL,
  WILDCARD_RESOURCE,
  allowImplies,
  denyApplies,
  operationName,
  patternTypeName,
  resourceTypeName,
} from './acl.js'
import type { SecurityStore } from './security-store.js'

/** What the handlers see: one question per resource. */
export interface Authorizer {
  /** False when no authorizer is configured: every request is allowed and the ACL APIs answer SECURITY_DISABLED. */
  readonly enabled: boolean
  /**
   * May the connection's principal do `operation` on the resource? `logIfDenied` false for the
   * checks that only filter a listing (Metadata's topics, ListGroups), as Kafka does.
   */
  authorize(context: AuthorizationContext, operation: number, resourceType: number, resourceName: string, logIfDenied?: boolean): boolean
  /**
   * May the principal do `operation` on some resource of the type (Kafka's authorizeByResourceType:
   * InitProducerId asks it for WRITE on any topic)?
   */
  authorizeAny(context: AuthorizationContext, operation: number, resourceType: number): boolean
}

/** The part of a RequestContext a decision needs. */
export interface AuthorizationContext {
  readonly connection: ConnectionInfo
  readonly header: { readonly apiKey: number }
  /** What the log calls the request when it is not a Kafka API (the gateway's 'HTTP'). */
  readonly requestName?: string
}

/** The authorizer of a broker that has none: everything is allowed, as in Kafka. */
export const ALLOW_ALL: Authorizer = Object.freeze({
  enabled: false,
  authorize: () => true,
  authorizeAny: () => true,
})

export interface AclAuthorizerOptions {
  /** Principals (`User:admin`) allowed everything. */
  readonly superUsers: readonly string[]
  readonly allowEveryoneIfNoAclFound: boolean
}

interface ResourceAcls {
  /** LITERAL bindings by resource name (`*` included). */
  readonly literal: Map<string, AclBinding[]>
  readonly prefixed: AclBinding[]
}

interface ConnectionCache {
  generation: number
  principal: KafkaPrincipal
  /** Indexed by operation * 8 + resource type; each maps a resource name to the decision. */
  decisions: Array<Map<string, boolean> | undefined>
  size: number
}

/** Past this many cached decisions a connection's cache starts over (a client naming endless topics). */
const MAX_CACHED_DECISIONS = 10_000

export class AclAuthorizer implements Authorizer {
  readonly enabled = true
  readonly #superUsers: ReadonlySet<string>
  readonly #allowEveryoneIfNoAclFound: boolean
  readonly #store: SecurityStore
  readonly #logger: Logger
  readonly #caches = new WeakMap<ConnectionInfo, ConnectionCache>()
  readonly #unsubscribe: () => void
  #index = new Map<number, ResourceAcls>()
  #generation = 0

  constructor(options: AclAuthorizerOptions, store: SecurityStore, logger: Logger) {
    this.#superUsers = new Set(options.superUsers)
    this.#allowEveryoneIfNoAclFound = options.allowEveryoneIfNoAclFound
    this.#store = store
    this.#logger = logger
    this.#rebuild()
    this.#unsubscribe = store.onChange(() => this.#rebuild())
  }

  close(): void {
    this.#unsubscribe()
  }

  authorize(context: AuthorizationContext, operation: number, resourceType: number, resourceName: string, logIfDenied = true): boolean {
    const connection = context.connection
    let cache = this.#caches.get(connection)
    if (cache === undefined || cache.generation !== this.#generation || cache.principal !== connection.principal || cache.size > MAX_CACHED_DECISIONS) {
      cache = { generation: this.#generation, principal: connection.principal, decisions: [], size: 0 }
      this.#caches.set(connection, cache)
    }
    const slot = operation * 8 + resourceType
    let byName = cache.decisions[slot]
    if (byName === undefined) cache.decisions[slot] = byName = new Map()
    const cached = byName.get(resourceName)
    if (cached !== undefined) return cached

    const host = clientHost(connection.remoteAddress)
    const allowed = this.decide(connection.principal, host, operation, resourceType, resourceName)
    byName.set(resourceName, allowed)
    cache.size++
    if (!allowed && logIfDenied) {
      this.#logger.info('authorization denied', {
        principal: principalToString(connection.principal),
        operation: operationName(operation),
        resource: `${resourceTypeName(resourceType)}:${resourceName}`,
        host,
        request: context.requestName ?? apiKeyName(context.header.apiKey),
        listener: connection.listenerName,
      })
    }
    return allowed
  }

  /** The decision itself, uncached (tests and the gateway's checks call it directly). */
  decide(principal: KafkaPrincipal, host: string, operation: number, resourceType: number, resourceName: string): boolean {
    const principalName = principalToString(principal)
    if (this.#superUsers.has(principalName)) return true
    const acls = this.#index.get(resourceType)
    let anyAclForResource = false
    let allowed = false
    const consider = (binding: AclBinding): boolean => {
      anyAclForResource = true
      if (binding.principal !== principalName && binding.principal !== WILDCARD_PRINCIPAL) return false
      if (binding.host !== host && binding.host !== WILDCARD_HOST) return false
      if (binding.permissionType === AclPermissionType.DENY) return denyApplies(binding.operation, operation)
      if (allowImplies(binding.operation, operation)) allowed = true
      return false
    }
    if (acls !== undefined) {
      // Any matching DENY ends the search: deny wins.
      for (const binding of acls.literal.get(resourceName) ?? NONE) if (consider(binding)) return false
      if (resourceName !== WILDCARD_RESOURCE) for (const binding of acls.literal.get(WILDCARD_RESOURCE) ?? NONE) if (consider(binding)) return false
      for (const binding of acls.prefixed) if (resourceName.startsWith(binding.resourceName) && consider(binding)) return false
    }
    if (allowed) return true
    return !anyAclForResource && this.#allowEveryoneIfNoAclFound
  }

  authorizeAny(context: AuthorizationContext, operation: number, resourceType: number): boolean {
    const principalName = principalToString(context.connection.principal)
    if (this.#superUsers.has(principalName)) return true
    const acls = this.#index.get(resourceType)
    if (acls === undefined) return this.#allowEveryoneIfNoAclFound
    const host = clientHost(context.connection.remoteAddress)
    const applies = (binding: AclBinding) =>
      (binding.principal === principalName || binding.principal === WILDCARD_PRINCIPAL) && (binding.host === host || binding.host === WILDCARD_HOST)
    // Simpler than Kafka's pattern arithmetic, and never more generous: a DENY on every resource
    // (the literal `*`) for the operation refuses; otherwise any applicable ALLOW allows.
    for (const binding of acls.literal.get(WILDCARD_RESOURCE) ?? NONE) {
      if (applies(binding) && binding.permissionType === AclPermissionType.DENY && denyApplies(binding.operation, operation)) return false
    }
    let allowed = false
    const visit = (binding: AclBinding): void => {
      if (binding.permissionType === AclPermissionType.ALLOW && applies(binding) && allowImplies(binding.operation, operation)) allowed = true
    }
    for (const list of acls.literal.values()) for (const binding of list) visit(binding)
    for (const binding of acls.prefixed) visit(binding)
    return allowed
  }

  #rebuild(): void {
    const index = new Map<number, ResourceAcls>()
    for (const binding of this.#store.acls()) {
      let acls = index.get(binding.resourceType)
      if (acls === undefined) index.set(binding.resourceType, acls = { literal: new Map(), prefixed: [] })
      if (binding.patternType === PatternType.PREFIXED) acls.prefixed.push(binding)
      else if (binding.patternType === PatternType.LITERAL) {
        const list = acls.literal.get(binding.resourceName)
        if (list === undefined) acls.literal.set(binding.resourceName, [binding])
        else list.push(binding)
      } else {
        this.#logger.warn('ignoring an ACL with an unusable pattern type', { patternType: patternTypeName(binding.patternType) })
      }
    }
    this.#index = index
    this.#generation++
  }
}

const NONE: readonly AclBinding[] = []

/** The client's address as Kafka writes it: an IPv4 client on a dual-stack socket without `::ffff:`. */
export function clientHost(remoteAddress: string): string {
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress
}

/** super.users: principals separated by semicolons (a certificate DN contains commas). */
export function parseSuperUsers(value: string): string[] {
  return value.split(';').map((s) => s.trim()).filter((s) => s.length > 0)
}
