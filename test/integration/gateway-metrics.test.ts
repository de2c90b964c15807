/**
 * GET /metrics against a real broker process, read the ways operators read it: promtool's lint
 * of the text, and a real Prometheus server scraping the broker every second while kafkajs
 * produces and consumes, queried back through its HTTP API. The counts that come back are the
 * records kafkajs sent, and a consumer group's lag falls to 0 as its kafkajs consumer catches up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Admin, type Consumer, Kafka, type Producer, logLevel } from 'kafkajs'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'
import { type PrometheusServer, promtoolCheckMetrics, startPrometheus } from '../helpers/prometheus.js'

/**
 * What promtool's linter says about names Kafka's dashboards require: the JMX exporter keeps
 * Kafka's camelCase `delayedOperation`, `clientSoftwareName` and `clientSoftwareVersion` tags and
 * Kafka's `connection-count` attribute. Any other complaint, or a parse error, fails the test.
 */
const ACCEPTED_LINT = new Set([
  `kafka_server_delayedoperationpurgatory_purgatorysize label names should be written in 'snake_case' not 'camelCase'`,
  `kafka_server_socketservermetrics_connections label names should be written in 'snake_case' not 'camelCase'`,
  'kafka_server_socketservermetrics_connection_count non-histogram and non-summary metrics should not have "_count" suffix',
])

let broker: BrokerProcess
let prometheus: PrometheusServer | undefined
let kafka: Kafka
let producer: Producer | undefined
let admin: Admin | undefined
let consumer: Consumer | undefined

beforeAll(async () => {
  broker = await startBrokerWithGateway({ settings: { 'num.partitions': 3 } })
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'metrics-test', logLevel: logLevel.NOTHING })
  producer = kafka.producer({ allowAutoTopicCreation: true })
  await producer.connect()
  admin = kafka.admin()
  await admin.connect()
  prometheus = await startPrometheus([new URL(broker.httpUrl!).host])
})

afterAll(async () => {
  await consumer?.disconnect()
  await producer?.disconnect()
  await admin?.disconnect()
  await prometheus?.stop()
  await broker?.stop()
})

async function scrape(): Promise<{ contentType: string | null; text: string }> {
  const response = await fetch(new URL('metrics', broker.httpUrl!))
  expect(response.status).toBe(200)
  return { contentType: response.headers.get('content-type'), text: await response.text() }
}

/** The value of the one sample `name{labels}` in the exposition text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

async function produce(topic: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 100) {
    const messages = Array.from({ length: Math.min(100, count - start) }, (_, i) => ({ key: `key-${start + i}`, value: `value-${start + i}` }))
    await producer!.send({ topic, acks: -1, messages })
  }
}

describe('GET /metrics', () => {
  it('answers in the Prometheus text format, which promtool parses with no complaint beyond the names Kafka dashboards need', async () => {
    await produce('metrics-format', 10)
    const { contentType, text } = await scrape()
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8')
    const lint = promtoolCheckMetrics(text)
    expect(lint.problems.filter((p) => !ACCEPTED_LINT.has(p))).toEqual([])
    // 0 clean, 3 lint problems only; a text that does not parse exits 1.
    expect([0, 3]).toContain(lint.status)
    for (const family of [
      'kafka_server_brokertopicmetrics_messagesin_total',
      'kafka_network_requestmetrics_requests_total',
      'kafka_network_requestmetrics_totaltimems',
      'kafka_server_replicamanager_underreplicatedpartitions',
      'kafka_controller_kafkacontroller_activecontrollercount',
      'kafka_server_delayedoperationpurgatory_purgatorysize',
      'kafka_log_log_size',
      'kafka_topic_partition_current_offset',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${family} `)
    }
    expect(sample(text, 'kafka_server_brokertopicmetrics_messagesin_total{topic="metrics-format"}')).toBe(10)
    expect(sample(text, 'kafka_network_requestmetrics_totaltimems_count{request="Produce"}')).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'kafka_controller_kafkacontroller_activecontrollercount')).toBe(1)
    expect(sample(text, 'kafka_server_replicamanager_partitioncount')).toBeGreaterThanOrEqual(3)
    // The producer and the admin client hold connections to the Kafka listener right now.
    expect(sample(text, 'kafka_server_socketservermetrics_connection_count{listener="PLAINTEXT"}')).toBeGreaterThanOrEqual(2)
    const logEnd = [0, 1, 2].map((p) => sample(text, `kafka_log_log_logendoffset{topic="metrics-format",partition="${p}"}`) ?? Number.NaN)
    expect(logEnd.reduce((a, b) => a + b, 0)).toBe(10)
  })

  it('counts the records kafkajs produced to a topic, and a real Prometheus scraping the broker reads the same count', async () => {
    const records = 1_000
    await produce('metrics-in', records)
    const messagesIn = await prometheus!.waitFor('kafka_server_brokertopicmetrics_messagesin_total{topic="metrics-in"}', (v) => v[0] === records)
    expect(messagesIn).toEqual([records])
    const [bytesIn] = (await prometheus!.query('kafka_server_brokertopicmetrics_bytesin_total{topic="metrics-in"}')).map((r) => r.value)
    // Every record carries at least its key and value (about 18 bytes) inside its batch.
    expect(bytesIn).toBeGreaterThan(records * 18)
    const produces = await prometheus!.query('kafka_network_requestmetrics_requests_total{request="Produce"}')
    expect(produces[0]!.value).toBeGreaterThanOrEqual(records / 100)
  })

  it("shows a consumer group's lag per partition, which falls to 0 as a kafkajs consumer catches up", async () => {
    const topic = 'metrics-lag'
    const groupId = 'metrics-lag-group'
    const records = 600
    await produce(topic, records)
    // The group starts with committed offsets at 0 on every partition: all records are lag.
    await admin!.setOffsets({ groupId, topic, partitions: [0, 1, 2].map((partition) => ({ partition, offset: '0' })) })
    const lagSelector = `kafka_consumergroup_lag{consumergroup="${groupId}",topic="${topic}"}`
    const before = await prometheus!.waitFor(`sum(${lagSelector})`, (v) => v[0] === records)
    expect(before).toEqual([records])
    const perPartition = await prometheus!.query(lagSelector)
    expect(perPartition.map((r) => r.metric.partition).sort()).toEqual(['0', '1', '2'])

    consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 })
    await consumer.connect()
    await consumer.subscribe({ topic })
    let consumed = 0
    const caughtUp = new Promise<void>((resolve) => {
      void consumer!.run({
        eachMessage: async () => {
          if (++consumed === records) resolve()
        },
      })
    })
    await caughtUp
    const after = await prometheus!.waitFor(`sum(${lagSelector})`, (v) => v[0] === 0)
    expect(after).toEqual([0])
    const committed = await prometheus!.query(`sum(kafka_consumergroup_current_offset{consumergroup="${groupId}",topic="${topic}"})`)
    expect(committed[0]!.value).toBe(records)
    const members = await prometheus!.waitFor(`kafka_consumergroup_members{consumergroup="${groupId}"}`, (v) => v[0] === 1)
    expect(members).toEqual([1])
    // What the consumer read went out as consumer bytes, through FetchConsumer requests.
    const bytesOut = await prometheus!.query(`kafka_server_brokertopicmetrics_bytesout_total{topic="${topic}"}`)
    expect(bytesOut[0]!.value).toBeGreaterThan(records * 18)
    const fetches = await prometheus!.query('kafka_network_requestmetrics_requests_total{request="FetchConsumer"}')
    expect(fetches[0]!.value).toBeGreaterThan(0)
  })
})
