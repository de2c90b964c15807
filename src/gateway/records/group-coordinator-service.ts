/**
 * The one interface through which the gateway's group member (group-member.ts) and the console's
 * group pages talk to a consumer group's coordinator, with two implementations: this broker's
 * GroupCoordinator itself, which satisfies it as it is (answers stay synchronous where they are
 * today, so the local path costs what it did), and RemoteGroupCoordinator
 * (remote-group-coordinator.ts), which sends the same calls as Kafka requests to the coordinator
 * broker.
 *
 * GroupCoordinators picks one per group: the coordinator of group g is the leader of partition
 * hash(g) mod N of __consumer_offsets, which is exactly what FindCoordinator answers from the
 * same metadata, so the choice needs no request. It also lists the groups of every broker, as
 * Kafka's admin clients do (each broker lists only the groups it coordinates).
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import { OFFSETS_TOPIC } from '../../group/coordinator-key.js'
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
import type { MaybeAsync } from '../../group/maybe-async.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { PeerBrokers } from '../../broker/peer-brokers.js'
import { ProxyError, ProxyErrorCodes } from './proxy-error.js'
import { RemoteGroupCoordinator } from './remote-group-coordinator.js'

export type TopicPartitionIndexes = ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }>

/** A consumer group's coordinator, wherever it runs. Errors are Kafka error codes in the results. */
export interface GroupCoordinatorService {
  joinGroup(params: JoinGroupParams): MaybeAsync<JoinGroupResult>
  syncGroup(params: SyncGroupParams): MaybeAsync<SyncGroupResult>
  heartbeat(params: HeartbeatParams): MaybeAsync<number>
  leaveGroup(groupId: string, members: readonly LeavingMember[]): MaybeAsync<LeaveGroupResult>
  commitOffsets(params: OffsetCommitParams): MaybeAsync<number[]>
  /** `topics` null: every partition with a commit. */
  fetchOffsets(groupId: string, topics: TopicPartitionIndexes | null): MaybeAsync<OffsetFetchResult>
  describeGroup(groupId: string): MaybeAsync<GroupDescription>
  listGroups(states: readonly string[], types: readonly string[]): MaybeAsync<{ errorCode: number; groups: GroupListing[] }>
}

export class GroupCoordinators {
  readonly #broker: BrokerContext
  readonly #peers: PeerBrokers | null
  readonly #remotes = new Map<number, RemoteGroupCoordinator>()

  /** Without `peers`, only groups this broker coordinates are served; the others name their coordinator. */
  constructor(broker: BrokerContext, peers: PeerBrokers | null) {
    this.#broker = broker
    this.#peers = peers
  }

  /** Makes __consumer_offsets on first use in a cluster, as FindCoordinator does. */
  async ensureOffsetsTopic(): Promise<void> {
    if (this.#broker.metadata.topic(OFFSETS_TOPIC) === undefined) await this.#broker.topics.ensureOffsetsTopic()
  }

  /** The broker that coordinates `groupId` now, or -1 while its partition has no leader. */
  coordinatorId(groupId: string): number {
    const partition = this.#broker.groups.partitionFor(groupId)
    return this.#broker.metadata.partitionState(OFFSETS_TOPIC, partition)?.leader ?? this.#broker.nodeId
  }

  /**
   * The coordinator of `groupId` now: this broker's own, or one that talks to the coordinator
   * broker. Throws a retriable ProxyError while the group has no coordinator.
   */
  forGroup(groupId: string): GroupCoordinatorService {
    const nodeId = this.coordinatorId(groupId)
    if (nodeId === this.#broker.nodeId) return this.#broker.groups
    if (nodeId < 0) {
      throw new ProxyError(500, ProxyErrorCodes.KAFKA_RETRIABLE_ERROR, `Consumer group '${groupId}' has no coordinator right now (its ${OFFSETS_TOPIC} partition has no leader); try again shortly.`)
    }
    return this.#remote(nodeId)
  }

  /**
   * Every group of the cluster: each live broker lists those it coordinates. `complete` is false
   * when a broker did not answer or was still loading groups.
   */
  async listAllGroups(): Promise<{ groups: GroupListing[]; complete: boolean }> {
    const own = this.#broker.groups.listGroups([], [])
    const others = this.#peers === null
      ? []
      : await Promise.all(this.#broker.cluster.brokers().filter((b) => b.nodeId !== this.#broker.nodeId).map((b) => this.#remote(b.nodeId).listGroups([], [])))
    let complete = true
    const byId = new Map<string, GroupListing>()
    for (const listed of [own, ...others]) {
      if (listed.errorCode !== KafkaErrorCodes.NONE) complete = false
      for (const group of listed.groups) byId.set(group.groupId, group)
    }
    return { groups: [...byId.values()], complete }
  }

  #remote(nodeId: number): GroupCoordinatorService & RemoteGroupCoordinator {
    if (this.#peers === null) {
      throw new ProxyError(500, ProxyErrorCodes.KAFKA_RETRIABLE_ERROR, `Broker ${nodeId} coordinates this group, and this gateway does not talk to other brokers.`)
    }
    let remote = this.#remotes.get(nodeId)
    if (remote === undefined) this.#remotes.set(nodeId, (remote = new RemoteGroupCoordinator(this.#peers, nodeId)))
    return remote
  }
}
