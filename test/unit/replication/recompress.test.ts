import { describe, expect, it } from 'vitest'
import { type TopicConfig, topicConfigDefs } from '../../../src/common/config/topic-config.js'
import { decompressionLimit, recompressionTarget } from '../../../src/replication/recompress.js'
import { CONTROL_FLAG_MASK } from '../../../src/protocol/record-batch.js'
import { encodeRecordBatch } from '../../../src/protocol/records.js'
import { compress } from '../../../src/storage/codecs.js'

function config(overrides: Partial<TopicConfig>): TopicConfig {
  const defaults = Object.fromEntries(Object.entries(topicConfigDefs).map(([name, def]) => [name, (def as { default: unknown }).default]))
  return { ...defaults, ...overrides } as TopicConfig
}

const batch = (compression: number): Buffer =>
  encodeRecordBatch({ baseTimestamp: 0, compression, records: [{ value: Buffer.from('v') }] }, { compress: compress as (c: number, d: Buffer) => Buffer })

describe('recompressionTarget', () => {
  it('keeps the producer\'s codec for compression.type=producer, and when the codecs agree', () => {
    expect(recompressionTarget(config({ 'compression.type': 'producer' }), batch(1))).toBeNull()
    expect(recompressionTarget(config({ 'compression.type': 'gzip' }), batch(1))).toBeNull()
    expect(recompressionTarget(config({ 'compression.type': 'uncompressed' }), batch(0))).toBeNull()
  })

  it('names the topic\'s codec when it differs; uncompressed and none both mean no codec', () => {
    expect(recompressionTarget(config({ 'compression.type': 'zstd' }), batch(0))).toBe(4)
    expect(recompressionTarget(config({ 'compression.type': 'snappy' }), batch(3))).toBe(2)
    expect(recompressionTarget(config({ 'compression.type': 'uncompressed' }), batch(1))).toBe(0)
    expect(recompressionTarget(config({ 'compression.type': 'none' }), batch(4))).toBe(0)
  })

  it('leaves bytes that are not one data batch to the append, which rejects them with the right error', () => {
    const zstd = config({ 'compression.type': 'zstd' })
    expect(recompressionTarget(zstd, Buffer.concat([batch(0), batch(0)]))).toBeNull()
    expect(recompressionTarget(zstd, batch(0).subarray(0, 40))).toBeNull()
    const control = batch(0)
    control.writeInt16BE(control.readInt16BE(21) | CONTROL_FLAG_MASK, 21)
    expect(recompressionTarget(zstd, control)).toBeNull()
  })
})

describe('decompressionLimit', () => {
  it('is 32 × max.message.bytes, at least 1 MiB and at most 256 MiB', () => {
    expect(decompressionLimit(config({ 'max.message.bytes': 1_048_588 }))).toBe(32 * 1_048_588)
    expect(decompressionLimit(config({ 'max.message.bytes': 1000 }))).toBe(1024 * 1024)
    expect(decompressionLimit(config({ 'max.message.bytes': 100 * 1024 * 1024 }))).toBe(256 * 1024 * 1024)
  })
})
