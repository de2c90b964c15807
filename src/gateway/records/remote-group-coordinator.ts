/**
 * A consumer group coordinator on another broker, seen through the GroupCoordinatorService
 * interface (group-coordinator-service.ts): each call is the Kafka request a consumer would send
 * to its coordinator (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
 * DescribeGroups, ListGroups), and its answer is turned back into the coordinator's result types.
 *
 * JoinGroup and SyncGroup may be parked by the coordinator until the rebalance completes, so they
 * go on connections of their own (src/broker/peer-brokers.ts). A coordinator that cannot be reached answers
 * COORDINATOR_NOT_AVAILABLE, as a consumer would conclude, and the caller looks it up again.
 *
 * A JoinGroup goes on a connection opened with the member's client id, which the coordinator
 * records and shows (DescribeGroups, kafka-consumer-groups); the member's host it records is the
 * gateway's, as a Kafka REST Proxy's members show the proxy's.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type {
  GroupDescription,
  GroupListing,
  HeartbeatParams,
  JoinGroupParams,
  JoinGroupResult,
  LeaveGroupResult,
  LeavingMember,
  OffsetCommitParams,
  OffsetFetchResult,
  SyncGroupParams,
  SyncGroupResult,
} from '../../group/coordinator-results.js'
import type { GroupCoordinatorService, TopicPartitionIndexes } from './group-coordinator-service.js'
import type { PeerBrokers } from '../../broker/peer-brokers.js'

/** For requests the coordinator answers at once. */
const REQUEST_TIMEOUT_MS = 10_000
/** Beyond a JoinGroup's rebalance timeout (the longest the coordinator may park it). */
const PARKED_MARGIN_MS = 10_000
/** SyncGroup carries no timeout; a follower's waits for the leader's assignment, bounded by the rebalance. */
const SYNC_TIMEOUT_MS = 70_000

const UNAVAILABLE = KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE
const EMPTY = Buffer.alloc(0)

export class RemoteGroupCoordinator implements GroupCoordinatorService {
  readonly nodeId: number
  readonly #peers: PeerBrokers

  constructor(peers: PeerBrokers, nodeId: number) {
    this.#peers = peers
    this.nodeId = nodeId
  }

