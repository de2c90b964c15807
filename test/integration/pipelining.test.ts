/**
 * A pipelining client against the real broker: many requests written at once on one
 * connection, answered in request order, with a parked Fetch and acks=0 Produces among them.
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, decodeResponse, encodeRecordBatch } from '../../src/protocol/index.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { WireClient, encodeRequestFrame } from '../helpers/wire-client.js'

const TOPIC = 'pipelined'
let broker: BrokerProcess

function batch(n: number): Buffer {
  return encodeRecordBatch({
    baseTimestamp: Date.now(),
    records: Array.from({ length: 10 }, (_, i) => ({ key: Buffer.from(`key-${n}`), value: Buffer.from(`request ${n} record ${i}`) })),
  })
}

function produceFrame(n: number, correlationId: number, acks = 1): Buffer {
  return encodeRequestFrame(
    ApiKeys.Produce,
    9,
    { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch(n) }] }] },
    correlationId,
  )
}

function fetchFrame(correlationId: number, fetchOffset: bigint, minBytes: number, maxWaitMs: number, maxBytes = 1 << 20): Buffer {
  return encodeRequestFrame(
    ApiKeys.Fetch,
    12,
    {
      replicaId: -1,
      maxWaitMs,
      minBytes,
      maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: maxBytes }] }],
      forgottenTopicsData: [],
      rackId: '',
    },
    correlationId,
  )
}

beforeAll(async () => {
  broker = await startBroker()
  const client = await WireClient.connect(broker.host, broker.port)
  await client.request(ApiKeys.Metadata, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: true })
  client.close()
})

afterAll(async () => {
  await broker?.stop()
  if (broker !== undefined) rmSync(broker.dataDir, { recursive: true, force: true })
})

describe('pipelining', () => {
  it('answers 500 Produce requests written at once in request order, with consecutive offsets', async () => {
    const client = await WireClient.connect(broker.host, broker.port)
    const count = 500
    client.write(Buffer.concat(Array.from({ length: count }, (_, i) => produceFrame(i, 1000 + i))))
    const offsets: bigint[] = []
    for (let i = 0; i < count; i++) {
      const frame = await client.nextFrame()
      expect(frame).not.toBeNull()
      const { correlationId, body } = decodeResponse(ApiKeys.Produce, 9, frame!)
      expect(correlationId).toBe(1000 + i)
      const answer = body.responses[0]!.partitionResponses[0]!
      expect(answer.errorCode).toBe(KafkaErrorCodes.NONE)
      offsets.push(answer.baseOffset)
    }
    for (let i = 1; i < count; i++) expect(offsets[i]! - offsets[i - 1]!).toBe(10n)
    client.close()
  })

  it('keeps order around a parked Fetch and sends nothing for acks=0 Produces', async () => {
    const client = await WireClient.connect(broker.host, broker.port)
    const end = (await client.request(ApiKeys.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
    })).topics[0]!.partitions[0]!.offset
    // A fetch at the end that waits for far more bytes than will come: it parks until max wait.
    const frames = [
      produceFrame(1, 1),
      produceFrame(2, 2, 0),
      fetchFrame(3, end + 20n, 1 << 20, 300),
      produceFrame(4, 4),
      produceFrame(5, 5, 0),
      encodeRequestFrame(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'pipeline-test', clientSoftwareVersion: '1' }, 6),
      produceFrame(7, 7),
    ]
    client.write(Buffer.concat(frames))
    const seen: number[] = []
    for (let i = 0; i < 5; i++) {
      const frame = await client.nextFrame()
      expect(frame).not.toBeNull()
      seen.push(frame!.readInt32BE(0))
    }
    expect(seen).toEqual([1, 3, 4, 6, 7])
    // Every produce was written, including acks=0 ones, in request order.
    const last = (await client.request(ApiKeys.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
    })).topics[0]!.partitions[0]!.offset
    expect(last - end).toBe(50n)
    client.close()
  })

  it('wakes a parked Fetch when a Produce on another connection brings enough bytes', async () => {
    const reader = await WireClient.connect(broker.host, broker.port)
    const writer = await WireClient.connect(broker.host, broker.port)
    const end = (await reader.request(ApiKeys.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
    })).topics[0]!.partitions[0]!.offset
    // Waits up to a minute for one byte: only the append below can answer it within the test's time.
    reader.write(fetchFrame(42, end, 1, 60_000))
    const answered = reader.nextFrame()
    const produced = await writer.request(ApiKeys.Produce, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch(99) }] }],
    })
    expect(produced.responses[0]!.partitionResponses[0]!.baseOffset).toBe(end)
    const { correlationId, body } = decodeResponse(ApiKeys.Fetch, 12, (await answered)!)
    expect(correlationId).toBe(42)
    const records = body.responses[0]!.partitions[0]!.records!
    expect(records.readBigInt64BE(0)).toBe(end)
    reader.close()
    writer.close()
  })

  it('survives a client that hangs up in the middle of a large Fetch response', async () => {
    const writer = await WireClient.connect(broker.host, broker.port)
    const big = encodeRecordBatch({ baseTimestamp: Date.now(), records: Array.from({ length: 100 }, () => ({ value: Buffer.alloc(9_000, 1) })) })
    for (let i = 0; i < 40; i++) {
      const answer = await writer.request(ApiKeys.Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: Buffer.from(big) }] }],
      })
      expect(answer.responses[0]!.partitionResponses[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
    }
    writer.close()
    for (let attempt = 0; attempt < 5; attempt++) {
      const reader = await WireClient.connect(broker.host, broker.port)
      // About 36 MB: far more than the socket buffers hold, so the broker is mid-transfer when the reset comes.
      reader.write(fetchFrame(7, 0n, 1, 0, 64 << 20))
      await new Promise<void>((resolve) => reader.socket.once('data', () => resolve()))
      reader.socket.resetAndDestroy()
    }
    const client = await WireClient.connect(broker.host, broker.port)
    const versions = await client.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'pipeline-test', clientSoftwareVersion: '1' })
    expect(versions.errorCode).toBe(KafkaErrorCodes.NONE)
    expect(broker.child.exitCode).toBeNull()
    client.close()
  })
})
