/**
 * `samsa cluster describe` (also plain `samsa cluster`): the cluster as Metadata reports it: the
 * brokers (id, address, rack), the controller, and the partitions that need attention, in
 * kafka-topics' partition layout: under-replicated (ISR smaller than the replica set, as
 * `kafka-topics --describe --under-replicated-partitions`) and offline (no leader, or a leader
 * that is not a live broker, as `--unavailable-partitions`). Works against any Kafka-compatible
 * cluster, through the lean client.
 */
import { Admin } from '../client/admin.js'
import { type BrokerInfo, DEFAULT_BOOTSTRAP, type PartitionInfo, type TopicInfo } from '../client/cluster.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { partitionLine } from './topic.js'
import { parseCommandArgs } from './usage-error.js'

export const describeHelp = `Usage: samsa cluster [describe] [--bootstrap-server <host:port>]

Shows the brokers (id, address, rack), the controller, and the under-replicated and offline
partitions of every topic (internal ones included).

Options:
  -b, --bootstrap-server <host:port>   a broker of the cluster; several comma-separated
                                       (default ${DEFAULT_BOOTSTRAP})
  -h, --help                           show this help
`

/** What describe shows: one Metadata response for all topics. */
export interface ClusterSnapshot {
  readonly clusterId: string | null
  /** -1 when no broker reports a controller. */
  readonly controllerId: number
  readonly brokers: readonly BrokerInfo[]
  readonly topics: readonly TopicInfo[]
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs({
    args: argv,
    options: {
      'bootstrap-server': { type: 'string', short: 'b' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help === true) {
    process.stdout.write(describeHelp)
    return
  }
  const admin = new Admin({ bootstrapServers: values['bootstrap-server'] ?? DEFAULT_BOOTSTRAP, clientId: 'samsa-cluster' })
  try {
    const topics = await admin.cluster.refreshMetadata(null)
    const snapshot = { clusterId: admin.cluster.clusterId, controllerId: admin.cluster.controllerId, brokers: admin.cluster.brokers(), topics }
    process.stdout.write(formatClusterDescription(snapshot))
  } finally {
    admin.close()
  }
}

export function formatClusterDescription(snapshot: ClusterSnapshot): string {
  const live = new Set(snapshot.brokers.map((b) => b.nodeId))
  const controller = snapshot.brokers.find((b) => b.nodeId === snapshot.controllerId)
  let out = `Cluster: ${snapshot.clusterId ?? '(not reported)'}\n`
  out +=
    snapshot.controllerId < 0
      ? 'Controller: none (no broker holds the controller role right now)\n'
      : `Controller: ${snapshot.controllerId}${controller === undefined ? ' (not among the live brokers)' : ` (${address(controller)})`}\n`
  out += `Brokers: ${snapshot.brokers.length}\n`
  out += table(
    ['ID', 'ADDRESS', 'RACK', ''],
    [...snapshot.brokers].sort((a, b) => a.nodeId - b.nodeId).map((b) => [String(b.nodeId), address(b), b.rack ?? '-', b.nodeId === snapshot.controllerId ? 'controller' : '']),
  )

  const underReplicated: string[] = []
  const offline: string[] = []
  const topics = snapshot.topics.filter((t) => t.errorCode === KafkaErrorCodes.NONE).sort((a, b) => (a.name < b.name ? -1 : 1))
  for (const topic of topics) {
    for (const p of topic.partitions) {
      if (p === undefined) continue
      if (p.isr.length < p.replicas.length) underReplicated.push(partitionLine(topic.name, p))
      if (isOffline(p, live)) offline.push(partitionLine(topic.name, p))
    }
  }
  out += section('Under-replicated partitions', underReplicated)
  out += section('Offline partitions', offline)
  return out
}

/** No leader, or a leader Metadata does not list as a live broker: nobody serves it. */
function isOffline(p: PartitionInfo, live: ReadonlySet<number>): boolean {
  return p.leader < 0 || !live.has(p.leader)
}

function section(title: string, lines: readonly string[]): string {
  return lines.length === 0 ? `${title}: none\n` : `${title}: ${lines.length}\n${lines.join('\n')}\n`
}

function address(broker: BrokerInfo): string {
  return broker.host.includes(':') ? `[${broker.host}]:${broker.port}` : `${broker.host}:${broker.port}`
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (row: readonly string[]): string => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd()
  return [header, ...rows].map(line).join('\n') + '\n'
}
