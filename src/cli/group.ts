/**
 * `samsa group`: consumer groups as an operator sees them, in the shape of Kafka's
 * kafka-consumer-groups tool.
 *
 *   samsa group list                      GROUP STATE
 *   samsa group describe <group>          the state line, then Kafka's lag report:
 *                                         GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG
 *                                         CONSUMER-ID HOST CLIENT-ID
 *   samsa group reset-offsets <group> (--topic t[:p,...] | --all-topics)
 *         (--to-earliest | --to-latest | --to-offset n | --to-datetime iso) (--dry-run | --execute)
 *   samsa group delete <group>...
 *
 * Everything comes from the brokers, through the lean client's Cluster (src/client): membership
 * from DescribeGroups at the group's coordinator, committed offsets from OffsetFetch, log end
 * offsets (the high watermark) from ListOffsets at each partition's leader; lag is the difference.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { ApiKeys } from '../protocol/api-keys.js'
import { kafkaError } from '../protocol/error-codes.js'
import { decodeAssignment } from '../protocol/messages/consumer-protocol.js'
import { Cluster, DEFAULT_BOOTSTRAP } from '../client/cluster.js'
import type { BrokerConnection } from '../client/connection.js'
import { parseCommandArgs, usageError } from './usage-error.js'

const help = `Usage: samsa group <list|describe|reset-offsets|delete> [options]

  samsa group list
  samsa group describe <group>
  samsa group reset-offsets <group> (--topic <t>[:<p>,...] ... | --all-topics)
        (--to-earliest | --to-latest | --to-offset <n> | --to-datetime <iso date>)
        (--dry-run | --execute)
  samsa group delete <group> [<group> ...]

Options:
  -b, --bootstrap-server <host:port>   a broker to start from (default 127.0.0.1:9092)
  -h, --help                           show this help

Lag is LOG-END-OFFSET (the partition's high watermark) minus CURRENT-OFFSET (the group's
committed offset). Offsets can only be reset while the group has no active members.
`

type Row = readonly string[]

/** The group's coordinator: its connection, and its address and node id for the state line. */
async function coordinatorOf(cluster: Cluster, groupId: string): Promise<{ connection: BrokerConnection; address: string; nodeId: number }> {
  const connection = await cluster.coordinator(groupId)
  const broker = cluster.brokers().find((b) => `${b.host}:${b.port}` === connection.address)
  return { connection, address: connection.address, nodeId: broker?.nodeId ?? -1 }
}

/** Offsets of the partitions at `timestamp` (-1 latest, -2 earliest, or a time in ms), asked of each leader. */
async function listOffsets(cluster: Cluster, partitions: ReadonlyArray<{ topic: string; partition: number }>, timestamp: number): Promise<Map<string, number>> {
  await cluster.refreshMetadata([...new Set(partitions.map((p) => p.topic))])
  const byLeader = new Map<BrokerConnection, Array<{ topic: string; partition: number }>>()
  for (const p of partitions) {
    const leader = await cluster.leaderConnection(p.topic, p.partition)
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), p])
  }
  const result = new Map<string, number>()
  for (const [connection, list] of byLeader) {
    const topics = [...new Set(list.map((p) => p.topic))].map((name) => ({
      name,
      partitions: list.filter((p) => p.topic === name).map((p) => ({ partitionIndex: p.partition, timestamp: BigInt(timestamp) })),
    }))
    const response = await connection.request(ApiKeys.ListOffsets, { replicaId: -1, isolationLevel: 0, topics }, Math.max(1, connection.versionFor(ApiKeys.ListOffsets)))
    for (const topic of response.topics) {
      for (const p of topic.partitions) {
        check(p.errorCode, `listing offsets of ${topic.name}-${p.partitionIndex}`)
        result.set(key(topic.name, p.partitionIndex), Number(p.offset))
      }
    }
  }
  return result
}

