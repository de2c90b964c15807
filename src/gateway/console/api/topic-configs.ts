/**
 * A topic's settings, as DescribeConfigs and IncrementalAlterConfigs see them (the same
 * describeTopicConfigs and applyTopicConfigOperations):
 * - GET /api/topics/:topic/configs: each setting's effective value, the value it falls back to
 *   without an override (the broker's setting, or Kafka's default), Kafka's default, whether the
 *   topic overrides it, its source and documentation;
 * - PUT /api/topics/:topic/configs/:name {"value": "..."}: sets an override (a bad value is 422
 *   and changes nothing);
 * - DELETE /api/topics/:topic/configs/:name: removes the override, back to the default.
 */
import { ConfigSources, describeTopicConfigs } from '../../../common/config/config-description.js'
import { ConfigOperations, type ConfigOperation, applyTopicConfigOperations } from '../../../common/config/config-operations.js'
import { type ConfigDef, formatValue } from '../../../common/config/config-def.js'
import { type TopicConfigName, isTopicConfigName, topicConfigDefs } from '../../../common/config/topic-config.js'
import type { BrokerContext } from '../../../broker/broker-context.js'
import type { GatewayServices } from '../../gateway.js'
import type { HttpServer } from '../../uws.js'
import { apiRoute, invalidValue, jsonObjectBody, topicNotFound } from './api-route.js'

const sourceNames = new Map<number, string>(Object.entries(ConfigSources).map(([name, id]) => [id, name]))

export interface TopicConfigEntry {
  readonly name: string
  readonly value: string | null
  /** What the topic gets without an override: the broker's setting (e.g. log.retention.hours) if it has one, else Kafka's default. */
  readonly default: string | null
  /** Kafka's own default. */
  readonly kafkaDefault: string | null
  readonly overridden: boolean
  readonly source: string
  readonly sensitive: boolean
  readonly documentation: string
}

export function topicConfigEntries(broker: BrokerContext, topicName: string): TopicConfigEntry[] {
  const topic = broker.metadata.topic(topicName)
  if (topic === undefined) throw topicNotFound(topicName)
  // What each setting would be with no override: the same description of a topic without any.
  const inherited = new Map(describeTopicConfigs(broker.config, {}).map((c) => [c.name, c.value]))
  return describeTopicConfigs(broker.config, topic.configs).map((config) => {
    const def = topicConfigDefs[config.name as TopicConfigName] as ConfigDef
    return {
      name: config.name,
      value: config.sensitive ? null : config.value,
      default: config.sensitive ? null : (inherited.get(config.name) ?? null),
      kafkaDefault: config.sensitive ? null : formatValue(def, def.default),
      overridden: !config.isDefault,
      source: sourceNames.get(config.source) ?? 'UNKNOWN',
      sensitive: config.sensitive,
      documentation: config.documentation,
    }
  })
}

export function topicConfigRoutes(server: HttpServer, { broker, logger }: GatewayServices): void {
  const alter = async (topicName: string, operation: ConfigOperation): Promise<TopicConfigEntry> => {
    if (broker.metadata.topic(topicName) === undefined) throw topicNotFound(topicName)
    await broker.topics.alterTopicConfigs(topicName, (current) => applyOne(broker, current, operation))
    return topicConfigEntries(broker, topicName).find((c) => c.name === operation.name)!
  }

  apiRoute(server, logger, 'get', '/api/topics/:topic/configs', (exchange) => ({ configs: topicConfigEntries(broker, exchange.request.params[0]!) }))

  apiRoute(server, logger, 'put', '/api/topics/:topic/configs/:name', async (exchange) => {
    const [topicName, name] = exchange.request.params as [string, string]
    const body = await jsonObjectBody(exchange)
    const value = typeof body.value === 'number' || typeof body.value === 'boolean' ? String(body.value) : body.value
    if (typeof value !== 'string') throw invalidValue(`Give the new value of ${name} as "value" (a string).`)
    return alter(topicName, { name, operation: ConfigOperations.SET, value })
  })

  apiRoute(server, logger, 'del', '/api/topics/:topic/configs/:name', (exchange) => {
    const [topicName, name] = exchange.request.params as [string, string]
    return alter(topicName, { name, operation: ConfigOperations.DELETE, value: null })
  })
}

/** One SET or DELETE, through the function IncrementalAlterConfigs applies. */
function applyOne(broker: BrokerContext, current: Readonly<Record<string, string>>, operation: ConfigOperation): Record<string, string> {
  if (operation.operation === ConfigOperations.DELETE && !isTopicConfigName(operation.name)) {
    // IncrementalAlterConfigs treats DELETE of an unknown name as a no-op; a person who typed it
    // in a console wants to hear it is not a setting.
    throw invalidValue(`Unknown topic setting ${operation.name}.`)
  }
  return applyTopicConfigOperations(current, [operation], broker.config.topicDefaults())
}
