/**
 * The generic codec: compiles a set of field descriptions (schema.ts), for one version, into a
 * decode and an encode function built from small closures. Everything that depends on the version
 * (which fields exist, which are tagged, nullable, compact or classic lengths) is decided here,
 * once, so the functions that run per message only read or write.
 *
 * Decoded structs are plain objects with every field of the description, in description order,
 * whether or not the version carries it; the same shape for every version keeps property access
 * monomorphic in handlers. Errors name the path of the field that failed (see protocol-error.ts).
 */
import { atPath, protocolError } from './protocol-error.js'
import { Reader } from './reader.js'
import { type Field, type Fields, inVersions } from './schema.js'
import { ZERO_UUID } from './uuid.js'
import { Writer, type ExternalChunk } from './writer.js'

type Decode = (reader: Reader) => unknown
// Values are typed by the message descriptions (StructInput); the closures take them as given.
type Encode = (writer: Writer, value: any) => void

interface ValueCodec {
  readonly decode: Decode
  readonly encode: Encode
  /** The fewest bytes one value can take; bounds array counts before allocating. */
  readonly minBytes: number
}

/** Encode and decode of one struct (a message body or a nested struct) at one version. */
export interface StructCodec {
  decode(reader: Reader): Record<string, unknown>
  encode(writer: Writer, value: Record<string, unknown>): void
  readonly minBytes: number
}

/**
 * Record data of at least this many bytes given as a Buffer goes into the output by reference
 * (Writer.writeExternal) instead of being copied. Measured on Node 20 while writing this (encode
 * of a 4-byte field, the data, a 4-byte field): 4 KiB copied ≈2.7-3.9 µs (the copy and the
 * growth it forces) against ≈0.3-0.5 µs by reference; at 512 bytes ≈0.4-0.6 against ≈0.2 µs.
 * Below 1 KiB the saving is small, and keeping small record sets inline leaves small responses
 * one Buffer for the socket instead of three parts.
 */
export const RECORDS_BY_REFERENCE_BYTES = 1024

const EMPTY_BYTES = Buffer.alloc(0)

interface TaggedEntry {
  readonly name: string
  readonly tag: number
  readonly codec: ValueCodec
  readonly isDefault: (value: unknown) => boolean
}

interface StrictEntry {
  readonly name: string
  readonly isDefault: (value: unknown) => boolean
}

/** Compiles `fields` for `version`; `flexible` says whether that version of the message is flexible. */
export function compileStruct(fields: Fields, version: number, flexible: boolean): StructCodec {
  const names: string[] = []
  const decoders: Array<Decode | null> = []
  const defaults: Array<() => unknown> = []
  const regularNames: string[] = []
  const regularCodecs: Encode[] = []
  const regularDefaults: Array<() => unknown> = []
  const tagged: TaggedEntry[] = []
  const strictAbsent: StrictEntry[] = []
  let minBytes = flexible ? 1 : 0

  for (const [name, field] of Object.entries(fields)) {
    const makeDefault = defaultFactory(field)
    names.push(name)
    defaults.push(makeDefault)
    if (!inVersions(field.versions, version)) {
      decoders.push(null)
      if (field.strict) strictAbsent.push({ name, isDefault: defaultTest(field) })
      continue
    }
    const codec = valueCodec(field, version, flexible)
    if (flexible && inVersions(field.taggedVersions, version)) {
      decoders.push(null)
      tagged.push({ name, tag: field.tag, codec, isDefault: defaultTest(field) })
      continue
    }
    decoders.push(codec.decode)
    regularNames.push(name)
    regularCodecs.push(codec.encode)
    regularDefaults.push(makeDefault)
    minBytes += codec.minBytes
  }
  tagged.sort((a, b) => a.tag - b.tag)

  const fieldCount = names.length
  const regularCount = regularNames.length
  const taggedByTag = new Map(tagged.map((entry) => [entry.tag, entry]))
  const onTaggedField = (tag: number, reader: Reader, target: Record<string, unknown>): void => {
    const entry = taggedByTag.get(tag)
    if (entry === undefined) return
    try {
      target[entry.name] = entry.codec.decode(reader)
    } catch (error) {
      throw atPath(error, entry.name)
    }
  }

  function decode(reader: Reader): Record<string, unknown> {
    const value: Record<string, unknown> = {}
    let i = 0
    try {
      for (; i < fieldCount; i++) {
        const decodeField = decoders[i]!
        value[names[i]!] = decodeField === null ? defaults[i]!() : decodeField(reader)
      }
    } catch (error) {
      throw atPath(error, names[i]!)
    }
    // Errors inside a known tagged field carry its name; Reader's own say "tagged field".
    if (flexible) reader.readTaggedFields(onTaggedField, value)
    return value
  }

  function encode(writer: Writer, value: Record<string, unknown>): void {
    let i = 0
    try {
      for (; i < regularCount; i++) {
        const fieldValue = value[regularNames[i]!]
        regularCodecs[i]!(writer, fieldValue === undefined ? regularDefaults[i]!() : fieldValue)
      }
    } catch (error) {
      throw atPath(error, regularNames[i]!)
    }
    for (const entry of strictAbsent) {
      const fieldValue = value[entry.name]
      if (fieldValue !== undefined && !entry.isDefault(fieldValue)) {
        throw atPath(protocolError(`version ${version} cannot carry a value other than the default`), entry.name)
      }
    }
    if (flexible) encodeTaggedFields(writer, value, tagged)
  }

  return { decode, encode, minBytes }
}

