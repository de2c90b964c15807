/**
 * Test helper: real Kafka clients driven the way the integration tests need them, with every
 * client's records brought to one shape so tests can compare what different clients read.
 *
 * - kcat (librdkafka) through its command line: produce from stdin, consume to the end.
 * - kafkajs: its producer and admin are used directly by the tests; reading here goes through
 *   kafkajs's own cluster and broker classes (Metadata, ListOffsets, Fetch and its record
 *   decoders and codecs), without a consumer group, so it reads every partition from the start.
 * - @platformatic/kafka: its Consumer's group-less `fetch` (Fetch by topic id, v12+).
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { Consumer, compressionsAlgorithms } from '@platformatic/kafka'
import { CompressionCodecs, CompressionTypes } from 'kafkajs'
import * as fzstd from 'fzstd'
import * as lz4js from 'lz4js'
import { compress } from '../../src/storage/codecs.js'

/** One record as any client read it. */
export interface ReadRecord {
  readonly partition: number
  readonly offset: number
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: ReadonlyArray<readonly [string, Buffer | null]>
  readonly timestamp: number
}

export interface CommandResult {
  readonly code: number | null
  readonly stdout: Buffer
  readonly stderr: string
}

/** Runs kcat with `args`, feeding `input` on stdin; rejects when it exits with an error. */
export function kcat(args: readonly string[], input?: string | Buffer, timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      const result = { code, stdout: Buffer.concat(out), stderr }
      if (code === 0) resolve(result)
      else reject(new Error(`kcat ${args.join(' ')} exited with ${code}: ${stderr}`))
    })
    child.stdin.end(input ?? '')
  })
}

const FIELD = '\u001f'
const RECORD = '\u001e'

/**
 * Reads every partition of `topic` from the beginning to the end with `kcat -C -e`. Keys and
 * values are read as text (kcat prints them raw); -Z makes null keys and values distinguishable.
 */
export async function readWithKcat(bootstrap: string, topic: string, extraArgs: readonly string[] = []): Promise<ReadRecord[]> {
  const format = ['%p', '%o', '%k', '%s', '%h', '%T', '%K', '%S'].join(FIELD) + RECORD
  const { stdout } = await kcat(['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-Z', '-f', format, ...extraArgs])
  const text = stdout.toString('utf8')
  const records: ReadRecord[] = []
  for (const line of text.split(RECORD)) {
    if (line.length === 0) continue
    const [partition, offset, key, value, headers, timestamp, keyLength, valueLength] = line.split(FIELD)
    records.push({
      partition: Number(partition),
      offset: Number(offset),
      key: Number(keyLength) < 0 ? null : Buffer.from(key!, 'utf8'),
      value: Number(valueLength) < 0 ? null : Buffer.from(value!, 'utf8'),
      headers: headers === '' ? [] : headers!.split(',').map((h) => {
        const at = h.indexOf('=')
        return [h.slice(0, at), Buffer.from(h.slice(at + 1), 'utf8')] as const
      }),
      timestamp: Number(timestamp),
    })
  }
  return records
}

/**
 * kafkajs learns snappy, lz4 and zstd from plugins: kafkajs-snappy, lz4js (LZ4 frames) and fzstd
 * for reading zstd, implementations independent of Samsa's Rust codecs. Writing zstd from kafkajs
 * goes through our addon (no test relies on it).
 */
export function registerKafkajsCodecs(): void {
  const require = createRequire(import.meta.url)
  const SnappyCodec = require('kafkajs-snappy') as () => unknown
  const codecs = CompressionCodecs as Record<number, unknown>
  codecs[CompressionTypes.Snappy] = SnappyCodec
  codecs[CompressionTypes.LZ4] = () => ({
    async compress(encoder: { buffer: Buffer }) {
      return Buffer.from(lz4js.compress(encoder.buffer))
    },
    async decompress(buffer: Buffer) {
      return Buffer.from(lz4js.decompress(buffer))
    },
  })
  codecs[CompressionTypes.ZSTD] = () => ({
    async compress(encoder: { buffer: Buffer }) {
      return compress(4, encoder.buffer)
    },
    async decompress(buffer: Buffer) {
      return Buffer.from(fzstd.decompress(buffer))
    },
  })
}

interface KafkajsMessage {
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, Buffer | Buffer[] | undefined>
  timestamp: string
}

interface KafkajsBroker {
  fetch(request: unknown): Promise<{ responses: Array<{ partitions: Array<{ partition: number; errorCode: number; highWatermark: string; messages: KafkajsMessage[] }> }> }>
}

interface KafkajsCluster {
  connect(): Promise<void>
  disconnect(): Promise<void>
  addTargetTopic(topic: string): Promise<void>
  refreshMetadata(): Promise<void>
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number; leader: number }>
  findBroker(node: { nodeId: number }): Promise<KafkajsBroker>
  fetchTopicsOffset(topics: unknown[]): Promise<Array<{ partitions: Array<{ partition: number; offset: string }> }>>
}

/**
 * Reads every partition of `topic` from offset 0 to its high watermark through kafkajs's own
 * Cluster and Broker (the classes its consumer uses), with read_committed as its consumer does.
 */
