import { describe, expect, it } from 'vitest'
import { CodecErrorCodes, CompressionCodec, compress as compressBytes } from '../../../src/storage/codecs.js'
import { compress } from '../../../src/workers/tasks/compress.js'
import { decompress, isCodecFailure } from '../../../src/workers/tasks/decompress.js'

const payloads = [Buffer.from('{"event":"login"}\n'.repeat(500)), Buffer.alloc(0), Buffer.from('x')]

describe('compress task', () => {
  it('compresses every payload in order with the codec and level', () => {
    for (const codec of [CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4, CompressionCodec.Zstd]) {
      const outputs = compress({ codec, payloads, level: codec === CompressionCodec.Snappy ? undefined : 1 })
      expect(outputs).toHaveLength(3)
      const restored = decompress({ codec, maxBytes: 1 << 20, payloads: outputs })
      expect(restored).toEqual(payloads)
    }
  })

  it('fails the whole task for a level Kafka does not allow', () => {
    expect(() => compress({ codec: CompressionCodec.Gzip, level: 42, payloads })).toThrow(/level 42/)
  })
})

describe('decompress task', () => {
  it('reports a bad payload in its place and still decodes the others', () => {
    const good = compressBytes(CompressionCodec.Lz4, payloads[0])
    const tooLarge = compressBytes(CompressionCodec.Lz4, Buffer.alloc(10_000))
    const outputs = decompress({
      codec: CompressionCodec.Lz4,
      maxBytes: 9_999,
      payloads: [good, Buffer.from('not an lz4 frame'), tooLarge],
    })
    expect(outputs[0]).toEqual(payloads[0])
    const [, corrupt, large] = outputs
    expect(isCodecFailure(corrupt) && corrupt.code).toBe(CodecErrorCodes.CORRUPT)
    expect(isCodecFailure(large) && large.code).toBe(CodecErrorCodes.TOO_LARGE)
    expect(isCodecFailure(outputs[0])).toBe(false)
  })
})
