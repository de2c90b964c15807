/**
 * Fetch response encode for 8 partitions whose records are external chunks (storage read plans
 * of 64 KiB each, sent later by sendfile): what the broker does per fetch response. Only the
 * metadata is written; the chunks travel by reference (checked).
 */
import { ApiKeys } from '../../../src/protocol/api-keys.js'
import { encodeResponse } from '../../../src/protocol/frames.js'
import type { FetchResponseInput } from '../../../src/protocol/messages/fetch.js'
import { randomUuid } from '../../../src/protocol/uuid.js'
import { check, runCases } from './bench-util.js'
import { batch64KiB } from './fixtures.js'

const PARTITIONS = 8
const { records: recordsPerBatch } = batch64KiB()
const plans = Array.from({ length: PARTITIONS }, () => ({ byteLength: 64 * 1024 }))
const topicId = randomUuid()

function body(byId: boolean): FetchResponseInput {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 'bench-topic',
        topicId: byId ? topicId : undefined,
        partitions: plans.map((records, partitionIndex) => ({
          partitionIndex,
          errorCode: 0,
          highWatermark: 1_000_000n,
          lastStableOffset: 1_000_000n,
          logStartOffset: 0n,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records,
        })),
      },
    ],
  }
}

const bodies = { byName: body(false), byId: body(true) }
for (const [version, input] of [
  [11, bodies.byName],
  [12, bodies.byName],
  [13, bodies.byId],
] as const) {
  const output = encodeResponse(ApiKeys.Fetch, version, 1, input)
  // v11 ends with the last partition's records; flexible versions end with tag sections.
  const parts = version >= 12 ? 2 * PARTITIONS + 1 : 2 * PARTITIONS
  check(output.chunks.length === parts, `v${version}: 8 external chunks between the metadata parts`)
  check(plans.every((plan, i) => output.chunks[2 * i + 1] === plan), `v${version}: chunks carried by reference`)
  check(output.byteLength > PARTITIONS * 64 * 1024, `v${version}: total length counts the chunks`)
}

let sink = 0
const items = PARTITIONS * recordsPerBatch
runCases(`fetch response encode (${PARTITIONS} partitions x 64 KiB external chunks, ${items} records)`, [
  { name: 'encodeResponse Fetch v11', fn: () => void (sink += encodeResponse(ApiKeys.Fetch, 11, 1, bodies.byName).byteLength), items, unit: 'records' },
  { name: 'encodeResponse Fetch v12 (flexible)', fn: () => void (sink += encodeResponse(ApiKeys.Fetch, 12, 1, bodies.byName).byteLength), items, unit: 'records' },
  { name: 'encodeResponse Fetch v13 (topic ids)', fn: () => void (sink += encodeResponse(ApiKeys.Fetch, 13, 1, bodies.byId).byteLength), items, unit: 'records' },
])
check(sink > 0, 'results were consumed')
