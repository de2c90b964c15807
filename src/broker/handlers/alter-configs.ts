/**
 * AlterConfigs (the legacy, non-incremental form): replace the whole set of a topic's overrides
 * with the given configs; settings left out go back to the broker's values. The new effective
 * configuration applies to the topic's live partitions at once.
 *
 * Per resource: an illegal topic name is INVALID_TOPIC_EXCEPTION, an unknown topic
 * UNKNOWN_TOPIC_OR_PARTITION, an unknown setting or a bad value INVALID_CONFIG, a setting named
 * twice INVALID_REQUEST; a resource named twice is refused (INVALID_REQUEST) and left as it was.
 * A broker resource replaces the broker's dynamic settings (the replication throttle rates; see
 * broker-dynamic-configs.ts); a group resource replaces the group's configs (group-configs.ts).
 * validate_only checks and changes nothing. A refused resource
 * changes nothing; the others still apply.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { AlterConfigsRequest } from '../../protocol/messages/alter-configs.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { alterEachResource, alterErrorResponse, configAuthorizationProblem, ConfigResourceTypes, topicResourceProblem, unsupportedResourceType } from './config-resources.js'
import { ConfigOperations } from '../../common/config/config-operations.js'
import { parseDynamicBrokerConfigs } from '../../common/config/dynamic-broker-config.js'
import { alterBrokerConfigs } from './broker-dynamic-configs.js'
import { alterGroupConfigs } from './group-configs.js'
import { type ErrorResult, NO_ERROR, errorResult, refusal } from './topic-errors.js'
import { AclOperation } from '../../security/acl.js'
import type { RequestContext } from '../handler.js'

type RequestedResource = AlterConfigsRequest['resources'][number]

export function alterConfigsHandler(broker: BrokerContext) {
  const alterTopic = async ({ resourceName, configs }: RequestedResource, validateOnly: boolean): Promise<ErrorResult> => {
    const problem = topicResourceProblem(broker, resourceName)
    if (problem !== undefined) return problem
    const overrides: Record<string, string> = {}
    for (const { name, value } of configs) {
      if (Object.hasOwn(overrides, name)) return refusal('INVALID_REQUEST', `Setting ${name} appears more than once for topic '${resourceName}'.`)
      if (value === null) return refusal('INVALID_CONFIG', `Setting ${name} needs a value; leave it out to return to the broker's value.`)
      overrides[name] = value
    }
    try {
      await broker.topics.setTopicConfigs(resourceName, overrides, validateOnly)
      return NO_ERROR
    } catch (error) {
      return errorResult(error, broker.logger, { api: 'AlterConfigs', topic: resourceName })
    }
  }

  const alterBroker = (resource: RequestedResource, validateOnly: boolean): ErrorResult | Promise<ErrorResult> => {
    const overrides: Record<string, string> = {}
    for (const { name, value } of resource.configs) {
      if (Object.hasOwn(overrides, name)) return refusal('INVALID_REQUEST', `Setting ${name} appears more than once for broker '${resource.resourceName}'.`)
      if (value === null) return refusal('INVALID_CONFIG', `Setting ${name} needs a value; leave it out to return to its default.`)
      overrides[name] = value.trim()
    }
    const operations = Object.entries(overrides).map(([name, value]) => ({ name, operation: ConfigOperations.SET, value }))
    // The whole set is replaced, so an empty request clears every override.
    return alterBrokerConfigs(broker, resource.resourceName, operations.length === 0 ? [{ name: '', operation: ConfigOperations.DELETE, value: null }] : operations, () => {
      parseDynamicBrokerConfigs(overrides)
      return overrides
    }, validateOnly, 'AlterConfigs')
  }

  /** The whole set of a group's overrides is replaced; an empty request clears them. */
  const alterGroup = ({ resourceName, configs }: RequestedResource, validateOnly: boolean): ErrorResult | Promise<ErrorResult> => {
    const overrides: Record<string, string> = {}
    for (const { name, value } of configs) {
      if (Object.hasOwn(overrides, name)) return refusal('INVALID_REQUEST', `Setting ${name} appears more than once for group '${resourceName}'.`)
      if (value === null) return refusal('INVALID_CONFIG', `Setting ${name} needs a value; leave it out to return to the broker's value.`)
      overrides[name] = value.trim()
    }
    return alterGroupConfigs(broker, resourceName, () => overrides, validateOnly, 'AlterConfigs')
  }

  const alter = (resource: RequestedResource, validateOnly: boolean, context: RequestContext): ErrorResult | Promise<ErrorResult> => {
    const unauthorized = configAuthorizationProblem(broker, context, resource, AclOperation.ALTER_CONFIGS)
    if (unauthorized !== undefined) return unauthorized
    switch (resource.resourceType) {
      case ConfigResourceTypes.TOPIC:
        return alterTopic(resource, validateOnly)
      case ConfigResourceTypes.BROKER:
        return alterBroker(resource, validateOnly)
      case ConfigResourceTypes.GROUP:
        return alterGroup(resource, validateOnly)
      default:
        return unsupportedResourceType(resource.resourceType)
    }
  }

  return defineHandler({
    apiKey: ApiKeys.AlterConfigs,
    advertised: { min: 0, max: 2 },
    handle: (request, context) => alterEachResource(request.resources, (resource) => alter(resource, request.validateOnly, context)),
    errorResponse: (request, errorCode) => alterErrorResponse(request.resources, errorCode),
  })
}
