/**
 * What the console's Clients view and the per-software connections gauge cost a broker with many
 * clients connected: N Kafka connections (each has sent ApiVersions v3, so it names its software,
 * and a request with its client id), then GET /api/clients and GET /metrics timed over HTTP, and
 * the registry walks alone (what holds the event loop):
 *
 *   npm run build && npm run bench:clients-view -- [--connections 5000] [--reads 20]
 *
 * The broker runs in this process with its gateway on; the connections are idle once open.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { BrokerConnection } from '../../src/client/connection.js'
import { BrokerConfig } from '../../src/common/config/broker-config.js'
import { createLogger } from '../../src/common/logger.js'
import { bySoftware } from '../../src/gateway/console/api/clients.js'
import { BrokerServer } from '../../src/server.js'
import { freePort } from './free-port.js'

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '5000' },
    reads: { type: 'string', default: '20' },
  },
})
const connectionCount = Number(args.connections)
const reads = Number(args.reads)

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-clients-'))
const httpPort = await freePort()
const config = BrokerConfig.load({ port: '0', dataDir, set: [`http.port=${httpPort}`, 'http.host=127.0.0.1'], env: {} })
const broker = await BrokerServer.start(config, createLogger('bench', 'silent'))
const clients: BrokerConnection[] = []
try {
  const { host, port } = broker.advertisedListeners[0]!
  const opened = performance.now()
  // A few hundred at a time: the accept backlog is finite.
  for (let i = 0; i < connectionCount; i += 200) {
    const batch = Array.from({ length: Math.min(200, connectionCount - i) }, (_, j) => BrokerConnection.open({ host, port, clientId: `bench-client-${(i + j) % 50}` }))
    clients.push(...(await Promise.all(batch)))
  }
  console.log(`${clients.length} connections open in ${((performance.now() - opened) / 1000).toFixed(1)} s; the registry holds ${broker.context.connections.size}`)

  for (const [path, what] of [['api/clients', 'GET /api/clients'], ['metrics', 'GET /metrics']] as const) {
    const url = `http://127.0.0.1:${httpPort}/${path}`
    await (await fetch(url)).text() // warm-up
    const delay = monitorEventLoopDelay({ resolution: 1 })
    const times: number[] = []
    let bytes = 0
    delay.enable()
    for (let i = 0; i < reads; i++) {
      const started = performance.now()
      bytes = (await (await fetch(url)).text()).length
      times.push(performance.now() - started)
    }
    delay.disable()
    times.sort((a, b) => a - b)
    console.log(
      `${what}: ${(bytes / 1024).toFixed(0)} KiB; request to response median ${times[times.length >> 1]!.toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms ` +
        `(client decoding included); longest event-loop delay meanwhile ${(delay.max / 1e6).toFixed(1)} ms`,
    )
  }

  // The walks themselves, without HTTP or JSON.
  const registry = broker.context.connections
  for (const [what, walk] of [
    ['connections() + bySoftware (the console API)', () => bySoftware(registry.connections())],
    ['softwareCounts (the gauge)', () => registry.softwareCounts()],
  ] as const) {
    const times: number[] = []
    for (let i = 0; i < reads; i++) {
      const started = performance.now()
      walk()
      times.push(performance.now() - started)
    }
    times.sort((a, b) => a - b)
    console.log(`${what}: median ${times[times.length >> 1]!.toFixed(2)} ms, max ${times[times.length - 1]!.toFixed(2)} ms over ${registry.size} connections`)
  }
} finally {
  for (const client of clients) client.close()
  await broker.shutdown()
  rmSync(dataDir, { recursive: true, force: true })
}
