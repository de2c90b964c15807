/**
 * Bad input, sent as raw bytes to the real broker process: each case gets Kafka's answer (a
 * closed connection, or the right error code in the right place), and afterwards the broker still
 * serves a good request and the log holds exactly what it held before.
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes, type RecordBatchInput, encodeRecordBatch } from '../../src/protocol/index.js'
import { crc32c } from '../../src/protocol/crc32c.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { WireClient, encodeRequestFrame } from '../helpers/wire-client.js'

const TOPIC = 'bad-input'
const MAX_MESSAGE_BYTES = 20_000
const MAX_FRAME_BYTES = 1 << 20

let broker: BrokerProcess
/** Each partition's log as last seen, to check that rejected requests changed nothing. */
const logs: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)]
let seed = 0

function batch(overrides: Partial<RecordBatchInput> = {}, records = 3): Buffer {
  seed++
  return encodeRecordBatch({
    baseTimestamp: Date.now(),
    records: Array.from({ length: records }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`value ${seed}-${i}`) })),
    ...overrides,
  })
}

/** Rewrites the batch's CRC after its bytes were changed on purpose. */
function fixCrc(bytes: Buffer): Buffer {
  bytes.writeUInt32BE(crc32c(bytes.subarray(21)), 17)
  return bytes
}

function produceBody(partitionData: Array<{ index: number; records: Buffer | null }>, topic = TOPIC, acks = -1) {
  return { transactionalId: null, acks, timeoutMs: 5_000, topicData: [{ name: topic, partitionData }] }
}

async function connect(): Promise<WireClient> {
  return WireClient.connect(broker.host, broker.port)
}

async function readLog(client: WireClient, partition: number): Promise<Buffer> {
  const response = await client.request(ApiKeys.Fetch, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 10 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 10 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  })
  const p = response.responses[0]!.partitions[0]!
  expect(p.errorCode).toBe(KafkaErrorCodes.NONE)
  return Buffer.from(p.records ?? Buffer.alloc(0))
}

/**
 * The broker still answers a good Produce on a fresh connection, and before it, every
 * partition's log is byte for byte what it was after the last good write.
 */
async function expectUnchangedAndServing(): Promise<void> {
  const client = await connect()
  try {
    for (const partition of [0, 1]) expect((await readLog(client, partition)).equals(logs[partition]!)).toBe(true)
    const response = await client.request(ApiKeys.Produce, 9, produceBody([{ index: 0, records: batch() }]))
    const answer = response.responses[0]!.partitionResponses[0]!
    expect(answer.errorCode).toBe(KafkaErrorCodes.NONE)
    for (const partition of [0, 1]) logs[partition] = await readLog(client, partition)
  } finally {
    client.close()
  }
}

/** Sends raw bytes on a new connection and expects the broker to close it without answering. */
async function expectClosed(bytes: Buffer): Promise<void> {
  const client = await connect()
  client.write(bytes)
  expect(await client.nextFrame()).toBeNull()
  await client.closed
  await expectUnchangedAndServing()
}

/** Sends one Produce (version 9 unless given) and returns the partition answers in order. */
async function produce(partitionData: Array<{ index: number; records: Buffer | null }>, options: { topic?: string; acks?: number; version?: number } = {}) {
  const client = await connect()
  try {
    const response = await client.request(ApiKeys.Produce, options.version ?? 9, produceBody(partitionData, options.topic, options.acks))
    return response.responses[0]!.partitionResponses
  } finally {
    client.close()
  }
}

async function expectProduceError(records: Buffer | null, errorCode: number, options: { topic?: string; acks?: number; version?: number; index?: number } = {}): Promise<void> {
  const [answer] = await produce([{ index: options.index ?? 0, records }], options)
  expect(answer!.errorCode).toBe(errorCode)
  expect(answer!.baseOffset).toBe(-1n)
  await expectUnchangedAndServing()
}

/** A request header (v2, flexible) for `apiKey`/`version`, without the size prefix. */
function header(apiKey: number, version: number, flexible = true): Buffer {
  const out = Buffer.alloc(flexible ? 11 : 10)
  out.writeInt16BE(apiKey, 0)
  out.writeInt16BE(version, 2)
  out.writeInt32BE(77, 4)
  out.writeInt16BE(-1, 8) // null client id
  return out
}

function sized(body: Buffer): Buffer {
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length)
  return Buffer.concat([size, body])
}

beforeAll(async () => {
  broker = await startBroker({
    settings: { 'num.partitions': 2, 'message.max.bytes': MAX_MESSAGE_BYTES, 'socket.request.max.bytes': MAX_FRAME_BYTES },
  })
  const client = await connect()
  const metadata = await client.request(ApiKeys.Metadata, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: true })
  expect(metadata.topics[0]!.partitions).toHaveLength(2)
  client.close()
  await expectUnchangedAndServing()
})