  async joinGroup(params: JoinGroupParams): Promise<JoinGroupResult> {
    try {
      const r = await this.#peers.request(
        this.nodeId,
        ApiKeys.JoinGroup,
        {
          groupId: params.groupId,
          sessionTimeoutMs: params.sessionTimeoutMs,
          rebalanceTimeoutMs: params.rebalanceTimeoutMs,
          memberId: params.memberId,
          groupInstanceId: params.groupInstanceId,
          protocolType: params.protocolType,
          protocols: params.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
          reason: params.reason,
        },
        { timeoutMs: Math.max(params.rebalanceTimeoutMs, params.sessionTimeoutMs) + PARKED_MARGIN_MS, parks: true, clientId: params.clientId },
      )
      return {
        errorCode: r.errorCode,
        generationId: r.generationId,
        protocolType: r.protocolType,
        protocolName: r.protocolName,
        leader: r.leader,
        skipAssignment: r.skipAssignment,
        memberId: r.memberId,
        members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: Buffer.from(m.metadata) })),
      }
    } catch {
      return { errorCode: UNAVAILABLE, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId: params.memberId, members: [] }
    }
  }

  async syncGroup(params: SyncGroupParams): Promise<SyncGroupResult> {
    try {
      const r = await this.#peers.request(
        this.nodeId,
        ApiKeys.SyncGroup,
        {
          groupId: params.groupId,
          generationId: params.generationId,
          memberId: params.memberId,
          groupInstanceId: params.groupInstanceId,
          protocolType: params.protocolType,
          protocolName: params.protocolName,
          assignments: params.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
        },
        { timeoutMs: SYNC_TIMEOUT_MS, parks: true },
      )
      return { errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: Buffer.from(r.assignment) }
    } catch {
      return { errorCode: UNAVAILABLE, protocolType: null, protocolName: null, assignment: EMPTY }
    }
  }

  async heartbeat(params: HeartbeatParams): Promise<number> {
    try {
      const r = await this.#peers.request(this.nodeId, ApiKeys.Heartbeat, { ...params }, { timeoutMs: REQUEST_TIMEOUT_MS })
      return r.errorCode
    } catch {
      return UNAVAILABLE
    }
  }

  async leaveGroup(groupId: string, members: readonly LeavingMember[]): Promise<LeaveGroupResult> {
    try {
      const r = await this.#peers.request(
        this.nodeId,
        ApiKeys.LeaveGroup,
        { groupId, members: members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: m.reason ?? null })) },
        { timeoutMs: REQUEST_TIMEOUT_MS },
      )
      return { errorCode: r.errorCode, members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: m.errorCode })) }
    } catch {
      return { errorCode: UNAVAILABLE, members: [] }
    }
  }

  async commitOffsets(params: OffsetCommitParams): Promise<number[]> {
    const byTopic = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }>>()
    for (const o of params.offsets) {
      let list = byTopic.get(o.topic)
      if (list === undefined) byTopic.set(o.topic, (list = []))
      list.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: o.leaderEpoch, committedMetadata: o.metadata })
    }
    let r
    try {
      r = await this.#peers.request(
        this.nodeId,
        ApiKeys.OffsetCommit,
        {
          groupId: params.groupId,
          generationIdOrMemberEpoch: params.generationId,
          memberId: params.memberId,
          groupInstanceId: params.groupInstanceId,
          topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        },
        { timeoutMs: REQUEST_TIMEOUT_MS },
      )
    } catch {
      return params.offsets.map(() => UNAVAILABLE)
    }
    const errors = new Map<string, number>()
    for (const t of r.topics) for (const p of t.partitions) errors.set(`${t.name}\u0000${p.partitionIndex}`, p.errorCode)
    return params.offsets.map((o) => errors.get(`${o.topic}\u0000${o.partition}`) ?? KafkaErrorCodes.UNKNOWN_SERVER_ERROR)
  }

  async fetchOffsets(groupId: string, topics: TopicPartitionIndexes | null): Promise<OffsetFetchResult> {
    let r
    try {
      r = await this.#peers.request(
        this.nodeId,
        ApiKeys.OffsetFetch,
        { groupId, topics: topics === null ? null : topics.map((t) => ({ name: t.name, partitionIndexes: [...t.partitionIndexes] })) },
        { timeoutMs: REQUEST_TIMEOUT_MS },
      )
    } catch {
      return { errorCode: UNAVAILABLE, topics: [] }
    }
    return {
      errorCode: r.errorCode,
      topics: r.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          committed: { offset: Number(p.committedOffset), leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata ?? '', commitTimestamp: -1 },
          errorCode: p.errorCode,
        })),
      })),
    }
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    try {
      const r = await this.#peers.request(this.nodeId, ApiKeys.DescribeGroups, { groups: [groupId] }, { timeoutMs: REQUEST_TIMEOUT_MS })
      const g = r.groups[0]
      if (g === undefined) throw new Error('no group in the answer')
      return {
        errorCode: g.errorCode,
        groupId: g.groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocolData: g.protocolData,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          metadata: Buffer.from(m.memberMetadata),
          assignment: Buffer.from(m.memberAssignment),
        })),
      }
    } catch {
      return { errorCode: UNAVAILABLE, groupId, state: '', protocolType: '', protocolData: '', members: [] }
    }
  }

  async listGroups(states: readonly string[], types: readonly string[]): Promise<{ errorCode: number; groups: GroupListing[] }> {
    try {
      const r = await this.#peers.request(this.nodeId, ApiKeys.ListGroups, { statesFilter: [...states], typesFilter: [...types] }, { timeoutMs: REQUEST_TIMEOUT_MS })
      return { errorCode: r.errorCode, groups: r.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType || 'classic' })) }
    } catch {
      return { errorCode: UNAVAILABLE, groups: [] }
    }
  }
}
