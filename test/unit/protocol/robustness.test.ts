/**
 * Hostile input: truncated and mutated golden frames, random bytes into every message decoder,
 * and damaged record batches. Decoding must either succeed or throw SAMSA_PROTOCOL (never another
 * error type), must finish, and must never ask for a buffer larger than its input.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { ErrorCodes, SamsaError } from '../../../src/common/errors.js'
import { crc32c } from '../../../src/protocol/crc32c.js'
import { decodeRequest, decodeResponse } from '../../../src/protocol/frames.js'
import { decodeRequestHeader } from '../../../src/protocol/headers.js'
import type { MessageSchema } from '../../../src/protocol/message.js'
import { decodeAssignment, decodeSubscription } from '../../../src/protocol/messages/consumer-protocol.js'
import { type DescribedApiKey, allApis } from '../../../src/protocol/messages/index.js'
import { Reader } from '../../../src/protocol/reader.js'
import { decodeRecordBatch, decodeRecordBatches, encodeRecordBatch } from '../../../src/protocol/records.js'
import { type Random, seededRandom } from '../../helpers/schema-samples.js'

const dir = new URL('../../fixtures/frames/', import.meta.url)
const goldenFrames = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => Buffer.from((JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as { hex: string }).hex, 'hex'))

/** Runs `decode`; returns whether it succeeded. Anything but SAMSA_PROTOCOL fails the test. */
function survives(decode: () => unknown, input: Buffer): boolean {
  try {
    decode()
    return true
  } catch (error) {
    if (!SamsaError.is(error, ErrorCodes.PROTOCOL)) {
      throw new Error(`non-protocol error for input ${input.toString('hex')}: ${(error as Error).stack}`)
    }
    return false
  }
}

// Values that make length prefixes hostile: -1, -2, 2^31-1, 2^31, 0x80 (varint continuation).
const HOSTILE_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]

function mutate(input: Buffer, random: Random): Buffer {
  const out = Buffer.from(input)
  const edits = 1 + Math.floor(random() * 4)
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * out.length)
    const choice = random()
    if (choice < 0.4) out[at] = HOSTILE_BYTES[Math.floor(random() * HOSTILE_BYTES.length)]!
    else if (choice < 0.7) out[at] = Math.floor(random() * 256)
    else if (at + 4 <= out.length) out.writeInt32BE(random() < 0.5 ? 0x7fffffff : -2, at)
  }
  return out
}

function randomBytes(random: Random, max: number): Buffer {
  const out = Buffer.alloc(Math.floor(random() * max))
  for (let i = 0; i < out.length; i++) out[i] = random() < 0.3 ? HOSTILE_BYTES[Math.floor(random() * 6)]! : Math.floor(random() * 256)
  return out
}

// Record the largest buffer any decoder asks for while these tests run.
let largestAllocation = 0
beforeAll(() => {
  for (const method of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const original = Buffer[method].bind(Buffer) as (size: number, ...rest: unknown[]) => Buffer
    vi.spyOn(Buffer, method).mockImplementation(((size: number, ...rest: unknown[]) => {
      if (size > largestAllocation) largestAllocation = size
      return original(size, ...rest)
    }) as never)
  }
})
afterAll(() => {
  vi.restoreAllMocks()
})

describe('golden frames, damaged', () => {
  test('every truncation of every captured frame decodes or throws SAMSA_PROTOCOL', () => {
    let failures = 0
    for (const frame of goldenFrames) {
      for (let length = 0; length < frame.length; length++) {
        const cut = frame.subarray(0, length)
        if (!survives(() => decodeRequest(cut), cut)) failures++
      }
    }
    // Most truncations must be detected (a few may still parse, e.g. cut inside ignored bytes).
    expect(failures).toBeGreaterThan(goldenFrames.length * 10)
  })

  test('thousands of random mutations decode or throw SAMSA_PROTOCOL', () => {
    const random = seededRandom(1)
    for (const frame of goldenFrames) {
      for (let i = 0; i < 400; i++) {
        const damaged = mutate(frame, random)
        survives(() => {
          const request = decodeRequest(damaged)
          // Go on into the records, as a broker or client would.
          if (request.supported && request.apiKey === 0) {
            for (const topic of request.body.topicData) {
              for (const partition of topic.partitionData) {
                if (partition.records !== null) decodeRecordBatches(partition.records, { verifyCrc: random() < 0.5 })
              }
            }
          }
        }, damaged)
      }
    }
  })

  test('a length prefix of 2^31-1 fails at once instead of allocating', () => {
    for (const frame of goldenFrames) {
      for (let at = 8; at + 4 <= frame.length; at++) {
        const damaged = Buffer.from(frame)
        damaged.writeInt32BE(0x7fffffff, at)
        survives(() => decodeRequest(damaged), damaged)
      }
    }
    expect(largestAllocation).toBeLessThan(64 * 1024)
  })
})

