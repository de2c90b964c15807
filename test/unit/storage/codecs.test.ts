import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { gunzipSync, gzipSync } from 'node:zlib'
import * as lz4js from 'lz4js'
import { describe, expect, it } from 'vitest'
import {
  CodecErrorCodes,
  CompressionCodec,
  codecForCompressionType,
  compress,
  compressionTypeOf,
  decompress,
  isCodecError,
  isCompressionCodec,
  parseCompressionType,
  targetCodec,
} from '../../../src/storage/codecs.js'
import { SamsaError } from '../../../src/common/errors.js'

const require = createRequire(import.meta.url)
// kafkajs-snappy ships no types: a factory returning kafkajs' { compress, decompress } codec.
const kafkajsSnappy = (require('kafkajs-snappy') as () => KafkajsCodec)()
// snappyjs is the raw snappy implementation kafkajs-snappy uses.
const snappyjs = require('snappyjs') as { compress(input: Uint8Array): Uint8Array }

interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>
  decompress(buffer: Buffer): Promise<Buffer>
}

const fixtures = new URL('../../fixtures/codecs/', import.meta.url)
const MiB = 1 << 20

/** JSON lines shaped like application events: compressible, but not trivially. */
function jsonLines(bytes: number, seed: number): Buffer {
  let state = seed >>> 0 || 1
  const next = (): number => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
  const events = ['page_view', 'add_to_cart', 'checkout', 'login', 'search']
  const lines: string[] = []
  let length = 0
  for (let id = 1_000_000; length < bytes; id += 1 + (next() % 5)) {
    const line = `${JSON.stringify({
      id,
      user: `user-${String(next() % 50_000).padStart(6, '0')}`,
      event: events[next() % events.length],
      ts: 1_700_000_000_000 + id * 13,
      amount: (next() % 50_000) / 100,
    })}\n`
    lines.push(line)
    length += line.length
  }
  return Buffer.from(lines.join('').slice(0, bytes))
}

/** Runs a CLI with `input` on stdin and returns stdout. */
function cli(command: string, args: string[], input: Buffer): Buffer {
  return execFileSync(command, args, { input, maxBuffer: 64 * MiB })
}

function hasCommand(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

const inputs: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['1 byte', Buffer.from([0x2a])],
  ['1 MiB of JSON lines', jsonLines(MiB, 1)],
  ['1 MiB of random bytes', randomBytes(MiB)],
]

const codecs = [
  ['none', CompressionCodec.None],
  ['gzip', CompressionCodec.Gzip],
  ['snappy', CompressionCodec.Snappy],
  ['lz4', CompressionCodec.Lz4],
  ['zstd', CompressionCodec.Zstd],
] as const

describe('round trips through the addon', () => {
  for (const [name, codec] of codecs) {
    for (const [label, input] of inputs) {
      it(`${name}: ${label}`, () => {
        const compressed = compress(codec, input)
        expect(decompress(codec, compressed, input.length).equals(input)).toBe(true)
      })
    }
  }
})

describe('gzip interoperates with node:zlib', () => {
  const input = jsonLines(300_000, 2)

  it('zlib reads what we write', () => {
    expect(gunzipSync(compress(CompressionCodec.Gzip, input)).equals(input)).toBe(true)
  })

  it('we read what zlib writes, at every level', () => {
    for (const level of [1, 6, 9]) {
      expect(decompress(CompressionCodec.Gzip, gzipSync(input, { level }), input.length).equals(input)).toBe(true)
    }
  })

  it('we read concatenated gzip members as one stream', () => {
    const joined = Buffer.concat([gzipSync(input.subarray(0, 1000)), gzipSync(input.subarray(1000))])
    expect(decompress(CompressionCodec.Gzip, joined, input.length).equals(input)).toBe(true)
  })
})

