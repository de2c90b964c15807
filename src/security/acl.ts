/**
 * Kafka's ACL model: an ACL binding is a resource pattern (resource type, name, pattern type) and
 * an access control entry (principal, host, operation, permission). The numeric codes are the
 * wire codes of CreateAcls/DescribeAcls/DeleteAcls and are also what the stores keep.
 *
 * Matching follows Kafka's authorizer: a LITERAL pattern matches its exact name, and the literal
 * name `*` matches every resource of its type; a PREFIXED pattern matches every name that starts
 * with it. Principal `User:*` and host `*` match anyone. Filters (DescribeAcls, DeleteAcls) use
 * the ANY codes for "any value", and the MATCH pattern type for "every pattern that would match
 * this resource name".
 */
export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType]

export const PatternType = {
  UNKNOWN: 0,
  ANY: 1,
  MATCH: 2,
  LITERAL: 3,
  PREFIXED: 4,
} as const
export type PatternType = (typeof PatternType)[keyof typeof PatternType]

export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation]

export const AclPermissionType = {
  UNKNOWN: 0,
  ANY: 1,
  DENY: 2,
  ALLOW: 3,
} as const
export type AclPermissionType = (typeof AclPermissionType)[keyof typeof AclPermissionType]

/** The only name a CLUSTER resource has. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster'
export const WILDCARD_RESOURCE = '*'
export const WILDCARD_PRINCIPAL = 'User:*'
export const WILDCARD_HOST = '*'

export interface AclBinding {
  readonly resourceType: ResourceType
  readonly resourceName: string
  readonly patternType: PatternType
  /** `User:alice`, or `User:*`. */
  readonly principal: string
  /** An IP address, or `*`. */
  readonly host: string
  readonly operation: AclOperation
  readonly permissionType: AclPermissionType
}

/** A DescribeAcls / DeleteAcls filter: null names and ANY codes match anything. */
export interface AclBindingFilter {
  readonly resourceType: number
  readonly resourceName: string | null
  readonly patternType: number
  readonly principal: string | null
  readonly host: string | null
  readonly operation: number
  readonly permissionType: number
}

const names = <T extends Record<string, number>>(codes: T): Map<number, string> =>
  new Map(Object.entries(codes).map(([name, code]) => [code, name]))
const resourceTypeNames = names(ResourceType)
const operationNames = names(AclOperation)
const permissionNames = names(AclPermissionType)
const patternNames = names(PatternType)

export const resourceTypeName = (code: number): string => resourceTypeNames.get(code) ?? `UNKNOWN(${code})`
export const operationName = (code: number): string => operationNames.get(code) ?? `UNKNOWN(${code})`
export const permissionName = (code: number): string => permissionNames.get(code) ?? `UNKNOWN(${code})`
export const patternTypeName = (code: number): string => patternNames.get(code) ?? `UNKNOWN(${code})`

/** Operations each resource type supports, as Kafka's AclEntry.supportedOperations lists them. */
const SUPPORTED_OPERATIONS: ReadonlyMap<number, readonly number[]> = new Map([
  [ResourceType.TOPIC, [AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]],
  // DESCRIBE_CONFIGS and ALTER_CONFIGS since Kafka 4.0: group configs (KIP-848).
  [ResourceType.GROUP, [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]],
  [ResourceType.CLUSTER, [AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE]],
  [ResourceType.TRANSACTIONAL_ID, [AclOperation.DESCRIBE, AclOperation.WRITE]],
  [ResourceType.DELEGATION_TOKEN, [AclOperation.DESCRIBE]],
  [ResourceType.USER, [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS]],
])

/**
 * Why a binding cannot be stored, in words for the client's error message, or null when it can.
 * Kafka refuses the same things: ANY/UNKNOWN codes, an empty name, a principal without a type,
 * an operation the resource type does not have, and a CLUSTER resource not named kafka-cluster.
 */
export function invalidBindingReason(binding: AclBinding): string | null {
  const supported = SUPPORTED_OPERATIONS.get(binding.resourceType)
  if (supported === undefined) return `resource type ${resourceTypeName(binding.resourceType)} cannot have ACLs`
  if (binding.patternType !== PatternType.LITERAL && binding.patternType !== PatternType.PREFIXED) {
    return `pattern type ${patternTypeName(binding.patternType)} is not LITERAL or PREFIXED`
  }
  if (binding.resourceName.length === 0) return 'the resource name is empty'
  if (binding.resourceType === ResourceType.CLUSTER && binding.resourceName !== CLUSTER_RESOURCE_NAME) {
    return `a CLUSTER resource is named ${CLUSTER_RESOURCE_NAME}, not '${binding.resourceName}'`
  }
  if (binding.patternType === PatternType.PREFIXED && binding.resourceName === WILDCARD_RESOURCE) {
    return `a PREFIXED pattern cannot be '${WILDCARD_RESOURCE}'; use a LITERAL '${WILDCARD_RESOURCE}'`
  }
  const colon = binding.principal.indexOf(':')
  if (colon <= 0 || colon === binding.principal.length - 1) return `principal '${binding.principal}' is not of the form Type:name`
  if (binding.host.length === 0) return 'the host is empty'
  if (binding.operation !== AclOperation.ALL && !supported.includes(binding.operation)) {
    return `operation ${operationName(binding.operation)} does not apply to ${resourceTypeName(binding.resourceType)}`
  }
  if (binding.permissionType !== AclPermissionType.ALLOW && binding.permissionType !== AclPermissionType.DENY) {
    return `permission type ${permissionName(binding.permissionType)} is not ALLOW or DENY`
  }
  return null
}

