/**
 * The controller's duties, run by whichever broker holds the controller election (Kafka's
 * KafkaController / QuorumController, with etcd in place of ZooKeeper or the metadata quorum):
 *
 * - Broker failure: when a broker's registration goes (its lease expired: death, pause,
 *   isolation), every partition it led gets a new leader from the ISR and it leaves every ISR
 *   (partition-elections.ts has the rules). A returning broker changes nothing at once: it catches
 *   up and its leaders propose it back into the ISR.
 * - New topics: a partition whose first leader is not live gets one the same way.
 * - ISR proposals from leaders (AlterPartition), checked against the leader and partition epochs.
 * - Controlled shutdown: a broker that asks has its leaderships moved to other ISR members first.
 * - Preferred-leader election every leader.imbalance.check.interval.seconds when
 *   auto.leader.rebalance.enable, and on demand (ElectLeaders).
 * - Partition reassignment (AlterPartitionReassignments, partition-reassignments.ts has the
 *   rules): started on request; finished by whichever decision first sees every target replica
 *   in the ISR (normally the leader's ISR proposal that adds the last one, or a reconcile after a
 *   controller change), so no timer or polling is needed. A change of a partition's replica set
 *   also rewrites its topic's assignment, in the same transaction.
 *
 * Every write is guarded by the election (a deposed controller's write fails) and by the
 * partition key's revision (a decision made on a stale view is made again on the fresh one).
 * Decisions run one at a time, in the order their causes arrived.
 */
import type { Logger } from '../common/logger.js'
import type { PartitionState } from '../metadata/metadata-store.js'
import type { BrokerRegistry } from './broker-registry.js'
import type { ClusterMetadataStore, PartitionView, TopicView } from './cluster-metadata-store.js'
import type { ControllerElection } from './controller-election.js'
import { type ControllerRequest, ControllerRequests } from './controller-requests.js'
import type { EtcdConnection } from './etcd-connection.js'
import { applyIsrProposal, electLeader, electPreferredLeader, moveLeadershipOff, onBrokersChanged } from './partition-elections.js'
import {
  type ReassignmentError,
  cancelReassignment,
  completeReassignment,
  invalidTarget,
  isReassigning,
  startReassignment,
} from './partition-reassignments.js'
import { WatchedRange } from './watched-range.js'

export interface ControllerOptions {
  readonly connection: EtcdConnection
  readonly store: ClusterMetadataStore
  readonly registry: BrokerRegistry
  readonly election: ControllerElection
  /** The broker's unclean.leader.election.enable; a topic's override wins. */
  readonly uncleanLeaderElection: boolean
  readonly autoLeaderRebalance: boolean
  readonly leaderImbalanceCheckIntervalMs: number
  readonly logger: Logger
}

export type ElectionType = 'preferred' | 'unclean'

/** One partition's answer to ElectLeaders, with Kafka's error name. */
export interface ElectionResult {
  readonly topic: string
  readonly partition: number
  readonly error: 'NONE' | 'ELECTION_NOT_NEEDED' | 'PREFERRED_LEADER_NOT_AVAILABLE' | 'ELIGIBLE_LEADERS_NOT_AVAILABLE' | 'UNKNOWN_TOPIC_OR_PARTITION' | 'NOT_CONTROLLER' | 'CONCURRENT_TRANSACTIONS'
  readonly message: string | null
}

/** One partition's answer to AlterPartitionReassignments, with Kafka's error name. */
export interface ReassignmentResult {
  readonly topic: string
  readonly partition: number
  readonly error: ReassignmentError
  readonly message: string | null
}

/** One partition of AlterPartitionReassignments: the target replicas, or null to cancel. */
export interface ReassignmentRequest {
  readonly topic: string
  readonly partition: number
  readonly replicas: readonly number[] | null
}

/** A reassignment in progress, as ListPartitionReassignments reports it. */
export interface OngoingReassignment {
  readonly topic: string
  readonly partition: number
  readonly replicas: readonly number[]
  readonly addingReplicas: readonly number[]
  readonly removingReplicas: readonly number[]
}

/** How long a decision waits for the view to show a write that beat it, before deciding again. */
const VIEW_CATCH_UP_MS = 5_000
/** Decisions of one reassignment request retried after losing a race. */
const MAX_STALE_RETRIES = 3

