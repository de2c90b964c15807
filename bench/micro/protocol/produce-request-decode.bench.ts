/**
 * Produce request decode, header included, for one partition carrying one 64 KiB batch: what the
 * broker does per produce request before validation and append. The records stay a view into the
 * frame (checked), so the cost must not depend on the batch size.
 */
import { ApiKeys } from '../../../src/protocol/api-keys.js'
import { decodeRequest, encodeRequest } from '../../../src/protocol/frames.js'
import { flattenChunks } from '../../../src/protocol/writer.js'
import { check, runCases } from './bench-util.js'
import { batch64KiB } from './fixtures.js'

const { batch, records } = batch64KiB()

function frame(version: number): Buffer {
  const output = encodeRequest(ApiKeys.Produce, version, 1, 'bench-producer', {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: 'bench-topic', partitionData: [{ index: 3, records: batch }] }],
  })
  // Without the size prefix, as the network layer hands frames over.
  return flattenChunks(output.chunks).subarray(4)
}

const frames = { v7: frame(7), v9: frame(9) }
for (const [name, bytes] of Object.entries(frames)) {
  const request = decodeRequest(bytes)
  check(request.supported && request.apiKey === ApiKeys.Produce, `${name} decodes as Produce`)
  if (request.supported && request.apiKey === ApiKeys.Produce) {
    const decoded = request.body.topicData[0]!.partitionData[0]!.records!
    check(decoded.equals(batch), `${name}: records come back intact`)
    check(decoded.buffer === bytes.buffer, `${name}: records are a view into the frame, not a copy`)
  }
}

let sink = 0
runCases(`produce request decode (1 partition, ${batch.length}-byte batch of ${records} records)`, [
  { name: 'decodeRequest Produce v7', fn: () => void (sink += decodeRequest(frames.v7).header.correlationId), items: records, unit: 'records' },
  { name: 'decodeRequest Produce v9 (flexible)', fn: () => void (sink += decodeRequest(frames.v9).header.correlationId), items: records, unit: 'records' },
])
check(sink > 0, 'results were consumed')
