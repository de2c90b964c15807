/**
 * Group configs (KIP-848 and KIP-932): settings an admin overrides for one group with
 * `kafka-configs --entity-type groups` (DescribeConfigs / AlterConfigs on resource type GROUP).
 * Kafka's names, without the broker's `group.` prefix; a group without an override takes the
 * broker's setting of the prefixed name (its synonym), and share.auto.offset.reset and
 * share.isolation.level, which have no broker setting, take Kafka's defaults.
 *
 * Validation follows Kafka's GroupConfig: a value must parse and lie within the broker's bounds
 * (group.consumer.min/max.session.timeout.ms and the like), and a session timeout must exceed
 * its heartbeat interval, both as they take effect (override, else the broker's value).
 * share.auto.offset.reset is checked as Kafka's ShareGroupAutoOffsetResetStrategy checks it,
 * by_duration:<ISO-8601 duration> included (share-auto-offset-reset.ts).
 */
import { type BrokerConfig, type BrokerConfigName, brokerConfigDefs } from './broker-config.js'
import { type ConfigDef, type ValueOf, parseValue, stringDef } from './config-def.js'
import { SHARE_AUTO_OFFSET_RESET_EXPECTED, parseShareAutoOffsetReset } from './share-auto-offset-reset.js'
import { ErrorCodes, SamsaError } from '../errors.js'

/** A group config backed by a broker setting: its type, default and validation, with its own doc. */
const fromBroker = <N extends BrokerConfigName>(name: N, doc: string): (typeof brokerConfigDefs)[N] => ({ ...brokerConfigDefs[name], doc })

export const groupConfigDefs = {
  'consumer.session.timeout.ms': fromBroker('group.consumer.session.timeout.ms', 'KIP-848: a member of this consumer group that does not heartbeat this long is removed'),
  'consumer.heartbeat.interval.ms': fromBroker('group.consumer.heartbeat.interval.ms', 'KIP-848: how often members of this consumer group are told to heartbeat'),
  'share.session.timeout.ms': fromBroker('group.share.session.timeout.ms', 'KIP-932: a member of this share group that does not heartbeat this long is removed'),
  'share.heartbeat.interval.ms': fromBroker('group.share.heartbeat.interval.ms', 'KIP-932: how often members of this share group are told to heartbeat'),
  'share.record.lock.duration.ms': fromBroker('group.share.record.lock.duration.ms', 'KIP-932: how long a member of this share group holds an acquired record'),
  'share.delivery.count.limit': fromBroker('group.share.delivery.count.limit', 'KIP-932: delivery attempts of a record to this share group; past it the record is archived'),
  'share.auto.offset.reset': {
    ...stringDef('latest', 'KIP-932: where a new share-partition of this group starts: latest (the end of the log), earliest (its start) or by_duration:<ISO-8601 duration> (the first record at most that old, KIP-1106)'),
    validate: (value: string) => (parseShareAutoOffsetReset(value) === null ? SHARE_AUTO_OFFSET_RESET_EXPECTED : undefined),
  } satisfies ConfigDef<string>,
  'share.isolation.level': stringDef('read_uncommitted', 'KIP-932: read_committed delivers only committed transactional records to this share group', ['read_uncommitted', 'read_committed']),
} as const

export type GroupConfigName = keyof typeof groupConfigDefs
export type GroupConfig = { readonly [K in GroupConfigName]: ValueOf<(typeof groupConfigDefs)[K]> }

/** The broker setting each group config falls back to (Kafka's synonym), or null for Kafka's default. */
export const groupConfigSynonyms: Readonly<Record<GroupConfigName, BrokerConfigName | null>> = {
  'consumer.session.timeout.ms': 'group.consumer.session.timeout.ms',
  'consumer.heartbeat.interval.ms': 'group.consumer.heartbeat.interval.ms',
  'share.session.timeout.ms': 'group.share.session.timeout.ms',
  'share.heartbeat.interval.ms': 'group.share.heartbeat.interval.ms',
  'share.record.lock.duration.ms': 'group.share.record.lock.duration.ms',
  'share.delivery.count.limit': 'group.share.delivery.count.limit',
  'share.auto.offset.reset': null,
  'share.isolation.level': null,
}

