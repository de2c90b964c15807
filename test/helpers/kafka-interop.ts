/**
 * What the interop tests share: kcat invocations, kafkajs with codecs for every compression type
 * (snappy from kafkajs-snappy, lz4 from lz4js, zstd decompression from fzstd: implementations
 * independent of Samsa's Rust codecs), kafkajs's own record batch decoder, and raw fetches that
 * show the batches exactly as the broker stores them.
 */
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import * as fzstd from 'fzstd'
import * as lz4js from 'lz4js'
import { BrokerConnection } from '../../src/client/connection.js'
import { parseHostPort } from '../../src/client/cluster.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { batchPositions } from '../../src/protocol/record-batch.js'

const require = createRequire(import.meta.url)

interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>
  decompress(buffer: Buffer): Promise<Buffer>
}

/** kafkajs with codecs registered for snappy, lz4 and zstd (zstd: decompression only). */
export function kafkajs(): typeof import('kafkajs') {
  const module = require('kafkajs') as typeof import('kafkajs') & { CompressionCodecs: Record<number, () => KafkajsCodec> }
  const { CompressionCodecs, CompressionTypes } = module
  CompressionCodecs[CompressionTypes.Snappy] = require('kafkajs-snappy') as () => KafkajsCodec
  CompressionCodecs[CompressionTypes.LZ4] = (): KafkajsCodec => ({
    compress: async (encoder) => Buffer.from(lz4js.compress(encoder.buffer)),
    decompress: async (buffer) => Buffer.from(lz4js.decompress(buffer)),
  })
  CompressionCodecs[CompressionTypes.ZSTD] = (): KafkajsCodec => ({
    compress: async () => {
      throw new Error('no zstd compressor registered for kafkajs in tests')
    },
    decompress: async (buffer) => Buffer.from(fzstd.decompress(buffer)),
  })
  return module
}

export interface KafkajsRecord {
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: Record<string, Buffer>
  readonly offset: string
  readonly timestamp: string
}

/** Decodes one RecordBatch v2 with kafkajs's own decoder (its Fetch path, without a consumer group). */
export async function decodeWithKafkajs(batch: Buffer): Promise<{ records: KafkajsRecord[] }> {
  kafkajs()
  const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown
  const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{ records: KafkajsRecord[] }>
  return decodeBatch(new Decoder(batch))
}

export interface KcatMessage {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly key: string | null
  readonly payload: string | null
  readonly headers?: string[]
}

/** Runs kcat with `input` on stdin; resolves with stdout, rejects with stderr on failure. */
export function kcat(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`kcat ${args.join(' ')} failed: ${error.message}\n${stderr}`))
      else resolve(stdout)
    })
    if (input !== undefined) child.stdin!.end(input)
  })
}

/** Every record of a topic as kcat reads it (CRCs checked), as parsed -J lines. */
export async function kcatConsume(bootstrap: string, topic: string, count: number): Promise<KcatMessage[]> {
  const out = await kcat(['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-c', String(count), '-e', '-q', '-J', '-X', 'check.crcs=true'])
  return out.trimEnd().split('\n').filter((l) => l !== '').map((line) => JSON.parse(line) as KcatMessage)
}

/** The stored batches of one partition, as raw bytes from a Fetch (what every consumer receives). */
export async function fetchRawBatches(bootstrap: string, topic: string, partition: number): Promise<Buffer[]> {
  const connection = await BrokerConnection.open(parseHostPort(bootstrap))
  try {
    const response = await connection.request(ApiKeys.Fetch, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 64 * 1024 * 1024,
      isolationLevel: 0,
      topics: [{ topic, partitions: [{ partition, fetchOffset: 0n, partitionMaxBytes: 64 * 1024 * 1024 }] }],
    })
    const records = response.responses[0]?.partitions[0]?.records ?? null
    if (records === null) return []
    const copy = Buffer.from(records)
    return [...batchPositions(copy, 0, copy.length, true)].map((position) => copy.subarray(position, position + 12 + copy.readInt32BE(position + 8)))
  } finally {
    connection.close()
  }
}