/** The state an election leads to, or why there is none. */
function decideElection(type: ElectionType, state: PartitionState, live: ReadonlySet<number>): PartitionState | 'ELECTION_NOT_NEEDED' | 'PREFERRED_LEADER_NOT_AVAILABLE' | 'ELIGIBLE_LEADERS_NOT_AVAILABLE' {
  if (type === 'preferred') {
    if (state.leader === state.replicas[0]) return 'ELECTION_NOT_NEEDED'
    return electPreferredLeader(state, live) ?? 'PREFERRED_LEADER_NOT_AVAILABLE'
  }
  if (state.leader >= 0 && live.has(state.leader)) return 'ELECTION_NOT_NEEDED'
  return electLeader(state, { live, uncleanLeaderElection: true })?.state ?? 'ELIGIBLE_LEADERS_NOT_AVAILABLE'
}

function electionMessage(error: string, topic: string, partition: number): string {
  switch (error) {
    case 'ELECTION_NOT_NEEDED':
      return `${topic}-${partition} already has the leader this election would choose.`
    case 'PREFERRED_LEADER_NOT_AVAILABLE':
      return `The preferred leader of ${topic}-${partition} is not live or not in sync.`
    default:
      return `No live replica of ${topic}-${partition} can lead it.`
  }
}

/** What one decision wants written. */
interface StateChange {
  readonly topic: TopicView
  readonly view: PartitionView
  readonly state: PartitionState
  readonly why: string
}

export class Controller {
  readonly #options: ControllerOptions
  readonly #logger: Logger
  readonly #requests: ControllerRequests
  readonly #requestView: WatchedRange
  readonly #unsubscribe: Array<() => void> = []
  /** Requests decided already (key@modRevision) whose deletion the view has not shown yet. */
  readonly #decided = new Set<string>()
  /** Brokers that asked for a controlled shutdown: not live for elections. */
  readonly #shuttingDown = new Set<number>()
  #active = false
  #queue: Promise<void> = Promise.resolve()
  #rebalanceTimer: NodeJS.Timeout | null = null

  constructor(options: ControllerOptions) {
    this.#options = options
    this.#logger = options.logger
    this.#requests = new ControllerRequests(options.connection)
    this.#requestView = new WatchedRange(options.connection, { prefix: this.#requests.prefix })
  }

