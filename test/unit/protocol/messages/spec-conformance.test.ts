/**
 * Checks our message descriptions against Kafka's own JSON message definitions, version by
 * version: field order and names (camelCase), types, presence, nullability, tags and declared
 * defaults. The definitions are read where they lie (SAMSA_KAFKA_MESSAGE_DIR, by default the
 * shared reference copy next to the repository); they are never copied into the project, and the
 * test is skipped on machines without them.
 */
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import type { MessageSchema } from '../../../../src/protocol/message.js'
import {
  consumerProtocolAssignment,
  consumerProtocolSubscription,
} from '../../../../src/protocol/messages/consumer-protocol.js'
import { allApis } from '../../../../src/protocol/messages/index.js'
import { type Field, type Fields, inVersions, parseVersions } from '../../../../src/protocol/schema.js'

const specDir = process.env.SAMSA_KAFKA_MESSAGE_DIR ?? '/work/shared/kafka-protocol/message'

interface SpecField {
  name: string
  type: string
  versions: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  default?: string | number | boolean
  fields?: SpecField[]
}

interface SpecMessage {
  name: string
  validVersions?: string
  fields: SpecField[]
  commonStructs?: Array<{ name: string; fields: SpecField[] }>
}

function loadSpec(name: string): SpecMessage {
  const text = readFileSync(`${specDir}/${name}.json`, 'utf8')
  // The definitions carry // comments.
  const json = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n')
  return JSON.parse(json) as SpecMessage
}

function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1)
}

const PRIMITIVES: Record<string, string> = {
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  uint16: 'uint16',
  uint32: 'uint32',
  float64: 'float64',
  bool: 'bool',
  string: 'string',
  bytes: 'bytes',
  uuid: 'uuid',
  records: 'records',
}

function implicitDefault(kind: string): unknown {
  switch (kind) {
    case 'int64':
      return 0n
    case 'bool':
      return false
    case 'string':
      return ''
    case 'uuid':
      return 'AAAAAAAAAAAAAAAAAAAAAA'
    case 'records':
      return null
    default:
      return 0
  }
}

function specDefault(field: SpecField, kind: string): unknown {
  const raw = field.default
  if (raw === undefined) return undefined
  if (raw === 'null') return null
  if (kind === 'bool') return raw === true || raw === 'true'
  if (kind === 'string') return String(raw)
  if (kind === 'int64') return BigInt(raw)
  return Number(raw)
}

