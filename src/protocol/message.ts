/**
 * A message description (request, response, or an embedded structure such as the consumer
 * protocol) with its versions, and its entry points: `decode` and `encode`, which compile the
 * description for a version on first use and keep the result (one compile per message and
 * version for the life of the process).
 */
import { type StructCodec, compileStruct } from './codec.js'
import { protocolError, withContext } from './protocol-error.js'
import { Reader } from './reader.js'
import { type Field, type Fields, type StructInput, type StructOf, inVersions, parseVersions } from './schema.js'
import { Writer } from './writer.js'

export interface MessageDefinition<F extends Fields> {
  /** Kafka's name, e.g. "ProduceRequest". */
  readonly name: string
  /** The API key, for requests and responses. */
  readonly apiKey?: number
  /** The versions this description covers ("0-11"). */
  readonly validVersions: string
  /** The flexible versions ("9+" or "none"). */
  readonly flexibleVersions: string
  readonly fields: F
}

export class MessageSchema<F extends Fields = Fields> {
  readonly name: string
  /** The API key, or -1 for messages outside the request/response table. */
  readonly apiKey: number
  readonly minVersion: number
  readonly maxVersion: number
  /** The first flexible version, or null when no version is flexible. */
  readonly flexibleVersion: number | null
  readonly fields: F
  readonly #codecs: Array<StructCodec | undefined> = []

  constructor(definition: MessageDefinition<F>) {
    const valid = parseVersions(definition.validVersions)
    if (valid === null || valid.max === Infinity) throw new Error(`${definition.name}: validVersions must be a closed range`)
    const flexible = parseVersions(definition.flexibleVersions)
    this.name = definition.name
    this.apiKey = definition.apiKey ?? -1
    this.minVersion = valid.min
    this.maxVersion = valid.max
    this.flexibleVersion = flexible === null ? null : flexible.min
    this.fields = definition.fields
    checkFields(definition.name, definition.fields, this.flexibleVersion)
  }

  /** True when `version` is in this message's range. */
  supports(version: number): boolean {
    return Number.isInteger(version) && version >= this.minVersion && version <= this.maxVersion
  }

  /** True when `version` uses compact lengths and tagged fields. */
  isFlexible(version: number): boolean {
    return this.flexibleVersion !== null && version >= this.flexibleVersion
  }

  /** The compiled codec for `version`; throws SAMSA_PROTOCOL for a version outside the range. */
  codec(version: number): StructCodec {
    const cached = this.#codecs[version]
    if (cached !== undefined) return cached
    if (!this.supports(version)) {
      throw protocolError(`${this.name} version ${version} is not supported (${this.minVersion}-${this.maxVersion})`)
    }
    const codec = compileStruct(this.fields, version, this.isFlexible(version))
    this.#codecs[version] = codec
    return codec
  }

  /**
   * Decodes one message of `version` from the reader's position (or from the start of a buffer).
   * Byte and records fields are views into the input. Throws SAMSA_PROTOCOL, naming the field, on
   * malformed input.
   */
  decode(input: Reader | Buffer, version: number): StructOf<F> {
    const codec = this.codec(version)
    const reader = input instanceof Reader ? input : new Reader(input)
    try {
      return codec.decode(reader) as StructOf<F>
    } catch (error) {
      throw withContext(error, `${this.name} v${version}`)
    }
  }

  /** Encodes `value` as `version` into `writer` (a new one by default) and returns the writer. */
  encode(value: StructInput<F>, version: number, writer: Writer = new Writer()): Writer {
    const codec = this.codec(version)
    try {
      codec.encode(writer, value as Record<string, unknown>)
    } catch (error) {
      throw withContext(error, `${this.name} v${version}`)
    }
    return writer
  }
}

/** Describes a message; see schema.ts for the field vocabulary. */
export function defineMessage<const F extends Fields>(definition: MessageDefinition<F>): MessageSchema<F> {
  return new MessageSchema(definition)
}

/** The decoded type of a message description. */
export type MessageType<M> = M extends MessageSchema<infer F> ? StructOf<F> : never

/** What encoding a message description accepts (defaults and tagged fields may be left out). */
export type MessageInput<M> = M extends MessageSchema<infer F> ? StructInput<F> : never

/** Catches mistakes in a description when its module loads, not when a peer sends a rare version. */
function checkFields(path: string, fields: Fields, flexibleVersion: number | null): void {
  const tags = new Set<number>()
  for (const [name, field] of Object.entries(fields) as Array<[string, Field]>) {
    const where = `${path}.${name}`
    if (field.taggedVersions !== null) {
      if (flexibleVersion === null || field.taggedVersions.min < flexibleVersion) {
        throw new Error(`${where}: tagged versions must be flexible versions`)
      }
      if (!inVersions(field.versions, field.taggedVersions.min)) throw new Error(`${where}: tagged outside its versions`)
      if (tags.has(field.tag)) throw new Error(`${where}: duplicate tag ${field.tag}`)
      tags.add(field.tag)
    }
    if (field.kind === 'array' && field.items === null) throw new Error(`${where}: array without element type`)
    if (field.fields !== null) checkFields(where, field.fields, flexibleVersion)
  }
}
