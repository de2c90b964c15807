/**
 * Kafka's record compression codecs: their ids, their `compression.type` names, and typed access
 * to the addon's Rust implementations (crates/seglog/src/codec).
 *
 * `compress` and `decompress` are synchronous and CPU-bound (a 1 MiB gzip takes milliseconds):
 * call them from the worker pool (src/workers), not on the event loop, except for small inputs.
 * They never keep a reference to their input and return a new Buffer that V8 owns, so the
 * result can be transferred between threads.
 */
import * as native from './native.js'
import { ErrorCodes, SamsaError } from '../common/errors.js'

/** Codec ids as RecordBatch v2 attributes carry them in bits 0-2. */
export const CompressionCodec = {
  None: 0,
  Gzip: 1,
  /** Raw snappy blocks in snappy-java's "xerial" framing, as the Java client and librdkafka write. */
  Snappy: 2,
  /** The LZ4 frame format (KIP-57). */
  Lz4: 3,
  Zstd: 4,
} as const

export type CompressionCodec = (typeof CompressionCodec)[keyof typeof CompressionCodec]

/** The values Kafka accepts for the `compression.type` broker and topic setting. */
export const compressionTypes = ['none', 'gzip', 'snappy', 'lz4', 'zstd', 'producer'] as const

/** `producer` means "keep whatever codec the producer used". */
export type CompressionType = (typeof compressionTypes)[number]

/** `code` of the errors `compress` and `decompress` throw. */
export const CodecErrorCodes = {
  /** The input is not valid data for the codec; the message names the codec and the check. */
  CORRUPT: 'SEGLOG_CODEC_CORRUPT',
  /** The input decompresses to more than `maxBytes`. */
  TOO_LARGE: 'SEGLOG_CODEC_TOO_LARGE',
  /** The codec id or the compression level is not one Kafka defines. */
  UNSUPPORTED: 'SEGLOG_CODEC_UNSUPPORTED',
} as const

export type CodecErrorCode = (typeof CodecErrorCodes)[keyof typeof CodecErrorCodes]

const typeByCodec: readonly Exclude<CompressionType, 'producer'>[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

export function isCompressionCodec(value: number): value is CompressionCodec {
  return Number.isInteger(value) && value >= 0 && value < typeByCodec.length
}

/** The `compression.type` name of a codec id, e.g. 2 → `snappy`. */
export function compressionTypeOf(codec: CompressionCodec): Exclude<CompressionType, 'producer'> {
  const name = typeByCodec[codec]
  if (name === undefined) {
    throw new SamsaError(ErrorCodes.CONFIG, `${codec} is not a compression codec id (0-4)`)
  }
  return name
}

/** The codec a `compression.type` names, or `null` for `producer` (keep the producer's codec). */
export function codecForCompressionType(type: CompressionType): CompressionCodec | null {
  if (type === 'producer') return null
  return typeByCodec.indexOf(type) as CompressionCodec
}

/** Validates a `compression.type` value from configuration. Like Kafka, names are lower case. */
export function parseCompressionType(value: string): CompressionType {
  if ((compressionTypes as readonly string[]).includes(value)) return value as CompressionType
  throw new SamsaError(
    ErrorCodes.CONFIG,
    `compression.type must be one of ${compressionTypes.join(', ')}; got ${JSON.stringify(value)}`,
  )
}

/** The codec a batch is stored with: the topic's `compression.type`, or the producer's codec. */
export function targetCodec(topicType: CompressionType, producerCodec: CompressionCodec): CompressionCodec {
  return codecForCompressionType(topicType) ?? producerCodec
}

/**
 * Compresses `input` in the wire format Kafka clients read. `level` is the codec's Kafka level
 * (`compression.gzip.level` 1-9, `compression.lz4.level` 1-17, `compression.zstd.level` up to
 * 22); omitted means Kafka's default. Throws `SEGLOG_CODEC_UNSUPPORTED` for a bad codec or level.
 */
export function compress(codec: CompressionCodec, input: Uint8Array, level?: number): Buffer {
  return native.compress(codec, input, level)
}

/**
 * Decompresses `input`, producing at most `maxBytes` bytes. Larger output throws
 * `SEGLOG_CODEC_TOO_LARGE` without allocating past the limit; malformed input throws
 * `SEGLOG_CODEC_CORRUPT`. Snappy input may be xerial-framed or a raw snappy block.
 */
export function decompress(codec: CompressionCodec, input: Uint8Array, maxBytes: number): Buffer {
  return native.decompress(codec, input, maxBytes)
}

/** True when `error` came from a codec call (optionally: with this `code`). */
export function isCodecError(error: unknown, code?: CodecErrorCode): error is Error & { code: CodecErrorCode } {
  if (!(error instanceof Error)) return false
  const actual = (error as { code?: unknown }).code
  if (code !== undefined) return actual === code
  return actual === CodecErrorCodes.CORRUPT || actual === CodecErrorCodes.TOO_LARGE || actual === CodecErrorCodes.UNSUPPORTED
}
