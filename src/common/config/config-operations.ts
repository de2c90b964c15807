/**
 * IncrementalAlterConfigs' four operations on a resource's overrides: SET a value, DELETE an
 * override (the value falls back to the broker's), APPEND values to a list setting and SUBTRACT
 * values from one. APPEND and SUBTRACT start from the current effective value (the override, or
 * else the broker's default), so appending `compact` to a topic without a cleanup.policy
 * override gives `delete,compact`.
 */
import { type ConfigDef, formatValue } from './config-def.js'
import { ErrorCodes, SamsaError } from '../errors.js'
import { type TopicConfig, isTopicConfigName, topicConfigDefs } from './topic-config.js'
import { parseDynamicBrokerConfigs } from './dynamic-broker-config.js'

/** Kafka's AlterConfigOp.OpType ids. */
export const ConfigOperations = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const

export type ConfigOperationId = (typeof ConfigOperations)[keyof typeof ConfigOperations]

export interface ConfigOperation {
  readonly name: string
  readonly operation: ConfigOperationId
  /** Ignored by DELETE; a comma-separated list for APPEND and SUBTRACT. */
  readonly value: string | null
}

export function isConfigOperationId(value: number): value is ConfigOperationId {
  return Number.isInteger(value) && value >= ConfigOperations.SET && value <= ConfigOperations.SUBTRACT
}

/**
 * The topic overrides after applying `operations` in order to `overrides`. `defaults` are the
 * broker's topic defaults, the base for APPEND and SUBTRACT on a setting that has no override. Throws SAMSA_CONFIG for an unknown setting (except DELETE, which Kafka treats
 * as a no-op), a missing value, or APPEND/SUBTRACT on a setting that is not a list. The result
 * itself is not validated; the caller parses it before storing it.
 */
export function applyTopicConfigOperations(
  overrides: Readonly<Record<string, string>>,
  operations: readonly ConfigOperation[],
  defaults: TopicConfig,
): Record<string, string> {
  const next: Record<string, string> = { ...overrides }
  for (const { name, operation, value } of operations) {
    if (operation === ConfigOperations.DELETE) {
      delete next[name]
      continue
    }
    if (!isTopicConfigName(name)) throw new SamsaError(ErrorCodes.CONFIG, `Unknown topic setting ${name}.`)
    if (value === null) throw new SamsaError(ErrorCodes.CONFIG, `Setting ${name} needs a value.`)
    if (operation === ConfigOperations.SET) {
      next[name] = value
      continue
    }
    const def = topicConfigDefs[name] as ConfigDef
    if (def.type !== 'list') {
      throw new SamsaError(ErrorCodes.CONFIG, `${name} is not a list setting; APPEND and SUBTRACT apply only to lists such as cleanup.policy.`)
    }
    const current = splitList(next[name] ?? formatValue(def, defaults[name]) ?? '')
    const given = splitList(value)
    let result = current
    if (operation === ConfigOperations.APPEND) {
      result = [...current]
      for (const item of given) if (!result.includes(item)) result.push(item)
    } else {
      result = current.filter((item) => !given.includes(item))
    }
    next[name] = result.join(',')
  }
  return next
}

/**
 * A broker's dynamic overrides after applying `operations` in order, validated. The dynamic
 * broker settings are numbers, so APPEND and SUBTRACT never apply; DELETE of anything is a
 * no-op when it is not set, as Kafka answers. Throws SAMSA_CONFIG for an unknown or static
 * setting, a bad value, or APPEND/SUBTRACT.
 */
export function applyBrokerConfigOperations(overrides: Readonly<Record<string, string>>, operations: readonly ConfigOperation[]): Record<string, string> {
  const next = applyScalarConfigOperations(overrides, operations)
  parseDynamicBrokerConfigs(next)
  return next
}

/**
 * Overrides of settings that are all scalars (dynamic broker settings, group configs) after
 * applying `operations` in order: SET (trimmed) and DELETE; APPEND and SUBTRACT, which only lists
 * have, throw SAMSA_CONFIG. The result is not validated; the caller checks it.
 */
export function applyScalarConfigOperations(overrides: Readonly<Record<string, string>>, operations: readonly ConfigOperation[]): Record<string, string> {
  const next: Record<string, string> = { ...overrides }
  for (const { name, operation, value } of operations) {
    if (operation === ConfigOperations.DELETE) delete next[name]
    else if (operation === ConfigOperations.SET && value !== null) next[name] = value.trim()
    else if (value === null) throw new SamsaError(ErrorCodes.CONFIG, `Setting ${name} needs a value.`)
    else throw new SamsaError(ErrorCodes.CONFIG, `${name} is not a list setting; APPEND and SUBTRACT apply only to lists.`)
  }
  return next
}

function splitList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '')
}
