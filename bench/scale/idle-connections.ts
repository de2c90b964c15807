/**
 * What idle connections cost a broker: N clients connect and each does what a Kafka client does
 * first (ApiVersions), then sits idle. Measured: the broker's RSS before and after (memory per
 * idle connection), and the latency of one active client's produce (acks=1, one small batch per
 * request, one at a time) alone and while the idle connections are open.
 *
 * The idle sockets live in this process: Node raises its soft open-file limit to the hard one at
 * start, so N must stay below `ulimit -Hn` (less a few hundred for everything else).
 */
import { connect, type Socket } from 'node:net'
import { ApiKeys, encodeRecordBatch, encodeRequest, flattenChunks } from '../../src/protocol/index.js'
import { type BrokerKind, BrokerTarget } from './broker-target.js'
import { PARTITIONS_PER_TOPIC, createTopics } from './partition-requests.js'
import { RequestClient, percentiles } from './request-client.js'
import type { RequestLatency } from './partition-requests.js'

export interface IdleConnectionFigures {
  readonly broker: string
  readonly connections: number
  readonly openMs: number
  readonly rssBeforeMiB: number
  readonly rssAfterMiB: number
  readonly bytesPerConnection: number
  readonly produceBefore: RequestLatency
  readonly produceDuring: RequestLatency
}

const TOPIC = 'scale-0'
const PRODUCES = 2_000

async function produceLatency(client: RequestClient): Promise<RequestLatency> {
  const latencies: number[] = []
  for (let i = 0; i < PRODUCES + 100; i++) {
    const records = encodeRecordBatch({ baseTimestamp: Date.now(), records: [{ key: null, value: Buffer.alloc(100, i) }] })
    const ms = await client.time(ApiKeys.Produce, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 30_000,
      topicData: [{ name: TOPIC, partitionData: [{ index: i % PARTITIONS_PER_TOPIC, records }] }],
    })
    if (i >= 100) latencies.push(ms)
  }
  return percentiles(latencies)
}

/** Opens one socket and completes an ApiVersions exchange on it. */
function openIdle(host: string, port: number, sockets: Socket[]): Promise<void> {
  const request = encodeRequest(ApiKeys.ApiVersions, 0, 1, 'samsa-bench-idle', {})
  const frame = flattenChunks(request.chunks, request.byteLength)
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => socket.write(frame))
    sockets.push(socket)
    socket.once('data', () => resolve())
    socket.once('error', reject)
    socket.once('close', () => reject(new Error('an idle connection was closed by the broker')))
  })
}

export async function measureIdleConnections(kind: BrokerKind, port: number, count: number): Promise<IdleConnectionFigures> {
  const broker = BrokerTarget.create(kind, port)
  const sockets: Socket[] = []
  try {
    await broker.start()
    const client = await RequestClient.open(broker.host, broker.port)
    await createTopics(client, [TOPIC])
    const produceBefore = await produceLatency(client)
    const rssBeforeMiB = broker.rssMiB()
    const opened = performance.now()
    // A few hundred at a time: a SYN flood of 10,000 would overflow the listen backlog.
    for (let i = 0; i < count; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, count - i) }, () => openIdle(broker.host, broker.port, sockets)))
    }
    const openMs = performance.now() - opened
    const produceDuring = await produceLatency(client)
    const rssAfterMiB = broker.rssMiB()
    client.close()
    return {
      broker: broker.label,
      connections: count,
      openMs,
      rssBeforeMiB,
      rssAfterMiB,
      bytesPerConnection: ((rssAfterMiB - rssBeforeMiB) * 1024 * 1024) / count,
      produceBefore,
      produceDuring,
    }
  } finally {
    for (const socket of sockets) {
      socket.removeAllListeners('close')
      socket.on('error', () => undefined)
      socket.destroy()
    }
    await broker.dispose()
  }
}