describe('random bytes into every decoder', () => {
  const schemas: Array<[string, MessageSchema]> = allApis().flatMap((api) => [
    [api.request.name, api.request] as [string, MessageSchema],
    [api.response.name, api.response] as [string, MessageSchema],
  ])

  test.each(schemas)('%s at every version', (_name, schema) => {
    const random = seededRandom(schema.apiKey + 100)
    for (let version = schema.minVersion; version <= schema.maxVersion; version++) {
      for (let i = 0; i < 60; i++) {
        const bytes = randomBytes(random, 96)
        survives(() => schema.decode(new Reader(bytes), version), bytes)
      }
    }
  })

  test('request frames, response frames, headers and the consumer protocol', () => {
    const random = seededRandom(2)
    const keys = allApis().map((api) => api.apiKey as DescribedApiKey)
    for (let i = 0; i < 3000; i++) {
      const bytes = randomBytes(random, 64)
      // Steer half of the frames to a described API and version so bodies get decoded too.
      if (bytes.length >= 4 && random() < 0.5) {
        const api = allApis()[Math.floor(random() * keys.length)]!
        bytes.writeInt16BE(api.apiKey, 0)
        bytes.writeInt16BE(api.minVersion + Math.floor(random() * (api.maxVersion - api.minVersion + 1)), 2)
      }
      survives(() => decodeRequest(bytes), bytes)
      survives(() => decodeRequestHeader(new Reader(bytes)), bytes)
      const api = allApis()[i % keys.length]!
      survives(() => decodeResponse(api.apiKey as DescribedApiKey, api.maxVersion, bytes), bytes)
      survives(() => decodeSubscription(bytes), bytes)
      survives(() => decodeAssignment(bytes), bytes)
    }
    expect(largestAllocation).toBeLessThan(64 * 1024)
  })
})

describe('record batches, damaged', () => {
  const batch = encodeRecordBatch({
    baseTimestamp: 1_700_000_000_000,
    records: [
      { key: Buffer.from('key'), value: Buffer.from('value'), headers: [{ key: 'h', value: Buffer.from('v') }] },
      { key: null, value: Buffer.alloc(40, 1), timestampDelta: 3 },
      { value: null, headers: [{ key: 'n', value: null }] },
    ],
  })

  test('mutations with a recomputed CRC reach the record decoder and only throw SAMSA_PROTOCOL', () => {
    const random = seededRandom(3)
    const decompress = (_codec: number, data: Buffer, maxBytes: number): Buffer => {
      if (data.length > maxBytes) throw new Error('too large')
      return data
    }
    let decoded = 0
    for (let i = 0; i < 5000; i++) {
      const damaged = mutate(batch, random)
      // Keep the frame and CRC intact often enough to exercise the records themselves.
      if (random() < 0.7) damaged.writeInt32BE(batch.length - 12, 8)
      damaged.writeUInt32BE(crc32c(damaged.subarray(21)), 17)
      if (survives(() => decodeRecordBatch(damaged, { decompress, maxDecompressedBytes: 1 << 16 }), damaged)) decoded++
    }
    expect(decoded).toBeGreaterThan(0)
  })

  test('every truncation of a batch throws SAMSA_PROTOCOL; a fetch-style walk drops the cut tail', () => {
    for (let length = 0; length < batch.length; length++) {
      const cut = batch.subarray(0, length)
      expect(survives(() => decodeRecordBatch(cut), cut)).toBe(false)
      expect(decodeRecordBatches(cut)).toEqual([])
    }
  })

  test('a records count of 2^31-1 fails before any record array grows', () => {
    const damaged = Buffer.from(batch)
    damaged.writeInt32BE(0x7fffffff, 57)
    damaged.writeUInt32BE(crc32c(damaged.subarray(21)), 17)
    expect(() => decodeRecordBatch(damaged)).toThrow(/recordsCount 2147483647 cannot fit/)
  })
})
