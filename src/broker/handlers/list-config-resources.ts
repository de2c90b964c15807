/**
 * ListConfigResources (KIP-1142; ListClientMetricsResources before Kafka 4.1): the names of the
 * config resources of the types asked for. kafka-configs 4.1 asks for GROUP before it describes
 * or alters a group's configs, and refuses a group this list does not name.
 *
 * v0 asks for client metrics resources only: Samsa has none (it serves no client telemetry), so
 * the list is empty. v1 names its types, or none for all that Samsa serves: TOPIC (every topic),
 * BROKER (the live brokers), GROUP (the groups coordinated here and every group with configs,
 * which may not exist yet, as Kafka lists them) and CLIENT_METRICS (none). A type Samsa has no
 * resources of (BROKER_LOGGER) or does not know is INVALID_REQUEST, which kafka-configs shows.
 * As in Kafka, the list needs DESCRIBE_CONFIGS on the cluster.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'
import { ConfigResourceTypes } from './config-resources.js'

const SERVED_TYPES = [ConfigResourceTypes.TOPIC, ConfigResourceTypes.BROKER, ConfigResourceTypes.GROUP, ConfigResourceTypes.CLIENT_METRICS] as const

export function listConfigResourcesHandler(broker: BrokerContext) {
  const namesOf = (type: number): Iterable<string> => {
    switch (type) {
      case ConfigResourceTypes.TOPIC:
        return [...broker.metadata.topics()].map((t) => t.name)
      case ConfigResourceTypes.BROKER:
        return broker.cluster.brokers().map((b) => String(b.nodeId))
      case ConfigResourceTypes.GROUP:
        return new Set([...broker.groups.listGroups([], []).groups.map((g) => g.groupId), ...broker.metadata.groupsWithConfigs()])
      default:
        return []
    }
  }

  return defineHandler({
    apiKey: ApiKeys.ListConfigResources,
    advertised: { min: 0, max: 1 },
    handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
        return { errorCode: KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED, configResources: [] }
      }
      const types = context.apiVersion === 0 ? [ConfigResourceTypes.CLIENT_METRICS] : request.resourceTypes.length === 0 ? SERVED_TYPES : request.resourceTypes
      if (types.some((type) => !(SERVED_TYPES as readonly number[]).includes(type))) return { errorCode: KafkaErrorCodes.INVALID_REQUEST, configResources: [] }
      const configResources = [...new Set(types)].flatMap((resourceType) => [...namesOf(resourceType)].map((resourceName) => ({ resourceName, resourceType })))
      return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.NONE, configResources }
    },
    errorResponse(_request, errorCode) {
      return { errorCode, configResources: [] }
    },
  })
}
