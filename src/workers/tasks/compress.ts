/**
 * Task: compress several payloads with one codec (for example the records regions of the batches
 * of one produce request, when a topic's compression.type differs from the producer's).
 *
 * Batched because a pool round trip costs about 25 µs: one task per request, not per batch.
 * Pure: runs the same on the event loop (tests, tiny inputs) and in a worker.
 */
import { compress as compressBytes, type CompressionCodec } from '../../storage/codecs.js'

export interface CompressTask {
  codec: CompressionCodec
  /** The codec's Kafka level (`compression.<codec>.level`); omitted means Kafka's default. */
  level?: number
  payloads: Uint8Array[]
}

/**
 * One compressed Buffer per payload, in order. A bad codec or level is a caller error and throws
 * `SEGLOG_CODEC_UNSUPPORTED` for the whole task.
 */
export function compress(task: CompressTask): Buffer[] {
  const { codec, level, payloads } = task
  const outputs = new Array<Buffer>(payloads.length)
  for (let i = 0; i < payloads.length; i++) outputs[i] = compressBytes(codec, payloads[i], level)
  return outputs
}
