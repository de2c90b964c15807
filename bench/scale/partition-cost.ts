/**
 * What one partition costs a broker in open descriptors, mapped address space and anonymous
 * memory, with one segment and with `--old-segments` old segments each, measured on a real
 * `samsa start` process from /proc:
 *
 * 1. an empty broker (the baseline);
 * 2. after creating `--partitions` partitions (one empty segment each);
 * 3. after producing one ~4 KiB batch per partition `--old-segments` + 1 times with
 *    segment.bytes=4096 (every batch rolls), then a clean restart: the steady state of a broker
 *    whose partitions keep old segments;
 * 4. after reading every partition from offset 0 (old segments open and mapped for the read).
 *
 *   npm run build:ts && node dist/bench/scale/partition-cost.js --partitions 1000
 *   node dist/bench/scale/partition-cost.js --cli /work/main/dist/src/cli/main.js   # another build
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Admin, Consumer, Producer } from '../../src/client/index.js'
import { type Footprint, footprintOf } from './process-footprint.js'
import { DEFAULT_CLI, startScaleBroker } from './scale-broker.js'

const { values } = parseArgs({
  options: {
    partitions: { type: 'string', default: '1000' },
    'old-segments': { type: 'string', default: '10' },
    cli: { type: 'string', default: DEFAULT_CLI },
  },
})
const partitions = Number(values.partitions)
const oldSegments = Number(values['old-segments'])
const cli = values.cli!
const TOPIC = 'cost'

function perPartition(label: string, now: Footprint, base: Footprint): string {
  const per = (a: number, b: number): string => ((a - b) / partitions).toFixed(2)
  return [
    label.padEnd(34),
    `fds ${String(now.descriptors).padStart(6)} (${per(now.descriptors, base.descriptors)}/partition, ${now.segmentDescriptors} on segment files)`,
    `segment mappings ${now.segmentMappings} = ${(now.segmentMappedBytes / 2 ** 20).toFixed(1)} MiB`,
    `VmSize +${per(now.mappedBytes, base.mappedBytes)} B/partition`,
    `RssAnon ${(now.rssAnonBytes / 2 ** 20).toFixed(1)} MiB (+${(Number(per(now.rssAnonBytes, base.rssAnonBytes)) / 1024).toFixed(1)} KiB/partition)`,
  ].join('  ')
}

async function settle(): Promise<void> {
  // Let the garbage collector and the allocator return what start-up used.
  await new Promise((resolve) => setTimeout(resolve, 2000))
}

const dataDir = mkdtempSync(join(tmpdir(), 'samsa-partition-cost-'))
try {
  console.log(`${partitions} partitions, ${oldSegments} old segments each; broker ${cli}`)
  let broker = await startScaleBroker({ dataDir, cli })
  await settle()
  const base = footprintOf(broker.pid)
  console.log(perPartition('empty broker', base, base))
  const admin = new Admin({ bootstrapServers: broker.bootstrap })
  await admin.createTopic({ name: TOPIC, partitions, configs: { 'segment.bytes': '4096' } }, { timeoutMs: 600_000 })
  await admin.close()
  await settle()
  console.log(perPartition('one segment each', footprintOf(broker.pid), base))

  const producer = new Producer({ bootstrapServers: broker.bootstrap }, { acks: 1, lingerMs: 0, pool: null })
  const value = Buffer.alloc(3500, 7)
  for (let round = 0; round <= oldSegments; round++) {
    const sends: Array<Promise<unknown>> = []
    for (let partition = 0; partition < partitions; partition++) sends.push(producer.send(TOPIC, [{ partition, value }]))
    await Promise.all(sends)
  }
  await producer.close()
  await broker.stop()
  broker = await startScaleBroker({ dataDir, cli })
  await settle()
  const restartedBase = footprintOf(broker.pid)
  console.log(perPartition(`${oldSegments} old segments, restarted`, restartedBase, base))

  const consumer = new Consumer({ bootstrapServers: broker.bootstrap }, { maxWaitMs: 100, pool: null })
  await consumer.assignTopics([TOPIC], 'earliest')
  const expected = partitions * (oldSegments + 1)
  let read = 0
  while (read < expected) read += (await consumer.poll()).length
  await consumer.close()
  console.log(perPartition(`after reading every partition`, footprintOf(broker.pid), base), `(${read} records)`)
  console.log(`clean start with ${partitions} partitions × ${oldSegments + 1} segments: ${broker.startMs.toFixed(0)} ms`)
  await broker.stop()
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
