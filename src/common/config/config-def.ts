/**
 * The vocabulary for describing settings once, as data: a Kafka property name, its type, its
 * default, how to validate it, and a one-line doc. Broker settings (broker-config.ts) and topic
 * settings (topic-config.ts) are tables in this vocabulary; parsing, validation, DescribeConfigs
 * and `--help` all read the same tables.
 */
import { ErrorCodes, SamsaError } from '../errors.js'

export type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list' | 'password'

/** Kafka's Long.MAX_VALUE, the "unset" value of flush and timestamp-bound settings. */
export const LONG_MAX = Number.MAX_SAFE_INTEGER

export interface ConfigDef<T = unknown> {
  readonly type: ConfigType
  /** `null` means "no default": the setting is derived from another one or simply absent. */
  readonly default: T | null
  readonly doc: string
  /** Returns an error message when the value is not acceptable. */
  readonly validate?: (value: T) => string | undefined
}

export type ValueOf<D> = D extends ConfigDef<infer T> ? T : never

export function intDef(
  defaultValue: number | null,
  doc: string,
  range: { min?: number; max?: number } = {},
): ConfigDef<number> {
  return { type: 'int', default: defaultValue, doc, validate: rangeCheck(range) }
}

export function longDef(
  defaultValue: number | null,
  doc: string,
  range: { min?: number; max?: number } = {},
): ConfigDef<number> {
  return { type: 'long', default: defaultValue, doc, validate: rangeCheck(range) }
}

export function doubleDef(defaultValue: number, doc: string, range: { min?: number; max?: number } = {}): ConfigDef<number> {
  return { type: 'double', default: defaultValue, doc, validate: rangeCheck(range) }
}

export function booleanDef(defaultValue: boolean, doc: string): ConfigDef<boolean> {
  return { type: 'boolean', default: defaultValue, doc }
}

export function stringDef(defaultValue: string | null, doc: string, oneOf?: readonly string[]): ConfigDef<string> {
  const validate = oneOf === undefined
    ? undefined
    : (value: string) => (oneOf.includes(value) ? undefined : `must be one of ${oneOf.join(', ')}`)
  return validate === undefined
    ? { type: 'string', default: defaultValue, doc }
    : { type: 'string', default: defaultValue, doc, validate }
}

/** A secret (a key, a password): DescribeConfigs marks it sensitive and never shows its value. */
export function passwordDef(doc: string): ConfigDef<string> {
  return { type: 'password', default: null, doc }
}

export function listDef(defaultValue: string[], doc: string, oneOf?: readonly string[]): ConfigDef<string[]> {
  const validate = oneOf === undefined
    ? undefined
    : (value: string[]) => {
        const bad = value.find((v) => !oneOf.includes(v))
        return bad === undefined ? undefined : `'${bad}' is not one of ${oneOf.join(', ')}`
      }
  return validate === undefined
    ? { type: 'list', default: defaultValue, doc }
    : { type: 'list', default: defaultValue, doc, validate }
}

function rangeCheck({ min, max }: { min?: number; max?: number }): ((value: number) => string | undefined) | undefined {
  if (min === undefined && max === undefined) return undefined
  return (value) => {
    if (min !== undefined && value < min) return `must be at least ${min}`
    if (max !== undefined && value > max) return `must be at most ${max}`
    return undefined
  }
}

/**
 * Parses a setting's text form (from a properties file, an environment variable, a CLI flag or a
 * Kafka AlterConfigs request) into its typed value. Throws SAMSA_CONFIG naming the setting.
 */
export function parseValue<T>(name: string, def: ConfigDef<T>, text: string): T {
  const trimmed = text.trim()
  const fail = (why: string): never => {
    throw new SamsaError(ErrorCodes.CONFIG, `Invalid value '${text}' for setting ${name}: ${why}.`)
  }
  let value: unknown
  switch (def.type) {
    case 'int':
    case 'long': {
      if (!/^[+-]?\d+$/.test(trimmed)) fail(`expected a whole number`)
      const n = Number(trimmed)
      // Kafka writes Long.MAX_VALUE (9223372036854775807) for "never"; we keep it as our LONG_MAX.
      value = Number.isSafeInteger(n) ? n : n > 0 ? LONG_MAX : fail('out of range')
      if (def.type === 'int' && (n > 2147483647 || n < -2147483648)) fail('does not fit in a 32-bit int')
      break
    }
    case 'double': {
      const n = Number(trimmed)
      if (trimmed === '' || !Number.isFinite(n)) fail('expected a number')
      value = n
      break
    }
    case 'boolean':
      if (trimmed === 'true') value = true
      else if (trimmed === 'false') value = false
      else fail('expected true or false')
      break
    case 'list':
      value = trimmed === '' ? [] : trimmed.split(',').map((s) => s.trim())
      break
    case 'string':
    case 'password':
      value = trimmed
      break
  }
  const problem = def.validate?.(value as T)
  if (problem !== undefined) fail(problem)
  return value as T
}

/** The text form Kafka's DescribeConfigs shows for a value. */
export function formatValue(def: Pick<ConfigDef, 'type'>, value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (def.type === 'list') return (value as string[]).join(',')
  if ((def.type === 'long' || def.type === 'int') && value === LONG_MAX) return '9223372036854775807'
  return String(value)
}
