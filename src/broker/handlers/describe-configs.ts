/**
 * DescribeConfigs: the settings of topics (resource type 2), of this broker (4) and of groups (32,
 * KIP-848/KIP-932 group configs, see group-configs.ts), each with its
 * effective value, source (v1+), synonyms (v1+, when asked), type and documentation (v3+, when
 * asked); v0 says instead whether the resource leaves the value at its default. A broker's
 * settings include, in a cluster, its dynamic ones: the replication throttle rates
 * (DYNAMIC_BROKER_CONFIG when set).
 *
 * As Kafka answers: configuration_keys null or empty means every setting, and names we do not
 * know are left out; an illegal topic name is INVALID_TOPIC_EXCEPTION and an unknown topic
 * UNKNOWN_TOPIC_OR_PARTITION; a broker resource names this broker's id, or is empty for the
 * cluster-wide dynamic defaults (Samsa has none, so that list is empty). BROKER_LOGGER (8) is
 * answered with an empty list: Samsa has one log level for the whole process (--log-level), not
 * per-logger levels. A group is described whether or not it exists, as Kafka does. Other
 * resource types are INVALID_REQUEST. One bad resource never fails the
 * others; a resource named twice is answered once.
 */
import {
  type ConfigDescription,
  describeBrokerConfigs,
  describeDynamicBrokerConfigs,
  describeTopicConfigs,
} from '../../common/config/config-description.js'
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { DescribeConfigsRequest, DescribeConfigsResponseInput } from '../../protocol/messages/describe-configs.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { brokerResourceProblem, configAuthorizationProblem, ConfigResourceTypes, topicResourceProblem, resourceKey, unsupportedResourceType } from './config-resources.js'
import type { ErrorResult } from './topic-errors.js'
import { describeGroupResource } from './group-configs.js'
import { AclOperation } from '../../security/acl.js'
import type { RequestContext } from '../handler.js'

type ResourceResult = DescribeConfigsResponseInput['results'][number]
type RequestedResource = DescribeConfigsRequest['resources'][number]

export function describeConfigsHandler(broker: BrokerContext) {
  const describe = (resource: RequestedResource, context: RequestContext): readonly ConfigDescription[] | ErrorResult => {
    const unauthorized = configAuthorizationProblem(broker, context, resource, AclOperation.DESCRIBE_CONFIGS)
    if (unauthorized !== undefined) return unauthorized
    switch (resource.resourceType) {
      case ConfigResourceTypes.TOPIC: {
        const problem = topicResourceProblem(broker, resource.resourceName)
        if (problem !== undefined) return problem
        return describeTopicConfigs(broker.config, broker.metadata.topic(resource.resourceName)!.configs)
      }
      case ConfigResourceTypes.BROKER: {
        const problem = brokerResourceProblem(broker, resource.resourceName, true)
        if (problem !== undefined) return problem
        if (resource.resourceName === '') return []
        // A single broker cannot change any setting (it has no followers to throttle): all static.
        const dynamic = broker.dynamicConfigs === null ? [] : describeDynamicBrokerConfigs(broker.dynamicConfigs.current())
        return [...describeBrokerConfigs(broker.config), ...dynamic]
      }
      case ConfigResourceTypes.BROKER_LOGGER:
        return brokerResourceProblem(broker, resource.resourceName, false) ?? []
      case ConfigResourceTypes.GROUP:
        return describeGroupResource(broker, resource.resourceName)
      default:
        return unsupportedResourceType(resource.resourceType)
    }
  }

  return defineHandler({
    apiKey: ApiKeys.DescribeConfigs,
    advertised: { min: 0, max: 4 },
    handle(request, context) {
      // A resource named twice is described once: the answer is the same, and a request that
      // repeats one topic a million times must not make a million copies of its configs.
      const seen = new Set<string>()
      const distinct = request.resources.filter((r) => {
        const key = resourceKey(r.resourceType, r.resourceName)
        if (seen.has(key)) return false
        seen.add(key)
        return true
      })
      const results = distinct.map((resource): ResourceResult => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName }
        const described = describe(resource, context)
        if (!isDescriptions(described)) return { ...base, ...described, configs: [] }
        const keys = resource.configurationKeys === null || resource.configurationKeys.length === 0 ? null : new Set(resource.configurationKeys)
        const wanted = keys === null ? described : described.filter((c) => keys.has(c.name))
        return {
          ...base,
          errorCode: KafkaErrorCodes.NONE,
          errorMessage: null,
          configs: wanted.map((config) => ({
            name: config.name,
            value: config.sensitive ? null : config.value,
            readOnly: config.readOnly,
            isDefault: config.isDefault,
            configSource: config.source,
            isSensitive: config.sensitive,
            synonyms: request.includeSynonyms ? config.synonyms.map((s) => ({ ...s, value: config.sensitive ? null : s.value })) : [],
            configType: config.type,
            documentation: request.includeDocumentation ? config.documentation : null,
          })),
        }
      })
      return { throttleTimeMs: 0, results }
    },
    errorResponse(request, errorCode) {
      return {
        throttleTimeMs: 0,
        results: request.resources.map((r) => ({
          errorCode,
          errorMessage: null,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          configs: [],
        })),
      }
    },
  })
}

function isDescriptions(described: readonly ConfigDescription[] | ErrorResult): described is readonly ConfigDescription[] {
  return Array.isArray(described)
}