afterAll(async () => {
  await broker?.stop()
  if (broker !== undefined) rmSync(broker.dataDir, { recursive: true, force: true })
})

describe('frames and headers', () => {
  it('closes the connection on a frame larger than socket.request.max.bytes, before reading it', async () => {
    const prefix = Buffer.alloc(8)
    prefix.writeInt32BE(MAX_FRAME_BYTES + 1, 0)
    await expectClosed(prefix)
  })

  it('closes the connection on a negative frame size', async () => {
    await expectClosed(Buffer.from([0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0]))
  })

  it('closes the connection on a frame too short for a request header', async () => {
    await expectClosed(sized(Buffer.from([0, 0, 0, 9])))
  })

  it('closes the connection on a header whose client id runs past the frame', async () => {
    const bytes = header(ApiKeys.Produce, 7, false)
    bytes.writeInt16BE(500, 8)
    await expectClosed(sized(bytes))
  })

  it('closes the connection on an unknown API key', async () => {
    await expectClosed(sized(Buffer.concat([header(999, 0, false), Buffer.alloc(16)])))
  })

  it('closes the connection on a version beyond what the protocol describes', async () => {
    await expectClosed(sized(Buffer.concat([header(ApiKeys.Produce, 12), Buffer.alloc(16)])))
  })

  it('answers an advertised but unserved version with UNSUPPORTED_VERSION and keeps the connection', async () => {
    const client = await connect()
    const produceV2 = await client.request(ApiKeys.Produce, 2, produceBody([{ index: 0, records: batch() }]))
    expect(produceV2.responses[0]!.partitionResponses[0]!.errorCode).toBe(KafkaErrorCodes.UNSUPPORTED_VERSION)
    const fetchV3 = await client.request(ApiKeys.Fetch, 3, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1000,
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000 }] }],
    } as never)
    expect(fetchV3.responses[0]!.partitions[0]!.errorCode).toBe(KafkaErrorCodes.UNSUPPORTED_VERSION)
    const metadata = await client.request(ApiKeys.Metadata, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false })
    expect(metadata.topics[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
    client.close()
    await expectUnchangedAndServing()
  })

  it('closes the connection on an array count larger than the bytes that remain', async () => {
    // Produce v9: transactional_id (compact null), acks, timeout, then topic_data claiming a million entries.
    const body = Buffer.from([0x00, 0xff, 0xff, 0, 0, 0x13, 0x88, 0xc1, 0x84, 0x3d])
    await expectClosed(sized(Buffer.concat([header(ApiKeys.Produce, 9), body])))
  })

  it('closes the connection on a string length larger than the bytes that remain', async () => {
    // Produce v3 (classic): transactional_id INT16 length 30000 with nothing after it.
    const body = Buffer.from([0x75, 0x30, 0, 0])
    await expectClosed(sized(Buffer.concat([header(ApiKeys.Produce, 3, false), body])))
  })

  it('closes the connection on a records length that runs past the frame', async () => {
    const good = encodeRequestFrame(ApiKeys.Produce, 9, produceBody([{ index: 0, records: batch() }]), 5)
    // Cut the frame short and fix its size prefix: the records field now claims more than is there.
    const cut = good.subarray(4, good.length - 20)
    await expectClosed(sized(Buffer.from(cut)))
  })
})