describe('snappy interoperates with kafkajs-snappy', () => {
  const input = jsonLines(200_000, 3)

  it('writes xerial framing that kafkajs-snappy decodes block by block', async () => {
    const framed = compress(CompressionCodec.Snappy, input)
    expect(framed.subarray(0, 8).equals(Buffer.from([0x82, ...Buffer.from('SNAPPY'), 0]))).toBe(true)
    expect((await kafkajsSnappy.decompress(framed)).equals(input)).toBe(true)
  })

  it('reads the raw snappy kafkajs-snappy writes', async () => {
    const raw = await kafkajsSnappy.compress({ buffer: input })
    expect(decompress(CompressionCodec.Snappy, raw, input.length).equals(input)).toBe(true)
  })

  it('reads xerial framing with blocks of another size', () => {
    // The framing as snappy-java writes it, here around 8 KiB blocks compressed by snappyjs.
    const header = Buffer.from([0x82, ...Buffer.from('SNAPPY'), 0, 0, 0, 0, 1, 0, 0, 0, 1])
    const parts: Uint8Array[] = [header]
    for (let offset = 0; offset < input.length; offset += 8192) {
      const block = snappyjs.compress(input.subarray(offset, offset + 8192))
      const length = Buffer.alloc(4)
      length.writeInt32BE(block.length)
      parts.push(length, block)
    }
    expect(decompress(CompressionCodec.Snappy, Buffer.concat(parts), input.length).equals(input)).toBe(true)
  })
})

describe('lz4 interoperates with lz4js and the lz4 tool', () => {
  const input = jsonLines(300_000, 4)

  // lz4js is a pure-JS LZ4 frame implementation (what JS Kafka clients without native add-ons use).
  it('lz4js reads our frames', () => {
    expect(Buffer.from(lz4js.decompress(compress(CompressionCodec.Lz4, input))).equals(input)).toBe(true)
  })

  it('we read the frames lz4js writes (4 MiB linked blocks, no checksums)', () => {
    const frame = Buffer.from(lz4js.compress(input))
    expect(decompress(CompressionCodec.Lz4, frame, input.length).equals(input)).toBe(true)
  })

  it('we read a linked-block frame with every checksum from the lz4 tool (fixture)', () => {
    // `lz4 -BD -BX -B4 --content-size` (lz4 1.9.4) of the 100 000-byte input behind records-cli.zst.
    const frame = readFileSync(new URL('records-cli-linked.lz4', fixtures))
    const output = decompress(CompressionCodec.Lz4, frame, 100_000)
    expect(sha256(output)).toBe(FIXTURE_SHA256)
  })

  it.skipIf(!hasCommand('lz4'))('the lz4 tool reads our frames and we read its linked-block frames', () => {
    expect(cli('lz4', ['-d', '-c'], compress(CompressionCodec.Lz4, input)).equals(input)).toBe(true)
    const linked = cli('lz4', ['-c', '-BD', '-BX'], input)
    expect(decompress(CompressionCodec.Lz4, linked, input.length).equals(input)).toBe(true)
    const checksummed = cli('lz4', ['-c', '-BX', '-B4', '--content-size'], input)
    expect(decompress(CompressionCodec.Lz4, checksummed, input.length).equals(input)).toBe(true)
  })
})

/** SHA-256 of the 100 000 bytes of JSON lines compressed in test/fixtures/codecs. */
const FIXTURE_SHA256 = 'a77fd9405a329b78600108ec3322f54a2ce9dcb54319f4a399a732b744e8a681'

describe('zstd interoperates with the zstd tool', () => {
  const input = jsonLines(300_000, 5)

  it('reads a frame with content size and checksum (fixture: zstd -19 of a file)', () => {
    const frame = readFileSync(new URL('records-cli.zst', fixtures))
    expect(sha256(decompress(CompressionCodec.Zstd, frame, 100_000))).toBe(FIXTURE_SHA256)
  })

  it('reads a streamed frame without content size (fixture: zstd -3 --no-check from stdin)', () => {
    // Streamed frames are what the Java client's ZstdOutputStream writes.
    const frame = readFileSync(new URL('records-cli-stream.zst', fixtures))
    expect(sha256(decompress(CompressionCodec.Zstd, frame, 100_000))).toBe(FIXTURE_SHA256)
    expect(isCodecError(thrown(() => decompress(CompressionCodec.Zstd, frame, 99_999)), CodecErrorCodes.TOO_LARGE)).toBe(true)
  })

  it.skipIf(!hasCommand('zstd'))('the zstd tool reads our frames and we read its streamed frames', () => {
    expect(cli('zstd', ['-d', '-q', '-c'], compress(CompressionCodec.Zstd, input, 19)).equals(input)).toBe(true)
    const streamed = cli('zstd', ['-q', '-c', '-5'], input)
    expect(decompress(CompressionCodec.Zstd, streamed, input.length).equals(input)).toBe(true)
  })
})

