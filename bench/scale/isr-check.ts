/**
 * The cost of the ISR check a leader runs every min(replica.lag.time.max.ms / 2, 1 s) over every
 * partition it hosts (replica-manager.ts): the timer's body, run over 10,000 led partitions of
 * three replicas with every follower in sync (the steady state), timed per tick.
 *
 *   node dist/bench/scale/isr-check.js [--partitions 10000]
 *
 * The partitions stand on a stub log (the check never reads the log), so this measures the
 * check alone, without a cluster or 10,000 log directories.
 */
import { parseArgs } from 'node:util'
import { BrokerConfig } from '../../src/common/config/broker-config.js'
import { Partition } from '../../src/replication/partition.js'
import { TopicCounters } from '../../src/replication/replication-counters.js'
import type { PartitionLog } from '../../src/storage/index.js'
import { ProducerStateManager } from '../../src/storage/producer-state.js'
import { percentiles } from './request-client.js'

const { values } = parseArgs({ options: { partitions: { type: 'string', default: '10000' }, ticks: { type: 'string', default: '200' } } })
const count = Number(values.partitions)
const LAG_MS = 30_000

const stubLog = { logEndOffset: 0, logStartOffset: 0 } as unknown as PartitionLog
const config = BrokerConfig.load({}).topicDefaults()
const counters = new TopicCounters()
const hooks = { proposeIsr: () => undefined, mayLead: () => true }
const partitions = Array.from({ length: count }, (_, i) =>
  new Partition(`scale-${Math.floor(i / 100)}`, i % 100, 'AAAAAAAAAAAAAAAAAAAAAA', stubLog, config, new ProducerStateManager(), 1,
    { replicas: [1, 2, 3], leader: 1, leaderEpoch: 1, partitionEpoch: 1, isr: [1, 2, 3] }, hooks, counters))

const ticks: number[] = []
for (let t = 0; t < Number(values.ticks); t++) {
  const start = performance.now()
  // The body of ReplicaManager's ISR timer.
  const now = Date.now()
  for (const partition of partitions) {
    if (!partition.isLeader) continue
    partition.expireIsrProposal(now)
    partition.maybeShrinkIsr(now, LAG_MS)
  }
  ticks.push(performance.now() - start)
}
const { p50, p99 } = percentiles(ticks.slice(20))
console.log(`ISR check over ${count} led partitions (3 replicas, all in sync): p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms per tick`)
