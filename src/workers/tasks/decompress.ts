/**
 * Task: decompress several payloads with one codec, each bounded by `maxBytes` (for example the
 * records regions of the compressed batches of one produce request, to validate their records).
 *
 * One bad payload must not fail the others (a produce request answers per partition), so a
 * failure is returned in that payload's place as data rather than thrown: errors thrown in a
 * worker also lose their `code` when they are cloned back.
 */
import { decompress as decompressBytes, isCodecError, type CompressionCodec } from '../../storage/codecs.js'

export interface DecompressTask {
  codec: CompressionCodec
  /** Upper bound on each payload's decompressed size; larger ones fail with SEGLOG_CODEC_TOO_LARGE. */
  maxBytes: number
  payloads: Uint8Array[]
}

/** Why one payload could not be decompressed. */
export interface CodecFailure {
  /** `SEGLOG_CODEC_CORRUPT`, `SEGLOG_CODEC_TOO_LARGE` or `SEGLOG_CODEC_UNSUPPORTED`. */
  code: string
  message: string
}

/** Per payload, in order: the decompressed Buffer or the reason it failed. */
export function decompress(task: DecompressTask): Array<Buffer | CodecFailure> {
  const { codec, maxBytes, payloads } = task
  const outputs = new Array<Buffer | CodecFailure>(payloads.length)
  for (let i = 0; i < payloads.length; i++) {
    try {
      outputs[i] = decompressBytes(codec, payloads[i], maxBytes)
    } catch (error) {
      if (!isCodecError(error)) throw error
      outputs[i] = { code: error.code, message: error.message }
    }
  }
  return outputs
}

export function isCodecFailure(value: Buffer | CodecFailure): value is CodecFailure {
  return !(value instanceof Uint8Array)
}