/** Partition indexes of each of `topics`. */
async function topicPartitions(cluster: Cluster, topics: readonly string[]): Promise<Map<string, number[]>> {
  const result = new Map<string, number[]>()
  for (const name of topics) result.set(name, (await cluster.topicMetadata(name)).partitions.map((p) => p.partition))
  return result
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`

function check(errorCode: number, doing: string): void {
  if (errorCode === 0) return
  const error = kafkaError(errorCode)
  throw new SamsaError(ErrorCodes.KAFKA, `Error ${doing}: ${error.name}: ${error.message}`)
}

/** Left-aligned columns separated by two spaces, like Kafka's tools. */
function table(header: Row, rows: readonly Row[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (row: Row): string => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n') + '\n'
}

async function committedOffsets(connection: BrokerConnection, groupId: string): Promise<Map<string, number>> {
  // v2-7: one group, and a null topic list asks for every partition with a commit.
  const version = Math.min(7, connection.versionFor(ApiKeys.OffsetFetch))
  if (version < 2) throw new SamsaError(ErrorCodes.KAFKA, `The coordinator at ${connection.address} cannot list all of a group's offsets (OffsetFetch v2+ needed).`)
  const response = await connection.request(ApiKeys.OffsetFetch, { groupId, topics: null }, version)
  check(response.errorCode, `fetching the offsets of group '${groupId}'`)
  const result = new Map<string, number>()
  for (const topic of response.topics) {
    for (const p of topic.partitions) if (p.committedOffset >= 0n) result.set(key(topic.name, p.partitionIndex), Number(p.committedOffset))
  }
  return result
}

async function describeGroup(connection: BrokerConnection, groupId: string) {
  const response = await connection.request(ApiKeys.DescribeGroups, { groups: [groupId] })
  const group = response.groups[0]!
  check(group.errorCode, `describing group '${groupId}'`)
  return group
}

async function list(cluster: Cluster): Promise<void> {
  const response = await (await cluster.anyConnection()).request(ApiKeys.ListGroups, {})
  check(response.errorCode, 'listing groups')
  const rows = response.groups.map((g) => [g.groupId, g.groupState === '' ? '-' : g.groupState]).sort((a, b) => a[0]!.localeCompare(b[0]!))
  process.stdout.write(table(['GROUP', 'STATE'], rows))
}

