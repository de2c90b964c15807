/**
 * Fetch sessions (KIP-227) and DescribeTopicPartitions (KIP-966) with real clients against a
 * real broker process:
 * - the Java consumer (kafka-clients 3.9, which uses fetch sessions by default) and kcat
 *   (librdkafka) read 200 partitions from the beginning while records are produced to three of
 *   them: each reads every record exactly once, in order per partition, and the broker's
 *   /metrics show that the Java consumer's fetches went through an incremental session;
 * - kafka-topics --describe from Kafka 3.9.1 and from 4.1.0, which ask with
 *   DescribeTopicPartitions, list a topic of 250 partitions through pages of 100
 *   (max.request.partition.size.limit), every partition once.
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes } from '../../src/protocol/index.js'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'
import { kcat } from '../helpers/clients.js'
import { java, missingTools, prepareJava } from '../helpers/java-client.js'
import { KafkaTools, type ToolResult, ensureKafkaTools, ensureKafkaTools4, kafkaTool, kafkaTool4 } from '../helpers/kafka-tools.js'
import { WireClient } from '../helpers/wire-client.js'

const CONSUMED = 'sessions-200'
const DESCRIBED = 'described-250'
const PRODUCED_TO = [3, 77, 150]
const ROUNDS = 10
const PER_ROUND = 20
const TOTAL = PRODUCED_TO.length * ROUNDS * PER_ROUND

let broker: BrokerProcess

async function metric(name: string): Promise<number> {
  const text = await (await fetch(new URL('metrics', broker.httpUrl!))).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1))
}

async function requestsOf(request: string): Promise<number> {
  const text = await (await fetch(new URL('metrics', broker.httpUrl!))).text()
  const line = text.split('\n').find((l) => l.startsWith(`kafka_network_requestmetrics_requests_total{request="${request}"}`))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Every (partition, offset, value) read, checked: each produced value exactly once, offsets and values in order per partition. */
function expectExactlyOnceInOrder(reader: string, records: Array<{ partition: number; offset: number; value: string }>): void {
  expect(records, reader).toHaveLength(TOTAL)
  for (const partition of PRODUCED_TO) {
    const mine = records.filter((r) => r.partition === partition)
    expect(mine.map((r) => r.value), `${reader}, partition ${partition}`).toEqual(Array.from({ length: ROUNDS * PER_ROUND }, (_, i) => `p${partition}-${i}`))
    expect(mine.map((r) => r.offset), `${reader}, partition ${partition}`).toEqual(Array.from({ length: ROUNDS * PER_ROUND }, (_, i) => i))
  }
}