export async function readWithKafkajs(bootstrap: string, topic: string): Promise<ReadRecord[]> {
  registerKafkajsCodecs()
  const require = createRequire(import.meta.url)
  const Cluster = require('kafkajs/src/cluster') as new (options: unknown) => KafkajsCluster
  const { createLogger, LEVELS } = require('kafkajs/src/loggers') as { createLogger: (o: unknown) => unknown; LEVELS: Record<string, number> }
  const socketFactory = require('kafkajs/src/network/socketFactory') as () => unknown
  const cluster = new Cluster({
    logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => undefined }),
    socketFactory: socketFactory(),
    brokers: [bootstrap],
    clientId: 'samsa-test-kafkajs-reader',
    connectionTimeout: 5000,
    requestTimeout: 30000,
    enforceRequestTimeout: true,
    metadataMaxAge: 300000,
    retry: { retries: 5 },
    allowAutoTopicCreation: false,
    isolationLevel: 1,
  })
  await cluster.connect()
  try {
    await cluster.addTargetTopic(topic)
    await cluster.refreshMetadata()
    const partitions = cluster.findTopicPartitionMetadata(topic)
    const [ends] = await cluster.fetchTopicsOffset([{ topic, partitions: partitions.map((p) => ({ partition: p.partitionId })) }])
    const records: ReadRecord[] = []
    for (const meta of partitions) {
      const end = Number(ends!.partitions.find((p) => p.partition === meta.partitionId)!.offset)
      const broker = await cluster.findBroker({ nodeId: meta.leader })
      let next = 0
      while (next < end) {
        const response = await broker.fetch({
          replicaId: -1,
          isolationLevel: 1,
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: 10 << 20,
          topics: [{ topic, partitions: [{ partition: meta.partitionId, fetchOffset: String(next), maxBytes: 4 << 20 }] }],
        })
        const partition = response.responses[0]!.partitions[0]!
        if (partition.errorCode !== 0) throw new Error(`kafkajs fetch of ${topic}-${meta.partitionId} failed with error ${partition.errorCode}`)
        for (const message of partition.messages) {
          const offset = Number(message.offset)
          if (offset < next) continue
          records.push({
            partition: meta.partitionId,
            offset,
            key: message.key,
            value: message.value,
            headers: Object.entries(message.headers).flatMap(([name, value]) =>
              (Array.isArray(value) ? value : [value]).map((v) => [name, v ?? null] as const)),
            timestamp: Number(message.timestamp),
          })
          next = offset + 1
        }
      }
    }
    return records
  } finally {
    await cluster.disconnect()
  }
}

/**
 * @platformatic/kafka takes zstd from node:zlib, which Node 20 lacks; on Node 20 its codec table
 * (open to that) gets fzstd for reading and our addon for writing, as kafkajs gets plugins.
 */
export function registerPlatformaticCodecs(): void {
  const zstd = compressionsAlgorithms.zstd as { compressSync: unknown; decompressSync: unknown; available: boolean }
  if (zstd.available) return
  zstd.compressSync = (data: Buffer) => compress(4, data)
  zstd.decompressSync = (data: Buffer) => Buffer.from(fzstd.decompress(data))
  zstd.available = true
}

/** Reads every partition of `topic` from offset 0 to its high watermark with @platformatic/kafka. */
export async function readWithPlatformatic(bootstrap: string, topic: string): Promise<ReadRecord[]> {
  registerPlatformaticCodecs()
  const consumer = new Consumer({ clientId: 'samsa-test-platformatic-reader', groupId: 'unused-no-group-is-joined', bootstrapBrokers: [bootstrap] })
  try {
    const metadata = await consumer.metadata({ topics: [topic] })
    const info = metadata.topics.get(topic)!
    const records: ReadRecord[] = []
    for (let partition = 0; partition < info.partitionsCount; partition++) {
      const leader = info.partitions[partition]!.leader
      let next = 0n
      for (;;) {
        const response = await consumer.fetch({
          node: leader,
          maxWaitTime: 100,
          topics: [{ topicId: info.id, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: next, lastFetchedEpoch: -1, partitionMaxBytes: 4 << 20 }] }],
        })
        const answer = response.responses[0]!.partitions[0]!
        if (answer.errorCode !== 0) throw new Error(`platformatic fetch of ${topic}-${partition} failed with error ${answer.errorCode}`)
        for (const batch of answer.records ?? []) {
          for (const record of batch.records) {
            const offset = batch.firstOffset + BigInt(record.offsetDelta)
            if (offset < next) continue
            records.push({
              partition,
              offset: Number(offset),
              key: record.key,
              value: record.value,
              headers: record.headers.map(([name, value]) => [name?.toString('utf8') ?? '', value] as const),
              timestamp: Number(batch.firstTimestamp + record.timestampDelta),
            })
            next = offset + 1n
          }
        }
        if (next >= answer.highWatermark) break
      }
    }
    return records
  } finally {
    await consumer.close()
  }
}

export type Reader = (bootstrap: string, topic: string) => Promise<ReadRecord[]>

export const readers: ReadonlyArray<readonly [string, Reader]> = [
  ['kcat', (b, t) => readWithKcat(b, t)],
  ['kafkajs', readWithKafkajs],
  ['@platformatic/kafka', readWithPlatformatic],
]

/** Records grouped by partition, each list in offset order. */
export function byPartition(records: readonly ReadRecord[]): Map<number, ReadRecord[]> {
  const map = new Map<number, ReadRecord[]>()
  for (const record of records) {
    let list = map.get(record.partition)
    if (list === undefined) map.set(record.partition, (list = []))
    list.push(record)
  }
  for (const list of map.values()) list.sort((a, b) => a.offset - b.offset)
  return map
}
