/**
 * The counters /metrics reads, counted where the produce and fetch paths do their work: records
 * and bytes appended per topic (a retried duplicate counts nothing, a refused batch counts as a
 * failed produce, a producer at the wrong broker does not), bytes sent to consumers counted once
 * per answered fetch even when a parked fetch read twice, requests per type with Fetch as
 * FetchConsumer, and ISR shrinks and expands of a partition this broker leads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, encodeRecordBatch } from '../../../src/protocol/index.js'
import { type InProcessBroker, startInProcessBroker } from '../../helpers/in-process-broker.js'

let fixture: InProcessBroker

beforeAll(async () => {
  fixture = await startInProcessBroker({ 'num.partitions': 2 })
  await fixture.createTopics('counted', 'fetched')
})

afterAll(async () => {
  await fixture?.stop()
})

function batch(count: number, options: { producerId?: bigint; baseSequence?: number } = {}): Buffer {
  return encodeRecordBatch({
    baseTimestamp: Date.now(),
    producerId: options.producerId ?? -1n,
    producerEpoch: 0,
    baseSequence: options.baseSequence ?? -1,
    records: Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`record-${i}`) })),
  })
}

async function produce(topic: string, partition: number, records: Buffer): Promise<number> {
  const response = await fixture.client.request(ApiKeys.Produce, 9, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  })
  return response.responses[0]!.partitionResponses[0]!.errorCode
}

function fetch(topic: string, minBytes: number, maxWaitMs: number) {
  return fixture.client.request(ApiKeys.Fetch, 12, {
    replicaId: -1,
    maxWaitMs,
    minBytes,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  })
}

const replicas = () => fixture.broker.context.replicas
const requestCount = (request: string): number => [...fixture.broker.context.metrics.requests.types()].find((t) => t.request === request)?.count ?? 0

describe('replication counters', () => {
  it('counts records and bytes appended per topic over all its partitions, once per batch', async () => {
    const first = batch(3)
    const second = batch(5)
    expect(await produce('counted', 0, first)).toBe(KafkaErrorCodes.NONE)
    expect(await produce('counted', 1, second)).toBe(KafkaErrorCodes.NONE)
    const counters = replicas().topicCounters().get('counted')!
    expect(counters.messagesIn).toBe(8)
    expect(counters.bytesIn).toBe(first.length + second.length)
    expect(counters.failedProduceRequests).toBe(0)
  })

  it('counts nothing for a retried duplicate of an idempotent batch, and a failed produce for a corrupt one', async () => {
    const counters = replicas().topicCounters().get('counted')!
    const before = { messagesIn: counters.messagesIn, bytesIn: counters.bytesIn }
    const idempotent = batch(2, { producerId: 4242n, baseSequence: 0 })
    expect(await produce('counted', 0, idempotent)).toBe(KafkaErrorCodes.NONE)
    expect(await produce('counted', 0, idempotent)).toBe(KafkaErrorCodes.NONE)
    expect(counters.messagesIn).toBe(before.messagesIn + 2)
    expect(counters.bytesIn).toBe(before.bytesIn + idempotent.length)

    const corrupt = Buffer.from(batch(1))
    corrupt[corrupt.length - 1] ^= 0xff
    expect(await produce('counted', 0, corrupt)).toBe(KafkaErrorCodes.CORRUPT_MESSAGE)
    expect(counters.failedProduceRequests).toBe(1)
    expect(counters.messagesIn).toBe(before.messagesIn + 2)
  })

  it('counts the bytes a consumer fetch sends once, though a fetch parked for more bytes reads twice', async () => {
    const records = batch(4)
    expect(await produce('fetched', 0, records)).toBe(KafkaErrorCodes.NONE)
    const counters = replicas().topicCounters().get('fetched')!
    const fetchesBefore = requestCount('FetchConsumer')
    // Asks for more than there is: the first read finds one batch, the fetch waits 100 ms, reads again.
    const response = await fetch('fetched', 1 << 20, 100)
    const sent = (response.responses[0]!.partitions[0]!.records as Buffer).length
    expect(sent).toBe(records.length)
    expect(counters.bytesOut).toBe(records.length)
    expect(counters.replicationBytesOut).toBe(0)
    expect(requestCount('FetchConsumer')).toBe(fetchesBefore + 1)
    expect(requestCount('Produce')).toBeGreaterThanOrEqual(1)
  })

  it('counts an ISR shrink and an expand when the controller commits this leader\'s proposal, not when a new epoch comes', () => {
    const partition = replicas().partition('counted', 0)!
    const original = partition.state
    const counters = replicas().counters
    const apply = (isr: number[], leaderEpoch: number, partitionEpoch: number) =>
      replicas().applyPartitionState(partition, { ...original, replicas: [1, 2], isr, leaderEpoch, partitionEpoch }, () => undefined)
    try {
      apply([1], original.leaderEpoch, original.partitionEpoch + 1)
      apply([1, 2], original.leaderEpoch, original.partitionEpoch + 2)
      expect({ shrinks: counters.isrShrinks, expands: counters.isrExpands }).toEqual({ shrinks: 0, expands: 1 })
      apply([1], original.leaderEpoch, original.partitionEpoch + 3)
      expect({ shrinks: counters.isrShrinks, expands: counters.isrExpands }).toEqual({ shrinks: 1, expands: 1 })
      // A new leader epoch is an election, whatever its ISR.
      apply([1, 2], original.leaderEpoch + 1, original.partitionEpoch + 4)
      expect({ shrinks: counters.isrShrinks, expands: counters.isrExpands }).toEqual({ shrinks: 1, expands: 1 })
    } finally {
      replicas().applyPartitionState(partition, { ...original, leaderEpoch: original.leaderEpoch + 2, partitionEpoch: original.partitionEpoch + 5 }, () => undefined)
    }
  })
})