  /** Follows the election: takes up the duties when elected, drops them when not. */
  async start(): Promise<void> {
    await this.#requestView.start()
    this.#unsubscribe.push(
      this.#options.election.onElected((epoch) => this.#activate(epoch)),
      this.#options.election.onResigned((reason) => this.#deactivate(reason)),
      this.#options.registry.onBrokerChange(() => this.#enqueue('brokers changed', () => this.#reconcileAll())),
      this.#options.store.onChange((changes) => {
        if (changes.some((c) => c.type === 'topic-created')) this.#enqueue('topic created', () => this.#reconcileAll())
      }),
      this.#requestView.onChange(() => this.#enqueue('requests', () => this.#handleRequests())),
    )
    if (this.#options.election.isController()) this.#activate(this.#options.election.epoch!)
  }

  get isActive(): boolean {
    return this.#active
  }

  /** Preferred-leader election for the given partitions, or all (the periodic rebalance). */
  electPreferredLeaders(partitions?: ReadonlyArray<{ readonly topic: string; readonly partition: number }>): Promise<number> {
    return this.#enqueue('preferred leader election', () => this.#electPreferred(partitions))
  }

  /**
   * ElectLeaders: a preferred-replica election, or an unclean one for partitions without a live
   * leader, for the given partitions or (null) every partition, with Kafka's per-partition
   * answers. For a null list, partitions that needed no election are left out, as Kafka does.
   */
  electLeaders(type: ElectionType, partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }> | null): Promise<ElectionResult[]> {
    return this.#enqueue('ElectLeaders', async () => {
      const live = this.#live()
      const results: ElectionResult[] = []
      const wanted = partitions ?? [...this.#options.store.topics()].flatMap((t) => t.assignment.map((_, partition) => ({ topic: t.name, partition })))
      for (const { topic: name, partition } of wanted) {
        const topic = this.#options.store.topic(name)
        const view = topic === undefined ? undefined : this.#options.store.partition(topic.topicId, partition)
        if (topic === undefined || view === undefined) {
          results.push({ topic: name, partition, error: 'UNKNOWN_TOPIC_OR_PARTITION', message: `${name}-${partition} does not exist.` })
          continue
        }
        const decision = decideElection(type, view, live)
        if (typeof decision === 'string') {
          if (partitions !== null || decision !== 'ELECTION_NOT_NEEDED') results.push({ topic: name, partition, error: decision, message: electionMessage(decision, name, partition) })
          continue
        }
        const written = await this.#writeOne({ topic, view, state: decision, why: `${type} leader election (ElectLeaders)` })
        results.push({ topic: name, partition, error: written, message: written === 'NONE' ? null : `The election for ${name}-${partition} lost a race with another change; try again.` })
      }
      return results
    }).then((results) => results ?? [])
  }

  /**
   * AlterPartitionReassignments: starts (or replaces, or with null replicas cancels) the
   * reassignment of each partition, with Kafka's per-partition answers. A start whose target
   * replicas are all in sync already completes at once.
   */
  alterPartitionReassignments(requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]> {
    return this.#enqueue('AlterPartitionReassignments', async () => {
      const results: ReassignmentResult[] = []
      for (const request of requests) results.push(await this.#reassign(request))
      return results
    }).then((results) => results ?? requests.map(({ topic, partition }) => ({ topic, partition, error: 'NOT_CONTROLLER' as const, message: 'This broker is no longer the controller.' })))
  }

  /** ListPartitionReassignments: the reassignments in progress among `partitions`, or all (null). */
  listPartitionReassignments(partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }> | null): Promise<OngoingReassignment[] | 'NOT_CONTROLLER'> {
    return this.#enqueue('ListPartitionReassignments', async () => {
      const store = this.#options.store
      const views = partitions === null
        ? store.topics().flatMap((topic) => store.partitions(topic.topicId).map((view) => ({ topic, view })))
        : partitions.flatMap(({ topic: name, partition }) => {
          // Unknown topics and partitions are left out, as Kafka does.
          const topic = store.topic(name)
          const view = topic === undefined ? undefined : store.partition(topic.topicId, partition)
          return topic === undefined || view === undefined ? [] : [{ topic, view }]
        })
      return views.filter(({ view }) => isReassigning(view)).map(({ topic, view }): OngoingReassignment => ({
        topic: topic.name,
        partition: view.partition,
        replicas: view.replicas,
        addingReplicas: view.addingReplicas ?? [],
        removingReplicas: view.removingReplicas ?? [],
      }))
    }).then((ongoing) => ongoing ?? 'NOT_CONTROLLER')
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe()
    this.#deactivate('resigned')
    this.#requestView.close()
    await this.#queue
  }

  #activate(epoch: number): void {
    if (this.#active) return
    this.#active = true
    this.#logger.info('became the controller', { epoch })
    this.#enqueue('elected', async () => {
      await this.#handleRequests()
      await this.#reconcileAll()
    })
    if (this.#options.autoLeaderRebalance) {
      this.#rebalanceTimer = setInterval(() => void this.electPreferredLeaders(), this.#options.leaderImbalanceCheckIntervalMs).unref()
    }
  }

  #deactivate(reason: string): void {
    if (!this.#active) return
    this.#active = false
    if (this.#rebalanceTimer !== null) clearInterval(this.#rebalanceTimer)
    this.#rebalanceTimer = null
    this.#logger.info('no longer the controller', { reason })
  }

  /** Runs `work` after everything queued before it, while this broker is the controller. */
  #enqueue<T>(what: string, work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      if (!this.#active) return undefined as T
      try {
        return await work()
      } catch (error) {
        this.#logger.error('controller work failed; it is retried on the next change', { what, error })
        return undefined as T
      }
    })
    this.#queue = run.then(() => undefined)
    return run
  }

  #live(): Set<number> {
    const live = new Set<number>()
    for (const broker of this.#options.registry.liveBrokers()) if (!this.#shuttingDown.has(broker.nodeId)) live.add(broker.nodeId)
    return live
  }

  /** Every partition against the live brokers: leaders replaced, dead brokers out of ISRs. */
  async #reconcileAll(): Promise<void> {
    const live = this.#live()
    const changes: StateChange[] = []
    for (const topic of this.#options.store.topics()) {
      const unclean = topic.configs['unclean.leader.election.enable'] === undefined
        ? this.#options.uncleanLeaderElection
        : topic.configs['unclean.leader.election.enable'] === 'true'
      for (const view of this.#options.store.partitions(topic.topicId)) {
        const election = onBrokersChanged(view, { live, uncleanLeaderElection: unclean })
        if (election?.unclean === true) {
          this.#logger.warn('unclean leader election: records the old ISR had may be lost', { topic: topic.name, partition: view.partition, leader: election.state.leader })
        }
        // A reassignment whose completion was not written (a controller change, a lost race)
        // finishes here; so does one whose new leader was not live before.
        const state = election?.state ?? view
        const completed = completeReassignment(state, live)
        if (completed !== null) changes.push({ topic, view, state: completed, why: 'reassignment complete' })
        else if (election !== null) changes.push({ topic, view, state: election.state, why: 'brokers changed' })
      }
    }
    await this.#writeAll(changes)
  }

  async #handleRequests(): Promise<void> {
    const shutdownRequests = new Set<number>()
    const changes: StateChange[] = []
    const handled: ControllerRequest[] = []
    for (const kv of this.#requestView.values()) {
      const request = this.#requests.parse(kv)
      if (request === undefined) continue
      if (request.kind === 'controlled-shutdown') {
        shutdownRequests.add(request.brokerId)
        continue
      }
      const id = `${kv.key}@${kv.modRevision}`
      if (this.#decided.has(id)) continue
      this.#decided.add(id)
      handled.push(request)
      const topic = this.#options.store.topicById(request.topicId)
      const view = this.#options.store.partition(request.topicId, request.partition)
      if (topic === undefined || view === undefined) continue
      const outcome = applyIsrProposal(view, request.proposal, this.#live())
      if ('refused' in outcome) {
        this.#logger.info('refused an ISR change', { topic: topic.name, partition: request.partition, from: request.proposal.brokerId, why: outcome.refused })
        continue
      }
      // The proposal that brings the last target replica into the ISR completes a reassignment.
      const completed = completeReassignment(outcome.state, this.#live())
      const why = `ISR change proposed by broker ${request.proposal.brokerId}${completed === null ? '' : ', completing a reassignment'}`
      changes.push({ topic, view, state: completed ?? outcome.state, why })
    }
    // Brokers that asked to shut down (and still live) hand over their leaderships.
    for (const id of this.#shuttingDown) if (!shutdownRequests.has(id)) this.#shuttingDown.delete(id)
    const newlyShuttingDown = [...shutdownRequests].filter((id) => !this.#shuttingDown.has(id))
    for (const id of newlyShuttingDown) this.#shuttingDown.add(id)
    await this.#writeAll(changes)
    for (const request of handled) {
      await this.#requests.done(request.kv)
      this.#decided.delete(`${request.kv.key}@${request.kv.modRevision}`)
    }
    if (newlyShuttingDown.length > 0) await this.#moveLeadershipsOff(newlyShuttingDown)
  }

  async #moveLeadershipsOff(brokers: readonly number[]): Promise<void> {
    const live = this.#live()
    const changes: StateChange[] = []
    for (const topic of this.#options.store.topics()) {
      for (const view of this.#options.store.partitions(topic.topicId)) {
        for (const broker of brokers) {
          const state = moveLeadershipOff(view, broker, live)
          if (state !== null) changes.push({ topic, view, state, why: `controlled shutdown of broker ${broker}` })
        }
      }
    }
    this.#logger.info('moving leaderships off brokers that are shutting down', { brokers, partitions: changes.length })
    await this.#writeAll(changes)
  }

  async #electPreferred(partitions?: ReadonlyArray<{ readonly topic: string; readonly partition: number }>): Promise<number> {
    const live = this.#live()
    const changes: StateChange[] = []
    const wanted = partitions === undefined ? undefined : new Set(partitions.map((p) => `${p.topic}\u0000${p.partition}`))
    for (const topic of this.#options.store.topics()) {
      for (const view of this.#options.store.partitions(topic.topicId)) {
        if (wanted !== undefined && !wanted.has(`${topic.name}\u0000${view.partition}`)) continue
        const state = electPreferredLeader(view, live)
        if (state !== null) changes.push({ topic, view, state, why: 'preferred leader election' })
      }
    }
    await this.#writeAll(changes)
    return changes.length
  }

  /** One partition of AlterPartitionReassignments, decided again on a fresh view after a lost race. */
  async #reassign(request: ReassignmentRequest): Promise<ReassignmentResult> {
    const { topic: name, partition } = request
    const answer = (error: ReassignmentError, message: string | null = null): ReassignmentResult => ({ topic: name, partition, error, message })
    const store = this.#options.store
    for (let attempt = 0; attempt < MAX_STALE_RETRIES; attempt++) {
      const topic = store.topic(name)
      const view = topic === undefined ? undefined : store.partition(topic.topicId, partition)
      if (topic === undefined || view === undefined) return answer('UNKNOWN_TOPIC_OR_PARTITION', `${name}-${partition} does not exist.`)
      const live = this.#live()
      let state: PartitionState
      if (request.replicas === null) {
        const cancelled = cancelReassignment(view, live)
        if (cancelled === 'NO_REASSIGNMENT_IN_PROGRESS') return answer(cancelled, `No reassignment of ${name}-${partition} is in progress.`)
        if (cancelled.unclean) this.#logger.warn('cancelled a reassignment with no original replica in sync: records may be lost', { topic: name, partition, leader: cancelled.state.leader })
        state = cancelled.state
      } else {
        const registered = new Set(this.#options.registry.liveBrokers().map((b) => b.nodeId))
        const problem = invalidTarget(request.replicas, registered)
        if (problem !== undefined) return answer('INVALID_REPLICA_ASSIGNMENT', problem)
        const started = startReassignment(view, request.replicas, live)
        if (started === null) return answer('NONE')
        state = started
      }
      const why = request.replicas === null ? 'reassignment cancelled' : `reassignment to ${JSON.stringify(request.replicas)}${isReassigning(state) ? ' started' : ' done at once'}`
      const written = await this.#write({ topic, view, state, why })
      if (written === 'ok') return answer('NONE')
      if (written === 'fenced') return answer('NOT_CONTROLLER', 'This broker is no longer the controller.')
      // Lost a race (an ISR change, a topic config change): decide again on what won.
      await store.waitFor(
        () => store.partition(topic.topicId, partition)?.modRevision !== view.modRevision || store.topic(name)?.modRevision !== topic.modRevision,
        VIEW_CATCH_UP_MS,
      ).catch(() => undefined)
    }
    return answer('CONCURRENT_TRANSACTIONS', `${name}-${partition} kept changing under this request; try again.`)
  }

  /** Writes one change now: NONE, or the error that kept it from being written. */
  async #writeOne(change: StateChange): Promise<'NONE' | 'NOT_CONTROLLER' | 'CONCURRENT_TRANSACTIONS'> {
    const written = await this.#write(change)
    return written === 'ok' ? 'NONE' : written === 'fenced' ? 'NOT_CONTROLLER' : 'CONCURRENT_TRANSACTIONS'
  }

  /** Writes each change; one that lost a race is decided again by the next reconcile. */
  async #writeAll(changes: readonly StateChange[]): Promise<void> {
    let stale = 0
    for (const change of changes) {
      const written = await this.#write(change)
      if (written === 'fenced') return
      if (written === 'stale') stale++
    }
    // Someone else wrote meanwhile (rare: only this controller writes states): look again.
    if (stale > 0) void this.#enqueue('stale writes', () => this.#reconcileAll())
  }

  /**
   * Writes one partition state, guarded by the election and the partition's revision: 'fenced'
   * (and no longer active) when this broker is not the controller any more, 'stale' when the
   * partition or its topic changed since the decision. A new replica set goes into the topic's
   * assignment in the same transaction, and the view is given the time to show it, so the next
   * decision about the topic starts from the assignment just written.
   */
  async #write(change: StateChange): Promise<'ok' | 'stale' | 'fenced'> {
    if (!this.#active) return 'fenced'
    const topic = this.#options.store.topicById(change.view.topicId) ?? change.topic
    const assigned = topic.assignment[change.view.partition] ?? []
    const assignmentChanged = assigned.length !== change.state.replicas.length || assigned.some((id, i) => id !== change.state.replicas[i])
    const guard = this.#options.election.guard()
    const { topicId, partition } = change.view
    const result = await this.#options.store.updatePartition(guard, topicId, partition, change.state, change.view.modRevision, assignmentChanged ? topic : undefined)
    if (result.status === 'fenced') {
      this.#deactivate('deposed')
      return 'fenced'
    }
    if (result.status === 'stale') return 'stale'
    this.#logger.info('partition state changed', {
      topic: change.topic.name,
      partition,
      leader: change.state.leader,
      leaderEpoch: change.state.leaderEpoch,
      isr: change.state.isr,
      ...(assignmentChanged && { replicas: change.state.replicas }),
      ...(isReassigning(change.state) && { addingReplicas: change.state.addingReplicas, removingReplicas: change.state.removingReplicas }),
      why: change.why,
    })
    if (assignmentChanged) await this.#options.store.waitForRevision(result.revision, VIEW_CATCH_UP_MS).catch(() => undefined)
    return 'ok'
  }
}
