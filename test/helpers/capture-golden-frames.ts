/**
 * Captures golden request frames from real Kafka clients (kafkajs, @platformatic/kafka, kcat /
 * librdkafka) into test/fixtures/frames/. Run:
 *
 *   npx vite-node test/helpers/capture-golden-frames.ts
 *
 * Each client talks to a capture server (frame-capture.ts) that answers ApiVersions, Metadata,
 * FindCoordinator, InitProducerId and Produce with Samsa's own encoders (this one broker hosts
 * topic "golden", one partition), so the clients go on from the handshake to a real produce (the
 * frames then include RecordBatches written by each client) and, as consumers, to a JoinGroup
 * (with the consumer protocol subscription each client writes), which is left unanswered. The
 * first frame of each (API, version) is kept. Clients that accept these answers also confirm our
 * response encoding.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka'
import { ApiKeys, apiKeyName } from '../../src/protocol/api-keys.js'
import { type CapturedFrame, startCaptureServer } from './frame-capture.js'
import { CLIENT_ID, GROUP, TOPIC, respond } from './scripted-responder.js'

const require = createRequire(import.meta.url)
const outDir = fileURLToPath(new URL('../fixtures/frames/', import.meta.url))

async function withTimeout<T>(what: string, promise: Promise<T>, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function captureKafkajs(port: number): Promise<void> {
  const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs')
  const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  await producer.send({
    topic: TOPIC,
    acks: 1,
    messages: [
      { key: 'k1', value: 'v1', headers: { h: 'x' }, partition: 0, timestamp: '1700000000000' },
      { key: null, value: 'v2', partition: 0, timestamp: '1700000000001' },
    ],
  })
  await producer.disconnect()
}

async function capturePlatformatic(port: number): Promise<void> {
  const producer = new Producer({ clientId: CLIENT_ID, bootstrapBrokers: [`127.0.0.1:${port}`], serializers: stringSerializers, retries: 0 })
  try {
    await producer.send({
      messages: [
        { topic: TOPIC, key: 'k1', value: 'v1', headers: { h: 'x' }, partition: 0, timestamp: 1700000000000n },
        { topic: TOPIC, key: 'k2', value: 'v2', partition: 0, timestamp: 1700000000001n },
      ],
    })
  } finally {
    await producer.close()
  }
}

async function captureKcat(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      'kcat',
      ['-P', '-b', `127.0.0.1:${port}`, '-t', TOPIC, '-p', '0', '-K', ':', '-H', 'h=x', '-X', `client.id=${CLIENT_ID}`, '-X', 'linger.ms=0'],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited with ${code}: ${stderr}`))))
    child.stdin.end('k1:v1\nk2:v2\n')
  })
}

async function consumeKafkajs(port: number, stop: Promise<void>): Promise<void> {
  const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs')
  const kafka = new Kafka({ clientId: CLIENT_ID, brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } })
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 30000, retry: { retries: 0 } })
  await consumer.connect()
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true })
  void consumer.run({ eachMessage: async () => {} }).catch(() => {})
  await stop
  void consumer.disconnect().catch(() => {})
}

async function consumePlatformatic(port: number, stop: Promise<void>): Promise<void> {
  const consumer = new Consumer({
    groupId: GROUP,
    clientId: CLIENT_ID,
    bootstrapBrokers: [`127.0.0.1:${port}`],
    deserializers: stringDeserializers,
    retries: 0,
  })
  void consumer.consume({ topics: [TOPIC] }).catch(() => {})
  await stop
  consumer.close(true, () => {})
}

async function consumeKcat(port: number, stop: Promise<void>): Promise<void> {
  const child = spawn('kcat', ['-G', GROUP, '-b', `127.0.0.1:${port}`, '-X', `client.id=${CLIENT_ID}`, TOPIC], {
    stdio: ['ignore', 'ignore', 'ignore'],
  })
  await stop
  child.kill('SIGKILL')
}

interface Fixture {
  client: string
  clientVersion: string
  apiKey: number
  api: string
  apiVersion: number
  /** The frame without its size prefix, as hex. */
  hex: string
}

