/**
 * What request handlers may use: the broker's services, built once at start by src/server.ts and
 * handed to each handler factory. Handlers get nothing else (no globals), which keeps each one
 * testable with the real services on a temporary data directory.
 */
import type { BrokerConfig, Listener } from '../common/config/broker-config.js'
import type { Logger } from '../common/logger.js'
import type { GroupCoordinator } from '../group/group-coordinator.js'
import type { SharePartitionManager } from '../group/share/share-partition-manager.js'
import type { ShareCoordinator } from '../group/share/coordinator/share-coordinator.js'
import type { ShareStatePersister } from '../group/share/share-state-persister.js'
import type { MetadataStore } from '../metadata/metadata-store.js'
import type { FetchSessionCache } from '../replication/fetch-session-cache.js'
import type { ReplicaManager } from '../replication/replica-manager.js'
import type { TransactionCoordinator } from '../transaction/transaction-coordinator.js'
import type { ElectionResult, ElectionType, OngoingReassignment, ReassignmentRequest, ReassignmentResult } from '../cluster/controller.js'
import type { Authorizer } from '../security/acl-authorizer.js'
import type { ClientQuotaManager } from '../security/client-quota-manager.js'
import type { SecurityStore } from '../security/security-store.js'
import type { BrokerMetrics } from './broker-metrics.js'
import type { ClusterView, PeerEndpoint } from './cluster-view.js'
import type { ProducerIdManager } from './producer-id-manager.js'
import type { TopicManager } from './topic-manager.js'
import type { ConnectionInfo } from '../network/connection.js'
import type { ConnectionRegistry } from '../network/connection-registry.js'
import type { SaslAuthenticateResponseInput } from '../protocol/messages/sasl-authenticate.js'
import type { SaslHandshakeResponseInput } from '../protocol/messages/sasl-handshake.js'
import type { ScramCredentialStore } from '../security/sasl/scram-credential-store.js'

export type LeaderElections = (
  type: ElectionType,
  partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }> | null,
) => Promise<ElectionResult[] | 'NOT_CONTROLLER'>

/** Partition reassignment on the controller (AlterPartitionReassignments, ListPartitionReassignments). */
export interface Reassignments {
  alter(requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[] | 'NOT_CONTROLLER'>
  /** The reassignments in progress among `partitions`, or all (null). */
  list(partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }> | null): Promise<OngoingReassignment[] | 'NOT_CONTROLLER'>
}

/**
 * This broker's dynamic broker configs (the replication throttle rates), kept where every broker
 * of the cluster can read them and they survive a restart.
 */
export interface DynamicBrokerConfigs {
  /** This broker's overrides, as text. */
  current(): Readonly<Record<string, string>>
  /** Replaces them with `update(current)`; `update` may throw to refuse, and may run again after a lost race. */
  update(update: (current: Readonly<Record<string, string>>) => Readonly<Record<string, string>>): Promise<void>
}

/** The SASL exchange of one connection (network/sasl-authenticator.ts), as the SASL handlers drive it. */
export interface SaslExchange {
  handshake(mechanism: string, apiVersion: number): SaslHandshakeResponseInput
  authenticate(token: Buffer, apiVersion: number): SaslAuthenticateResponseInput | Promise<SaslAuthenticateResponseInput>
}

/** Finds the SASL exchange of a connection; undefined on listeners without SASL. */
export interface SaslSessions {
  of(connection: ConnectionInfo): SaslExchange | undefined
}

export interface BrokerContext {
  readonly config: BrokerConfig
  readonly nodeId: number
  readonly metadata: MetadataStore
  readonly topics: TopicManager
  readonly replicas: ReplicaManager
  /** Incremental fetch sessions (KIP-227), shared by every connection. */
  readonly fetchSessions: FetchSessionCache
  readonly producerIds: ProducerIdManager
  /** Consumer groups and committed offsets. */
  readonly groups: GroupCoordinator
  /** Share groups' share-partitions on this broker (ShareFetch, ShareAcknowledge); null when not served. */
  readonly shares: SharePartitionManager | null
  /** The share coordinator (share-partition state in __share_group_state led here); null when share groups are not served. */
  readonly shareCoordinator: ShareCoordinator | null
  /** The way to any share-partition's state, wherever its share coordinator is; null when share groups are not served. */
  readonly shareState: ShareStatePersister | null
  /** Transactional ids and their transactions (the transaction coordinator). */
  readonly transactions: TransactionCoordinator
  readonly logger: Logger
  /** Where clients should connect to this broker, with the ports actually bound. */
  readonly advertisedListeners: () => readonly Listener[]
  /** The live brokers and the controller. */
  readonly cluster: ClusterView
  /** Another broker's inter-broker endpoint (with TLS options on an SSL listener); undefined when it is not live. */
  readonly peerEndpoint: (brokerId: number) => PeerEndpoint | undefined
  /** Leader elections on the controller (ElectLeaders); null on a single broker. */
  readonly leaderElections: LeaderElections | null
  /** Partition reassignments on the controller; null on a single broker. */
  readonly reassignments: Reassignments | null
  /** Dynamic broker configs; null on a single broker (it has no followers to throttle). */
  readonly dynamicConfigs: DynamicBrokerConfigs | null
  /** Request and connection counts for /metrics (the rest is read from the services). */
  readonly metrics: BrokerMetrics
  /** The open Kafka connections: who is connected and with what client software (KIP-511). */
  readonly connections: ConnectionRegistry
  /** ACL checks: every handler asks it before touching a resource (allows everything without authorizer.class.name). */
  readonly authorizer: Authorizer
  /** Where ACLs and client quotas are kept (the ACL and quota APIs change them here). */
  readonly security: SecurityStore
  /** Client quotas: what requests are recorded against and how long a client is throttled. */
  readonly clientQuotas: ClientQuotaManager
  /** The SASL exchanges of connections on SASL listeners. */
  readonly saslAuthenticators: SaslSessions
  /** Users' SCRAM credentials (Describe/AlterUserScramCredentials, SCRAM logins). */
  readonly scramCredentials: ScramCredentialStore
}