async function describe(cluster: Cluster, groupId: string): Promise<void> {
  const coordinator = await coordinatorOf(cluster, groupId)
  const group = await describeGroup(coordinator.connection, groupId)
  if (group.groupState === 'Dead') throw new SamsaError(ErrorCodes.KAFKA, `Consumer group '${groupId}' does not exist.`)
  const committed = await committedOffsets(coordinator.connection, groupId)
  const owners = new Map<string, { consumerId: string; host: string; clientId: string }>()
  const idle: Row[] = []
  for (const member of group.members) {
    const owner = { consumerId: member.memberId, host: member.clientHost, clientId: member.clientId }
    let assigned = 0
    if (member.memberAssignment.length > 0 && group.protocolType === 'consumer') {
      for (const { topic, partitions } of decodeAssignment(member.memberAssignment).value.assignedPartitions) {
        for (const partition of partitions) {
          owners.set(key(topic, partition), owner)
          assigned++
        }
      }
    }
    if (assigned === 0) idle.push([groupId, '-', '-', '-', '-', '-', owner.consumerId, owner.host, owner.clientId])
  }
  const partitions = [...new Set([...owners.keys(), ...committed.keys()])].map((k) => {
    const [topic, partition] = k.split('\u0000') as [string, string]
    return { topic, partition: Number(partition) }
  })
  partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
  const logEnd = partitions.length === 0 ? new Map<string, number>() : await listOffsets(cluster, partitions, -1)
  const rows: Row[] = partitions.map(({ topic, partition }) => {
    const k = key(topic, partition)
    const current = committed.get(k)
    const end = logEnd.get(k)
    const owner = owners.get(k)
    const lag = current === undefined || end === undefined ? '-' : String(Math.max(0, end - current))
    return [groupId, topic, String(partition), current === undefined ? '-' : String(current), end === undefined ? '-' : String(end), lag, owner?.consumerId ?? '-', owner?.host ?? '-', owner?.clientId ?? '-']
  })
  const strategy = group.protocolData === '' ? '-' : group.protocolData
  process.stdout.write(table(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'], [[groupId, `${coordinator.address} (${coordinator.nodeId})`, strategy, group.groupState, String(group.members.length)]]))
  process.stdout.write('\n')
  if (group.members.length === 0) process.stdout.write(`Consumer group '${groupId}' has no active members.\n\n`)
  else if (group.groupState !== 'Stable') process.stdout.write(`Warning: consumer group '${groupId}' is rebalancing (${group.groupState}).\n\n`)
  process.stdout.write(table(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'], [...rows, ...idle]))
}

interface ResetOptions {
  readonly topics: readonly string[]
  readonly allTopics: boolean
  readonly target: { kind: 'earliest' } | { kind: 'latest' } | { kind: 'offset'; offset: number } | { kind: 'datetime'; timestamp: number }
  readonly execute: boolean
}

async function resetOffsets(cluster: Cluster, groupId: string, options: ResetOptions): Promise<void> {
  const coordinator = await coordinatorOf(cluster, groupId)
  const group = await describeGroup(coordinator.connection, groupId)
  if (group.groupState !== 'Empty' && group.groupState !== 'Dead') {
    throw new SamsaError(ErrorCodes.KAFKA, `Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${group.groupState}.`)
  }
  const partitions = await resetScope(cluster, coordinator.connection, groupId, options)
  const earliest = await listOffsets(cluster, partitions, -2)
  const latest = await listOffsets(cluster, partitions, -1)
  const atTime = options.target.kind === 'datetime' ? await listOffsets(cluster, partitions, options.target.timestamp) : null
  const target = (k: string): number => {
    const low = earliest.get(k)!
    const high = latest.get(k)!
    switch (options.target.kind) {
      case 'earliest':
        return low
      case 'latest':
        return high
      case 'offset':
        return Math.min(Math.max(options.target.offset, low), high)
      case 'datetime': {
        const found = atTime!.get(k)!
        return found < 0 ? high : found
      }
    }
  }
  const planned = partitions.map((p) => ({ ...p, offset: target(key(p.topic, p.partition)) }))
  if (options.execute) {
    const topics = [...new Set(planned.map((p) => p.topic))].map((name) => ({
      name,
      partitions: planned.filter((p) => p.topic === name).map((p) => ({ partitionIndex: p.partition, committedOffset: BigInt(p.offset), committedMetadata: '' })),
    }))
    const response = await coordinator.connection.request(ApiKeys.OffsetCommit, { groupId, generationIdOrMemberEpoch: -1, memberId: '', topics })
    for (const topic of response.topics) for (const p of topic.partitions) check(p.errorCode, `committing ${topic.name}-${p.partitionIndex} for group '${groupId}'`)
  }
  process.stdout.write(table(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], planned.map((p) => [groupId, p.topic, String(p.partition), String(p.offset)])))
}

/** The partitions a reset covers: --topic t (all partitions), --topic t:0,2, or --all-topics (those with commits). */
async function resetScope(cluster: Cluster, coordinator: BrokerConnection, groupId: string, options: ResetOptions): Promise<Array<{ topic: string; partition: number }>> {
  if (options.allTopics) {
    const committed = await committedOffsets(coordinator, groupId)
    const topics = [...new Set([...committed.keys()].map((k) => k.split('\u0000')[0]!))]
    if (topics.length === 0) throw new SamsaError(ErrorCodes.KAFKA, `Group '${groupId}' has no committed offsets; name the topics with --topic.`)
    return expand(await topicPartitions(cluster, topics), topics.map((name) => ({ name, partitions: null })))
  }
  const wanted = options.topics.map((spec) => {
    const [name, list] = spec.split(':') as [string, string | undefined]
    if (list === undefined) return { name, partitions: null }
    const partitions = list.split(',').map((p) => Number(p))
    if (partitions.some((p) => !Number.isInteger(p) || p < 0)) throw usageError(`--topic ${spec}: partitions must be numbers, e.g. ${name}:0,1.`)
    return { name, partitions }
  })
  return expand(await topicPartitions(cluster, wanted.map((w) => w.name)), wanted)
}

function expand(metadata: Map<string, number[]>, wanted: ReadonlyArray<{ name: string; partitions: number[] | null }>): Array<{ topic: string; partition: number }> {
  return wanted.flatMap(({ name, partitions }) => {
    const known = metadata.get(name)!
    const list = partitions ?? [...known].sort((a, b) => a - b)
    for (const p of list) if (!known.includes(p)) throw new SamsaError(ErrorCodes.KAFKA, `Topic '${name}' has no partition ${p}.`)
    return list.map((partition) => ({ topic: name, partition }))
  })
}

async function deleteGroups(cluster: Cluster, groupIds: readonly string[]): Promise<void> {
  const failures: string[] = []
  for (const groupId of groupIds) {
    const coordinator = await cluster.coordinator(groupId)
    const response = await coordinator.request(ApiKeys.DeleteGroups, { groupsNames: [groupId] })
    const errorCode = response.results[0]?.errorCode ?? 0
    if (errorCode !== 0) {
      const error = kafkaError(errorCode)
      failures.push(`Group '${groupId}' could not be deleted: ${error.name}: ${error.message}`)
    }
  }
  const deleted = groupIds.filter((g) => !failures.some((f) => f.startsWith(`Group '${g}'`)))
  if (deleted.length > 0) process.stdout.write(`Deletion of requested consumer groups (${deleted.map((g) => `'${g}'`).join(', ')}) was successful.\n`)
  if (failures.length > 0) throw new SamsaError(ErrorCodes.KAFKA, failures.join('\n'))
}

export async function run(argv: string[]): Promise<void> {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      'bootstrap-server': { type: 'string', short: 'b' },
      topic: { type: 'string', multiple: true },
      'all-topics': { type: 'boolean' },
      'to-earliest': { type: 'boolean' },
      'to-latest': { type: 'boolean' },
      'to-offset': { type: 'string' },
      'to-datetime': { type: 'string' },
      'dry-run': { type: 'boolean' },
      execute: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  })
  const { values, positionals } = parsed
  const [action, ...args] = positionals
  if (values.help === true || action === undefined) {
    process.stdout.write(help)
    return
  }
  const needGroup = (): string => {
    if (args.length !== 1) throw usageError(`'group ${action}' takes one group id.`)
    return args[0]!
  }
  let work: (cluster: Cluster) => Promise<void>
  switch (action) {
    case 'list':
      work = list
      break
    case 'describe': {
      const groupId = needGroup()
      work = (cluster) => describe(cluster, groupId)
      break
    }
    case 'reset-offsets': {
      const groupId = needGroup()
      const options = resetOptions(values)
      work = (cluster) => resetOffsets(cluster, groupId, options)
      break
    }
    case 'delete':
      if (args.length === 0) throw usageError("'group delete' takes one or more group ids.")
      work = (cluster) => deleteGroups(cluster, args)
      break
    default:
      throw usageError(`unknown action '${action}'; expected list, describe, reset-offsets or delete.`)
  }
  const cluster = new Cluster({ bootstrapServers: values['bootstrap-server'] ?? DEFAULT_BOOTSTRAP, clientId: 'samsa-group' })
  try {
    await work(cluster)
  } finally {
    cluster.close()
  }
}

function resetOptions(values: Record<string, unknown>): ResetOptions {
  const targets = ['to-earliest', 'to-latest', 'to-offset', 'to-datetime'].filter((t) => values[t] !== undefined)
  if (targets.length !== 1) throw usageError('reset-offsets needs exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime.')
  const topics = (values['topic'] as string[] | undefined) ?? []
  const allTopics = values['all-topics'] === true
  if ((topics.length > 0) === allTopics) throw usageError('reset-offsets needs either --topic (repeatable) or --all-topics.')
  if (values['execute'] === true && values['dry-run'] === true) throw usageError('--dry-run and --execute exclude each other.')
  if (values['execute'] !== true && values['dry-run'] !== true) {
    process.stderr.write('samsa group reset-offsets: dry run; nothing is committed. Add --execute to commit these offsets (or --dry-run to say so explicitly).\n')
  }
  let target: ResetOptions['target']
  switch (targets[0]) {
    case 'to-earliest':
      target = { kind: 'earliest' }
      break
    case 'to-latest':
      target = { kind: 'latest' }
      break
    case 'to-offset': {
      const offset = Number(values['to-offset'])
      if (!Number.isSafeInteger(offset) || offset < 0) throw usageError(`--to-offset expects a non-negative offset, not '${String(values['to-offset'])}'.`)
      target = { kind: 'offset', offset }
      break
    }
    default: {
      const timestamp = Date.parse(String(values['to-datetime']))
      if (Number.isNaN(timestamp)) throw usageError(`--to-datetime expects a date like 2024-05-01T12:00:00.000 (local time) or with a zone, not '${String(values['to-datetime'])}'.`)
      target = { kind: 'datetime', timestamp }
    }
  }
  return { topics, allTopics, target, execute: values['execute'] === true }
}
