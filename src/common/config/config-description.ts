/**
 * Settings as Kafka's DescribeConfigs reports them: each with its effective value, where that
 * value comes from, whether it can be changed, its type and documentation, and its synonyms (the
 * other places the value could come from, highest precedence first).
 *
 * Sources follow Kafka's rules: a topic override is DYNAMIC_TOPIC_CONFIG, a group's is
 * DYNAMIC_GROUP_CONFIG; a dynamic broker setting set for the broker (the replication throttle
 * rates) is DYNAMIC_BROKER_CONFIG; a broker setting given in server.properties, a SAMSA_*
 * variable or a flag is STATIC_BROKER_CONFIG; anything else is DEFAULT_CONFIG. Static broker
 * settings are read-only; the dynamic ones, topic and group settings are not.
 */
import { type BrokerConfig, type BrokerConfigName, brokerConfigDefs } from './broker-config.js'
import { type ConfigDef, type ConfigType, formatValue } from './config-def.js'
import { brokerConfigSynonyms, topicConfigSynonyms } from './config-synonyms.js'
import { type DynamicBrokerConfigName, dynamicBrokerConfigDefs, dynamicDefaultText } from './dynamic-broker-config.js'
import { type GroupConfigName, effectiveGroupConfig, groupConfigDefs, groupConfigSynonyms } from './group-config.js'
import { type TopicConfigName, parseTopicOverrides, topicConfigDefs } from './topic-config.js'

/** Kafka's ConfigSource ids (DescribeConfigs v1+ config_source and synonym source). */
export const ConfigSources = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  DYNAMIC_GROUP_CONFIG: 8,
} as const

export type ConfigSourceId = (typeof ConfigSources)[keyof typeof ConfigSources]

/** Kafka's ConfigType ids (DescribeConfigs v3+ config_type). */
const configTypeIds: Record<ConfigType, number> = {
  boolean: 1,
  string: 2,
  int: 3,
  long: 5,
  double: 6,
  list: 7,
  password: 9,
}

export interface ConfigSynonym {
  readonly name: string
  readonly value: string | null
  readonly source: ConfigSourceId
}

export interface ConfigDescription {
  readonly name: string
  /** The effective value as text; null when unset (or sensitive). */
  readonly value: string | null
  readonly readOnly: boolean
  readonly source: ConfigSourceId
  /** True when the resource itself does not set it (DescribeConfigs v0's is_default). */
  readonly isDefault: boolean
  readonly sensitive: boolean
  /** Highest precedence first; the entry's own override (if any) leads. */
  readonly synonyms: readonly ConfigSynonym[]
  /** Kafka's ConfigType id. */
  readonly type: number
  readonly documentation: string
}

/**
 * Every topic setting of a topic with these overrides (text, as stored), on this broker.
 * Throws SAMSA_CONFIG when an override does not parse (the store never holds such a one).
 */
/**
 * Descriptions of a topic without overrides, per broker configuration (which never changes once
 * loaded): every such topic is described alike, and a DescribeConfigs of every topic of a large
 * broker rebuilt the broker's topic defaults and synonyms once per topic (bench:scale).
 */
const defaultTopicDescriptions = new WeakMap<BrokerConfig, readonly ConfigDescription[]>()

/** A topic's settings as DescribeConfigs shows them; the result is shared, never to be changed. */
export function describeTopicConfigs(broker: BrokerConfig, overrides: Readonly<Record<string, string>>): readonly ConfigDescription[] {
  const cacheable = Object.keys(overrides).length === 0
  const cached = cacheable ? defaultTopicDescriptions.get(broker) : undefined
  if (cached !== undefined) return cached
  const described = Object.freeze(describeTopicConfigsNow(broker, overrides))
  if (cacheable) defaultTopicDescriptions.set(broker, described)
  return described
}

function describeTopicConfigsNow(broker: BrokerConfig, overrides: Readonly<Record<string, string>>): ConfigDescription[] {
  const parsed = parseTopicOverrides(Object.entries(overrides)) as Record<string, unknown>
  const defaults = broker.topicDefaults() as Record<string, unknown>
  return (Object.keys(topicConfigDefs) as TopicConfigName[]).map((name) => {
    const def = topicConfigDefs[name] as ConfigDef
    const brokerSynonyms = topicConfigSynonyms[name].flatMap((brokerName) => brokerSynonymEntries(broker, brokerName))
    const overridden = Object.hasOwn(parsed, name)
    const value = formatValue(def, overridden ? parsed[name] : defaults[name])
    return overridableDescription(name, def, value, overridden ? ConfigSources.DYNAMIC_TOPIC_CONFIG : null, brokerSynonyms)
  })
}

