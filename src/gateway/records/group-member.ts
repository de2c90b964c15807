/**
 * An in-process member of a classic Kafka consumer group: what a REST consumer instance or a
 * WebSocket stream uses to share a group's partitions with Kafka clients (kafkajs, librdkafka,
 * Java) of the same group. It speaks to the group's coordinator through GroupCoordinatorService
 * (group-coordinator-service.ts): this broker's GroupCoordinator directly, with the same calls the
 * JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and OffsetFetch handlers make, or, for
 * a group another broker coordinates, those requests sent to it. To the coordinator and to the
 * other members it is an ordinary member:
 *
 * - protocol type "consumer", subscription and assignment in Kafka's ConsumerProtocol format;
 * - it offers the assignors `range` (preferred; the Java client's default), `roundrobin` and
 *   kafkajs's `RoundRobinAssigner`, so that a group with kafkajs members (which offer only their
 *   own names) finds a protocol every member supports; as leader it assigns with the range or
 *   round-robin assignor accordingly (src/client/assignors.ts, the Java client's algorithms);
 * - it heartbeats on a timer and rejoins as soon as a heartbeat says a rebalance is in progress
 *   (a Java consumer rejoins on its next poll; a REST client may not poll for minutes, and the
 *   whole group would wait for it);
 * - before rejoining it lets its owner commit (`beforeRebalance`), as the Java consumer's eager
 *   protocol commits before revoking, and after each assignment tells its owner (`onAssignment`).
 *
 * The coordinator is looked up again for every call, so a member follows its group when the
 * coordinator moves (a failover of its __consumer_offsets partition): calls answered
 * NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE are retried against the new one.
 *
 * Event loop only. One member per instance; nothing is module-global.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import { type AssignorName, assignPartitions } from '../../client/assignors.js'
import { KafkaErrorCodes, kafkaError } from '../../protocol/error-codes.js'
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../protocol/messages/consumer-protocol.js'
import { GroupCoordinators, type GroupCoordinatorService } from './group-coordinator-service.js'
import { ProxyError, ProxyErrorCodes } from './proxy-error.js'

export interface TopicPartition {
  readonly topic: string
  readonly partition: number
}

export interface CommitEntry extends TopicPartition {
  readonly offset: number
  readonly metadata?: string
}

export interface GroupMemberOptions {
  readonly groupId: string
  readonly clientId: string
  readonly clientHost: string
  /** Default 45 000 ms, the Java consumer's session.timeout.ms. */
  readonly sessionTimeoutMs?: number
  /** How long the coordinator waits for members to rejoin; default 60 000 ms. */
  readonly rebalanceTimeoutMs?: number
  /**
   * Default 1000 ms. In-process heartbeats cost a function call, and a short interval lets a
   * rebalance started by a Kafka client finish within about a second instead of the Java
   * default's three.
   */
  readonly heartbeatIntervalMs?: number
  /** Before the member rejoins a rebalance, while it still owns its partitions (auto-commit). */
  readonly beforeRebalance?: (owned: readonly TopicPartition[]) => Promise<void> | void
  /** After each completed join, with the new assignment and the previous one. */
  readonly onAssignment?: (assigned: readonly TopicPartition[], previous: readonly TopicPartition[]) => void
}

/** The assignors offered, in order of preference, and the algorithm each name stands for. */
const PROTOCOLS: ReadonlyArray<readonly [string, AssignorName]> = [
  ['range', 'range'],
  ['roundrobin', 'roundrobin'],
  ['RoundRobinAssigner', 'roundrobin'],
]

/** Joins that fail for a passing reason (a rebalance, a coordinator loading) retried this long. */
const JOIN_RETRY_MS = 200
const JOIN_ATTEMPTS = 100

export class GroupMember {
  readonly groupId: string
  readonly #broker: BrokerContext
  readonly #coordinators: GroupCoordinators
  readonly #options: GroupMemberOptions
  readonly #sessionTimeoutMs: number
  readonly #rebalanceTimeoutMs: number
  #topics: readonly string[] = []
  #memberId = ''
  #generationId = -1
  #assignment: readonly TopicPartition[] = []
  /** The join under way, if any; a request during it waits for it. */
  #joining: Promise<void> | null = null
  /** Set while a rejoin is wanted (a heartbeat saw a rebalance, the subscription changed). */
  #needsJoin = false
  #failure: ProxyError | null = null
  #heartbeat: NodeJS.Timeout | null = null
  #closed = false
  /** Bumped by unsubscribe: a join that started before it must not leave the member in the group. */
  #membershipEpoch = 0
  /** A heartbeat to a remote coordinator is awaiting its answer. */
  #beating = false

