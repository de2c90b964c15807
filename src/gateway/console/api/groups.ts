/**
 * Consumer groups as the console shows them, from each group's coordinator (this broker's
 * GroupCoordinator, or DescribeGroups and OffsetFetch sent to the broker that coordinates it:
 * records/group-coordinator-service.ts), every broker's ListGroups, and the partitions' high
 * watermarks at their leaders:
 * - GET /api/groups: each group's state, protocol, member count and total lag;
 * - GET /api/groups/:group: its members (client id, host, assigned partitions) and, per
 *   partition it has committed or been assigned, the committed offset, end offset and lag.
 * Lag is end offset (high watermark) − committed offset, as kafka-consumer-groups and
 * kafka_exporter compute it; a partition without a commit or whose leader does not answer has
 * lag null, and the total counts only known lags.
 */
import { KafkaErrorCodes } from '../../../protocol/error-codes.js'
import { decodeAssignment } from '../../../protocol/messages/consumer-protocol.js'
import type { GatewayServices } from '../../gateway.js'
import type { GroupCoordinators } from '../../records/group-coordinator-service.js'
import type { PartitionPositions } from '../../records/partition-positions.js'
import type { HttpServer } from '../../uws.js'
import { ProxyError } from '../../records/proxy-error.js'
import { ConsoleErrors, apiRoute } from './api-route.js'

export interface MemberSummary {
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly clientId: string
  readonly host: string
  readonly assignments: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }>
}

export interface PartitionLag {
  readonly topic: string
  readonly partition: number
  /** null when the group has not committed this partition. */
  readonly committedOffset: number | null
  readonly endOffset: number | null
  readonly lag: number | null
  /** The member the partition is assigned to, if any. */
  readonly memberId: string | null
  readonly clientId: string | null
}

export interface GroupDetail {
  readonly groupId: string
  readonly state: string
  readonly protocolType: string
  readonly protocol: string
  readonly members: readonly MemberSummary[]
  readonly offsets: readonly PartitionLag[]
  readonly totalLag: number
}

export async function describeConsoleGroup(coordinators: GroupCoordinators, positions: PartitionPositions, groupId: string): Promise<GroupDetail> {
  const coordinator = coordinators.forGroup(groupId)
  const described = await coordinator.describeGroup(groupId)
  if (described.errorCode !== KafkaErrorCodes.NONE) {
    throw new ProxyError(503, ConsoleErrors.NOT_AVAILABLE, `The group coordinator cannot describe '${groupId}' now (Kafka error ${described.errorCode}); try again shortly.`)
  }
  const members = described.members.map((m): MemberSummary => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    host: m.clientHost,
    assignments: described.protocolType === 'consumer' ? assignmentsOf(m.assignment) : [],
  }))
  const owner = new Map<string, MemberSummary>()
  for (const member of members) {
    for (const { topic, partitions } of member.assignments) for (const p of partitions) owner.set(`${topic}\u0000${p}`, member)
  }
  const committed = new Map<string, number>()
  for (const topic of (await coordinator.fetchOffsets(groupId, null)).topics) {
    for (const p of topic.partitions) if (p.committed.offset >= 0) committed.set(`${topic.name}\u0000${p.partitionIndex}`, p.committed.offset)
  }
  const keys = new Set([...committed.keys(), ...owner.keys()])
  const ends = await endOffsets(positions, keys)
  let totalLag = 0
  const offsets = [...keys]
    .map((key): PartitionLag => {
      const [topic, partitionText] = key.split('\u0000') as [string, string]
      const partition = Number(partitionText)
      const committedOffset = committed.get(key) ?? null
      const endOffset = ends.get(key) ?? null
      const lag = committedOffset === null || endOffset === null ? null : Math.max(0, endOffset - committedOffset)
      if (lag !== null) totalLag += lag
      const member = owner.get(key)
      return { topic, partition, committedOffset, endOffset, lag, memberId: member?.memberId ?? null, clientId: member?.clientId ?? null }
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
  return {
    groupId,
    state: described.state,
    protocolType: described.protocolType,
    protocol: described.protocolData,
    members,
    offsets,
    totalLag,
  }
}

export function groupRoutes(server: HttpServer, { logger }: GatewayServices, coordinators: GroupCoordinators, positions: PartitionPositions): void {
  apiRoute(server, logger, 'get', '/api/groups', async () => {
    const listed = await coordinators.listAllGroups()
    const details = await Promise.all(listed.groups.map((g) => describeConsoleGroup(coordinators, positions, g.groupId).catch(() => null)))
    const groups = listed.groups
      .flatMap((g, i) => {
        const detail = details[i]
        // Its coordinator moved or stopped answering since the listing.
        if (detail == null) return []
        return [{
          groupId: g.groupId,
          state: detail.state,
          protocolType: detail.protocolType,
          protocol: detail.protocol,
          members: detail.members.length,
          topics: [...new Set(detail.offsets.map((o) => o.topic))].sort(),
          totalLag: detail.totalLag,
        }]
      })
      .sort((a, b) => a.groupId.localeCompare(b.groupId))
    // A coordinator partition still loading makes the list incomplete; the console says so.
    return { groups, complete: listed.complete && details.every((d) => d !== null) }
  })

  apiRoute(server, logger, 'get', '/api/groups/:group', async (exchange) => {
    const groupId = exchange.request.params[0]!
    const detail = await describeConsoleGroup(coordinators, positions, groupId)
    if (detail.state === 'Dead') throw new ProxyError(404, ConsoleErrors.GROUP_NOT_FOUND, `Consumer group '${groupId}' does not exist.`)
    return detail
  })
}

/** The end offset (high watermark at the leader) of each `topic\u0000partition` key; left out where unknown. */
async function endOffsets(positions: PartitionPositions, keys: Iterable<string>): Promise<Map<string, number>> {
  const byTopic = new Map<string, number[]>()
  for (const key of keys) {
    const [topic, partition] = key.split('\u0000') as [string, string]
    let list = byTopic.get(topic)
    if (list === undefined) byTopic.set(topic, (list = []))
    list.push(Number(partition))
  }
  // A group may hold commits for a topic deleted since: those partitions have no end.
  const known = [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.filter((p) => positions.exists(topic, p)) }))
  const ends = new Map<string, number>()
  for (const [topic, bounds] of await positions.boundsOfTopics(known)) {
    for (const [partition, { end }] of bounds) ends.set(`${topic}\u0000${partition}`, end)
  }
  return ends
}

/** A consumer's assignment bytes as topics and partitions; nothing when they do not decode. */
function assignmentsOf(bytes: Buffer): MemberSummary['assignments'] {
  if (bytes.length === 0) return []
  try {
    return decodeAssignment(bytes).value.assignedPartitions.map((a) => ({ topic: a.topic, partitions: [...a.partitions].sort((x, y) => x - y) }))
  } catch {
    return []
  }
}
