/**
 * The config resources DescribeConfigs, AlterConfigs and IncrementalAlterConfigs address, and
 * the checks all three make on a resource's name before touching it.
 */
import { topicNameProblem } from '../../metadata/topic-name.js'
import type { BrokerContext } from '../broker-context.js'
import { type ErrorResult, refusal } from './topic-errors.js'
import { CLUSTER_RESOURCE_NAME, ResourceType, operationName } from '../../security/acl.js'
import type { RequestContext } from '../handler.js'

/** Kafka's ConfigResource.Type ids. */
export const ConfigResourceTypes = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const

const typeNames = new Map<number, string>(Object.entries(ConfigResourceTypes).map(([name, id]) => [id, name]))

/** Why a TOPIC resource cannot be used (an illegal name, or no such topic), or undefined. */
export function topicResourceProblem(broker: BrokerContext, name: string): ErrorResult | undefined {
  const problem = topicNameProblem(name)
  if (problem !== undefined) return refusal('INVALID_TOPIC_EXCEPTION', problem)
  if (broker.metadata.topic(name) === undefined) return refusal('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`)
  return undefined
}

/**
 * Why a BROKER or BROKER_LOGGER resource is not this broker's, or undefined. Its name is this
 * broker's node id, or empty for the cluster-wide defaults (BROKER only).
 */
export function brokerResourceProblem(broker: BrokerContext, name: string, allowEmpty: boolean): ErrorResult | undefined {
  if (name === '' && allowEmpty) return undefined
  if (!/^-?\d+$/.test(name)) return refusal('INVALID_REQUEST', `A broker resource is named by a node id; '${name}' is not a number.`)
  if (Number(name) !== broker.nodeId) {
    const expected = allowEmpty ? `${broker.nodeId} (or empty for cluster defaults)` : `${broker.nodeId}`
    return refusal('INVALID_REQUEST', `This is broker ${broker.nodeId}; expected resource name ${expected}, not '${name}'.`)
  }
  return undefined
}

/**
 * The refusal of a config resource the principal may not `operation` (DESCRIBE_CONFIGS or
 * ALTER_CONFIGS), as Kafka asks: on the topic for a topic, on the group for a group, on the
 * cluster for a broker or its loggers. Undefined when allowed, or when the type is one the handler refuses anyway.
 */
export function configAuthorizationProblem(broker: BrokerContext, context: RequestContext, resource: { readonly resourceType: number; readonly resourceName: string }, operation: number): ErrorResult | undefined {
  if (resource.resourceType === ConfigResourceTypes.TOPIC) {
    return broker.authorizer.authorize(context, operation, ResourceType.TOPIC, resource.resourceName)
      ? undefined
      : refusal('TOPIC_AUTHORIZATION_FAILED', `Not authorized to ${operationName(operation)} on topic '${resource.resourceName}'.`)
  }
  if (resource.resourceType === ConfigResourceTypes.GROUP) {
    return broker.authorizer.authorize(context, operation, ResourceType.GROUP, resource.resourceName)
      ? undefined
      : refusal('GROUP_AUTHORIZATION_FAILED', `Not authorized to ${operationName(operation)} on group '${resource.resourceName}'.`)
  }
  if (resource.resourceType === ConfigResourceTypes.BROKER || resource.resourceType === ConfigResourceTypes.BROKER_LOGGER) {
    return broker.authorizer.authorize(context, operation, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)
      ? undefined
      : refusal('CLUSTER_AUTHORIZATION_FAILED', `Not authorized to ${operationName(operation)} on the cluster.`)
  }
  return undefined
}

export function unsupportedResourceType(type: number): ErrorResult {
  const name = typeNames.get(type)
  return refusal('INVALID_REQUEST', `Samsa does not support config resources of type ${name === undefined ? type : `${name} (${type})`}.`)
}

/** Identity of a resource within one request, to find resources named twice. */
export function resourceKey(type: number, name: string): string {
  return `${type}\u0000${name}`
}

/**
 * Splits a request's resources into those named once and those named more than once (each
 * listed once), keeping request order. Kafka alters neither copy of a repeated resource.
 */
export function partitionDuplicates<R extends { readonly resourceType: number; readonly resourceName: string }>(
  resources: readonly R[],
): { readonly unique: R[]; readonly repeated: R[] } {
  const count = new Map<string, number>()
  for (const r of resources) {
    const key = resourceKey(r.resourceType, r.resourceName)
    count.set(key, (count.get(key) ?? 0) + 1)
  }
  const unique: R[] = []
  const repeated: R[] = []
  const listed = new Set<string>()
  for (const r of resources) {
    const key = resourceKey(r.resourceType, r.resourceName)
    if (count.get(key) === 1) unique.push(r)
    else if (!listed.has(key)) {
      listed.add(key)
      repeated.push(r)
    }
  }
  return { unique, repeated }
}

/** The refusal for a broker resource in an alter request: Samsa's broker settings are static. */
export const STATIC_BROKER_CONFIGS = refusal(
  'INVALID_REQUEST',
  'Broker settings are static in Samsa: set them in server.properties, SAMSA_* environment variables or --set, and restart the broker.',
)

/** The refusal for the second and later copies of a resource in an alter request. */
export function duplicateResource(type: number, name: string): ErrorResult {
  return refusal('INVALID_REQUEST', `Resource ${typeNames.get(type) ?? type} '${name}' appears more than once in the request.`)
}

interface AlterResult extends ErrorResult {
  readonly resourceType: number
  readonly resourceName: string
}

/**
 * The body both alter APIs share: each resource named once is altered in request order, each
 * resource named more than once is refused without being touched.
 */
export async function alterEachResource<R extends { readonly resourceType: number; readonly resourceName: string }>(
  resources: readonly R[],
  alter: (resource: R) => ErrorResult | Promise<ErrorResult>,
): Promise<{ throttleTimeMs: number; responses: AlterResult[] }> {
  const { unique, repeated } = partitionDuplicates(resources)
  const responses: AlterResult[] = []
  for (const resource of unique) {
    responses.push({ resourceType: resource.resourceType, resourceName: resource.resourceName, ...(await alter(resource)) })
  }
  for (const { resourceType, resourceName } of repeated) {
    responses.push({ resourceType, resourceName, ...duplicateResource(resourceType, resourceName) })
  }
  return { throttleTimeMs: 0, responses }
}

/** Both alter APIs' answer with one error code for every resource. */
export function alterErrorResponse(
  resources: ReadonlyArray<{ readonly resourceType: number; readonly resourceName: string }>,
  errorCode: number,
): { throttleTimeMs: number; responses: AlterResult[] } {
  return {
    throttleTimeMs: 0,
    responses: resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
  }
}
