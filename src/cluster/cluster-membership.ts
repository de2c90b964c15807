/**
 * One broker's place in a cluster (Kafka's BrokerLifecycleManager with the controller it may
 * host): the etcd connection, the watched metadata, the registration under a session lease, the
 * controller election and, while elected, the controller's duties.
 *
 * Fencing. While the session lease is not certainly held, `mayLead()` is false and the broker's
 * partitions refuse to acknowledge anything (see Partition): a paused or cut-off leader that the
 * controller may already have replaced cannot ack a write the new leader never sees. After a lost
 * lease it registers again (a new incarnation) and leads again only once its view of the
 * metadata has caught up with etcd, so it acts on the controller's decisions made meanwhile.
 *
 * Controlled shutdown (controlled.shutdown.enable): before it stops, the broker asks the
 * controller to move its leaderships to other in-sync replicas and waits until its view shows it
 * leads nothing (or a deadline passes), so clients see a leader change instead of a timeout.
 */
import type { Logger } from '../common/logger.js'
import type { PartitionState } from '../metadata/metadata-store.js'
import { type BrokerEndpoint as RegisteredEndpoint, type BrokerRegistration, BrokerRegistry } from './broker-registry.js'
import { EntityConfigStore } from './entity-configs.js'
import { EtcdSecurityStore } from './etcd-security-store.js'
import { EtcdScramCredentialStore } from './scram-credential-etcd-store.js'
import { ensureClusterId } from './cluster-id.js'
import { ClusterMetadataStore } from './cluster-metadata-store.js'
import { Controller, type ElectionResult, type ElectionType, type OngoingReassignment, type ReassignmentRequest, type ReassignmentResult } from './controller.js'
import { ControllerElection } from './controller-election.js'
import { ControllerRequests } from './controller-requests.js'
import { EtcdConnection } from './etcd-connection.js'
import { EtcdMetadataStore } from './etcd-metadata-store.js'
import { WatchedRange } from './watched-range.js'

export interface ClusterMembershipOptions {
  readonly nodeId: number
  readonly endpoints: readonly string[]
  readonly prefix: string
  readonly rack: string | null
  readonly sessionTimeoutMs: number
  readonly uncleanLeaderElection: boolean
  readonly autoLeaderRebalance: boolean
  readonly leaderImbalanceCheckIntervalMs: number
  readonly logger: Logger
}

/** A live broker as clients reach it. */
export interface MemberEndpoint {
  readonly nodeId: number
  readonly host: string
  readonly port: number
  readonly rack: string | null
}

/** How long a restarting broker waits for its previous registration (killed less than a session ago) to expire. */
const PREVIOUS_REGISTRATION_WAIT_MS = 30_000
const REREGISTER_BACKOFF_MS = 500
const VIEW_CATCH_UP_MS = 30_000

export class ClusterMembership {
  readonly connection: EtcdConnection
  readonly metadata: EtcdMetadataStore
  /** Every broker's dynamic configs (the replication throttle rates), watched. */
  readonly brokerConfigs: EntityConfigStore
  /** ACLs and client quotas, watched. */
  readonly security: EtcdSecurityStore
  /** Users' SCRAM credentials, shared by every broker of the cluster. */
  readonly scramCredentials: EtcdScramCredentialStore
  readonly #view: ClusterMetadataStore
  readonly #registry: BrokerRegistry
  readonly #election: ControllerElection
  readonly #controller: Controller
  readonly #requests: ControllerRequests
  /** Brokers' controlled-shutdown requests, watched: such a broker may not join an ISR. */
  readonly #shutdowns: WatchedRange
  readonly #options: ClusterMembershipOptions
  readonly #logger: Logger
  /** False from a lost lease until the view has caught up after registering again. */
  #viewCurrent = false
  #closing = false