function keep(client: string, clientVersion: string, frames: readonly CapturedFrame[]): Fixture[] {
  const seen = new Set<string>()
  const fixtures: Fixture[] = []
  for (const { frame } of frames) {
    const apiKey = frame.readInt16BE(0)
    const apiVersion = frame.readInt16BE(2)
    const id = `${apiKey}/${apiVersion}`
    if (seen.has(id)) continue
    seen.add(id)
    fixtures.push({ client, clientVersion, apiKey, api: apiKeyName(apiKey), apiVersion, hex: frame.toString('hex') })
  }
  return fixtures
}

function packageVersion(name: string): string {
  // Read from node_modules directly: some packages do not export their package.json.
  const path = fileURLToPath(new URL(`../../node_modules/${name}/package.json`, import.meta.url))
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version
}

async function kcatVersion(): Promise<string> {
  return await new Promise((resolve) => {
    const child = spawn('kcat', ['-V'], { stdio: ['ignore', 'pipe', 'ignore'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('exit', () => resolve(/Version (\S+).*librdkafka (\S+)/s.exec(out)?.slice(1).join(' librdkafka ') ?? 'unknown'))
  })
}

async function run(client: string, version: string, action: (port: number) => Promise<void>): Promise<Fixture[]> {
  const server = await startCaptureServer(respond)
  try {
    await withTimeout(client, action(server.port))
  } catch (error) {
    console.warn(`${client}: ${(error as Error).message} (keeping the frames sent so far)`)
  } finally {
    await server.close()
  }
  return keep(client, version, server.frames)
}

/** Runs a consumer until it has sent a JoinGroup request (which nobody answers). */
async function runUntilJoin(
  client: string,
  version: string,
  action: (port: number, stop: Promise<void>) => Promise<void>,
): Promise<Fixture[]> {
  const server = await startCaptureServer(respond)
  let stopConsumer = (): void => {}
  const stop = new Promise<void>((resolve) => {
    stopConsumer = resolve
  })
  const joined = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (server.frames.some(({ frame }) => frame.readInt16BE(0) === ApiKeys.JoinGroup)) {
        clearInterval(poll)
        resolve()
      }
    }, 20)
  })
  const running = action(server.port, stop)
  try {
    await withTimeout(`${client} consumer`, joined)
  } catch (error) {
    console.warn(`${client}: ${(error as Error).message} (keeping the frames sent so far)`)
  } finally {
    stopConsumer()
    await running.catch(() => {})
    await server.close()
  }
  return keep(client, version, server.frames)
}

const fixtures = [
  ...(await run('kafkajs', packageVersion('kafkajs'), captureKafkajs)),
  ...(await run('platformatic', packageVersion('@platformatic/kafka'), capturePlatformatic)),
  ...(await run('kcat', await kcatVersion(), captureKcat)),
  ...(await runUntilJoin('kafkajs', packageVersion('kafkajs'), consumeKafkajs)),
  ...(await runUntilJoin('platformatic', packageVersion('@platformatic/kafka'), consumePlatformatic)),
  ...(await runUntilJoin('kcat', await kcatVersion(), consumeKcat)),
]
mkdirSync(outDir, { recursive: true })
const written = new Set<string>()
for (const fixture of fixtures) {
  const name = `${fixture.client}-${fixture.api.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c : `-${c}`)).toLowerCase()}-v${fixture.apiVersion}.json`
  // Producer and consumer runs both start with ApiVersions and Metadata: keep the first.
  if (written.has(name)) continue
  written.add(name)
  writeFileSync(`${outDir}${name}`, `${JSON.stringify(fixture, null, 2)}\n`)
  console.log(`wrote ${name} (${fixture.hex.length / 2} bytes)`)
}

// Clients may leave sockets and timers behind; the fixtures are written, so end here.
process.exit(0)
