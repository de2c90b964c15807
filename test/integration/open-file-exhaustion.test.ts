/**
 * Running out of file descriptors while serving: a produce that needs a new file (a segment roll)
 * when the process is at its open-file limit is refused with KAFKA_STORAGE_ERROR rather than
 * crashing the broker or leaving a half-written log. Where it fails decides what follows, as in
 * Kafka: a failed open during the append refuses that append only, so the partition serves again
 * once descriptors are free; a failed background flush takes the log offline (Kafka takes the
 * log dir offline), refused with KAFKA_STORAGE_ERROR until the broker restarts. Either way every
 * acknowledged record is there after a restart. The limit is lowered on the running broker with
 * prlimit (util-linux).
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Admin } from '../../src/client/admin.js'
import { ApiKeys, KafkaErrorCodes, encodeRecordBatch } from '../../src/protocol/index.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { WireClient } from '../helpers/wire-client.js'

const TOPIC = 'fd-roll'
/** Small segments, so a few records roll a new one (each roll opens a new .log file). */
const SEGMENT_BYTES = 1024

let broker: BrokerProcess
let client: WireClient
let sent = 0

beforeAll(async () => {
  broker = await startBroker()
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  try {
    await admin.createTopic({ name: TOPIC, partitions: 1, configs: { 'segment.bytes': String(SEGMENT_BYTES) } })
  } finally {
    await admin.close()
  }
  client = await WireClient.connect(broker.host, broker.port)
})

afterAll(async () => {
  client?.close()
  await broker?.stop()
})

function hardLimit(pid: number): string {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'))!
  return line.trim().split(/\s+/)[4]!
}

/** One Produce of a 400-byte record (acks=1); the partition's error code and base offset. */
async function produceOne(): Promise<{ errorCode: number; baseOffset: bigint }> {
  sent++
  const records = encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ key: null, value: Buffer.alloc(400, sent & 0xff) }] })
  const response = await client.request(ApiKeys.Produce, 9, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 5_000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }],
  })
  const answer = response.responses[0]!.partitionResponses[0]!
  return { errorCode: answer.errorCode, baseOffset: answer.baseOffset }
}

/** The base offset of every batch in the partition, read from the start. */
async function storedOffsets(): Promise<bigint[]> {
  const response = await client.request(ApiKeys.Fetch, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 10 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 10 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  })
  const partition = response.responses[0]!.partitions[0]!
  expect(partition.errorCode).toBe(KafkaErrorCodes.NONE)
  const offsets: bigint[] = []
  const bytes = (partition.records as Buffer | null) ?? Buffer.alloc(0)
  for (let at = 0; at + 12 <= bytes.length; at += 12 + bytes.readInt32BE(at + 8)) offsets.push(bytes.readBigInt64BE(at))
  return offsets
}

describe('running out of file descriptors while serving', () => {
  it('refuses the produce that needs a new segment with KAFKA_STORAGE_ERROR, keeps the log whole, and serves again once descriptors are free', async () => {
    const acknowledged: bigint[] = []
    for (let i = 0; i < 5; i++) {
      const answer = await produceOne()
      expect(answer.errorCode).toBe(KafkaErrorCodes.NONE)
      acknowledged.push(answer.baseOffset)
    }

    const pid = broker.child.pid!
    const hard = hardLimit(pid)
    const refused: number[] = []
    try {
      // Each record is over a third of a segment, so a roll comes within a few produces; before
      // each, the limit is set to what the broker holds right then: no descriptor to spare.
      for (let i = 0; i < 30 && refused.length === 0; i++) {
        const held = readdirSync(`/proc/${pid}/fd`).length
        execFileSync('prlimit', ['--pid', String(pid), `--nofile=${held}:${hard}`])
        const answer = await produceOne()
        if (answer.errorCode === KafkaErrorCodes.NONE) acknowledged.push(answer.baseOffset)
        else refused.push(answer.errorCode)
      }
    } finally {
      execFileSync('prlimit', ['--pid', String(pid), `--nofile=${hard}:${hard}`])
    }
    expect(refused).toEqual([KafkaErrorCodes.KAFKA_STORAGE_ERROR])
    expect(broker.child.exitCode).toBeNull()

    // Descriptors free again: the append-time failure has passed, or the log is offline.
    const next = await produceOne()
    expect([KafkaErrorCodes.NONE, KafkaErrorCodes.KAFKA_STORAGE_ERROR]).toContain(next.errorCode)
    if (next.errorCode === KafkaErrorCodes.NONE) {
      expect(next.baseOffset).toBe(acknowledged.at(-1)! + 1n)
      acknowledged.push(next.baseOffset)
    }

    // A clean stop still works; after the restart the partition serves, and holds exactly the
    // acknowledged records.
    client.close()
    expect(await broker.stop()).toBe(0)
    broker = await broker.restart()
    client = await WireClient.connect(broker.host, broker.port)
    expect(await storedOffsets()).toEqual(acknowledged)
    const afterRestart = await produceOne()
    expect(afterRestart.errorCode).toBe(KafkaErrorCodes.NONE)
    expect(afterRestart.baseOffset).toBe(acknowledged.at(-1)! + 1n)
  })
})
