/**
 * WebSocket stream delivery: records/s from a topic preloaded with records to 1 and to 100
 * subscribers reading it from the earliest offset at once, with binary record frames and with
 * JSON text frames (binary form: base64). The broker is the real `samsa start` process
 * (BrokerUnderTest) with its HTTP gateway on; the subscribers are `ws` clients in this process,
 * which count records (binary frames from their header, JSON frames by parsing them).
 *
 * Usage: npm run bench:ws [-- --records 200000 --value-bytes 100 --partitions 4 --subscribers 1,100 --frames binary,text]
 *
 * Delivery is records sent to all subscribers together per second of wall time, from the first
 * connect to the last subscriber having every record. Driver and broker share the machine (2
 * cores here): JSON parsing in the driver takes CPU the broker would otherwise have, so the
 * figures are a floor, and indicative on a shared box.
 */
import { parseArgs } from 'node:util'
import { Admin } from '../../src/client/admin.js'
import { Producer } from '../../src/client/producer.js'
import { BrokerUnderTest } from '../broker/broker-under-test.js'
import { StreamClient } from './ws-client.js'
import { freePort } from './free-port.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    'value-bytes': { type: 'string', default: '100' },
    partitions: { type: 'string', default: '4' },
    subscribers: { type: 'string', default: '1,100' },
    frames: { type: 'string', default: 'binary,text' },
  },
})
const records = Number(values.records)
const valueBytes = Number(values['value-bytes'])
const partitions = Number(values.partitions)
const subscriberCounts = values.subscribers.split(',').map(Number)
const frameModes = values.frames.split(',') as Array<'binary' | 'text'>
const TOPIC = 'bench-ws'
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

async function preload(bootstrap: string): Promise<void> {
  const admin = new Admin({ bootstrapServers: bootstrap })
  await admin.createTopic({ name: TOPIC, partitions })
  await admin.close()
  const producer = new Producer({ bootstrapServers: bootstrap }, { lingerMs: 5 })
  const value = Buffer.alloc(valueBytes, 'x')
  const chunk = 10_000
  for (let sent = 0; sent < records; sent += chunk) {
    const count = Math.min(chunk, records - sent)
    await producer.send(TOPIC, Array.from({ length: count }, (_, i) => ({ key: String(sent + i), value })))
  }
  await producer.close()
}

async function deliver(url: string, subscribers: number, frames: 'binary' | 'text'): Promise<{ seconds: number; perSecond: number }> {
  const started = performance.now()
  const clients = await Promise.all(
    Array.from({ length: subscribers }, () => StreamClient.connect(`${url}v1/ws/topics/${TOPIC}?offset=earliest&frames=${frames}`, { keepFrames: false })),
  )
  try {
    await Promise.all(clients.map((client) => client.waitFor(() => client.recordCount >= records, 600_000, `${records} records`)))
  } finally {
    for (const client of clients) client.terminate()
  }
  const seconds = (performance.now() - started) / 1000
  return { seconds, perSecond: (records * subscribers) / seconds }
}

const httpPort = await freePort()
const broker = await BrokerUnderTest.start({ settings: {}, httpPort })
try {
  const url = `ws://127.0.0.1:${httpPort}/`
  await preload(`${broker.host}:${broker.port}`)
  console.log(`# WebSocket stream delivery: ${fmt(records)} records of ${valueBytes} B on ${partitions} partitions, from earliest`)
  for (const frames of frameModes) {
    for (const subscribers of subscriberCounts) {
      const cpuBefore = broker.cpuSeconds()
      const driverBefore = process.cpuUsage()
      const result = await deliver(url, subscribers, frames)
      const cpu = broker.cpuSeconds() - cpuBefore
      const driver = process.cpuUsage(driverBefore)
      const driverCpu = (driver.user + driver.system) / 1e6
      console.log(
        `  ${frames.padEnd(6)} frames, ${String(subscribers).padStart(3)} subscriber(s): ${fmt(result.perSecond)} records/s delivered ` +
          `(${fmt(result.perSecond / subscribers)} per subscriber; ${fmt(result.seconds, 2)} s; CPU broker ${fmt(cpu, 1)} s, driver ${fmt(driverCpu, 1)} s; broker RSS ${fmt(broker.rssMiB())} MiB)`,
      )
    }
  }
} finally {
  await broker.stop()
}