describe('errors', () => {
  const input = jsonLines(50_000, 6)

  it('output over maxBytes throws SEGLOG_CODEC_TOO_LARGE for every codec', () => {
    for (const [, codec] of codecs) {
      const error = thrown(() => decompress(codec, compress(codec, input), input.length - 1))
      expect(isCodecError(error, CodecErrorCodes.TOO_LARGE)).toBe(true)
      expect((error as Error).message).toMatch(`more than the limit of ${input.length - 1} bytes`)
    }
  })

  it('corrupt input throws SEGLOG_CODEC_CORRUPT naming the codec', () => {
    for (const [name, codec] of codecs.slice(1)) {
      const compressed = compress(codec, input)
      const error = thrown(() => decompress(codec, compressed.subarray(0, compressed.length >> 1), MiB))
      expect(isCodecError(error, CodecErrorCodes.CORRUPT)).toBe(true)
      expect((error as Error).message).toMatch(new RegExp(`^${name} data is corrupt: `))
    }
  })

  it('a gzip bomb is refused at the limit', () => {
    const bomb = gzipSync(Buffer.alloc(64 * MiB))
    expect(isCodecError(thrown(() => decompress(CompressionCodec.Gzip, bomb, MiB)), CodecErrorCodes.TOO_LARGE)).toBe(true)
  })

  it('unknown codec ids and out-of-range levels throw SEGLOG_CODEC_UNSUPPORTED', () => {
    expect(isCodecError(thrown(() => compress(5 as CompressionCodec, input)), CodecErrorCodes.UNSUPPORTED)).toBe(true)
    expect(isCodecError(thrown(() => decompress(1.5 as CompressionCodec, input, MiB)), CodecErrorCodes.UNSUPPORTED)).toBe(true)
    expect(isCodecError(thrown(() => compress(CompressionCodec.Gzip, input, 10)), CodecErrorCodes.UNSUPPORTED)).toBe(true)
  })

  it('a negative or fractional maxBytes is an argument error', () => {
    const error = thrown(() => decompress(CompressionCodec.Gzip, input, -1))
    expect((error as { code?: string }).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(isCodecError(error)).toBe(false)
  })
})

describe('compression.type names', () => {
  it('maps every codec id to its name and back', () => {
    for (const [name, codec] of codecs) {
      expect(compressionTypeOf(codec)).toBe(name)
      expect(codecForCompressionType(name)).toBe(codec)
      expect(isCompressionCodec(codec)).toBe(true)
    }
    expect(isCompressionCodec(5)).toBe(false)
  })

  it('producer keeps the producer codec; any other type overrides it', () => {
    expect(codecForCompressionType('producer')).toBeNull()
    expect(targetCodec('producer', CompressionCodec.Snappy)).toBe(CompressionCodec.Snappy)
    expect(targetCodec('zstd', CompressionCodec.Snappy)).toBe(CompressionCodec.Zstd)
    expect(targetCodec('none', CompressionCodec.Gzip)).toBe(CompressionCodec.None)
  })

  it('rejects unknown names with a config error that lists the valid ones', () => {
    expect(parseCompressionType('lz4')).toBe('lz4')
    const error = thrown(() => parseCompressionType('LZ4'))
    expect(SamsaError.is(error, 'SAMSA_CONFIG')).toBe(true)
    expect((error as Error).message).toContain('none, gzip, snappy, lz4, zstd, producer')
  })
})