function encodeTaggedFields(writer: Writer, value: Record<string, unknown>, tagged: readonly TaggedEntry[]): void {
  let count = 0
  for (const entry of tagged) {
    const fieldValue = value[entry.name]
    if (fieldValue !== undefined && !entry.isDefault(fieldValue)) count++
  }
  writer.writeUnsignedVarint(count)
  if (count === 0) return
  for (const entry of tagged) {
    const fieldValue = value[entry.name]
    if (fieldValue === undefined || entry.isDefault(fieldValue)) continue
    // The size prefix comes first, so the field is encoded aside; tagged fields are small and rare.
    const scratch = new Writer(64)
    try {
      entry.codec.encode(scratch, fieldValue)
    } catch (error) {
      throw atPath(error, entry.name)
    }
    const bytes = scratch.toBuffer()
    writer.writeUnsignedVarint(entry.tag).writeUnsignedVarint(bytes.length).writeRaw(bytes)
  }
}

function notNullable(version: number): Error {
  return protocolError(`null is not allowed in version ${version}`)
}

function valueCodec(field: Field, version: number, flexible: boolean): ValueCodec {
  const nullable = inVersions(field.nullableVersions, version)
  switch (field.kind) {
    case 'int8':
      return { decode: (r) => r.readInt8(), encode: (w, v: number) => w.writeInt8(v), minBytes: 1 }
    case 'int16':
      return { decode: (r) => r.readInt16(), encode: (w, v: number) => w.writeInt16(v), minBytes: 2 }
    case 'uint16':
      return { decode: (r) => r.readUint16(), encode: (w, v: number) => w.writeUint16(v), minBytes: 2 }
    case 'int32':
      return { decode: (r) => r.readInt32(), encode: (w, v: number) => w.writeInt32(v), minBytes: 4 }
    case 'uint32':
      return { decode: (r) => r.readUint32(), encode: (w, v: number) => w.writeUint32(v), minBytes: 4 }
    case 'int64':
      return { decode: (r) => r.readInt64(), encode: (w, v: bigint | number) => w.writeInt64(v), minBytes: 8 }
    case 'float64':
      return { decode: (r) => r.readFloat64(), encode: (w, v: number) => w.writeFloat64(v), minBytes: 8 }
    case 'bool':
      return { decode: (r) => r.readBoolean(), encode: (w, v: boolean) => w.writeBoolean(v), minBytes: 1 }
    case 'uuid':
      return { decode: (r) => r.readUuid(), encode: (w, v: string) => w.writeUuid(v), minBytes: 16 }
    case 'string':
      return stringCodec(flexible, nullable, version)
    case 'bytes':
      return bytesCodec(flexible, nullable, version)
    case 'records':
      return recordsCodec(flexible, nullable, version)
    case 'array':
      return arrayCodec(field, version, flexible, nullable)
    case 'struct':
      return structCodec(field, version, flexible, nullable)
  }
}

function stringCodec(flexible: boolean, nullable: boolean, version: number): ValueCodec {
  if (flexible) {
    return nullable
      ? { decode: (r) => r.readCompactNullableString(), encode: (w, v) => w.writeCompactNullableString(v), minBytes: 1 }
      : {
          decode: (r) => r.readCompactString(),
          encode: (w, v) => {
            if (v === null) throw notNullable(version)
            w.writeCompactString(v)
          },
          minBytes: 1,
        }
  }
  return nullable
    ? { decode: (r) => r.readNullableString(), encode: (w, v) => w.writeNullableString(v), minBytes: 2 }
    : {
        decode: (r) => r.readString(),
        encode: (w, v) => {
          if (v === null) throw notNullable(version)
          w.writeString(v)
        },
        minBytes: 2,
      }
}

function bytesCodec(flexible: boolean, nullable: boolean, version: number): ValueCodec {
  if (flexible) {
    return nullable
      ? { decode: (r) => r.readCompactNullableBytes(), encode: (w, v) => w.writeCompactNullableBytes(v), minBytes: 1 }
      : {
          decode: (r) => r.readCompactBytes(),
          encode: (w, v) => {
            if (v === null) throw notNullable(version)
            w.writeCompactBytes(v)
          },
          minBytes: 1,
        }
  }
  return nullable
    ? { decode: (r) => r.readNullableBytes(), encode: (w, v) => w.writeNullableBytes(v), minBytes: 4 }
    : {
        decode: (r) => r.readBytes(),
        encode: (w, v) => {
          if (v === null) throw notNullable(version)
          w.writeBytes(v)
        },
        minBytes: 4,
      }
}