  /** `coordinators` defaults to this broker's coordinator only (a group another broker coordinates then fails to join). */
  constructor(broker: BrokerContext, options: GroupMemberOptions, coordinators: GroupCoordinators = new GroupCoordinators(broker, null)) {
    this.#broker = broker
    this.#coordinators = coordinators
    this.#options = options
    this.groupId = options.groupId
    this.#sessionTimeoutMs = options.sessionTimeoutMs ?? 45_000
    this.#rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 60_000
  }

  get memberId(): string {
    return this.#memberId
  }

  get generationId(): number {
    return this.#generationId
  }

  /** The partitions assigned in the current generation (empty before the first join completes). */
  get assignment(): readonly TopicPartition[] {
    return this.#assignment
  }

  get subscription(): readonly string[] {
    return this.#topics
  }

  /** Joins the group (or rejoins with the new topics); resolves once the member has its assignment. */
  subscribe(topics: readonly string[]): Promise<void> {
    this.#topics = [...new Set(topics)].sort()
    this.#failure = null
    this.#needsJoin = true
    this.#startHeartbeat()
    return this.whenJoined()
  }

  /**
   * Resolves when the member holds a current assignment: at once when it does, after the join
   * under way or a new one otherwise. Rejects with a ProxyError when joining failed for good.
   */
  async whenJoined(): Promise<void> {
    if (this.#closed) throw new ProxyError(500, ProxyErrorCodes.ILLEGAL_STATE, 'The consumer left its group.')
    while (this.#needsJoin || this.#joining !== null) {
      await (this.#joining ??= this.#join().finally(() => {
        this.#joining = null
      }))
      if (this.#failure !== null) throw this.#failure
    }
    if (this.#failure !== null) throw this.#failure
  }

  /** Commits offsets as this member (or, outside group management, as an admin would). */
  async commit(entries: readonly CommitEntry[]): Promise<Array<TopicPartition & { errorCode: number }>> {
    if (entries.length === 0) return []
    const inGroup = this.#memberId !== '' && this.#topics.length > 0
    await this.#coordinators.ensureOffsetsTopic()
    const errors = await this.#coordinator().commitOffsets({
      groupId: this.groupId,
      generationId: inGroup ? this.#generationId : -1,
      memberId: inGroup ? this.#memberId : '',
      groupInstanceId: null,
      offsets: entries.map((e) => ({ topic: e.topic, partition: e.partition, offset: e.offset, leaderEpoch: -1, metadata: e.metadata ?? '' })),
    })
    return entries.map((e, i) => ({ topic: e.topic, partition: e.partition, errorCode: errors[i]! }))
  }

  /** The group's committed offset of each partition, -1 where it has none. */
  async committed(partitions: readonly TopicPartition[]): Promise<Array<TopicPartition & { offset: number; metadata: string }>> {
    const byTopic = new Map<string, number[]>()
    for (const { topic, partition } of partitions) {
      let list = byTopic.get(topic)
      if (list === undefined) byTopic.set(topic, (list = []))
      list.push(partition)
    }
    await this.#coordinators.ensureOffsetsTopic()
    const result = await this.#coordinator().fetchOffsets(this.groupId, [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })))
    if (result.errorCode !== KafkaErrorCodes.NONE) throw this.#groupError(result.errorCode, 'Fetching committed offsets')
    const offsets: Array<TopicPartition & { offset: number; metadata: string }> = []
    for (const topic of result.topics) {
      for (const p of topic.partitions) offsets.push({ topic: topic.name, partition: p.partitionIndex, offset: p.committed.offset, metadata: p.committed.metadata })
    }
    return offsets
  }

  /** Leaves the group (if in it) and stops heartbeating; the member can subscribe again later. */
  unsubscribe(): void {
    this.#membershipEpoch++
    this.#stopHeartbeat()
    this.#leave('the REST consumer unsubscribed')
    this.#topics = []
    this.#assignment = []
    this.#needsJoin = false
  }

  /** Leaves the group for good. */
  close(reason = 'the consumer instance was deleted'): void {
    if (this.#closed) return
    this.#closed = true
    this.#stopHeartbeat()
    this.#leave(reason)
  }

  #leave(reason: string): void {
    if (this.#memberId === '') return
    this.#leaveAs(this.#memberId, reason)
    this.#memberId = ''
    this.#generationId = -1
  }

  /** Leaving is a courtesy: if the coordinator cannot be told, the session timeout removes the member. */
  #leaveAs(memberId: string, reason: string): void {
    try {
      const left = this.#coordinator().leaveGroup(this.groupId, [{ memberId, groupInstanceId: null, reason }])
      if (left instanceof Promise) left.catch(() => undefined)
    } catch {
      // No coordinator right now.
    }
  }

  /** The group's coordinator now (this broker's or a remote one); throws ProxyError while there is none. */
  #coordinator(): GroupCoordinatorService {
    return this.#coordinators.forGroup(this.groupId)
  }

  async #join(): Promise<void> {
    const previous = this.#assignment
    if (previous.length > 0 && this.#options.beforeRebalance !== undefined) {
      try {
        await this.#options.beforeRebalance(previous)
      } catch {
        // A failed commit before a rebalance costs redelivery, not correctness.
      }
    }
    this.#needsJoin = false
    const epoch = this.#membershipEpoch
    /** True (after leaving what the join obtained) when the member was closed or unsubscribed meanwhile. */
    const abandoned = (memberId: string): boolean => {
      if (!this.#closed && epoch === this.#membershipEpoch) return false
      if (memberId !== '') this.#leaveAs(memberId, 'the REST consumer left while joining')
      return true
    }
    try {
      await this.#coordinators.ensureOffsetsTopic()
    } catch (error) {
      this.#failure = new ProxyError(500, ProxyErrorCodes.KAFKA_RETRIABLE_ERROR, `Could not join consumer group '${this.groupId}': ${(error as Error).message}`)
      return
    }
    for (let attempt = 0; !this.#closed; attempt++) {
      if (attempt >= JOIN_ATTEMPTS) {
        this.#failure = new ProxyError(500, ProxyErrorCodes.KAFKA_RETRIABLE_ERROR, `Could not join consumer group '${this.groupId}' after ${attempt} attempts.`)
        return
      }
      let coordinator: GroupCoordinatorService
      try {
        coordinator = this.#coordinator()
      } catch (error) {
        if (this.#coordinators.coordinatorId(this.groupId) >= 0) {
          this.#failure = error as ProxyError
          return
        }
        // No coordinator while its partition elects a leader.
        await new Promise((resolve) => setTimeout(resolve, JOIN_RETRY_MS))
        continue
      }
      const topics = this.#topics
      const metadata = encodeSubscription({ topics: [...topics], userData: null }, 0)
      const joined = await coordinator.joinGroup({
        groupId: this.groupId,
        memberId: this.#memberId,
        groupInstanceId: null,
        requireKnownMemberId: false,
        supportSkippingAssignment: false,
        clientId: this.#options.clientId,
        clientHost: this.#options.clientHost,
        rebalanceTimeoutMs: this.#rebalanceTimeoutMs,
        sessionTimeoutMs: this.#sessionTimeoutMs,
        protocolType: 'consumer',
        protocols: PROTOCOLS.map(([name]) => ({ name, metadata })),
        reason: null,
      })
      if (abandoned(joined.memberId)) return
      if (joined.errorCode === KafkaErrorCodes.MEMBER_ID_REQUIRED) {
        // A remote coordinator (JoinGroup v4+) hands out the member id first, to be joined with.
        this.#memberId = joined.memberId
        continue
      }
      if (joined.errorCode !== KafkaErrorCodes.NONE) {
        if (await this.#retryable(joined.errorCode, 'JoinGroup')) continue
        return
      }
      this.#memberId = joined.memberId
      this.#generationId = joined.generationId
      const protocolName = joined.protocolName ?? 'range'
      const assignments = joined.leader === joined.memberId ? this.#assign(protocolName, joined.members) : []
      const synced = await coordinator.syncGroup({
        groupId: this.groupId,
        generationId: joined.generationId,
        memberId: joined.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName,
        assignments,
      })
      if (abandoned(joined.memberId)) return
      if (synced.errorCode !== KafkaErrorCodes.NONE) {
        if (await this.#retryable(synced.errorCode, 'SyncGroup')) continue
        return
      }
      const assigned = synced.assignment.length === 0 ? [] : decodeAssignment(synced.assignment).value.assignedPartitions
      this.#assignment = assigned.flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })))
      this.#options.onAssignment?.(this.#assignment, previous)
      return
    }
  }

  /** True to try again; false after recording a failure that retrying will not cure. */
  async #retryable(errorCode: number, what: string): Promise<boolean> {
    switch (errorCode) {
      case KafkaErrorCodes.UNKNOWN_MEMBER_ID:
      case KafkaErrorCodes.ILLEGAL_GENERATION:
        this.#memberId = ''
        this.#generationId = -1
        return true
      case KafkaErrorCodes.REBALANCE_IN_PROGRESS:
      case KafkaErrorCodes.MEMBER_ID_REQUIRED:
        return true
      case KafkaErrorCodes.COORDINATOR_LOAD_IN_PROGRESS:
        await new Promise((resolve) => setTimeout(resolve, JOIN_RETRY_MS))
        return true
      case KafkaErrorCodes.NOT_COORDINATOR:
      case KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE:
        // Leadership of the group's partition is moving; the next attempt asks the coordinator
        // the metadata names by then.
        await new Promise((resolve) => setTimeout(resolve, JOIN_RETRY_MS))
        return true
      default:
        this.#failure = this.#groupError(errorCode, what)
        return false
    }
  }

  /** The leader's job: every member's partitions, with the algorithm the chosen protocol names. */
  #assign(protocolName: string, members: ReadonlyArray<{ memberId: string; metadata: Buffer }>): Array<{ memberId: string; assignment: Uint8Array }> {
    const assignor = PROTOCOLS.find(([name]) => name === protocolName)?.[1] ?? 'range'
    const subscriptions = members.map((m) => ({ memberId: m.memberId, topics: decodeSubscription(m.metadata).value.topics }))
    const counts = new Map<string, number>()
    for (const topic of new Set(subscriptions.flatMap((s) => s.topics))) {
      const known = this.#broker.metadata.topic(topic)
      if (known !== undefined) counts.set(topic, known.partitions)
    }
    const plan = assignPartitions(assignor, subscriptions, counts)
    return [...plan].map(([memberId, byTopic]) => ({
      memberId,
      assignment: encodeAssignment({ assignedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })), userData: null }, 0),
    }))
  }

  #startHeartbeat(): void {
    if (this.#heartbeat !== null) return
    this.#heartbeat = setInterval(() => this.#beat(), this.#options.heartbeatIntervalMs ?? 1000)
    this.#heartbeat.unref()
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat)
    this.#heartbeat = null
  }

  #beat(): void {
    if (this.#closed || this.#joining !== null || this.#memberId === '' || this.#failure !== null || this.#beating) return
    let coordinator: GroupCoordinatorService
    try {
      coordinator = this.#coordinator()
    } catch {
      return
    }
    const generationId = this.#generationId
    const answer = coordinator.heartbeat({ groupId: this.groupId, generationId, memberId: this.#memberId, groupInstanceId: null })
    if (typeof answer === 'number') {
      this.#onHeartbeat(answer)
      return
    }
    this.#beating = true
    answer.then(
      (errorCode) => {
        this.#beating = false
        // A join started meanwhile decides the member's fate.
        if (!this.#closed && this.#joining === null && this.#generationId === generationId) this.#onHeartbeat(errorCode)
      },
      () => {
        this.#beating = false
      },
    )
  }

  #onHeartbeat(errorCode: number): void {
    switch (errorCode) {
      case KafkaErrorCodes.NONE:
        return
      case KafkaErrorCodes.NOT_COORDINATOR:
      case KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE:
        // The coordinator is moving: the next beat goes to the new one, which answers
        // UNKNOWN_MEMBER_ID if the member must join again.
        return
      case KafkaErrorCodes.REBALANCE_IN_PROGRESS:
        break
      case KafkaErrorCodes.UNKNOWN_MEMBER_ID:
      case KafkaErrorCodes.ILLEGAL_GENERATION:
      case KafkaErrorCodes.FENCED_INSTANCE_ID:
        this.#memberId = ''
        this.#generationId = -1
        this.#assignment = []
        break
      default:
        this.#failure = this.#groupError(errorCode, 'Heartbeat')
        return
    }
    this.#needsJoin = true
    this.whenJoined().catch(() => undefined)
  }

  #groupError(errorCode: number, what: string): ProxyError {
    const info = kafkaError(errorCode)
    return new ProxyError(
      500,
      info.retriable ? ProxyErrorCodes.KAFKA_RETRIABLE_ERROR : ProxyErrorCodes.KAFKA_ERROR,
      `${what} for consumer group '${this.groupId}' failed: ${info.name}: ${info.message}`,
    )
  }
}
