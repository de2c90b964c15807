/**
 * Who is connected (KIP-511), against a real broker process with real clients: kcat (librdkafka),
 * the Java client, @platformatic/kafka and kafkajs hold connections open while the console API
 * (GET /api/clients) and /metrics are read. Each client is found under the software name and
 * version it sent in ApiVersions v3 (kcat's librdkafka version as `kcat -V` reports it, the Java
 * client's kafka-clients version from its pom); kafkajs, which sends ApiVersions v2, is "unknown",
 * as Kafka's own metric calls it. A client that disconnects leaves the list and the gauge, and the
 * close counter counts it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Producer as PlatformaticProducer, stringSerializers } from '@platformatic/kafka'
import { Kafka, type Producer, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerProcess, ROOT, startBrokerWithGateway } from '../helpers/broker-process.js'
import { missingTools, prepareJava, spawnJava } from '../helpers/java-client.js'
import { killAndWait, trackProcess } from '../helpers/leaks.js'

const TOPIC = 'clients-demo'
/** The librdkafka kcat is built on, e.g. "2.0.2" from "... librdkafka 2.0.2 builtin.features=...". */
const LIBRDKAFKA_VERSION = /librdkafka (\S+)/.exec(spawnSync('kcat', ['-V'], { encoding: 'utf8' }).stdout)?.[1]
/** The kafka-clients version test/java/client builds against. */
const JAVA_CLIENT_VERSION = /<artifactId>kafka-clients<\/artifactId>\s*<version>([^<]+)<\/version>/.exec(readFileSync(join(ROOT, 'test', 'java', 'client', 'pom.xml'), 'utf8'))?.[1]
const PLATFORMATIC_VERSION = (JSON.parse(readFileSync(join(ROOT, 'node_modules', '@platformatic', 'kafka', 'package.json'), 'utf8')) as { version: string }).version

interface Connection {
  id: number
  listener: string
  address: string
  principal: string
  clientId: string | null
  softwareName: string
  softwareVersion: string
  connectedAt: number
  requests: number
  bytesIn: number
  bytesOut: number
}

interface SoftwareGroup {
  name: string
  version: string
  listeners: string[]
  connectionCount: number
  connections: Connection[]
}

interface ClientsAnswer {
  nodeId: number
  connections: number
  software: SoftwareGroup[]
}

let broker: BrokerProcess
let kafkajsProducer: Producer | undefined
let platformatic: PlatformaticProducer<string, string, string, string> | undefined
let kcatConsumer: ChildProcess | undefined
let javaProducer: ChildProcess | undefined
const startedAt = Date.now()

beforeAll(async () => {
  broker = await startBrokerWithGateway()
  const kafka = new Kafka({ clientId: 'kafkajs-watcher', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] })
  } finally {
    await admin.disconnect()
  }
  kafkajsProducer = kafka.producer()
  await kafkajsProducer.connect()
}, 60_000)

afterAll(async () => {
  if (kcatConsumer !== undefined) await killAndWait(kcatConsumer)
  if (javaProducer !== undefined) await killAndWait(javaProducer)
  await platformatic?.close().catch(() => undefined)
  await kafkajsProducer?.disconnect().catch(() => undefined)
  await broker?.stop()
})

async function clients(): Promise<ClientsAnswer> {
  const response = await fetch(new URL('api/clients', broker.httpUrl!))
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('application/json')
  return (await response.json()) as ClientsAnswer
}

async function metrics(): Promise<string> {
  const response = await fetch(new URL('metrics', broker.httpUrl!))
  expect(response.status).toBe(200)
  return response.text()
}

/** The value of the one sample `series` in the exposition text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

function group(answer: ClientsAnswer, name: string, version?: string): SoftwareGroup | undefined {
  return answer.software.find((g) => g.name === name && (version === undefined || g.version === version))
}

function connectionsGauge(name: string, version: string): string {
  return `kafka_server_socketservermetrics_connections{clientSoftwareName="${name}",clientSoftwareVersion="${version}",listener="PLAINTEXT"}`
}

/** Every connection of the group is a real, working connection of this test's clients. */
function expectLive(connections: readonly Connection[]): void {
  for (const c of connections) {
    expect(c.listener).toBe('PLAINTEXT')
    expect(c.principal).toBe('User:ANONYMOUS')
    expect(c.address).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(c.connectedAt).toBeGreaterThanOrEqual(startedAt - 1000)
    expect(c.connectedAt).toBeLessThanOrEqual(Date.now())
    expect(c.requests).toBeGreaterThanOrEqual(1)
    expect(c.bytesIn).toBeGreaterThan(0)
    expect(c.bytesOut).toBeGreaterThan(0)
  }
}

