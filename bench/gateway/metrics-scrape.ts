/**
 * How long a /metrics scrape holds the event loop on a broker with many partitions and a group
 * committed on all of them (so every per-partition and per-group family is written):
 *
 *   npm run build && node dist/bench/gateway/metrics-scrape.js [--topics 100] [--partitions 20] [--scrapes 20]
 *
 * The broker runs in this process with its gateway on; the route builds the whole text
 * synchronously, so the time from request to response, measured here with the event-loop delay
 * it causes, is the time the broker's event loop is busy with one scrape.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { BrokerConfig } from '../../src/common/config/broker-config.js'
import { createLogger } from '../../src/common/logger.js'
import { BrokerServer } from '../../src/server.js'
import { scrapeMetrics } from '../../src/gateway/metrics/metrics-module.js'
import { SLICE } from '../../src/gateway/metrics/partition-families.js'
import { ProcessMetrics } from '../../src/gateway/metrics/process-metrics.js'
import { freePort } from './free-port.js'

const { values: args } = parseArgs({
  options: {
    topics: { type: 'string', default: '100' },
    partitions: { type: 'string', default: '20' },
    scrapes: { type: 'string', default: '20' },
  },
})
const topicCount = Number(args.topics)
const partitionCount = Number(args.partitions)

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-scrape-'))
const httpPort = await freePort()
const config = BrokerConfig.load({
  port: '0',
  dataDir,
  // Small segments and indexes: thousands of partitions on a small disk.
  set: [`http.port=${httpPort}`, 'http.host=127.0.0.1', 'log.segment.bytes=1048576', 'log.index.size.max.bytes=65536'],
  env: {},
})
const broker = await BrokerServer.start(config, createLogger('bench', 'silent'))
try {
  const context = broker.context
  const created = performance.now()
  for (let t = 0; t < topicCount; t++) await context.topics.createTopic(`scrape-${t}`, { partitions: partitionCount, replicationFactor: 1 })
  const partitions = [...context.replicas.allPartitions()].filter((p) => p.topic.startsWith('scrape-'))
  console.log(`${partitions.length} partitions in ${topicCount} topics made in ${((performance.now() - created) / 1000).toFixed(1)} s`)
  // One group with a commit on every partition: a lag sample per partition.
  const committed = await context.groups.commitOffsets({
    groupId: 'scrape-group',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    offsets: partitions.map((p) => ({ topic: p.topic, partition: p.index, offset: 0, leaderEpoch: -1, metadata: null })),
  })
  if (committed.some((code) => code !== 0)) throw new Error(`offset commit failed: ${committed.find((code) => code !== 0)}`)
  const url = `http://127.0.0.1:${httpPort}/metrics`
  await (await fetch(url)).text() // warm-up
  const delay = monitorEventLoopDelay({ resolution: 1 })
  const times: number[] = []
  let bytes = 0
  let lines = 0
  delay.enable()
  for (let i = 0; i < Number(args.scrapes); i++) {
    const started = performance.now()
    const text = await (await fetch(url)).text()
    times.push(performance.now() - started)
    bytes = text.length
    lines = text.split('\n').length
  }
  delay.disable()
  times.sort((a, b) => a - b)
  console.log(
    `/metrics: ${lines.toLocaleString('en-US')} lines, ${(bytes / 1024).toFixed(0)} KiB; over HTTP from this process, request to response median ${times[times.length >> 1]!.toFixed(1)} ms, ` +
      `max ${times[times.length - 1]!.toFixed(1)} ms (the client's decoding included); longest event-loop delay meanwhile ${(delay.max / 1e6).toFixed(1)} ms`,
  )
  // The route's own work, without the HTTP client: what a scrape costs the broker's event loop.
  const processMetrics = new ProcessMetrics()
  const built: number[] = []
  const blocked = monitorEventLoopDelay({ resolution: 1 })
  blocked.enable()
  for (let i = 0; i < Number(args.scrapes); i++) {
    const started = performance.now()
    await scrapeMetrics(context, 0, processMetrics)
    built.push(performance.now() - started)
  }
  blocked.disable()
  processMetrics.close()
  built.sort((a, b) => a - b)
  console.log(
    `building the text: median ${built[built.length >> 1]!.toFixed(1)} ms, max ${built[built.length - 1]!.toFixed(1)} ms per scrape; ` +
      `longest event-loop delay meanwhile ${(blocked.max / 1e6).toFixed(1)} ms (slices of ${SLICE} partitions)`,
  )
} finally {
  await broker.shutdown()
  rmSync(dataDir, { recursive: true, force: true })
}
