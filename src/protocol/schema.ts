/**
 * Our declarative vocabulary for describing a Kafka message once, for all its versions.
 *
 * A message is an ordered set of named fields (camelCase of Kafka's field names). Each field has a
 * type and says in which versions it exists, in which it may be null, and in which it travels as a
 * tagged field (with its tag). The generic codec (codec.ts) turns a description into encode/decode
 * functions per version, and the TypeScript types of decoded and encodable values are inferred
 * from the same description, so nothing is written twice:
 *
 * ```ts
 * const heartbeatRequest = defineMessage({
 *   name: 'HeartbeatRequest', apiKey: 12, validVersions: '0-4', flexibleVersions: '4+',
 *   fields: {
 *     groupId: field.string(),
 *     generationId: field.int32(),
 *     memberId: field.string(),
 *     groupInstanceId: field.string({ versions: '3+', nullableVersions: '3+', default: null }),
 *   },
 * })
 * type HeartbeatRequest = MessageType<typeof heartbeatRequest>
 * ```
 *
 * Version ranges use Kafka's notation: "3+" (3 and later), "0-4", "7" (only 7), "none".
 *
 * Semantics (Kafka's, with one documented choice):
 * - Decoding a version that lacks a field yields the field's default. Defaults are the declared
 *   `default`, else 0 / 0n / false / "" / empty bytes / the zero UUID / null records / empty array
 *   / a struct of defaults.
 * - Encoding a version that lacks a field skips the field. Kafka's generated code instead throws
 *   when such a field holds a non-default value, unless the field is "ignorable". We invert that
 *   default because the broker builds one response object for every version it serves and relies
 *   on the codec to drop what an old version cannot carry. Fields whose loss would change the
 *   meaning of a request carry `strict: true`: encoding a non-default value for them in a version
 *   without them throws SAMSA_PROTOCOL.
 * - Tagged fields are written only when they differ from their default, in ascending tag order;
 *   unknown tags are skipped on decode.
 * - Flexible versions use compact (varint) lengths and end every struct with a tagged-field
 *   section; other versions use INT16/INT32 lengths.
 */
import type { ExternalChunk } from './writer.js'

/** An inclusive version range; `max` is Infinity for open ranges ("3+"). */
export interface VersionRange {
  readonly min: number
  readonly max: number
}

/** Parses "3+", "0-4", "7" or "none" (null). */
export function parseVersions(spec: string): VersionRange | null {
  if (spec === 'none') return null
  const open = /^(\d+)\+$/.exec(spec)
  if (open !== null) return { min: Number(open[1]), max: Infinity }
  const closed = /^(\d+)(?:-(\d+))?$/.exec(spec)
  if (closed === null) throw new Error(`invalid version range "${spec}"`)
  const min = Number(closed[1])
  const max = closed[2] === undefined ? min : Number(closed[2])
  if (max < min) throw new Error(`invalid version range "${spec}"`)
  return { min, max }
}

export function inVersions(range: VersionRange | null, version: number): boolean {
  return range !== null && version >= range.min && version <= range.max
}

export type FieldKind =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint16'
  | 'uint32'
  | 'float64'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'uuid'
  | 'records'
  | 'array'
  | 'struct'

/** What a field description may say besides its type. */
export interface FieldOptions<D = unknown> {
  /** Versions in which the field exists. Default "0+". */
  readonly versions?: string
  /** Versions in which the field may be null. Default: none. */
  readonly nullableVersions?: string
  /** Versions in which the field is a tagged field (needs `tag`). */
  readonly taggedVersions?: string
  readonly tag?: number
  /** Value when the field is absent (older version, or a tagged field not sent). */
  readonly default?: D
  /** Encoding a non-default value in a version without the field throws (see module doc). */
  readonly strict?: boolean
}

declare const kTypes: unique symbol

/**
 * One field's description. `T` is the decoded type, `I` what encoding accepts, `Optional` whether
 * the field may be left out of an encodable value (it has a default or is tagged).
 */
export class Field<T = unknown, I = T, Optional extends boolean = boolean> {
  readonly kind: FieldKind
  readonly versions: VersionRange
  readonly nullableVersions: VersionRange | null
  readonly taggedVersions: VersionRange | null
  /** The tag, or -1 for a field that is never tagged. */
  readonly tag: number
  /** The declared default, or undefined for the type's implicit default. */
  readonly declaredDefault: unknown
  readonly strict: boolean
  /** Element type of an array. */
  readonly items: Field | null
  /** Member fields of a struct or of an array of structs. */
  readonly fields: Fields | null
  /** Carries the inferred types; never set at run time. */
  declare readonly [kTypes]?: { decoded: T; input: I; optional: Optional }

  constructor(kind: FieldKind, options: FieldOptions | undefined, items: Field | null, fields: Fields | null) {
    this.kind = kind
    this.versions = parseVersions(options?.versions ?? '0+') ?? { min: 0, max: -1 }
    this.nullableVersions = options?.nullableVersions === undefined ? null : parseVersions(options.nullableVersions)
    this.taggedVersions = options?.taggedVersions === undefined ? null : parseVersions(options.taggedVersions)
    this.tag = options?.tag ?? -1
    this.declaredDefault = options?.default
    this.strict = options?.strict ?? false
    this.items = items
    this.fields = fields
    if ((this.taggedVersions === null) !== (this.tag === -1)) {
      throw new Error(`a tagged field needs both taggedVersions and tag (kind ${kind})`)
    }
  }
}

