/**
 * The Java client (org.apache.kafka:kafka-clients 3.9) against the real broker: its default
 * producer (idempotence on, acks=all: InitProducerId, Produce v11) and a consumer that assigns
 * partitions and reads from the beginning (Metadata, ListOffsets, OffsetForLeaderEpoch, Fetch).
 *
 * kafka-clients and its dependencies come from Maven Central through test/java/client/pom.xml, and the
 * small program in test/java/client/src is compiled with javac; both are cached under its target/.
 * The tests are skipped, saying so, only when java, javac or mvn is not installed (.ci/run
 * installs them).
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, batchBaseSequence, batchProducerId, encodeRecordBatch } from '../../src/protocol/index.js'
import { partitionForKey } from '../../src/protocol/partitioner.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { java, missingTools, prepareJava } from '../helpers/java-client.js'
import { byPartition, kcat, readWithKcat } from '../helpers/clients.js'
import { WireClient } from '../helpers/wire-client.js'

let broker: BrokerProcess

describe.skipIf(missingTools.length > 0)('Java client (kafka-clients 3.9)', () => {
  beforeAll(async () => {
    prepareJava()
    broker = await startBroker({ settings: { 'num.partitions': 3 } })
  }, 300_000)

  afterAll(async () => {
    await broker?.stop()
    if (broker !== undefined) rmSync(broker.dataDir, { recursive: true, force: true })
  })

  const COUNT = 10_000
  const KEYS = 200

  it('default producer (idempotence on, acks=all) writes records that its consumer and kcat read back, each where it was told', async () => {
    const output = await java('produce', broker.bootstrap, 'java-default', String(COUNT), String(KEYS))
    expect(output[0]).toEqual(['config', 'true', '-1'])
    const told = new Map(output.filter((l) => l[0] === 'sent').map(([, value, partition, offset]) => [value!, `${partition}@${offset}`]))
    expect(told.size).toBe(COUNT)

    const consumed = await java('consume', broker.bootstrap, 'java-default', String(COUNT))
    const records = consumed.filter((l) => l[0] === 'record').map(([, partition, offset, key, value, headers]) => ({
      partition: Number(partition),
      offset: Number(offset),
      key: key!,
      value: value!,
      headers: headers!,
    }))
    expect(records).toHaveLength(COUNT)
    for (const record of records) {
      expect(`${record.partition}@${record.offset}`).toBe(told.get(record.value))
      expect(record.headers).toBe(`index=${record.value.slice('value-'.length)}`)
      expect(record.partition).toBe(partitionForKey(Buffer.from(record.key), 3))
    }
    // Positions end at the end offsets the consumer was given.
    for (const [, partition, end, position] of consumed.filter((l) => l[0] === 'end')) {
      expect(position, `partition ${partition}`).toBe(end)
    }

    const byKcat = await readWithKcat(broker.bootstrap, 'java-default')
    expect(byKcat).toHaveLength(COUNT)
    for (const [, list] of byPartition(byKcat)) {
      const order = list.map((r) => Number(r.value!.toString().slice('value-'.length)))
      expect(order).toEqual([...order].sort((a, b) => a - b))
    }

    // Idempotence is on the wire: the stored batches carry a producer id and sequences from 0.
    const client = await WireClient.connect(broker.host, broker.port)
    const fetched = await client.request(ApiKeys.Fetch, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 'java-default', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    })
    client.close()
    const first = fetched.responses[0]!.partitions[0]!.records!
    expect(batchProducerId(first, 0)).toBeGreaterThanOrEqual(0)
    expect(batchBaseSequence(first, 0)).toBe(0)
  }, 120_000)

  it('reads zstd, snappy and gzip batches that kcat wrote', async () => {
    for (const codec of ['zstd', 'snappy', 'gzip']) {
      const values = Array.from({ length: 300 }, (_, i) => `${codec}-${i}`)
      await kcat(['-P', '-b', broker.bootstrap, '-t', `java-${codec}`, '-p', '0', '-z', codec], values.join('\n') + '\n')
      const consumed = await java('consume', broker.bootstrap, `java-${codec}`, String(values.length))
      expect(consumed.filter((l) => l[0] === 'record').map((l) => l[4]), codec).toEqual(values)
    }
  }, 120_000)

  it('finds offsets by timestamp (offsetsForTimes)', async () => {
    const base = Date.now() - 30_000
    const lines = Array.from({ length: 10 }, (_, i) => `t${i}`)
    // kcat cannot set a timestamp per record, so the batch is built here.
    const client = await WireClient.connect(broker.host, broker.port)
    await client.request(ApiKeys.Metadata, 9, { topics: [{ name: 'java-times' }], allowAutoTopicCreation: true })
    await client.request(ApiKeys.Produce, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: 'java-times', partitionData: [{ index: 1, records: encodeRecordBatch({ baseTimestamp: base, records: lines.map((l, i) => ({ value: Buffer.from(l), timestampDelta: i * 1000 })) }) }] }],
    })
    client.close()
    const output = await java('offsets-for-times', broker.bootstrap, 'java-times', String(base + 2500))
    const answers = new Map(output.filter((l) => l[0] === 'offset').map(([, partition, offset, timestamp]) => [Number(partition), [Number(offset), Number(timestamp)]]))
    expect(answers.get(1)).toEqual([3, base + 3000])
    expect(answers.get(0)).toEqual([-1, -1])
  }, 60_000)
})