/** The broker's bounds of a group config, as Kafka checks them. */
const groupConfigBounds: Partial<Record<GroupConfigName, readonly [BrokerConfigName, BrokerConfigName]>> = {
  'consumer.session.timeout.ms': ['group.consumer.min.session.timeout.ms', 'group.consumer.max.session.timeout.ms'],
  'consumer.heartbeat.interval.ms': ['group.consumer.min.heartbeat.interval.ms', 'group.consumer.max.heartbeat.interval.ms'],
  'share.session.timeout.ms': ['group.share.min.session.timeout.ms', 'group.share.max.session.timeout.ms'],
  'share.heartbeat.interval.ms': ['group.share.min.heartbeat.interval.ms', 'group.share.max.heartbeat.interval.ms'],
  'share.record.lock.duration.ms': ['group.share.min.record.lock.duration.ms', 'group.share.max.record.lock.duration.ms'],
}

export function isGroupConfigName(name: string): name is GroupConfigName {
  return Object.hasOwn(groupConfigDefs, name)
}

/** A group's effective config without overrides: the broker's settings, else Kafka's defaults. */
const brokerGroupDefaults = new WeakMap<BrokerConfig, GroupConfig>()

export function groupConfigDefaults(broker: BrokerConfig): GroupConfig {
  let defaults = brokerGroupDefaults.get(broker)
  if (defaults === undefined) {
    const entries = (Object.keys(groupConfigDefs) as GroupConfigName[]).map((name) => {
      const synonym = groupConfigSynonyms[name]
      return [name, synonym === null ? groupConfigDefs[name].default : broker.get(synonym)]
    })
    defaults = Object.freeze(Object.fromEntries(entries) as GroupConfig)
    brokerGroupDefaults.set(broker, defaults)
  }
  return defaults
}

/**
 * The overrides checked as Kafka checks them before storing: every name known, every value
 * parsed and within the broker's bounds, each session timeout above its heartbeat interval.
 * Throws SAMSA_CONFIG naming the setting; returns the effective config.
 */
export function validateGroupConfigs(overrides: Readonly<Record<string, string>>, broker: BrokerConfig): GroupConfig {
  const parsed: Record<string, unknown> = {}
  for (const [name, text] of Object.entries(overrides)) {
    if (!isGroupConfigName(name)) {
      throw new SamsaError(ErrorCodes.CONFIG, `Unknown group config name: ${name}. Group configs are ${Object.keys(groupConfigDefs).join(', ')}.`)
    }
    const value = parseValue(name, groupConfigDefs[name] as ConfigDef<unknown>, text)
    const bounds = groupConfigBounds[name]
    if (bounds !== undefined) {
      const [min, max] = bounds
      const [low, high] = [broker.get(min) as number, broker.get(max) as number]
      if ((value as number) < low) throw new SamsaError(ErrorCodes.CONFIG, `${name} must be greater than or equal to ${min} (${low}).`)
      if ((value as number) > high) throw new SamsaError(ErrorCodes.CONFIG, `${name} must be less than or equal to ${max} (${high}).`)
    }
    parsed[name] = value
  }
  const config = { ...groupConfigDefaults(broker), ...parsed } as GroupConfig
  if (config['consumer.session.timeout.ms'] <= config['consumer.heartbeat.interval.ms']) {
    throw new SamsaError(ErrorCodes.CONFIG, `consumer.session.timeout.ms (${config['consumer.session.timeout.ms']}) must be greater than consumer.heartbeat.interval.ms (${config['consumer.heartbeat.interval.ms']}).`)
  }
  if (config['share.session.timeout.ms'] <= config['share.heartbeat.interval.ms']) {
    throw new SamsaError(ErrorCodes.CONFIG, `share.session.timeout.ms (${config['share.session.timeout.ms']}) must be greater than share.heartbeat.interval.ms (${config['share.heartbeat.interval.ms']}).`)
  }
  return config
}

/**
 * A group's effective config from its stored overrides. Never throws: an override that no longer
 * passes (the broker restarted with narrower bounds, or etcd was edited by hand) is left out, as
 * the broker's value is the one that still holds.
 */
export function effectiveGroupConfig(overrides: Readonly<Record<string, string>>, broker: BrokerConfig): GroupConfig {
  try {
    return validateGroupConfigs(overrides, broker)
  } catch {
    const config: Record<string, unknown> = { ...groupConfigDefaults(broker) }
    for (const [name, text] of Object.entries(overrides)) {
      try {
        config[name] = validateGroupConfigs({ [name]: text }, broker)[name as GroupConfigName]
      } catch {
        // Left at the broker's value.
      }
    }
    return config as GroupConfig
  }
}