describe('connected clients and their software (KIP-511)', () => {
  it('shows kcat as librdkafka, @platformatic/kafka and kafkajs (unknown) with their client ids, in the console API and in /metrics', async () => {
    expect(LIBRDKAFKA_VERSION, 'kcat -V names its librdkafka').toBeDefined()
    // A consumer that waits at the end of the topic holds its connections until it is killed.
    kcatConsumer = spawn('kcat', ['-C', '-b', broker.bootstrap, '-t', TOPIC, '-o', 'end', '-q', '-X', 'client.id=kcat-watcher'], { stdio: 'ignore' })
    trackProcess(kcatConsumer, 'kcat consumer')
    platformatic = new PlatformaticProducer({ clientId: 'platformatic-watcher', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers })
    await platformatic.metadata({ topics: [TOPIC] })

    const answer = await until('kcat and @platformatic/kafka in /api/clients', async () => {
      const a = await clients()
      return group(a, 'librdkafka') !== undefined && group(a, 'platformatic-kafka') !== undefined ? a : undefined
    })
    expect(answer.nodeId).toBe(1)
    expect(answer.connections).toBe(answer.software.reduce((sum, g) => sum + g.connectionCount, 0))
    // Few connections: every one is listed.
    for (const g of answer.software) expect(g.connections).toHaveLength(g.connectionCount)

    const librdkafka = group(answer, 'librdkafka')!
    expect(librdkafka.version).toBe(LIBRDKAFKA_VERSION)
    expect(librdkafka.listeners).toEqual(['PLAINTEXT'])
    expect(new Set(librdkafka.connections.map((c) => c.clientId))).toEqual(new Set(['kcat-watcher']))
    expectLive(librdkafka.connections)

    const platformaticGroup = group(answer, 'platformatic-kafka')!
    expect(platformaticGroup.version).toBe(PLATFORMATIC_VERSION)
    expect(platformaticGroup.connections.map((c) => c.clientId)).toContain('platformatic-watcher')
    expectLive(platformaticGroup.connections)

    // kafkajs asks ApiVersions v2, which carries no software: it is "unknown", known by its client id.
    const unknown = group(answer, 'unknown', 'unknown')!
    expect(unknown.connections.map((c) => c.clientId)).toContain('kafkajs-watcher')
    expectLive(unknown.connections)

    const text = await metrics()
    expect(text).toContain('# TYPE kafka_server_socketservermetrics_connections gauge')
    // (A client may open or drop a connection between two reads: counts are compared within one.)
    expect(sample(text, connectionsGauge('librdkafka', LIBRDKAFKA_VERSION!))).toBeGreaterThanOrEqual(1)
    expect(sample(text, connectionsGauge('platformatic-kafka', PLATFORMATIC_VERSION))).toBeGreaterThanOrEqual(1)
    expect(sample(text, connectionsGauge('unknown', 'unknown'))).toBeGreaterThanOrEqual(1)
    // The gauge over all software is the listener's connection count.
    const perSoftware = text.split('\n').filter((l) => l.startsWith('kafka_server_socketservermetrics_connections{'))
    const sum = perSoftware.reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0)
    expect(sum).toBe(sample(text, 'kafka_server_socketservermetrics_connection_count{listener="PLAINTEXT"}'))
  }, 120_000)

  it('forgets a client that disconnects: gone from the list and the gauge, counted as closed', async () => {
    const before = await metrics()
    const closedBefore = sample(before, 'kafka_server_socketservermetrics_connection_close_total{listener="PLAINTEXT"}')!
    const createdBefore = sample(before, 'kafka_server_socketservermetrics_connection_creation_total{listener="PLAINTEXT"}')!
    const kcatConnections = group(await clients(), 'librdkafka')!.connectionCount
    expect(kcatConnections).toBeGreaterThanOrEqual(1)
    // One scrape is one moment: accepted minus closed is what is open.
    expect(createdBefore - closedBefore).toBe(sample(before, 'kafka_server_socketservermetrics_connection_count{listener="PLAINTEXT"}'))

    kcatConsumer!.kill('SIGTERM')
    await until('kcat to leave /api/clients', async () => (group(await clients(), 'librdkafka') === undefined ? true : undefined))
    const after = await metrics()
    expect(sample(after, connectionsGauge('librdkafka', LIBRDKAFKA_VERSION!))).toBeUndefined()
    expect(sample(after, 'kafka_server_socketservermetrics_connection_close_total{listener="PLAINTEXT"}')).toBeGreaterThanOrEqual(closedBefore + kcatConnections)
    // The others are still there.
    const answer = await clients()
    expect(group(answer, 'platformatic-kafka')).toBeDefined()
    expect(group(answer, 'unknown', 'unknown')!.connections.map((c) => c.clientId)).toContain('kafkajs-watcher')
  }, 120_000)

  it.skipIf(missingTools.length > 0)('shows the Java client as apache-kafka-java with its kafka-clients version while it produces, and forgets it when it exits', async () => {
    prepareJava()
    // One record every 200 ms, each awaited: its connections stay open while the test looks.
    javaProducer = spawnJava('produce-paced', broker.bootstrap, TOPIC, '1000', '200')
    const java = await until('the Java producer in /api/clients', async () => group(await clients(), 'apache-kafka-java'))
    expect(java.version).toBe(JAVA_CLIENT_VERSION)
    expect(java.connections.every((c) => c.clientId?.startsWith('producer-'))).toBe(true)
    expectLive(java.connections)
    expect(sample(await metrics(), connectionsGauge('apache-kafka-java', JAVA_CLIENT_VERSION!))).toBeGreaterThanOrEqual(1)

    javaProducer.kill('SIGKILL')
    await until('the Java producer to leave /api/clients', async () => (group(await clients(), 'apache-kafka-java') === undefined ? true : undefined))
    expect(sample(await metrics(), connectionsGauge('apache-kafka-java', JAVA_CLIENT_VERSION!))).toBeUndefined()
  }, 180_000)
})
