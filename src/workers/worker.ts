/**
 * The module piscina loads in every worker thread. Each export is one task, selected by the name
 * passed to `WorkerPool.run`; its input and output types flow from here to callers of `run`.
 *
 * Adding a task: a pure function of one argument in ./tasks/<name>.ts, and one export line here
 * (with its import). Tasks import only src/protocol, src/common and the codecs.
 */
import { workerTask } from './pool.js'
import { compress } from './tasks/compress.js'
import { decodeBatches } from './tasks/decode-batches.js'
import { decompress } from './tasks/decompress.js'
import { displayRecords } from './tasks/display-records.js'
import { encodeBatches } from './tasks/encode-batches.js'
import { encodeEmbeddedRecords } from './tasks/encode-embedded-records.js'
import { recompress } from './tasks/recompress.js'

export const compressPayloads = workerTask(compress)
export const decompressPayloads = workerTask(decompress)
export const encodeRecordBatches = workerTask(encodeBatches)
export const decodeRecordBatches = workerTask((task: Parameters<typeof decodeBatches>[0]) => decodeBatches(task))
export const recompressBatches = workerTask(recompress)
export const encodeEmbeddedRecordBatches = workerTask(encodeEmbeddedRecords)
export const decodeDisplayRecords = workerTask(displayRecords)
