/**
 * AlterConfigs (the legacy, non-incremental form): replace the whole set of a topic's overrides
 * with the given configs; settings left out go back to the broker's values. The new effective
 * configuration applies to the topic's live partitions at once.
 *
 * Per resource: an illegal topic name is INVALID_TOPIC_EXCEPTION, an unknown topic
 * UNKNOWN_TOPIC_OR_PARTITION, an unknown setting or a bad value INVALID_CONFIG, a setting named
 * twice INVALID_REQUEST; a resource named twice is refused (INVALID_REQUEST) and left as it was.
 * Broker resources are refused: Samsa's broker settings are static. validate_only checks and
 * changes nothing. A refused resource changes nothing; the others still apply.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { AlterConfigsRequest } from '../../protocol/messages/alter-configs.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import {
  ConfigResourceTypes,
  alterEachResource,
  alterErrorResponse,
  STATIC_BROKER_CONFIGS,
  brokerResourceProblem,
  topicResourceProblem,
  unsupportedResourceType,
} from './config-resources.js'
import { type ErrorResult, NO_ERROR, errorResult, refusal } from './topic-errors.js'

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

  const alter = (resource: RequestedResource, validateOnly: boolean): ErrorResult | Promise<ErrorResult> => {
    switch (resource.resourceType) {
      case ConfigResourceTypes.TOPIC:
        return alterTopic(resource, validateOnly)
      case ConfigResourceTypes.BROKER:
        return brokerResourceProblem(broker, resource.resourceName, true) ?? STATIC_BROKER_CONFIGS
      default:
        return unsupportedResourceType(resource.resourceType)
    }
  }

  return defineHandler({
    apiKey: ApiKeys.AlterConfigs,
    advertised: { min: 0, max: 2 },
    handle: (request) => alterEachResource(request.resources, (resource) => alter(resource, request.validateOnly)),
    errorResponse: (request, errorCode) => alterErrorResponse(request.resources, errorCode),
  })
}
