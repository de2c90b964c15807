/**
 * Consumer groups as the console shows them, from the group coordinator (the service behind
 * ListGroups, DescribeGroups and OffsetFetch) and the partitions' high watermarks:
 * - GET /api/groups: each group's state, protocol, member count and total lag;
 * - GET /api/groups/:group: its members (client id, host, assigned partitions) and, per
 *   partition it has committed or been assigned, the committed offset, end offset and lag.
 * Lag is end offset (high watermark) − committed offset, as kafka-consumer-groups and
 * kafka_exporter compute it; a partition without a commit or whose end this broker does not
 * know has lag null, and the total counts only known lags.
 */
import type { BrokerContext } from '../../../broker/broker-context.js'
import { KafkaErrorCodes } from '../../../protocol/error-codes.js'
import { decodeAssignment } from '../../../protocol/messages/consumer-protocol.js'
import type { GatewayServices } from '../../gateway.js'
import type { HttpServer } from '../../uws.js'
import { ConsoleApiError, ConsoleErrors, apiRoute } from './api-route.js'

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

export function describeConsoleGroup(broker: BrokerContext, groupId: string): GroupDetail {
  const described = broker.groups.describeGroup(groupId)
  if (described.errorCode !== KafkaErrorCodes.NONE) {
    throw new ConsoleApiError(503, ConsoleErrors.NOT_AVAILABLE, `The group coordinator cannot describe '${groupId}' now (Kafka error ${described.errorCode}); try again shortly.`)
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
  for (const topic of broker.groups.fetchOffsets(groupId, null).topics) {
    for (const p of topic.partitions) if (p.committed.offset >= 0) committed.set(`${topic.name}\u0000${p.partitionIndex}`, p.committed.offset)
  }
  const keys = new Set([...committed.keys(), ...owner.keys()])
  let totalLag = 0
  const offsets = [...keys]
    .map((key): PartitionLag => {
      const [topic, partitionText] = key.split('\u0000') as [string, string]
      const partition = Number(partitionText)
      const committedOffset = committed.get(key) ?? null
      const endOffset = broker.replicas.partition(topic, partition)?.highWatermark ?? null
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

export function groupRoutes(server: HttpServer, { broker, logger }: GatewayServices): void {
  apiRoute(server, logger, 'get', '/api/groups', () => {
    const listed = broker.groups.listGroups([], [])
    const groups = listed.groups
      .map((g) => {
        const detail = describeConsoleGroup(broker, g.groupId)
        return {
          groupId: g.groupId,
          state: detail.state,
          protocolType: detail.protocolType,
          protocol: detail.protocol,
          members: detail.members.length,
          topics: [...new Set(detail.offsets.map((o) => o.topic))].sort(),
          totalLag: detail.totalLag,
        }
      })
      .sort((a, b) => a.groupId.localeCompare(b.groupId))
    // A coordinator partition still loading makes the list incomplete; the console says so.
    return { groups, complete: listed.errorCode === KafkaErrorCodes.NONE }
  })

  apiRoute(server, logger, 'get', '/api/groups/:group', (exchange) => {
    const groupId = exchange.request.params[0]!
    const detail = describeConsoleGroup(broker, groupId)
    if (detail.state === 'Dead') throw new ConsoleApiError(404, ConsoleErrors.GROUP_NOT_FOUND, `Consumer group '${groupId}' does not exist.`)
    return detail
  })
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
