/**
 * Rebalance time, KIP-848 consumer groups against classic groups, in the same run on the same
 * broker process, for 10 and for 100 members: a group forms, one member leaves, one joins.
 * Both sides use raw protocol clients that react at once (rebalance-time.ts for classic
 * JoinGroup/SyncGroup with client-side assignment, kip848-rebalance-time.ts for
 * ConsumerGroupHeartbeat with the coordinator's uniform assignor), so the figures are the
 * coordinator's and the wire's, not a client library's heartbeat interval.
 *
 * Usage: npm run bench:rebalance [-- --rounds 5 --partitions-per-member 3]
 * The machine is shared and small; the figures are indicative (medians of the rounds).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parseHostPort } from '../../src/client/cluster.js'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { startBroker } from './broker.js'
import { kip848RebalanceTime } from './kip848-rebalance-time.js'
import { rebalanceTime } from './rebalance-time.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'partitions-per-member': { type: 'string', default: '3' },
  },
})
const rounds = Number(values.rounds)
const perMember = Number(values['partitions-per-member'])
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 })
const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-rebalance-'))

try {
  const broker = await startBroker(dataDir, { 'group.initial.rebalance.delay.ms': 0, 'group.consumer.max.size': 1000 })
  console.log(`# Rebalance time, classic vs KIP-848 (raw clients, median of ${rounds} rounds, ${perMember} partitions per member)`)
  console.log('  members  protocol   form (all join)   one leaves   one joins')
  for (const members of [10, 100]) {
    const partitions = members * perMember
    const topic = `bench-rebalance-${members}`
    const admin = await BrokerConnection.open(parseHostPort(broker.bootstrap))
    await admin.request(ApiKeys.CreateTopics, { topics: [{ name: topic, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false }, 5)
    admin.close()
    const classic = await rebalanceTime(broker.bootstrap, rounds, members, partitions)
    console.log(`  ${String(members).padStart(7)}  classic   ${fmt(median(classic.formMs)).padStart(14)} ms ${fmt(median(classic.leaveMs)).padStart(9)} ms ${fmt(median(classic.joinMs)).padStart(8)} ms`)
    const kip848 = await kip848RebalanceTime(broker.bootstrap, topic, partitions, rounds, members)
    console.log(`  ${String(members).padStart(7)}  KIP-848   ${fmt(median(kip848.formMs)).padStart(14)} ms ${fmt(median(kip848.leaveMs)).padStart(9)} ms ${fmt(median(kip848.joinMs)).padStart(8)} ms`)
  }
  await broker.stop('SIGTERM')
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