function recordsCodec(flexible: boolean, nullable: boolean, version: number): ValueCodec {
  const decodeBytes = bytesCodec(flexible, nullable, version).decode
  const encode = (w: Writer, v: Buffer | ExternalChunk | null): void => {
    if (v === null) {
      if (!nullable) throw notNullable(version)
      if (flexible) w.writeUnsignedVarint(0)
      else w.writeInt32(-1)
      return
    }
    const length = v.byteLength
    if (flexible) w.writeUnsignedVarint(length + 1)
    else w.writeInt32(length)
    if (v instanceof Uint8Array && length < RECORDS_BY_REFERENCE_BYTES) w.writeRaw(v)
    else w.writeExternal(v)
  }
  return { decode: decodeBytes, encode, minBytes: flexible ? 1 : 4 }
}

function arrayCodec(field: Field, version: number, flexible: boolean, nullable: boolean): ValueCodec {
  const items = valueCodec(field.items!, version, flexible)
  const decodeItem = items.decode
  const encodeItem = items.encode
  const minItemBytes = items.minBytes
  const decode = (r: Reader): unknown[] | null => {
    const count = flexible ? r.readCompactArrayLength(minItemBytes) : r.readArrayLength(minItemBytes)
    if (count === -1) {
      if (!nullable) throw notNullable(version)
      return null
    }
    const out: unknown[] = []
    let i = 0
    try {
      for (; i < count; i++) out.push(decodeItem(r))
    } catch (error) {
      throw atPath(error, `[${i}]`)
    }
    return out
  }
  const encode = (w: Writer, v: readonly unknown[] | null): void => {
    if (v === null) {
      if (!nullable) throw notNullable(version)
      if (flexible) w.writeUnsignedVarint(0)
      else w.writeInt32(-1)
      return
    }
    const count = v.length
    if (flexible) w.writeUnsignedVarint(count + 1)
    else w.writeInt32(count)
    let i = 0
    try {
      for (; i < count; i++) encodeItem(w, v[i])
    } catch (error) {
      throw atPath(error, `[${i}]`)
    }
  }
  return { decode, encode, minBytes: flexible ? 1 : 4 }
}

function structCodec(field: Field, version: number, flexible: boolean, nullable: boolean): ValueCodec {
  const inner = compileStruct(field.fields!, version, flexible)
  if (!nullable) {
    return {
      decode: (r) => inner.decode(r),
      encode: (w, v) => {
        if (v === null) throw notNullable(version)
        inner.encode(w, v)
      },
      minBytes: inner.minBytes,
    }
  }
  // A nullable struct carries an INT8 marker first: -1 for null, 1 for present.
  return {
    decode: (r) => {
      const marker = r.readInt8()
      if (marker === -1) return null
      if (marker !== 1) throw protocolError(`nullable struct marker is ${marker}, expected -1 or 1`)
      return inner.decode(r)
    },
    encode: (w, v) => {
      if (v === null) {
        w.writeInt8(-1)
        return
      }
      w.writeInt8(1)
      inner.encode(w, v)
    },
    minBytes: 1,
  }
}

/** A function returning the field's default (fresh objects for arrays and structs). */
export function defaultFactory(field: Field): () => unknown {
  const declared = field.declaredDefault
  if (declared !== undefined) {
    if (Array.isArray(declared)) return () => []
    return () => declared
  }
  switch (field.kind) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint16':
    case 'uint32':
    case 'float64':
      return () => 0
    case 'int64':
      return () => 0n
    case 'bool':
      return () => false
    case 'string':
      return () => ''
    case 'bytes':
      return () => EMPTY_BYTES
    case 'uuid':
      return () => ZERO_UUID
    case 'records':
      return () => null
    case 'array':
      return () => []
    case 'struct': {
      const entries = Object.entries(field.fields!).map(([name, member]) => [name, defaultFactory(member)] as const)
      return () => {
        const value: Record<string, unknown> = {}
        for (const [name, make] of entries) value[name] = make()
        return value
      }
    }
  }
}

/** A predicate telling whether a value equals the field's default (tagged fields are sent only when not). */
export function defaultTest(field: Field): (value: unknown) => boolean {
  const declared = field.declaredDefault
  if (declared === null) return (value) => value === null
  switch (field.kind) {
    case 'bytes':
      return (value) => value instanceof Uint8Array && value.byteLength === 0
    case 'records':
      return (value) => value === null
    case 'array':
      return (value) => Array.isArray(value) && value.length === 0
    case 'struct': {
      const members = Object.entries(field.fields!).map(([name, member]) => [name, defaultTest(member)] as const)
      return (value) => {
        if (value === null || typeof value !== 'object') return false
        for (const [name, isDefault] of members) {
          const memberValue = (value as Record<string, unknown>)[name]
          if (memberValue !== undefined && !isDefault(memberValue)) return false
        }
        return true
      }
    }
    case 'int64': {
      // INT64 values may arrive as bigint or number; -1 and -1n are the same default.
      const expected = defaultFactory(field)() as bigint
      return (value) => (typeof value === 'number' ? BigInt(value) === expected : value === expected)
    }
    default: {
      const expected = defaultFactory(field)()
      return (value) => value === expected
    }
  }
}