/** Every broker setting of this broker, as DescribeConfigs for resource type BROKER shows them. */
export function describeBrokerConfigs(broker: BrokerConfig): ConfigDescription[] {
  return (Object.keys(brokerConfigDefs) as BrokerConfigName[]).map((name) => {
    const def = brokerConfigDefs[name] as ConfigDef
    const synonyms = brokerConfigSynonyms(name).flatMap((synonym) => brokerSynonymEntries(broker, synonym))
    const sensitive = def.type === 'password'
    return {
      name,
      value: sensitive ? null : broker.describe(name),
      readOnly: true,
      source: synonyms[0]?.source ?? ConfigSources.DEFAULT_CONFIG,
      isDefault: broker.sourceOf(name) === 'default',
      sensitive,
      synonyms,
      type: configTypeIds[def.type],
      documentation: def.doc,
    }
  })
}

/** The dynamic broker settings of a broker with these overrides (text, as stored). */
export function describeDynamicBrokerConfigs(overrides: Readonly<Record<string, string>>): ConfigDescription[] {
  return (Object.keys(dynamicBrokerConfigDefs) as DynamicBrokerConfigName[]).map((name) => {
    const def = dynamicBrokerConfigDefs[name]
    const fallback: ConfigSynonym = { name, value: dynamicDefaultText(name), source: ConfigSources.DEFAULT_CONFIG }
    const set = overrides[name]
    const synonyms = set === undefined ? [fallback] : [{ name, value: set, source: ConfigSources.DYNAMIC_BROKER_CONFIG }, fallback]
    return {
      name,
      value: synonyms[0]!.value,
      readOnly: false,
      source: synonyms[0]!.source,
      isDefault: set === undefined,
      sensitive: false,
      synonyms,
      type: configTypeIds[def.type],
      documentation: def.doc,
    }
  })
}

/**
 * A group's configs (resource type GROUP) with these overrides (text, as stored): an override is
 * DYNAMIC_GROUP_CONFIG; otherwise the value is the broker's setting it derives from
 * (STATIC_BROKER_CONFIG when the broker sets it, else DEFAULT_CONFIG), or Kafka's default for
 * the two that have no broker setting.
 */
export function describeGroupConfigs(broker: BrokerConfig, overrides: Readonly<Record<string, string>>): ConfigDescription[] {
  const effective = effectiveGroupConfig(overrides, broker) as Record<string, unknown>
  return (Object.keys(groupConfigDefs) as GroupConfigName[]).map((name) => {
    const def = groupConfigDefs[name] as ConfigDef
    const synonym = groupConfigSynonyms[name]
    const fallback = synonym === null
      ? [{ name, value: formatValue(def, def.default), source: ConfigSources.DEFAULT_CONFIG }]
      : brokerSynonymEntries(broker, synonym)
    const overridden = Object.hasOwn(overrides, name)
    return overridableDescription(name, def, formatValue(def, effective[name]), overridden ? ConfigSources.DYNAMIC_GROUP_CONFIG : null, fallback)
  })
}

/**
 * A setting a resource may override (a topic's, a group's): the override first when `overriddenAs`
 * names its source, then `fallback`, the places the value comes from otherwise.
 */
function overridableDescription(name: string, def: ConfigDef, value: string | null, overriddenAs: ConfigSourceId | null, fallback: readonly ConfigSynonym[]): ConfigDescription {
  const synonyms = overriddenAs === null ? fallback : [{ name, value, source: overriddenAs }, ...fallback]
  return {
    name,
    value,
    readOnly: false,
    source: synonyms[0]?.source ?? ConfigSources.DEFAULT_CONFIG,
    isDefault: overriddenAs === null,
    sensitive: def.type === 'password',
    synonyms,
    type: configTypeIds[def.type],
    documentation: def.doc,
  }
}

/** Kafka lists a broker setting once for each level that has a value: static, then default. */
function brokerSynonymEntries(broker: BrokerConfig, name: BrokerConfigName): ConfigSynonym[] {
  const def = brokerConfigDefs[name] as ConfigDef
  const entries: ConfigSynonym[] = []
  if (broker.sourceOf(name) !== 'default') {
    entries.push({ name, value: broker.describe(name), source: ConfigSources.STATIC_BROKER_CONFIG })
  }
  if (def.default !== null) {
    entries.push({ name, value: formatValue(def, def.default), source: ConfigSources.DEFAULT_CONFIG })
  }
  return entries
}
