/**
 * Group coordinator benchmarks against a real broker process:
 *   1. OffsetCommit throughput (requests/s, 100 partitions each), which also fills
 *      __consumer_offsets with 1,000,000 commit records;
 *   2. start-up load time with those records: after SIGKILL (replay of what the periodic
 *      snapshots do not cover), after a clean stop (snapshots only), and with the snapshots
 *      removed (full replay, the cost without snapshots);
 *   3. rebalance time of a 10-member group.
 * Usage: npm run bench:group [-- --requests 10000 --connections 4 --window 16 --rounds 20]
 * The machine is shared and small; the figures are indicative.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type BenchBroker, loadReport, startBroker } from './broker.js'
import { commitThroughput } from './commit-throughput.js'
import { rebalanceTime } from './rebalance-time.js'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    partitions: { type: 'string', default: '100' },
    connections: { type: 'string', default: '4' },
    window: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '20' },
  },
})
const requests = Number(values.requests)
const partitions = Number(values.partitions)
const settings = { 'num.partitions': partitions, 'group.initial.rebalance.delay.ms': 0 }
const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-group-'))
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

async function restart(label: string, signal: NodeJS.Signals | null, before?: () => void): Promise<BenchBroker> {
  before?.()
  const broker = await startBroker(dataDir, settings)
  const report = loadReport(broker.output())
  console.log(`  ${label.padEnd(44)} ready in ${fmt(broker.startMs)} ms; coordinator load ${report?.ms ?? '?'} ms (snapshot records ${fmt(report?.snapshotRecords ?? 0)}, replayed ${fmt(report?.replayedRecords ?? 0)})`)
  if (signal !== null) await broker.stop(signal)
  return broker
}

try {
  let broker = await startBroker(dataDir, settings)
  console.log(`# OffsetCommit throughput (${fmt(requests)} requests x ${partitions} partitions, ${values.connections} connections x ${values.window} in flight)`)
  const commits = await commitThroughput(broker.bootstrap, { topic: 'bench-commits', partitions, requests, connections: Number(values.connections), window: Number(values.window) })
  console.log(`  ${fmt(commits.requestsPerSecond)} requests/s = ${fmt(commits.recordsPerSecond)} offsets/s (${fmt(commits.seconds, 2)} s)`)

  console.log(`\n# Start-up with ${fmt(commits.requests * partitions)} commit records in __consumer_offsets`)
  await broker.stop('SIGKILL')
  await restart('after SIGKILL (replay after periodic snapshots)', 'SIGTERM')
  await restart('after a clean stop (snapshots)', 'SIGTERM')
  broker = await restart('without snapshots (full replay)', null, () => {
    for (const dir of readdirSync(dataDir).filter((d) => d.startsWith('__consumer_offsets-'))) rmSync(join(dataDir, dir, 'group-coordinator.snapshot'), { force: true })
  })

  console.log(`\n# Rebalance of a 10-member group (raw clients, median of ${values.rounds} rounds)`)
  const rebalance = await rebalanceTime(broker.bootstrap, Number(values.rounds))
  console.log(`  form (10 join an empty group):       ${fmt(median(rebalance.formMs), 1)} ms`)
  console.log(`  one member leaves (9 rejoin):        ${fmt(median(rebalance.leaveMs), 1)} ms`)
  console.log(`  one member joins (10 rejoin):        ${fmt(median(rebalance.joinMs), 1)} ms`)
  await broker.stop('SIGTERM')
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