export type Fields = { readonly [name: string]: Field }

type DecodedOf<F> = F extends Field<infer T, unknown, boolean> ? T : never
type InputOf<F> = F extends Field<unknown, infer I, boolean> ? I : never
type IsOptionalField<F> = F extends Field<unknown, unknown, infer O> ? O : false
type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** The decoded object for a set of fields: every field present. */
export type StructOf<S extends Fields> = { -readonly [K in keyof S]: DecodedOf<S[K]> }

/** What encoding accepts: fields with defaults (and tagged fields) may be left out. */
export type StructInput<S extends Fields> = Simplify<
  { -readonly [K in keyof S as IsOptionalField<S[K]> extends true ? never : K]: InputOf<S[K]> } & {
    -readonly [K in keyof S as IsOptionalField<S[K]> extends true ? K : never]?: InputOf<S[K]>
  }
>

type OrNull<O, T> = O extends { readonly nullableVersions: string } ? T | null : T
type IsOptional<O> = O extends { readonly default: unknown }
  ? true
  : O extends { readonly taggedVersions: string }
    ? true
    : false

function make<T, I, O extends boolean>(
  kind: FieldKind,
  options: FieldOptions | undefined,
  items: Field | null = null,
  fields: Fields | null = null,
): Field<T, I, O> {
  return new Field<T, I, O>(kind, options, items, fields)
}

function array<const E extends Field, const O extends FieldOptions<null | readonly never[]> = {}>(
  items: E,
  options?: O,
): Field<OrNull<O, DecodedOf<E>[]>, OrNull<O, InputOf<E>[]>, IsOptional<O>>
function array<const S extends Fields, const O extends FieldOptions<null | readonly never[]> = {}>(
  items: S,
  options?: O,
): Field<OrNull<O, StructOf<S>[]>, OrNull<O, StructInput<S>[]>, IsOptional<O>>
function array(items: Field | Fields, options?: FieldOptions): Field {
  if (items instanceof Field) return make('array', options, items)
  return make('array', options, make('struct', undefined, null, items), items)
}

function struct<const S extends Fields, const O extends FieldOptions<null> = {}>(
  fields: S,
  options?: O,
): Field<OrNull<O, StructOf<S>>, OrNull<O, StructInput<S>>, IsOptional<O>> {
  return make('struct', options, null, fields)
}

/** Field constructors, one per Kafka type. Arrays take an element field or a set of struct fields. */
export const field = {
  int8: <const O extends FieldOptions<number> = {}>(options?: O) => make<number, number, IsOptional<O>>('int8', options),
  int16: <const O extends FieldOptions<number> = {}>(options?: O) => make<number, number, IsOptional<O>>('int16', options),
  int32: <const O extends FieldOptions<number> = {}>(options?: O) => make<number, number, IsOptional<O>>('int32', options),
  /**
   * INT64 decodes as bigint, exact for any value a peer sends. Encoding also takes a number when
   * it is a safe integer (storage keeps offsets and timestamps as numbers).
   */
  int64: <const O extends FieldOptions<bigint> = {}>(options?: O) =>
    make<bigint, bigint | number, IsOptional<O>>('int64', options),
  uint16: <const O extends FieldOptions<number> = {}>(options?: O) => make<number, number, IsOptional<O>>('uint16', options),
  uint32: <const O extends FieldOptions<number> = {}>(options?: O) => make<number, number, IsOptional<O>>('uint32', options),
  float64: <const O extends FieldOptions<number> = {}>(options?: O) =>
    make<number, number, IsOptional<O>>('float64', options),
  bool: <const O extends FieldOptions<boolean> = {}>(options?: O) => make<boolean, boolean, IsOptional<O>>('bool', options),
  string: <const O extends FieldOptions<string | null> = {}>(options?: O) =>
    make<OrNull<O, string>, OrNull<O, string>, IsOptional<O>>('string', options),
  /** Bytes decode as a view into the frame (no copy). */
  bytes: <const O extends FieldOptions<null> = {}>(options?: O) =>
    make<OrNull<O, Buffer>, OrNull<O, Uint8Array>, IsOptional<O>>('bytes', options),
  /** UUIDs travel as 16 bytes and appear here in Kafka's 22-character display form. */
  uuid: <const O extends FieldOptions<string> = {}>(options?: O) => make<string, string, IsOptional<O>>('uuid', options),
  /**
   * Record data (one or more RecordBatches), never looked into by the codec: decodes to a Buffer
   * view or null; encodes from a Buffer, null, or an external chunk. External chunks, and Buffers
   * of RECORDS_BY_REFERENCE_BYTES or more, go into the output by reference, uncopied.
   */
  records: <const O extends FieldOptions<null> = {}>(options?: O) =>
    make<OrNull<O, Buffer>, OrNull<O, Buffer | ExternalChunk>, IsOptional<O>>('records', options),
  array,
  struct,
}