  private constructor(
    connection: EtcdConnection,
    view: ClusterMetadataStore,
    metadata: EtcdMetadataStore,
    brokerConfigs: EntityConfigStore,
    security: EtcdSecurityStore,
    scramCredentials: EtcdScramCredentialStore,
    registry: BrokerRegistry,
    election: ControllerElection,
    options: ClusterMembershipOptions,
  ) {
    this.connection = connection
    this.#view = view
    this.metadata = metadata
    this.brokerConfigs = brokerConfigs
    this.security = security
    this.scramCredentials = scramCredentials
    this.#registry = registry
    this.#election = election
    this.#options = options
    this.#logger = options.logger
    this.#requests = new ControllerRequests(connection)
    this.#shutdowns = new WatchedRange(connection, { prefix: connection.key('requests', 'controlled-shutdown') + '/' })
    this.#controller = new Controller({
      connection,
      store: view,
      registry,
      election,
      uncleanLeaderElection: options.uncleanLeaderElection,
      autoLeaderRebalance: options.autoLeaderRebalance,
      leaderImbalanceCheckIntervalMs: options.leaderImbalanceCheckIntervalMs,
      logger: options.logger.child('controller'),
    })
  }

  /**
   * Connects to etcd and reads the cluster's metadata; rejects with SAMSA_ETCD naming the
   * endpoints when etcd cannot be reached. Registration comes later (join), once the listeners
   * are bound and their addresses known.
   */
  static async connect(options: ClusterMembershipOptions, listeners: readonly RegisteredEndpoint[] = []): Promise<ClusterMembership> {
    const connection = await EtcdConnection.connect({ endpoints: options.endpoints, prefix: options.prefix, logger: options.logger.child('etcd') })
    try {
      await ensureClusterId(connection)
      const view = new ClusterMetadataStore(connection)
      await view.start()
      const metadata = await EtcdMetadataStore.open(connection, view)
      const brokerConfigs = new EntityConfigStore(connection, 'brokers')
      await brokerConfigs.start()
      const security = new EtcdSecurityStore(connection)
      await security.start()
      const scramCredentials = new EtcdScramCredentialStore(connection)
      await scramCredentials.start()
      const registry = new BrokerRegistry(connection, {
        nodeId: options.nodeId,
        endpoints: listeners,
        rack: options.rack,
        sessionTimeoutMs: options.sessionTimeoutMs,
      })
      await registry.start()
      const election = new ControllerElection(connection, registry)
      return new ClusterMembership(connection, view, metadata, brokerConfigs, security, scramCredentials, registry, election, options)
    } catch (error) {
      await connection.close().catch(() => undefined)
      throw error
    }
  }

  /**
   * Registers this broker (with the addresses its listeners are bound to), competes for the
   * controller and starts the controller's duties if elected.
   */
  async join(endpoints: readonly RegisteredEndpoint[]): Promise<void> {
    this.#registry.setEndpoints(endpoints)
    await this.#shutdowns.start()
    await this.#registry.register({ waitMs: PREVIOUS_REGISTRATION_WAIT_MS })
    this.#viewCurrent = true
    this.#registry.onLeaseLost((reason) => {
      this.#viewCurrent = false
      this.#logger.warn('lost the cluster session: no longer acknowledging writes as leader until registered again', { reason })
      void this.#registerAgain()
    })
    await this.#controller.start()
    await this.#election.start({ campaign: true })
  }

  /** Whether this broker may act as a leader now (see the file comment). Synchronous and cheap. */
  mayLead(): boolean {
    return this.#viewCurrent && this.#registry.isRegistered()
  }

  /** The live brokers with their endpoints on `listenerName` (their first endpoint without one). */
  brokers(listenerName?: string): MemberEndpoint[] {
    return this.#registry.liveBrokers().map((r) => toMemberEndpoint(r, listenerName)).filter((b): b is MemberEndpoint => b !== undefined)
  }

  broker(nodeId: number, listenerName?: string): MemberEndpoint | undefined {
    const registration = this.#registry.broker(nodeId)
    return registration === undefined ? undefined : toMemberEndpoint(registration, listenerName)
  }

  /**
   * Whether `brokerId` may join an ISR: registered, and not asking for a controlled shutdown (the
   * controller refuses both, KIP-841).
   */
  isEligibleReplica(brokerId: number): boolean {
    return this.#registry.broker(brokerId) !== undefined && this.#shutdowns.get(this.connection.key('requests', 'controlled-shutdown', brokerId)) === undefined
  }

  controllerId(): number {
    return this.#election.controller?.nodeId ?? -1
  }

  /** Sends a leader's ISR proposal to the controller (Kafka's AlterPartition). */
  proposeIsr(topicId: string, partition: number, proposal: { readonly leaderEpoch: number; readonly partitionEpoch: number; readonly isr: readonly number[] }): void {
    this.#requests.alterPartition(topicId, partition, { brokerId: this.#options.nodeId, ...proposal }).catch((error: unknown) => {
      this.#logger.warn('could not send an ISR proposal to the controller; the leader proposes again later', { topicId, partition, error })
    })
  }

  /** ElectLeaders on the controller; 'NOT_CONTROLLER' on any other broker (clients retry there). */
  electLeaders(type: ElectionType, partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }> | null): Promise<ElectionResult[] | 'NOT_CONTROLLER'> {
    if (!this.#controller.isActive) return Promise.resolve('NOT_CONTROLLER')
    return this.#controller.electLeaders(type, partitions)
  }

  /** AlterPartitionReassignments on the controller; 'NOT_CONTROLLER' on any other broker. */
  alterPartitionReassignments(requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[] | 'NOT_CONTROLLER'> {
    if (!this.#controller.isActive) return Promise.resolve('NOT_CONTROLLER')
    return this.#controller.alterPartitionReassignments(requests)
  }

  /** ListPartitionReassignments on the controller; 'NOT_CONTROLLER' on any other broker. */
  listPartitionReassignments(partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }> | null): Promise<OngoingReassignment[] | 'NOT_CONTROLLER'> {
    if (!this.#controller.isActive) return Promise.resolve('NOT_CONTROLLER')
    return this.#controller.listPartitionReassignments(partitions)
  }

  /**
   * Controlled shutdown: asks the controller to move this broker's leaderships and waits (up to
   * `timeoutMs`) until the view shows it leads nothing, then gives up the controller role.
   */
  async shutDownControlled(timeoutMs: number): Promise<void> {
    this.#closing = true
    const registration = this.#registry.registration
    const lease = this.#registry.lease
    if (registration !== undefined && lease !== undefined) {
      try {
        await this.#requests.controlledShutdown(this.#options.nodeId, registration.incarnationId, lease.id)
        await this.#view.waitFor(() => !this.#leadsAny(), timeoutMs, 'leaderships moved off this broker')
        this.#logger.info('controlled shutdown: leaderships moved to other replicas')
      } catch (error) {
        this.#logger.warn('controlled shutdown did not finish; stopping anyway', { error })
      }
    }
    await this.#election.resign().catch(() => undefined)
  }

  /** Leaves the cluster: deregisters (the controller drops it from ISRs at once) and disconnects. */
  async close(): Promise<void> {
    this.#closing = true
    await this.#controller.close()
    this.#election.close()
    await this.#registry.deregister().catch(() => undefined)
    this.#registry.close()
    this.#shutdowns.close()
    this.brokerConfigs.close()
    this.metadata.close()
    this.security.close()
    this.scramCredentials.close()
    this.#view.close()
    await this.connection.close()
  }

  #leadsAny(): boolean {
    for (const topic of this.#view.topics()) {
      for (const partition of this.#view.partitions(topic.topicId)) if (isLedBy(partition, this.#options.nodeId)) return true
    }
    return false
  }

  async #registerAgain(): Promise<void> {
    while (!this.#closing && !this.#registry.isRegistered()) {
      try {
        await this.#registry.register({ waitMs: PREVIOUS_REGISTRATION_WAIT_MS })
        // Lead again only on a view that has every decision made while we were away.
        const { revision } = await this.connection.range(this.connection.key('cluster-id'))
        await this.#view.waitForRevision(revision, VIEW_CATCH_UP_MS)
        this.#viewCurrent = true
        this.#logger.info('registered again with a new session')
      } catch (error) {
        this.#logger.warn('registering again failed; retrying', { error })
        await new Promise((resolve) => setTimeout(resolve, REREGISTER_BACKOFF_MS))
      }
    }
  }
}

function isLedBy(state: PartitionState, nodeId: number): boolean {
  return state.leader === nodeId
}

function toMemberEndpoint(registration: BrokerRegistration, listenerName: string | undefined): MemberEndpoint | undefined {
  const endpoint = listenerName === undefined ? registration.endpoints[0] : registration.endpoints.find((e) => e.name === listenerName)
  return endpoint === undefined ? undefined : { nodeId: registration.nodeId, host: endpoint.host, port: endpoint.port, rack: registration.rack }
}