describe('Produce', () => {
  it('answers a batch with a bad CRC with CORRUPT_MESSAGE and writes nothing', async () => {
    const bytes = batch()
    bytes[bytes.length - 1]! ^= 0xff
    await expectProduceError(bytes, KafkaErrorCodes.CORRUPT_MESSAGE)
  })

  it('answers a batch larger than max.message.bytes with MESSAGE_TOO_LARGE', async () => {
    const big = encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ value: Buffer.alloc(MAX_MESSAGE_BYTES + 100, 7) }] })
    await expectProduceError(big, KafkaErrorCodes.MESSAGE_TOO_LARGE)
  })

  it('answers an invalid topic name with INVALID_TOPIC_EXCEPTION', async () => {
    await expectProduceError(batch(), KafkaErrorCodes.INVALID_TOPIC_EXCEPTION, { topic: 'no/slashes allowed' })
  })

  it('answers an unknown topic or partition with UNKNOWN_TOPIC_OR_PARTITION (Produce never creates topics)', async () => {
    await expectProduceError(batch(), KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, { topic: 'never-created' })
    await expectProduceError(batch(), KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, { index: 7 })
    const client = await connect()
    const metadata = await client.request(ApiKeys.Metadata, 9, { topics: [{ name: 'never-created' }], allowAutoTopicCreation: false })
    expect(metadata.topics[0]!.errorCode).toBe(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
    client.close()
  })

  it('answers acks other than -1, 0 and 1 with INVALID_REQUIRED_ACKS', async () => {
    await expectProduceError(batch(), KafkaErrorCodes.INVALID_REQUIRED_ACKS, { acks: 2 })
  })

  it('answers a batch whose framing is cut short with CORRUPT_MESSAGE', async () => {
    const bytes = batch()
    await expectProduceError(bytes.subarray(0, bytes.length - 5), KafkaErrorCodes.CORRUPT_MESSAGE)
    await expectProduceError(bytes.subarray(0, 40), KafkaErrorCodes.CORRUPT_MESSAGE)
  })

  it('answers structural faults with INVALID_RECORD: two batches, no batch, old magic, a base offset, a control batch, a wrong lastOffsetDelta', async () => {
    await expectProduceError(Buffer.concat([batch(), batch()]), KafkaErrorCodes.INVALID_RECORD)
    await expectProduceError(null, KafkaErrorCodes.INVALID_RECORD)
    await expectProduceError(Buffer.alloc(0), KafkaErrorCodes.INVALID_RECORD)
    const oldMagic = batch()
    oldMagic[16] = 1
    await expectProduceError(fixCrc(oldMagic), KafkaErrorCodes.INVALID_RECORD)
    await expectProduceError(batch({ baseOffset: 5 }), KafkaErrorCodes.INVALID_RECORD)
    await expectProduceError(batch({ isControl: true }), KafkaErrorCodes.INVALID_RECORD)
    await expectProduceError(batch({ lastOffsetDelta: 9 }), KafkaErrorCodes.INVALID_RECORD)
  })

  it('answers zstd before Produce v7 with UNSUPPORTED_COMPRESSION_TYPE', async () => {
    const zstd = batch()
    zstd.writeInt16BE(4, 21)
    await expectProduceError(fixCrc(zstd), KafkaErrorCodes.UNSUPPORTED_COMPRESSION_TYPE, { version: 5 })
  })

  it('gives one bad partition its error while the other partition of the request is written', async () => {
    const bad = batch()
    bad[bad.length - 2]! ^= 0x55
    const good = batch()
    const before = [logs[0]!.length, logs[1]!.length]
    const answers = await produce([{ index: 0, records: bad }, { index: 1, records: good }])
    expect(answers.map((a) => a.errorCode)).toEqual([KafkaErrorCodes.CORRUPT_MESSAGE, KafkaErrorCodes.NONE])
    const client = await connect()
    const partition0 = await readLog(client, 0)
    const partition1 = await readLog(client, 1)
    client.close()
    expect(partition0.equals(logs[0]!)).toBe(true)
    expect(partition1.length).toBe(before[1]! + good.length)
    expect(partition1.subarray(0, before[1]).equals(logs[1]!)).toBe(true)
    logs[1] = partition1
    await expectUnchangedAndServing()
  })
})

describe('acks=0', () => {
  it('closes the connection when an acks=0 produce fails, as Kafka does, and answers nothing when it succeeds', async () => {
    const client = await connect()
    const good = batch()
    // A good acks=0 request gets no answer: the next response on the connection is the Metadata's.
    client.write(client.encode(ApiKeys.Produce, 9, produceBody([{ index: 0, records: good }], TOPIC, 0)))
    const metadata = await client.request(ApiKeys.Metadata, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false })
    expect(metadata.topics[0]!.errorCode).toBe(KafkaErrorCodes.NONE)
    // A failed acks=0 request has no answer to carry its error, so the connection closes.
    const bad = batch()
    bad[bad.length - 2]! ^= 0x55
    expect(await client.send(client.encode(ApiKeys.Produce, 9, produceBody([{ index: 1, records: bad }], TOPIC, 0)))).toBeNull()
    expect(client.isClosed).toBe(true)
    const reader = await connect()
    logs[0] = await readLog(reader, 0)
    reader.close()
    expect(logs[0].subarray(logs[0].length - good.length).subarray(61).equals(good.subarray(61))).toBe(true)
    await expectUnchangedAndServing()
  })
})

describe('other APIs', () => {
  it('answers a Fetch for an unknown topic id with UNKNOWN_TOPIC_ID and an unknown partition with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const client = await connect()
    const byId = await client.request(ApiKeys.Fetch, 13, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1000,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1000 }] }],
      forgottenTopicsData: [],
      rackId: '',
    })
    expect(byId.responses[0]!.partitions[0]!.errorCode).toBe(KafkaErrorCodes.UNKNOWN_TOPIC_ID)
    const offsets = await client.request(ApiKeys.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 9, currentLeaderEpoch: -1, timestamp: -1n }] }],
    })
    expect(offsets.topics[0]!.partitions[0]!.errorCode).toBe(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION)
    client.close()
    await expectUnchangedAndServing()
  })
})
