/**
 * IncrementalAlterConfigs: change single settings of a topic: SET a value, DELETE an override,
 * APPEND to or SUBTRACT from a list setting (cleanup.policy). Settings not named keep their
 * overrides. The new effective configuration applies to the topic's live partitions at once.
 *
 * Per resource, as Kafka answers: a setting named twice, an unknown operation, or a missing value
 * for SET/APPEND/SUBTRACT is INVALID_REQUEST; an unknown setting, a bad value or APPEND/SUBTRACT on
 * a setting that is not a list is INVALID_CONFIG; DELETE of a setting the topic does not override
 * is a no-op; an illegal topic name is INVALID_TOPIC_EXCEPTION and an unknown topic
 * UNKNOWN_TOPIC_OR_PARTITION. A resource named twice is refused and left as it was. A broker
 * resource changes the broker's dynamic settings, the replication throttle rates (see
 * broker-dynamic-configs.ts for what is refused); a group resource changes the group's configs
 * (KIP-848/KIP-932, see group-configs.ts); broker-logger resources are refused (one
 * process-wide log level). validate_only checks and changes nothing. A refused resource changes
 * nothing.
 */
import {
  type ConfigOperation,
  ConfigOperations,
  applyBrokerConfigOperations,
  applyScalarConfigOperations,
  applyTopicConfigOperations,
  isConfigOperationId,
} from '../../common/config/config-operations.js'
import { ApiKeys } from '../../protocol/api-keys.js'
import type { IncrementalAlterConfigsRequest } from '../../protocol/messages/incremental-alter-configs.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { alterEachResource, alterErrorResponse, brokerResourceProblem, configAuthorizationProblem, ConfigResourceTypes, topicResourceProblem, unsupportedResourceType } from './config-resources.js'
import { alterBrokerConfigs } from './broker-dynamic-configs.js'
import { alterGroupConfigs } from './group-configs.js'
import { type ErrorResult, NO_ERROR, errorResult, refusal } from './topic-errors.js'
import { AclOperation } from '../../security/acl.js'
import type { RequestContext } from '../handler.js'

type RequestedResource = IncrementalAlterConfigsRequest['resources'][number]

const operationNames = new Map<number, string>(Object.entries(ConfigOperations).map(([name, id]) => [id, name]))

/** The operations of one resource, or the refusal of the whole resource. */
function operationsOf(resource: RequestedResource): ConfigOperation[] | ErrorResult {
  const seen = new Set<string>()
  const operations: ConfigOperation[] = []
  for (const { name, configOperation, value } of resource.configs) {
    if (seen.has(name)) return refusal('INVALID_REQUEST', `Setting ${name} appears more than once for '${resource.resourceName}'.`)
    seen.add(name)
    if (!isConfigOperationId(configOperation)) {
      return refusal('INVALID_REQUEST', `Unknown config operation ${configOperation} for ${name}; expected 0 SET, 1 DELETE, 2 APPEND or 3 SUBTRACT.`)
    }
    if (value === null && configOperation !== ConfigOperations.DELETE) {
      return refusal('INVALID_REQUEST', `${operationNames.get(configOperation)} of ${name} needs a value.`)
    }
    operations.push({ name, operation: configOperation, value })
  }
  return operations
}

export function incrementalAlterConfigsHandler(broker: BrokerContext) {
  const alterTopic = async (resource: RequestedResource, validateOnly: boolean): Promise<ErrorResult> => {
    const problem = topicResourceProblem(broker, resource.resourceName)
    if (problem !== undefined) return problem
    const operations = operationsOf(resource)
    if (!Array.isArray(operations)) return operations
    try {
      await broker.topics.alterTopicConfigs(
        resource.resourceName,
        (current) => applyTopicConfigOperations(current, operations, broker.config.topicDefaults()),
        validateOnly,
      )
      return NO_ERROR
    } catch (error) {
      return errorResult(error, broker.logger, { api: 'IncrementalAlterConfigs', topic: resource.resourceName })
    }
  }

  const alter = (resource: RequestedResource, validateOnly: boolean, context: RequestContext): ErrorResult | Promise<ErrorResult> => {
    const unauthorized = configAuthorizationProblem(broker, context, resource, AclOperation.ALTER_CONFIGS)
    if (unauthorized !== undefined) return unauthorized
    switch (resource.resourceType) {
      case ConfigResourceTypes.TOPIC:
        return alterTopic(resource, validateOnly)
      case ConfigResourceTypes.BROKER: {
        const problem = brokerResourceProblem(broker, resource.resourceName, true)
        if (problem !== undefined) return problem
        const operations = operationsOf(resource)
        if (!Array.isArray(operations)) return operations
        return alterBrokerConfigs(
          broker,
          resource.resourceName,
          operations,
          (current) => applyBrokerConfigOperations(current, operations),
          validateOnly,
          'IncrementalAlterConfigs',
        )
      }
      case ConfigResourceTypes.GROUP: {
        const operations = operationsOf(resource)
        if (!Array.isArray(operations)) return operations
        return alterGroupConfigs(broker, resource.resourceName, (current) => applyScalarConfigOperations(current, operations), validateOnly, 'IncrementalAlterConfigs')
      }
      case ConfigResourceTypes.BROKER_LOGGER:
        return (
          brokerResourceProblem(broker, resource.resourceName, false) ??
          refusal('INVALID_REQUEST', 'Samsa has one log level for the whole broker, set at start with --log-level; it has no per-logger levels to change.')
        )
      default:
        return unsupportedResourceType(resource.resourceType)
    }
  }

  return defineHandler({
    apiKey: ApiKeys.IncrementalAlterConfigs,
    advertised: { min: 0, max: 1 },
    handle: (request, context) => alterEachResource(request.resources, (resource) => alter(resource, request.validateOnly, context)),
    errorResponse: (request, errorCode) => alterErrorResponse(request.resources, errorCode),
  })
}
