import { describe, expect, test } from 'vitest'
import type { MessageSchema } from '../../../../src/protocol/message.js'
import {
  consumerProtocolAssignment,
  consumerProtocolSubscription,
} from '../../../../src/protocol/messages/consumer-protocol.js'
import { allApis } from '../../../../src/protocol/messages/index.js'
import { Reader } from '../../../../src/protocol/reader.js'
import { flattenChunks } from '../../../../src/protocol/writer.js'
import { sampleStruct, seededRandom } from '../../../helpers/schema-samples.js'

const SAMPLES_PER_VERSION = 25

const schemas: MessageSchema[] = [
  ...allApis().flatMap((api) => [api.request, api.response]),
  consumerProtocolSubscription,
  consumerProtocolAssignment,
]

function versionsOf(schema: MessageSchema): number[] {
  const versions: number[] = []
  for (let v = schema.minVersion; v <= schema.maxVersion; v++) versions.push(v)
  return versions
}

describe.each(schemas.map((schema) => [schema.name, schema] as const))('%s', (_name, schema) => {
  test.each(versionsOf(schema))('round-trips random values at v%i, dropping fields the version lacks', (version) => {
    const random = seededRandom(schema.apiKey * 1000 + version + 7)
    for (let i = 0; i < SAMPLES_PER_VERSION; i++) {
      const sample = sampleStruct(schema.fields, version, schema.isFlexible(version), random)
      const output = schema.encode(sample.input as never, version).finish()
      const bytes = flattenChunks(output.chunks, output.byteLength)
      expect(bytes.length).toBe(output.byteLength)

      const reader = new Reader(bytes)
      const decoded = schema.decode(reader, version)
      expect(reader.remaining).toBe(0)
      expect(decoded).toEqual(sample.expected)

      // What decoding gives must encode to the very same bytes.
      expect(schema.encode(decoded as never, version).toBuffer()).toEqual(bytes)
    }
  })
})
