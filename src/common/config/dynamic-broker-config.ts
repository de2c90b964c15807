/**
 * Broker settings that change while the broker runs (Kafka's dynamic broker configs), set per
 * broker with IncrementalAlterConfigs/AlterConfigs on a BROKER resource (kafka-configs
 * --entity-type brokers --entity-name <id>, or kafka-reassign-partitions --throttle). Only the
 * replication throttle rates are dynamic in Samsa; every other broker setting is static.
 *
 * Overrides are kept as text, as Kafka stores them, and parsed here before they are stored, so
 * what the cluster holds always parses.
 */
import { type ConfigDef, LONG_MAX, formatValue, longDef, parseValue } from './config-def.js'
import { ErrorCodes, SamsaError } from '../errors.js'

export const dynamicBrokerConfigDefs = {
  'leader.replication.throttled.rate': longDef(
    LONG_MAX,
    'bytes per second this broker sends, as leader, of throttled replicas (leader.replication.throttled.replicas) to followers outside the ISR',
    { min: 0 },
  ),
  'follower.replication.throttled.rate': longDef(
    LONG_MAX,
    'bytes per second this broker fetches, as follower outside the ISR, of throttled replicas (follower.replication.throttled.replicas)',
    { min: 0 },
  ),
} as const satisfies Record<string, ConfigDef<number>>

export type DynamicBrokerConfigName = keyof typeof dynamicBrokerConfigDefs
export type DynamicBrokerSettings = { -readonly [K in DynamicBrokerConfigName]: number }

export function isDynamicBrokerConfigName(name: string): name is DynamicBrokerConfigName {
  return Object.hasOwn(dynamicBrokerConfigDefs, name)
}

/**
 * The effective dynamic settings from a broker's overrides (text). Throws SAMSA_CONFIG naming
 * the first unknown setting or bad value.
 */
export function parseDynamicBrokerConfigs(overrides: Readonly<Record<string, string>>): DynamicBrokerSettings {
  const settings = Object.fromEntries(Object.entries(dynamicBrokerConfigDefs).map(([name, def]) => [name, def.default])) as DynamicBrokerSettings
  for (const [name, text] of Object.entries(overrides)) {
    if (!isDynamicBrokerConfigName(name)) {
      throw new SamsaError(ErrorCodes.CONFIG, `${name} cannot be changed while the broker runs; Samsa's dynamic broker settings are ${Object.keys(dynamicBrokerConfigDefs).join(', ')}.`)
    }
    settings[name] = parseValue(name, dynamicBrokerConfigDefs[name] as ConfigDef<number>, text)
  }
  return settings
}

/** The text DescribeConfigs shows for a dynamic setting's default. */
export function dynamicDefaultText(name: DynamicBrokerConfigName): string | null {
  const def = dynamicBrokerConfigDefs[name]
  return formatValue(def, def.default)
}