describe.skipIf(missingTools.length > 0)('fetch sessions and DescribeTopicPartitions with real clients', () => {
  beforeAll(async () => {
    prepareJava()
    await ensureKafkaTools()
    await ensureKafkaTools4()
    broker = await startBrokerWithGateway({ settings: { 'max.request.partition.size.limit': 100 } })
    const admin = await WireClient.connect(broker.host, broker.port)
    try {
      const created = await admin.request(ApiKeys.CreateTopics, 7, {
        topics: [
          { name: CONSUMED, numPartitions: 200, replicationFactor: 1, assignments: [], configs: [] },
          { name: DESCRIBED, numPartitions: 250, replicationFactor: 1, assignments: [], configs: [] },
        ],
        timeoutMs: 60_000,
        validateOnly: false,
      })
      expect(created.topics.map((t) => t.errorCode)).toEqual([KafkaErrorCodes.NONE, KafkaErrorCodes.NONE])
    } finally {
      admin.close()
    }
  }, 600_000)

  afterAll(async () => {
    await broker?.stop()
    if (broker !== undefined) rmSync(broker.dataDir, { recursive: true, force: true })
  })

  it('the Java consumer (through an incremental session) and kcat read 200 partitions while three are written: every record once, in order', async () => {
    const kcatRead = kcat(['-C', '-b', broker.bootstrap, '-t', CONSUMED, '-o', 'beginning', '-c', String(TOTAL), '-q', '-f', '%p\t%o\t%s\n'], undefined, 240_000)
    const javaRead = java('consume', broker.bootstrap, CONSUMED, String(TOTAL))
    // The Java consumer has its session of 200 partitions before anything is written.
    await until('a fetch session of 200 partitions', async () => (await metric('kafka_server_fetchsessioncache_numincrementalfetchpartitionscached')) >= 200)
    const incrementalBefore = await metric('samsa_fetch_sessions_incremental_requests_total')
    for (let round = 0; round < ROUNDS; round++) {
      for (const partition of PRODUCED_TO) {
        const lines = Array.from({ length: PER_ROUND }, (_, i) => `p${partition}-${round * PER_ROUND + i}`).join('\n') + '\n'
        await kcat(['-P', '-b', broker.bootstrap, '-t', CONSUMED, '-p', String(partition), '-X', 'acks=all'], lines)
      }
    }
    const [javaOutput, kcatOutput] = await Promise.all([javaRead, kcatRead])
    expectExactlyOnceInOrder(
      'Java',
      javaOutput.filter((l) => l[0] === 'record').map(([, partition, offset, , value]) => ({ partition: Number(partition), offset: Number(offset), value: value! })),
    )
    expectExactlyOnceInOrder(
      'kcat',
      kcatOutput.stdout.toString('utf8').split('\n').filter((l) => l.length > 0).map((line) => {
        const [partition, offset, value] = line.split('\t')
        return { partition: Number(partition), offset: Number(offset), value: value! }
      }),
    )
    // The records reached the Java consumer through incremental fetches of its session.
    expect(await metric('samsa_fetch_sessions_incremental_requests_total')).toBeGreaterThan(incrementalBefore)
  }, 300_000)

  const tools: ReadonlyArray<readonly [string, (mainClass: string, ...args: string[]) => Promise<ToolResult>]> = [['3.9.1', kafkaTool], ['4.1.0', kafkaTool4]]
  for (const [version, tool] of tools) {
    it(`kafka-topics ${version} --describe lists 250 partitions through DescribeTopicPartitions pages of 100`, async () => {
      const before = await requestsOf('DescribeTopicPartitions')
      const result = await tool(KafkaTools.topics, '--bootstrap-server', broker.bootstrap, '--describe', '--topic', DESCRIBED)
      expect(result.code, result.stderr).toBe(0)
      const summary = result.stdout.split('\n').find((l) => l.startsWith(`Topic: ${DESCRIBED}\t`))
      expect(summary).toContain('PartitionCount: 250')
      const partitions = result.stdout.split('\n').filter((l) => l.includes('Partition: ')).map((l) =>
        Object.fromEntries(l.trim().split('\t').map((f) => [f.slice(0, f.indexOf(':')), f.slice(f.indexOf(':') + 1).trim()])),
      )
      expect(partitions.map((p) => Number(p.Partition))).toEqual(Array.from({ length: 250 }, (_, i) => i))
      for (const p of partitions) expect({ leader: p.Leader, replicas: p.Replicas, isr: p.Isr }).toEqual({ leader: '1', replicas: '1', isr: '1' })
      // Three pages (0-99, 100-199, 200-249), asked for with DescribeTopicPartitions.
      expect((await requestsOf('DescribeTopicPartitions')) - before).toBeGreaterThanOrEqual(3)

      const all = await tool(KafkaTools.topics, '--bootstrap-server', broker.bootstrap, '--describe')
      expect(all.code, all.stderr).toBe(0)
      const topics = all.stdout.split('\n').filter((l) => l.startsWith('Topic: ') && l.includes('PartitionCount')).map((l) => l.split('\t')[0])
      expect(topics).toEqual(expect.arrayContaining([`Topic: ${CONSUMED}`, `Topic: ${DESCRIBED}`]))
      expect(all.stdout.split('\n').filter((l) => l.includes(`Topic: ${CONSUMED}\tPartition: `))).toHaveLength(200)
    }, 180_000)
  }
})
