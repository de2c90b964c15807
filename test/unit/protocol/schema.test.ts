import { expect, test } from 'vitest'
import { defineMessage } from '../../../src/protocol/message.js'
import { Field, field, inVersions, parseVersions } from '../../../src/protocol/schema.js'

test("parses Kafka's version range notation", () => {
  expect(parseVersions('3+')).toEqual({ min: 3, max: Infinity })
  expect(parseVersions('0-4')).toEqual({ min: 0, max: 4 })
  expect(parseVersions('7')).toEqual({ min: 7, max: 7 })
  expect(parseVersions('none')).toBeNull()
  expect(() => parseVersions('4-2')).toThrow(/invalid version range/)
  expect(() => parseVersions('x')).toThrow(/invalid version range/)
})

test('inVersions treats null as no versions', () => {
  expect(inVersions(parseVersions('2-3'), 2)).toBe(true)
  expect(inVersions(parseVersions('2-3'), 4)).toBe(false)
  expect(inVersions(null, 0)).toBe(false)
})

test('field constructors record kind, ranges, tag and default', () => {
  const f = field.string({ versions: '3+', nullableVersions: '3+', taggedVersions: '4+', tag: 2, default: null, strict: true })
  expect(f).toBeInstanceOf(Field)
  expect(f.kind).toBe('string')
  expect(f.versions).toEqual({ min: 3, max: Infinity })
  expect(f.nullableVersions).toEqual({ min: 3, max: Infinity })
  expect(f.taggedVersions).toEqual({ min: 4, max: Infinity })
  expect(f.tag).toBe(2)
  expect(f.declaredDefault).toBeNull()
  expect(f.strict).toBe(true)
  const plain = field.int32()
  expect(plain.versions).toEqual({ min: 0, max: Infinity })
  expect(plain.tag).toBe(-1)
})

test('arrays take an element field or a set of struct fields', () => {
  const ints = field.array(field.int32())
  expect(ints.items?.kind).toBe('int32')
  expect(ints.fields).toBeNull()
  const structs = field.array({ a: field.int8() })
  expect(structs.items?.kind).toBe('struct')
  expect(Object.keys(structs.fields!)).toEqual(['a'])
})

test('a tag without tagged versions (or the reverse) is a description error', () => {
  expect(() => field.int32({ tag: 1 })).toThrow(/needs both taggedVersions and tag/)
  expect(() => field.int32({ taggedVersions: '1+' })).toThrow(/needs both/)
})

test('descriptions are checked when defined: tags only in flexible versions, unique per struct', () => {
  const base = { name: 'Test', validVersions: '0-3', flexibleVersions: '2+' }
  expect(() => defineMessage({ ...base, fields: { a: field.int32({ taggedVersions: '1+', tag: 0 }) } })).toThrow(
    /tagged versions must be flexible versions/,
  )
  expect(() =>
    defineMessage({
      ...base,
      fields: { a: field.int32({ taggedVersions: '2+', tag: 0 }), b: field.int32({ taggedVersions: '2+', tag: 0 }) },
    }),
  ).toThrow(/duplicate tag 0/)
  expect(() => defineMessage({ ...base, validVersions: '0+', fields: {} })).toThrow(/closed range/)
})