/** Why a filter is unusable (UNKNOWN codes), or null. */
export function invalidFilterReason(filter: AclBindingFilter): string | null {
  if (!resourceTypeNames.has(filter.resourceType) || filter.resourceType === ResourceType.UNKNOWN) return `unknown resource type ${filter.resourceType}`
  if (!patternNames.has(filter.patternType) || filter.patternType === PatternType.UNKNOWN) return `unknown pattern type ${filter.patternType}`
  if (!operationNames.has(filter.operation) || filter.operation === AclOperation.UNKNOWN) return `unknown operation ${filter.operation}`
  if (!permissionNames.has(filter.permissionType) || filter.permissionType === AclPermissionType.UNKNOWN) return `unknown permission type ${filter.permissionType}`
  return null
}

/** Does `binding` pass `filter` (Kafka's AclBindingFilter.matches)? */
export function filterMatches(filter: AclBindingFilter, binding: AclBinding): boolean {
  if (filter.resourceType !== ResourceType.ANY && filter.resourceType !== binding.resourceType) return false
  if (filter.principal !== null && filter.principal !== binding.principal) return false
  if (filter.host !== null && filter.host !== binding.host) return false
  if (filter.operation !== AclOperation.ANY && filter.operation !== binding.operation) return false
  if (filter.permissionType !== AclPermissionType.ANY && filter.permissionType !== binding.permissionType) return false
  switch (filter.patternType) {
    case PatternType.ANY:
      return filter.resourceName === null || filter.resourceName === binding.resourceName
    case PatternType.MATCH:
      // Every pattern that would apply to a resource of this name.
      if (filter.resourceName === null) return true
      return binding.patternType === PatternType.LITERAL
        ? binding.resourceName === filter.resourceName || binding.resourceName === WILDCARD_RESOURCE
        : filter.resourceName.startsWith(binding.resourceName)
    default:
      return filter.patternType === binding.patternType && (filter.resourceName === null || filter.resourceName === binding.resourceName)
  }
}

/** A string that identifies a binding, for sets and store keys. */
export function bindingKey(binding: AclBinding): string {
  return JSON.stringify([binding.resourceType, binding.patternType, binding.resourceName, binding.principal, binding.host, binding.operation, binding.permissionType])
}

/** The binding a key names (the stores keep keys and values this way). */
export function bindingFromKey(key: string): AclBinding {
  const [resourceType, patternType, resourceName, principal, host, operation, permissionType] = JSON.parse(key) as [ResourceType, PatternType, string, string, string, AclOperation, AclPermissionType]
  return { resourceType, patternType, resourceName, principal, host, operation, permissionType }
}

/**
 * Does an ACL for `aclOperation` grant `requested` (when allowing)? Kafka's implication rules:
 * ALL grants everything; READ, WRITE, DELETE and ALTER each grant DESCRIBE; ALTER_CONFIGS grants
 * DESCRIBE_CONFIGS. A DENY applies only to its own operation (or to everything, for ALL).
 */
export function allowImplies(aclOperation: number, requested: number): boolean {
  if (aclOperation === requested || aclOperation === AclOperation.ALL) return true
  if (requested === AclOperation.DESCRIBE) {
    return aclOperation === AclOperation.READ || aclOperation === AclOperation.WRITE || aclOperation === AclOperation.DELETE || aclOperation === AclOperation.ALTER
  }
  return requested === AclOperation.DESCRIBE_CONFIGS && aclOperation === AclOperation.ALTER_CONFIGS
}

export function denyApplies(aclOperation: number, requested: number): boolean {
  return aclOperation === requested || aclOperation === AclOperation.ALL
}

/** `ALLOW User:alice on TOPIC:orders (LITERAL) to WRITE from *`, for logs and tool output. */
export function describeBinding(binding: AclBinding): string {
  return `${permissionName(binding.permissionType)} ${binding.principal} to ${operationName(binding.operation)} ` +
    `${resourceTypeName(binding.resourceType)}:${binding.resourceName} (${patternTypeName(binding.patternType)}) from ${binding.host}`
}