function compareFields(
  path: string,
  ours: Fields,
  spec: SpecField[],
  common: Map<string, SpecField[]>,
  versions: number[],
  problems: string[],
): void {
  // Spec fields that exist in none of our versions (newer than what we serve) are left out.
  const relevant = spec.filter((f) => versions.some((v) => inVersions(parseVersions(f.versions), v)))
  // Our fields of versions newer than the spec file (a later Kafka's) are left out likewise.
  const ourNames = Object.keys(ours).filter((n) => versions.some((v) => inVersions((ours[n] as Field).versions, v)))
  const specNames = relevant.map((f) => camelCase(f.name))
  if (ourNames.join(',') !== specNames.join(',')) {
    problems.push(`${path}: fields [${ourNames.join(', ')}] but the spec has [${specNames.join(', ')}]`)
    return
  }
  for (const specField of relevant) {
    const name = camelCase(specField.name)
    const field = ours[name] as Field
    const where = `${path}.${name}`
    const isArray = specField.type.startsWith('[]')
    const element = isArray ? specField.type.slice(2) : specField.type
    const structFields = specField.fields ?? common.get(element)
    const kind = isArray ? 'array' : structFields !== undefined ? 'struct' : PRIMITIVES[element]
    if (field.kind !== kind) problems.push(`${where}: kind ${field.kind}, spec ${specField.type}`)
    const specVersions = parseVersions(specField.versions)
    const specNullable = specField.nullableVersions === undefined ? null : parseVersions(specField.nullableVersions)
    const specTagged = specField.taggedVersions === undefined ? null : parseVersions(specField.taggedVersions)
    for (const v of versions) {
      const present = inVersions(specVersions, v)
      if (inVersions(field.versions, v) !== present) problems.push(`${where}: presence differs at v${v}`)
      if (!present) continue
      if (inVersions(field.nullableVersions, v) !== inVersions(specNullable, v)) problems.push(`${where}: nullability differs at v${v}`)
      if (inVersions(field.taggedVersions, v) !== inVersions(specTagged, v)) problems.push(`${where}: tagging differs at v${v}`)
    }
    if (specTagged !== null && field.tag !== specField.tag) problems.push(`${where}: tag ${field.tag}, spec ${specField.tag}`)
    if (kind !== 'array' && kind !== 'struct' && kind !== 'bytes') {
      const declared = specDefault(specField, kind!)
      const ourDefault = field.declaredDefault
      if (declared !== undefined) {
        if (ourDefault !== declared) problems.push(`${where}: default ${String(ourDefault)}, spec ${String(declared)}`)
      } else if (ourDefault !== undefined && ourDefault !== implicitDefault(kind!)) {
        // Documented choice: nullable fields without a declared default default to null here.
        if (!(ourDefault === null && field.nullableVersions !== null)) {
          problems.push(`${where}: default ${String(ourDefault)} where the spec implies ${String(implicitDefault(kind!))}`)
        }
      }
    }
    if (isArray && structFields === undefined) {
      const itemKind = field.items?.kind
      if (itemKind !== PRIMITIVES[element]) problems.push(`${where}: element kind ${itemKind}, spec ${element}`)
    }
    if (structFields !== undefined && field.fields !== null) {
      // Members only matter in the versions that carry their parent.
      const carried = versions.filter((v) => inVersions(specVersions, v))
      compareFields(where, field.fields, structFields, common, carried, problems)
    }
  }
}

// APIs newer than the Kafka in ../shared (its message/ has no file for them): Kafka 4.1's share
// group offset admin APIs, and ListConfigResources, which ../shared still has under its old name
// ListClientMetricsResources (the same bytes at v0, but Kafka 4.1 renamed its fields). They are
// compared only when a newer spec directory has them.
const NEWER_THAN_SPEC = new Set([
  'ListConfigResourcesRequest',
  'ListConfigResourcesResponse',
  'DescribeShareGroupOffsetsRequest',
  'DescribeShareGroupOffsetsResponse',
  'AlterShareGroupOffsetsRequest',
  'AlterShareGroupOffsetsResponse',
  'DeleteShareGroupOffsetsRequest',
  'DeleteShareGroupOffsetsResponse',
])

const schemas: MessageSchema[] = [
  ...allApis().flatMap((api) => [api.request, api.response]),
  consumerProtocolSubscription,
  consumerProtocolAssignment,
].filter((schema) => !NEWER_THAN_SPEC.has(schema.name) || existsSync(`${specDir}/${schema.name}.json`))

describe.skipIf(!existsSync(specDir))("message descriptions match Kafka's definitions", () => {
  test.each(schemas.map((schema) => [schema.name, schema] as const))('%s', (name, schema) => {
    const spec = loadSpec(name)
    const common = new Map((spec.commonStructs ?? []).map((s) => [s.name, s.fields]))
    const versions: number[] = []
    // Versions past the spec file's (a newer Kafka's than the one in ../shared) are not compared.
    const specMax = spec.validVersions === undefined ? Infinity : (parseVersions(spec.validVersions)?.max ?? Infinity)
    for (let v = schema.minVersion; v <= Math.min(schema.maxVersion, specMax); v++) versions.push(v)
    const problems: string[] = []
    compareFields(name, schema.fields, spec.fields, common, versions, problems)
    expect(problems).toEqual([])
  })
})
