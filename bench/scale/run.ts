/**
 * npm run bench:scale: Samsa on one broker at scale, and Apache Kafka 3.9 beside it in the same
 * run on the same machine.
 *
 *   npm run bench:scale                                  # everything below
 *   npm run bench:scale -- --partitions 1000,10000       # partition counts (topics of 100 partitions)
 *   npm run bench:scale -- --only partitions,connections,workloads --no-kafka
 *   npm run bench:scale -- --connections 10000 --out scale.json
 *   npm run bench:scale -- --only partitions --no-kafka --cpu-prof /tmp/prof   # where Samsa's time goes
 *
 * partitions:  per partition count and broker: start to ready (empty, then after a clean stop on
 *              the full data dir), SIGTERM to exit, RSS, descriptors, and request latencies
 *              (partition-requests.ts).
 * connections: idle connections against one broker: memory per connection and the produce p99
 *              of one active client while they are open (idle-connections.ts).
 * workloads:   the bench harness's OMB workload at 8, 100 and 1,000 partitions (workloads.ts).
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { type BrokerKind, BrokerTarget } from './broker-target.js'
import { type IdleConnectionFigures, measureIdleConnections } from './idle-connections.js'
import { type PartitionRequestFigures, createTopics, measurePartitionRequests, topicNames } from './partition-requests.js'
import { RequestClient } from './request-client.js'
import { type WorkloadFigures, runWorkloads } from './workloads.js'

interface PartitionScaleFigures {
  readonly broker: string
  readonly partitions: number
  readonly createMs: number
  readonly firstStartMs: number
  readonly restartMs: number
  readonly stopMs: number
  readonly rssMiB: number
  readonly descriptors: number
  readonly requests: PartitionRequestFigures
}

const { values } = parseArgs({
  options: {
    partitions: { type: 'string', default: '1000,10000' },
    connections: { type: 'string', default: '10000' },
    only: { type: 'string', default: 'partitions,connections,workloads' },
    'no-kafka': { type: 'boolean', default: false },
    'workload-duration': { type: 'string', default: '20s' },
    out: { type: 'string' },
    port: { type: 'string', default: '39092' },
    'cpu-prof': { type: 'string' },
  },
})
const sections = new Set(values.only!.split(','))
const kinds: BrokerKind[] = values['no-kafka'] ? ['samsa'] : ['samsa', 'kafka']
const port = Number(values.port)
/** --cpu-prof DIR: Samsa's brokers write V8 CPU profiles there (bench/broker/cpu-profile-summary.ts reads them). */
const nodeArgs = values['cpu-prof'] === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']]

async function partitionScale(kind: BrokerKind, partitions: number): Promise<PartitionScaleFigures> {
  const broker = BrokerTarget.create(kind, port, {}, nodeArgs)
  try {
    const firstStartMs = await broker.start()
    const names = topicNames(partitions)
    let client = await RequestClient.open(broker.host, broker.port)
    const created = performance.now()
    await createTopics(client, names)
    const createMs = performance.now() - created
    client.close()
    // Restart on the full data directory: the start-up an operator waits for.
    await broker.stop()
    const restartMs = await broker.start()
    client = await RequestClient.open(broker.host, broker.port)
    const requests = await measurePartitionRequests(client, names)
    const figures = { broker: broker.label, partitions, createMs, firstStartMs, restartMs, stopMs: 0, rssMiB: broker.rssMiB(), descriptors: broker.descriptors(), requests }
    client.close()
    return { ...figures, stopMs: await broker.stop() }
  } finally {
    await broker.dispose()
  }
}

const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1))

const results: { partitions: PartitionScaleFigures[]; connections: IdleConnectionFigures[]; workloads: WorkloadFigures[] } = { partitions: [], connections: [], workloads: [] }

/** Written after every measurement, so a run cut short keeps what it measured. */
function save(): void {
  if (values.out !== undefined) writeFileSync(values.out, JSON.stringify(results, null, 2))
}

async function main(): Promise<void> {
  if (sections.has('partitions')) {
    for (const partitions of values.partitions!.split(',').map(Number)) {
      for (const kind of kinds) {
        const f = await partitionScale(kind, partitions)
        results.partitions.push(f)
        save()
        const r = f.requests
        console.log(
          `${f.broker} ${partitions} partitions: create ${ms(f.createMs)} ms, start ${ms(f.firstStartMs)} ms, restart ${ms(f.restartMs)} ms, SIGTERM to exit ${ms(f.stopMs)} ms, ` +
            `RSS ${f.rssMiB.toFixed(0)} MiB, ${f.descriptors} fds; p50/p99 ms: Metadata(all) ${ms(r.metadataAllTopics.p50)}/${ms(r.metadataAllTopics.p99)}, ` +
            `Fetch(1000 idle) ${ms(r.fetchIdle1000.p50)}/${ms(r.fetchIdle1000.p99)}, ListOffsets(1000) ${ms(r.listOffsets1000.p50)}/${ms(r.listOffsets1000.p99)}, ` +
            `DescribeConfigs(all topics) ${ms(r.describeConfigsAllTopics.p50)}/${ms(r.describeConfigsAllTopics.p99)}`,
        )
      }
    }
  }
  if (sections.has('connections')) {
    for (const kind of kinds) {
      const f = await measureIdleConnections(kind, port, Number(values.connections))
      results.connections.push(f)
      save()
      console.log(
        `${f.broker} ${f.connections} idle connections: RSS ${f.rssBeforeMiB.toFixed(0)} -> ${f.rssAfterMiB.toFixed(0)} MiB (${f.bytesPerConnection.toFixed(0)} B each), ` +
          `opened in ${ms(f.openMs)} ms; one client's produce p50/p99 ${ms(f.produceBefore.p50)}/${ms(f.produceBefore.p99)} ms alone, ${ms(f.produceDuring.p50)}/${ms(f.produceDuring.p99)} ms with them open`,
      )
    }
  }
  if (sections.has('workloads')) {
    await runWorkloads(values['workload-duration']!, (f) => {
      results.workloads.push(f)
      save()
      console.log(
        `workload ${f.partitions} partitions: ${f.publishRate.toFixed(0)} msg/s (${f.publishMBs.toFixed(0)} MB/s), publish p99 ${ms(f.publishP99Ms)} ms, ` +
          `end-to-end p50/p99 ${ms(f.endToEndP50Ms)}/${ms(f.endToEndP99Ms)} ms${f.verified ? '' : ' (VERIFICATION FAILED)'}`,
      )
    })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
