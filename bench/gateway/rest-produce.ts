/**
 * REST produce throughput: records/s through the gateway's REST Proxy API (POST /topics/{topic},
 * json embedded format, acks=all) against the real broker process, with several HTTP clients
 * each keeping one request in flight on a keep-alive connection.
 *
 *   npm run build && npm run bench:gateway -- [--clients 8] [--records-per-request 100]
 *     [--value-bytes 100] [--partitions 4] [--keyed] [--seconds 10] [--warmup-seconds 2]
 *
 * Every request carries the same body (built once, so the driver costs little more than the
 * socket writes): `--records-per-request` JSON records whose value is an object of about
 * `--value-bytes` bytes, keyless by default (one partition per request, round-robin) or keyed
 * with `--keyed` (murmur2 spreads each request over the partitions). Every response is parsed and
 * must give an offset to every record. Reported: records/s and requests/s over the measured
 * window, request latency p50/p99/max, the broker's CPU use (from /proc) and the machine.
 */
import { Agent, request } from 'node:http'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { Admin } from '../../src/client/admin.js'
import { BrokerUnderTest } from '../broker/broker-under-test.js'
import { freePort } from './free-port.js'

const TOPIC = 'rest-bench'

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '8' },
    'records-per-request': { type: 'string', default: '100' },
    'value-bytes': { type: 'string', default: '100' },
    partitions: { type: 'string', default: '4' },
    keyed: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '10' },
    'warmup-seconds': { type: 'string', default: '2' },
  },
})
const clients = Number(args.clients)
const recordsPerRequest = Number(args['records-per-request'])
const valueBytes = Number(args['value-bytes'])
const partitions = Number(args.partitions)
const seconds = Number(args.seconds)
const warmupSeconds = Number(args['warmup-seconds'])

function body(): Buffer {
  const padding = 'x'.repeat(Math.max(0, valueBytes - 40))
  const records = Array.from({ length: recordsPerRequest }, (_, i) => ({
    ...(args.keyed ? { key: `user-${i}` } : {}),
    value: { id: i, at: 1_700_000_000_000 + i, note: padding },
  }))
  return Buffer.from(JSON.stringify({ records }))
}

interface Window {
  records: number
  requests: number
  latenciesMs: number[]
}

async function main(): Promise<void> {
  const httpPort = await freePort()
  const broker = await BrokerUnderTest.start({ settings: { 'num.partitions': partitions }, httpPort })
  const admin = new Admin({ bootstrapServers: `${broker.host}:${broker.port}`, clientId: 'rest-bench' })
  try {
    await admin.createTopic({ name: TOPIC, partitions, replicationFactor: 1 })
  } finally {
    admin.close()
  }
  const payload = body()
  const agent = new Agent({ keepAlive: true, maxSockets: clients })
  const path = `/topics/${TOPIC}`
  const send = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: broker.host, port: httpPort, path, method: 'POST', agent, headers: { 'content-type': 'application/vnd.kafka.json.v2+json', 'content-length': payload.length } },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`))
            const offsets = (JSON.parse(Buffer.concat(chunks).toString()) as { offsets: Array<{ offset: number | null; error: string | null }> }).offsets
            const failed = offsets.find((o) => o.offset === null)
            if (failed !== undefined) return reject(new Error(`a record failed: ${failed.error}`))
            resolve(offsets.length)
          })
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end(payload)
    })

  let window: Window | null = null
  const endAt = Date.now() + (warmupSeconds + seconds) * 1000
  setTimeout(() => {
    window = { records: 0, requests: 0, latenciesMs: [] }
    cpuAtStart = broker.cpuSeconds()
    startedAt = performance.now()
  }, warmupSeconds * 1000)
  let cpuAtStart = 0
  let startedAt = 0
  const client = async (): Promise<void> => {
    while (Date.now() < endAt) {
      const sent = performance.now()
      const count = await send()
      const current = window as Window | null
      if (current !== null) {
        current.records += count
        current.requests++
        current.latenciesMs.push(performance.now() - sent)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: clients }, client))
    const elapsed = (performance.now() - startedAt) / 1000
    const cpu = broker.cpuSeconds() - cpuAtStart
    const measured = window as Window | null
    if (measured === null) throw new Error('the measured window never started')
    const sorted = measured.latenciesMs.sort((a, b) => a - b)
    const at = (q: number): string => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1)
    console.log(`REST produce, ${recordsPerRequest} JSON records of ~${payload.length / recordsPerRequest | 0} B per request (${args.keyed ? 'keyed' : 'keyless'}), ${clients} clients, ${partitions} partitions, acks=all`)
    console.log(`  records/s:  ${Math.round(measured.records / elapsed).toLocaleString('en-US')}`)
    console.log(`  requests/s: ${Math.round(measured.requests / elapsed).toLocaleString('en-US')}`)
    console.log(`  latency ms: p50 ${at(0.5)}  p99 ${at(0.99)}  max ${sorted[sorted.length - 1]!.toFixed(1)}`)
    console.log(`  broker CPU: ${(cpu / elapsed).toFixed(2)} cores; RSS ${broker.rssMiB().toFixed(0)} MiB`)
    console.log(`  machine:    ${availableParallelism()} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (driver in the same machine)`)
  } finally {
    agent.destroy()
    await broker.stop()
  }
}

await main()
