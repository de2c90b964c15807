/**
 * The one composition root: builds a broker from its parts (configuration → data-dir lock →
 * metadata store → storage → partitions and purgatories → topics → groups → request handlers →
 * listeners) and, on shutdown, undoes exactly that in reverse. Nothing here is module-global,
 * so two brokers can live in one process.
 *
 * Shutdown (SIGTERM/SIGINT) is clean in Kafka's sense: stop accepting, answer parked fetches and
 * produces, snapshot producer state, flush every log, write the checkpoints and the
 * clean-shutdown marker, so the next start needs no recovery scan.
 */
import { readFileSync } from 'node:fs'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import type { BrokerContext } from './broker/broker-context.js'
import { BrokerMetrics } from './broker/broker-metrics.js'
import { type ClusterView, type PeerEndpoint, soleBrokerView } from './broker/cluster-view.js'
import { isIP } from 'node:net'
import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { MetadataPublisher } from './broker/metadata-publisher.js'
import type { ClusterMembership } from './cluster/cluster-membership.js'
import type { ApiHandler } from './broker/handler.js'
import { kafkaApiHandlers } from './broker/handlers/index.js'
import { ProducerIdManager } from './broker/producer-id-manager.js'
import { BrokerRequestProcessor } from './broker/request-processor.js'
import { TopicManager } from './broker/topic-manager.js'
import { PeerBrokers } from './broker/peer-brokers.js'
import { txnMarkerTransport } from './broker/txn-marker-transport.js'
import type { BrokerConfig, Listener } from './common/config/broker-config.js'
import type { TopicConfig } from './common/config/topic-config.js'
import { ErrorCodes, SamsaError } from './common/errors.js'
import type { Logger } from './common/logger.js'
import { GroupCoordinator } from './group/group-coordinator.js'
import { groupCoordinatorConfig } from './group/group-coordinator-config.js'
import { groupConfigLookups } from './group/group-config-lookups.js'
import { OFFSETS_TOPIC } from './group/offsets-topic.js'
import { TransactionCoordinator, transactionCoordinatorConfig } from './transaction/transaction-coordinator.js'
import { TRANSACTION_STATE_TOPIC } from './transaction/transaction-topic.js'
import { FileMetadataStore, claimLogDir } from './metadata/file-metadata-store.js'
import { ALLOW_ALL, AclAuthorizer, type Authorizer, parseSuperUsers } from './security/acl-authorizer.js'
import { ClientQuotaManager } from './security/client-quota-manager.js'
import { FileSecurityStore } from './security/file-security-store.js'
import { basicAuthenticator } from './gateway/http-basic-auth.js'
import type { SecurityStore } from './security/security-store.js'
import type { MetadataStore } from './metadata/metadata-store.js'
import { KafkaListener } from './network/listener.js'
import { ConnectionRegistry } from './network/connection-registry.js'
import { SaslAuthenticators, saslAuthenticatorFactory } from './network/sasl-authenticator.js'
import { type SaslListener, buildSaslListener } from './security/sasl/sasl-listener.js'
import { interBrokerSaslCredentials } from './security/sasl/inter-broker.js'
import type { SaslCredentials } from './security/sasl/sasl-server.js'
import { FileScramCredentialStore } from './security/sasl/scram-credential-file.js'
import type { ScramCredentialStore } from './security/sasl/scram-credential-store.js'
import { type AuthenticatorFactory, requireAuthenticator } from './network/authenticator.js'
import { SslFactory, sslSettings } from './network/ssl-factory.js'
import { usesSasl, usesTls } from './common/config/listener-config.js'
import { connectionQuotas, queuedRequestBytes } from './network/connection-limits.js'
import type { FileTransfer } from './network/response-writer.js'
import type { ConnectionInfo } from './network/connection.js'
import { FetchSessionCache } from './replication/fetch-session-cache.js'
import { toLogConfig } from './replication/log-config.js'
import type { LeaderEndpoint, ReplicaFetcherOptions } from './replication/replica-fetcher.js'
import { ReplicaManager, type ReplicaManagerClusterOptions } from './replication/replica-manager.js'
import { type ReplicationQuotas, replicationQuotas } from './replication/replication-quota.js'
import { parseDynamicBrokerConfigs } from './common/config/dynamic-broker-config.js'
import { DataDirLock, describeOpenFileLimit, LogManager, type ReadPlan, readOpenFileLimit, transferResumable } from './storage/index.js'
import { type WorkerPoolLease, acquireWorkerPool } from './workers/pool.js'
import { HttpGateway, type HttpsOptions } from './gateway/gateway.js'
import { SharePartitionManager } from './group/share/share-partition-manager.js'
import { connectionKey } from './group/share/share-session.js'
import { ShareCoordinator } from './group/share/coordinator/share-coordinator.js'
import { SHARE_GROUP_STATE_TOPIC } from './group/share/coordinator/share-group-state-topic.js'
import { DefaultStatePersister } from './broker/default-state-persister.js'
import { gatewayModules } from './gateway/modules.js'

/** The services a broker stops before its logs close. */
interface StoppableServices {
  readonly replicas: ReplicaManager
  readonly publisher: MetadataPublisher | null
  readonly groups: GroupCoordinator
  readonly transactions: TransactionCoordinator
  readonly markerPeers: PeerBrokers
  readonly shares: SharePartitionManager | null
  readonly shareCoordinator: ShareCoordinator | null
  readonly sharePeers: PeerBrokers | null
  readonly shareState: DefaultStatePersister | null
}

/** The only external chunks the protocol writer ever receives are storage read plans. */
const sendfileTransfer: FileTransfer = (socket, chunks, onWritable) => transferResumable(socket, chunks as ReadonlyArray<Buffer | ReadPlan>, onWritable)

export class BrokerServer {
  readonly config: BrokerConfig
  readonly context: BrokerContext
  readonly #logs: LogManager
  readonly #listeners: KafkaListener[]
  readonly #logger: Logger
  /** This broker's place in its cluster; null for a single broker. */
  readonly #cluster: ClusterMembership | null
  /** What #stopServices stops, in its order. */
  readonly #services: StoppableServices
  /** The HTTP gateway; null when http.port is 0. */
  readonly #gateway: HttpGateway | null
  /**
   * This broker's hold on the process-wide worker pool (recompression runs there). Several
   * brokers in one process share the pool; it closes when the last of them stops.
   */
  readonly #workerPool: WorkerPoolLease
  /** TLS for this broker's connections to others when the inter-broker listener is SSL (watched for renewals). */
  readonly #interBrokerSsl: SslFactory | null
  #stopping: Promise<void> | null = null
  /** The SASL listeners' mechanisms (a JWKS refresh timer each, for OAUTHBEARER). */
  #saslListeners: readonly SaslListener[] = []

  private constructor(
    config: BrokerConfig,
    context: BrokerContext,
    logs: LogManager,
    listeners: KafkaListener[],
    logger: Logger,
    cluster: ClusterMembership | null,
    services: StoppableServices,
    gateway: HttpGateway | null,
    workerPool: WorkerPoolLease,
    interBrokerSsl: SslFactory | null,
  ) {
    this.#interBrokerSsl = interBrokerSsl
    this.config = config
    this.#gateway = gateway
    this.#workerPool = workerPool
    this.context = context
    this.#logs = logs
    this.#listeners = listeners
    this.#logger = logger
    this.#cluster = cluster
    this.#services = services
  }

  /** Opens storage and metadata, loads every partition, and starts listening. */
  static async start(config: BrokerConfig, logger: Logger): Promise<BrokerServer> {
    for (const warning of config.warnings) logger.warn(warning)
    // Before anything is opened: a listener that cannot be served safely stops the start here.
    const security = listenerSecurity(config, logger.child('network'))
    logOpenFileLimit(logger)
    // The longest the event loop was blocked while loading, for the log line below: start-up at
    // 10,000 partitions must not hold it for long stretches (bench/scale/start-stop.ts reads it).
    const startedAt = performance.now()
    const stalls = monitorEventLoopDelay({ resolution: 10 })
    stalls.enable()
    const dataDir = config.dataDir
    // Taken before anything in the directory is read: a second broker on it must stop here.
    const lock = lockDataDir(dataDir)
    let logs: LogManager | undefined
    let cluster: ClusterMembership | null = null
    let gateway: HttpGateway | null = null
    try {
      // Bound first: /health/live answers while the logs load, and a busy port stops us at once.
      gateway = await startGateway(config, logger)
      if (config.clusterMode) {
        // Loaded only in cluster mode: the etcd client (gRPC) takes ~200 ms to import, most of
        // an in-process single broker's start (bench/library/startup.ts).
        const { ClusterMembership } = await import('./cluster/cluster-membership.js')
        cluster = await ClusterMembership.connect({
          nodeId: config.nodeId,
          endpoints: config.get('etcd.endpoints'),
          prefix: config.get('etcd.prefix'),
          rack: config.getOptional('broker.rack'),
          sessionTimeoutMs: config.get('broker.session.timeout.ms'),
          uncleanLeaderElection: config.get('unclean.leader.election.enable'),
          autoLeaderRebalance: config.get('auto.leader.rebalance.enable'),
          leaderImbalanceCheckIntervalMs: config.get('leader.imbalance.check.interval.seconds') * 1000,
          logger: logger.child('cluster'),
        })
        await claimLogDir(dataDir, config.nodeId, cluster.metadata.clusterId)
      }
      const metadata = cluster?.metadata ?? (await FileMetadataStore.open(dataDir, config.nodeId))
      const topicConfig = (topic: string): TopicConfig | undefined =>
        metadata.topic(topic) === undefined ? undefined : alwaysCompacted({ ...config.topicDefaults(), ...metadata.overrides(topic) }, topic)
      const storageLogger = logger.child('log')
      logs = await LogManager.open(dataDir, toLogConfig(config.topicDefaults()), {
        'log.retention.check.interval.ms': config.get('log.retention.check.interval.ms'),
        'log.flush.offset.checkpoint.interval.ms': config.get('log.flush.offset.checkpoint.interval.ms'),
        topicConfig: (topic) => {
          const effective = topicConfig(topic)
          return effective === undefined ? undefined : toLogConfig(effective)
        },
        onError: (error) => storageLogger.error('background log work failed', { error }),
        dirLock: lock,
      })
      const server = await BrokerServer.#serve(config, logger, metadata, logs, cluster, gateway, security)
      stalls.disable()
      logger.info('started', {
        partitions: logs.logs().length,
        ms: Math.round(performance.now() - startedAt),
        longestStallMs: Math.round(stalls.max / 1e6),
      })
      return server
    } catch (error) {
      stalls.disable()
      for (const { ssl } of security.values()) ssl?.close()
      // Nothing was served: close what was opened (which releases the lock) and report.
      await gateway?.close().catch(() => undefined)
      await cluster?.close().catch(() => undefined)
      if (logs === undefined) lock.release()
      else await logs.close().catch(() => undefined)
      throw error
    }
  }

  static async #serve(
    config: BrokerConfig,
    logger: Logger,
    metadata: MetadataStore,
    logs: LogManager,
    cluster: ClusterMembership | null,
    gateway: HttpGateway | null,
    listenerTls: ReadonlyMap<string, ListenerSecurity>,
  ): Promise<BrokerServer> {
    const bound: Listener[] = []
    // Before the listeners are bound, a single broker describes itself by its configured address.
    const selfListeners = (): readonly Listener[] => (bound.length > 0 ? config.advertisedListeners(bound) : config.advertisedListeners())
    const clusterView: ClusterView = cluster ?? soleBrokerView(config.nodeId, config.getOptional('broker.rack'), selfListeners)
    const interBroker = interBrokerEndpoints(config, clusterView, logger.child('network'))
    const peerEndpoint = interBroker.endpoint
    const leaderEndpoint = (brokerId: number): LeaderEndpoint | undefined => peerEndpoint(brokerId)
    const replicas = new ReplicaManager(config.nodeId, metadata, logs, logger.child('replicas'), cluster === null ? {} : replicationOptions(config, cluster, logger))
    replicas.setLeaderEndpoints(leaderEndpoint)
    await replicas.loadHighWatermarks()
    replicas.scheduleProducerExpiration(config.get('producer.id.expiration.ms'))
    const topics = new TopicManager(config, metadata, replicas, logs, logger.child('topics'), clusterView)
    let publisher: MetadataPublisher | null = null
    if (cluster === null) {
      await topics.load()
    } else {
      // Changes others make reach the local partitions from now on, after the initial load.
      publisher = new MetadataPublisher(metadata, topics, replicas, leaderEndpoint, logger.child('metadata'))
      publisher.start()
      await publisher.run(() => topics.load())
    }
    // A single broker makes __consumer_offsets before the first client connects, so
    // FindCoordinator never waits; a cluster makes it on first use, once brokers have joined.
    if (cluster === null) await topics.ensureOffsetsTopic()
    if (config.get('log.cleaner.enable')) {
      await logs.startCleaner({
        'log.cleaner.threads': config.get('log.cleaner.threads'),
        'log.cleaner.dedupe.buffer.size': config.get('log.cleaner.dedupe.buffer.size'),
        'log.cleaner.io.max.bytes.per.second': config.get('log.cleaner.io.max.bytes.per.second'),
        'log.cleaner.backoff.ms': config.get('log.cleaner.backoff.ms'),
        'log.cleaner.min.cleanable.ratio': config.get('log.cleaner.min.cleanable.ratio'),
        // Each replica cleans its own log below its last stable offset (at most the high
        // watermark: an open transaction is not compacted, and a follower may still truncate
        // above it); a log without a partition here (not loaded yet) is left alone.
        upperBound: (topic, partition) => replicas.partition(topic, partition)?.lastStableOffset ?? 0,
        logger: logger.child('cleaner'),
      })
    }
    // Group configs (kafka-configs --entity-type groups) reach the coordinators through lookups.
    const groupConfigs = groupConfigLookups(metadata, config, config.get('group.share.partition.max.record.locks'))
    const groups = await GroupCoordinator.start({
      config: groupCoordinatorConfig(config),
      consumerTimeouts: groupConfigs.consumerTimeouts,
      shareTimeouts: groupConfigs.shareTimeouts,
      logger: logger.child('groups'),
      offsetsTopicPartitions: async () => {
        const topic = metadata.topic(OFFSETS_TOPIC)
        const hosted = replicas.partitions(OFFSETS_TOPIC)
        // One entry per partition, hosted here or not: the count decides where groups live.
        return Array.from({ length: topic?.partitions ?? config.get('offsets.topic.num.partitions') }, (_, i) => hosted[i])
      },
      replicas,
      topics: metadata,
    })

    const producerIds = new ProducerIdManager(metadata)
    // Markers to partitions led elsewhere travel on connections of the coordinator's own.
    const markerPeers = new PeerBrokers(config.nodeId, peerEndpoint, `samsa-txn-markers-${config.nodeId}`)
    const transactionConfig = transactionCoordinatorConfig(config)
    const transactions = await TransactionCoordinator.start({
      config: transactionConfig,
      logger: logger.child('transactions'),
      // Fixed for the broker's life, like __consumer_offsets: it decides where ids live.
      partitionCount: metadata.topic(TRANSACTION_STATE_TOPIC)?.partitions ?? config.get('transaction.state.log.num.partitions'),
      hostedPartitions: () => replicas.partitions(TRANSACTION_STATE_TOPIC),
      replicas,
      nextProducerId: () => producerIds.nextProducerId(),
      offsetsPartitionFor: (groupId) => ({ topic: OFFSETS_TOPIC, partition: groups.partitionFor(groupId) }),
      markers: txnMarkerTransport(config.nodeId, metadata, replicas, markerPeers, transactionConfig.writeTimeoutMs),
    })
    // Share groups (KIP-932): the share coordinator of the __share_group_state partitions led
    // here, and the share-partitions this broker leads, whose state goes to the share
    // coordinator of each (here or on a peer, over connections of their own).
    const shareCoordinator = groups.servesShareGroups
      ? await ShareCoordinator.start({
        config: {
          updatesPerSnapshot: config.get('share.coordinator.snapshot.update.records.per.snapshot'),
          writeTimeoutMs: config.get('share.coordinator.write.timeout.ms'),
        },
        logger: logger.child('share-coordinator'),
        // Fixed for the broker's life, like __transaction_state: it decides where state lives.
        partitionCount: metadata.topic(SHARE_GROUP_STATE_TOPIC)?.partitions ?? config.get('share.coordinator.state.topic.num.partitions'),
        hostedPartitions: () => replicas.partitions(SHARE_GROUP_STATE_TOPIC),
        replicas,
      })
      : null
    const sharePeers = shareCoordinator === null ? null : new PeerBrokers(config.nodeId, peerEndpoint, `samsa-share-state-${config.nodeId}`)
    const shareState = shareCoordinator === null || sharePeers === null
      ? null
      : new DefaultStatePersister({
        nodeId: config.nodeId,
        metadata,
        topics,
        coordinator: shareCoordinator,
        peers: sharePeers,
        writeTimeoutMs: config.get('share.coordinator.write.timeout.ms'),
        logger: logger.child('share-state'),
      })
    const shares = shareState !== null
      ? new SharePartitionManager({
        replicas,
        persister: shareState,
        config: {
          lockDurationMs: config.get('group.share.record.lock.duration.ms'),
          deliveryCountLimit: config.get('group.share.delivery.count.limit'),
          maxRecordLocks: config.get('group.share.partition.max.record.locks'),
        },
        logger: logger.child('share'),
        nodeId: config.nodeId,
        fetchMaxBytes: config.get('fetch.max.bytes'),
        maxShareSessions: config.get('group.share.max.share.sessions'),
        partitionConfig: groupConfigs.sharePartitionConfig,
        autoOffsetReset: groupConfigs.shareAutoOffsetReset,
        isolationLevel: groupConfigs.shareIsolationLevel,
      })
      : null
    const shareGroups = groups.shareGroups
    if (shares !== null && shareState !== null && shareGroups !== null) {
      shareGroups.usePersister(shareState)
      shareGroups.coordinator.onMemberRemoved((groupId, memberId) => shares.memberRemoved(groupId, memberId))
      shareGroups.onGroupDeleted((groupId) => shares.groupDeleted(groupId))
      shares.start()
    }
    const services: StoppableServices = { replicas, publisher, groups, transactions, markerPeers, shares, shareCoordinator, sharePeers, shareState }

    const metrics = new BrokerMetrics()
    const security = cluster?.security ?? (await FileSecurityStore.open(config.dataDir))
    const scramCredentials: ScramCredentialStore = cluster?.scramCredentials ?? (await FileScramCredentialStore.open(config.dataDir))
    const saslAuthenticators = new SaslAuthenticators()
    const context: BrokerContext = {
      config,
      nodeId: config.nodeId,
      metadata,
      topics,
      replicas,
      fetchSessions: new FetchSessionCache({ maxSlots: config.get('max.incremental.fetch.session.cache.slots') }),
      producerIds,
      groups,
      shares,
      shareCoordinator,
      shareState,
      transactions,
      logger,
      advertisedListeners: () => config.advertisedListeners(bound),
      cluster: clusterView,
      peerEndpoint,
      leaderElections: cluster === null ? null : (type, partitions) => cluster.electLeaders(type, partitions),
      reassignments: cluster === null ? null : {
        alter: (requests) => cluster.alterPartitionReassignments(requests),
        list: (partitions) => cluster.listPartitionReassignments(partitions),
      },
      dynamicConfigs: cluster === null ? null : {
        current: () => cluster.brokerConfigs.configs(config.nodeId),
        update: (update) => cluster.brokerConfigs.update(config.nodeId, update),
      },
      metrics,
      connections: new ConnectionRegistry(),
      authorizer: buildAuthorizer(config, security, logger.child('authorizer')),
      security,
      clientQuotas: new ClientQuotaManager({
        samples: config.get('quota.window.num'),
        windowMs: config.get('quota.window.size.seconds') * 1000,
      }, security, logger.child('quotas')),
      saslAuthenticators,
      scramCredentials,
    }
    const handlers: ApiHandler[] = kafkaApiHandlers(context, () => processor.handlers())
    // A closed connection ends the share sessions it opened (their records go back to the others).
    const connectionClosed = shares === null ? undefined : (connection: ConnectionInfo) => shares.connectionClosed(connectionKey(connection.listenerName, connection.id))
    const processor = new BrokerRequestProcessor(handlers, logger.child('requests'), connectionClosed, metrics.requests, context.clientQuotas)

    // Each SASL listener's mechanisms, built from its settings (a JWKS is fetched here).
    const saslListeners: SaslListener[] = []
    const authenticators = new Map<string, AuthenticatorFactory>()
    try {
      for (const listener of config.listeners()) {
        if (!usesSasl(listener.securityProtocol)) continue
        const sasl = await buildSaslListener(config, listener.name, scramCredentials, logger.child('sasl'))
        saslListeners.push(sasl)
        authenticators.set(listener.name, saslAuthenticatorFactory(sasl, processor, saslAuthenticators, logger.child('sasl')))
      }
    } catch (error) {
      for (const sasl of saslListeners) sasl.close()
      await BrokerServer.#stopServices(services)
      throw error
    }

    const listeners: KafkaListener[] = []
    const listenerNames: string[] = []
    metrics.countConnectionsWith(() => listeners.map((l, i) => ({ listener: listenerNames[i]!, connections: l.connectionCount })))
    const quotas = connectionQuotas(config, logger.child('network'))
    metrics.countRefusalsWith(() => ({ ...quotas.refusals(), throttled: quotas.throttledCount }))
    for (const listener of config.listeners()) {
      const server = new KafkaListener(processor, {
        name: listener.name,
        securityProtocol: listener.securityProtocol,
        authenticator: usesSasl(listener.securityProtocol)
          ? requireAuthenticator({ listenerName: listener.name, securityProtocol: listener.securityProtocol }, authenticators.get(listener.name))
          : null,
        ssl: listenerTls.get(listener.name)?.ssl ?? null,
        host: listener.host,
        port: listener.port,
        maxFrameBytes: config.get('socket.request.max.bytes'),
        idleTimeoutMs: config.get('connections.max.idle.ms'),
        maxQueuedRequests: config.get('queued.max.requests'),
        maxQueuedRequestBytes: queuedRequestBytes(config),
        quotas,
        registry: context.connections,
        fileTransfer: sendfileTransfer,
        logger: logger.child('network'),
      })
      let address
      try {
        address = await server.listen()
      } catch (error) {
        // Undo what #serve started; start() then closes the logs.
        await Promise.all(listeners.map((l) => l.close()))
        await BrokerServer.#stopServices(services)
        throw error
      }
      listeners.push(server)
      listenerNames.push(listener.name)
      bound.push({ ...listener, port: address.port })
      logger.info('listening', { listener: listener.name, securityProtocol: listener.securityProtocol, address: `${address.address}:${address.port}` })
    }
    if (cluster !== null) {
      try {
        // Registered with the addresses clients and followers should use.
        await cluster.join(config.advertisedListeners(bound).map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })))
      } catch (error) {
        await Promise.all(listeners.map((l) => l.close()))
        await BrokerServer.#stopServices(services)
        throw error
      }
    }
    // Taken before the gateway's modules reach for the shared pool (the REST proxy's reads and
    // produces run there); released once the gateway and everything else has stopped.
    const workerPool = acquireWorkerPool()
    if (gateway !== null) {
      if (config.get('gateway.auth') === 'basic') gateway.requireAuthentication(basicAuthenticator(config, context.scramCredentials))
      gateway.serve({ broker: context, logger: logger.child('http') }, gatewayModules)
      gateway.markReady()
    }
    const server = new BrokerServer(config, context, logs, listeners, logger, cluster, services, gateway, workerPool, interBroker.ssl)
    server.#saslListeners = saslListeners
    return server
  }

  static async #stopServices({ replicas, publisher, groups, transactions, markerPeers, shares, shareCoordinator, sharePeers, shareState }: StoppableServices): Promise<void> {
    // Writes under way finish first (an acknowledgement answered is one the coordinator has),
    // each with the attempt it is making: no retries for a coordinator that has gone.
    shareState?.close()
    await shares?.stop()
    shareCoordinator?.shutdown()
    sharePeers?.close()
    await publisher?.close()
    await replicas.stopFetchers()
    replicas.stopProducerExpiration()
    // Deliveries under way stop; the next coordinator of their ids resends from the log.
    transactions.shutdown()
    markerPeers.close()
    await groups.shutdown()
  }

  /** The addresses clients should use, with the ports actually bound. */
  get advertisedListeners(): readonly Listener[] {
    return this.context.advertisedListeners()
  }

  /** The HTTP gateway's base URL (http://host:port/), or null when it is off (http.port 0). */
  get httpUrl(): string | null {
    return this.#gateway?.url ?? null
  }

  /** Clean shutdown; safe to call more than once. */
  shutdown(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#logger.info('shutting down')
      if (this.#cluster !== null && this.config.get('controlled.shutdown.enable')) {
        await this.#cluster.shutDownControlled(this.config.get('broker.session.timeout.ms'))
      }
      await this.#gateway?.close()
      await Promise.all(this.#listeners.map((l) => l.close()))
      for (const sasl of this.#saslListeners) sasl.close()
      this.context.replicas.purgatories.completeAll()
      await BrokerServer.#stopServices(this.#services)
      // Leaving the cluster now lets the controller drop this broker from ISRs at once.
      await this.#cluster?.close()
      await this.context.replicas.checkpointHighWatermarks()
      await this.context.replicas.snapshotProducerState()
      await this.#logs.close()
      // Recompression may have started the process-wide pool; its threads must not outlive the
      // last broker that uses it, nor stop under another broker still running in this process.
      await this.#workerPool.release()
      this.#interBrokerSsl?.close()
      this.#logger.info('shut down cleanly')
    })()
    return this.#stopping
  }
}

/** Followers log in to leaders when the inter-broker listener uses SASL. */
function interBrokerSasl(config: BrokerConfig): { sasl?: SaslCredentials } {
  const name = config.interBrokerListenerName()
  const listener = config.listeners().find((l) => l.name === name)
  return listener !== undefined && usesSasl(listener.securityProtocol) ? { sasl: interBrokerSaslCredentials(config, listener.name) } : {}
}

/**
 * Other brokers' endpoints on the inter-broker listener (inter.broker.listener.name), with TLS
 * client options when it uses TLS: the trust store and, for a peer that requires client
 * authentication, this broker's own key store, both from that listener's ssl.* settings. The
 * secure context is read at each connect, so a reloaded certificate reaches new connections.
 */
function interBrokerEndpoints(
  config: BrokerConfig,
  cluster: ClusterView,
  logger: Logger,
): { endpoint: (brokerId: number) => PeerEndpoint | undefined; ssl: SslFactory | null } {
  const listenerName = config.interBrokerListenerName()
  const protocol = config.securityProtocolMap().get(listenerName) ?? 'PLAINTEXT'
  // Only a cluster member talks to other brokers; a single broker builds no client side.
  const ssl = usesTls(protocol) && config.clusterMode ? new SslFactory(sslSettings(config, listenerName), 'client', logger) : null
  ssl?.watch()
  const checkHost = ssl?.settings.endpointIdentification ?? true
  // The gateway's forwarded requests and the transaction markers log in as the replica fetchers do.
  const sasl = config.clusterMode ? interBrokerSasl(config) : {}
  const endpoint = (brokerId: number): PeerEndpoint | undefined => {
    const broker = cluster.broker(brokerId, listenerName)
    if (broker === undefined) return undefined
    const tls: TlsOptions | null = ssl === null
      ? null
      : {
          secureContext: ssl.secureContext,
          rejectUnauthorized: true,
          ...(isIP(broker.host) === 0 && { servername: broker.host }),
          ...(!checkHost && { checkServerIdentity: () => undefined }),
        }
    return { brokerId, host: broker.host, port: broker.port, tls, ...sasl }
  }
  return { endpoint, ssl }
}

interface ListenerSecurity {
  readonly ssl: SslFactory | null
}

/**
 * The TLS each listener needs before it serves a connection (SSL, SASL_SSL): its key store loaded
 * and watched for changes. Built before anything is opened, so bad settings stop the start at
 * once. (SASL listeners get their authenticator in #serve, once the credential store is open.)
 */
function listenerSecurity(config: BrokerConfig, logger: Logger): Map<string, ListenerSecurity> {
  const result = new Map<string, ListenerSecurity>()
  try {
    for (const listener of config.listeners()) {
      const ssl = usesTls(listener.securityProtocol) ? new SslFactory(sslSettings(config, listener.name), 'server', logger) : null
      ssl?.watch()
      result.set(listener.name, { ssl })
    }
  } catch (error) {
    for (const { ssl } of result.values()) ssl?.close()
    throw error
  }
  return result
}

/** A cluster broker's replication settings, from Kafka's property names. */
function replicationOptions(config: BrokerConfig, cluster: ClusterMembership, logger: Logger): ReplicaManagerClusterOptions {
  const quotas = replicationQuotas(config.nodeId, {
    samples: config.get('replication.quota.window.num'),
    windowMs: config.get('replication.quota.window.size.seconds') * 1000,
  })
  // The rates are this broker's dynamic configs in etcd: applied now and whenever they change.
  const apply = (overrides: Readonly<Record<string, string>>): void => applyThrottleRates(quotas, overrides, logger)
  apply(cluster.brokerConfigs.configs(config.nodeId))
  cluster.brokerConfigs.onChange((brokerId, overrides) => {
    if (brokerId === String(config.nodeId)) apply(overrides)
  })
  const fetcher: ReplicaFetcherOptions = {
    maxWaitMs: config.get('replica.fetch.wait.max.ms'),
    minBytes: config.get('replica.fetch.min.bytes'),
    partitionMaxBytes: config.get('replica.fetch.max.bytes'),
    maxBytes: config.get('replica.fetch.response.max.bytes'),
    backoffMs: config.get('replica.fetch.backoff.ms'),
    socketTimeoutMs: config.get('replica.socket.timeout.ms'),
    logger: logger.child('fetcher'),
    quota: quotas.follower,
    ...interBrokerSasl(config),
  }
  return {
    quotas,
    fetcher,
    mayLead: () => cluster.mayLead(),
    proposeIsr: (partition, proposal) => cluster.proposeIsr(partition.topicId, partition.index, proposal),
    isReplicaEligible: (brokerId) => cluster.isEligibleReplica(brokerId),
    replicaLagTimeMaxMs: config.get('replica.lag.time.max.ms'),
    highWatermarkCheckpoint: { dataDir: config.dataDir, intervalMs: config.get('replica.high.watermark.checkpoint.interval.ms') },
  }
}

/** Sets the quotas' bounds from this broker's dynamic configs (unset: unbounded). */
function applyThrottleRates(quotas: ReplicationQuotas, overrides: Readonly<Record<string, string>>, logger: Logger): void {
  let settings
  try {
    settings = parseDynamicBrokerConfigs(overrides)
  } catch (error) {
    // Written past validation (by hand, in etcd): keep the rates in force rather than guess.
    logger.warn('ignoring dynamic broker configs that do not parse', { error })
    return
  }
  const leader = settings['leader.replication.throttled.rate']
  const follower = settings['follower.replication.throttled.rate']
  if (quotas.leader.bound !== leader || quotas.follower.bound !== follower) {
    logger.info('replication throttle rates', { leader, follower })
  }
  quotas.leader.bound = leader
  quotas.follower.bound = follower
}

/** The HTTP gateway on http.host:http.port, or null when http.port is 0. */
async function startGateway(config: BrokerConfig, logger: Logger): Promise<HttpGateway | null> {
  const port = config.get('http.port')
  if (port === 0) return null
  const host = config.getOptional('http.host') ?? config.listeners()[0]!.host
  return HttpGateway.listen({ host, port, tls: gatewayTls(config), logger: logger.child('http') })
}

/**
 * HTTPS for the gateway when http.ssl.keystore.location is set. The file is checked here, so a
 * missing or unreadable key or certificate stops the start with a message that names the
 * setting, rather than uSockets' silent refusal to listen.
 */
function gatewayTls(config: BrokerConfig): HttpsOptions | null {
  const location = config.getOptional('http.ssl.keystore.location') ?? null
  if (location === null || location === '') return null
  const keyPassword = config.getOptional('http.ssl.key.password') ?? null
  let pem: string
  try {
    pem = readFileSync(location, 'utf8')
  } catch (error) {
    throw new SamsaError(ErrorCodes.CONFIG, `http.ssl.keystore.location: cannot read ${location} (${(error as Error).message}).`, { cause: error })
  }
  try {
    createPrivateKey({ key: pem, format: 'pem', ...(keyPassword !== null && { passphrase: keyPassword }) })
    new X509Certificate(pem)
  } catch (error) {
    throw new SamsaError(
      ErrorCodes.CONFIG,
      `http.ssl.keystore.location: ${location} must hold a PEM private key and its certificate chain` +
        `${keyPassword === null ? ' (set http.ssl.key.password if the key is encrypted)' : ''}: ${(error as Error).message}.`,
      { cause: error },
    )
  }
  return { certificateChainFile: location, keyFile: location, keyPassword }
}

/** The data directory's lock, or a configuration error that says which directory is in use. */
function lockDataDir(dataDir: string): DataDirLock {
  try {
    return DataDirLock.acquire(dataDir)
  } catch (error) {
    if ((error as { code?: string }).code !== 'SEGLOG_DIR_LOCKED') throw error
    throw new SamsaError(
      ErrorCodes.CONFIG,
      `The data directory ${dataDir} is in use by another broker (in this process or another). Stop that broker, or give this one another data directory (--data-dir, or startBroker's dataDir option).`,
      { cause: error },
    )
  }
}

/**
 * Logs RLIMIT_NOFILE: every partition holds a descriptor, so this bounds how many a broker can
 * host. Node raises the soft limit to the hard one when it starts; a soft limit still below the
 * hard one means a host process lowered it, and is worth a warning.
 */
function logOpenFileLimit(logger: Logger): void {
  const limit = readOpenFileLimit()
  logger.info('open-file limit', describeOpenFileLimit(limit))
  if (limit !== null && limit.soft < limit.hard) {
    logger.warn('the open-file soft limit is below the hard limit; partitions beyond the soft limit will be refused', describeOpenFileLimit(limit))
  }
}

/** Kafka's ACL authorizer when authorizer.class.name names it, else one that allows everything. */
function buildAuthorizer(config: BrokerConfig, store: SecurityStore, logger: Logger): Authorizer {
  if (config.get('authorizer.class.name') === '') return ALLOW_ALL
  return new AclAuthorizer({
    superUsers: parseSuperUsers(config.get('super.users')),
    allowEveryoneIfNoAclFound: config.get('allow.everyone.if.no.acl.found'),
  }, store, logger)
}

/**
 * The internal topics whose state is the latest record per key stay compacted whatever an older
 * metadata file says (a __consumer_offsets made before compaction existed), so replaying them at
 * start-up stays bounded.
 */
function alwaysCompacted(config: TopicConfig, topic: string): TopicConfig {
  if ((topic === OFFSETS_TOPIC || topic === TRANSACTION_STATE_TOPIC || topic === SHARE_GROUP_STATE_TOPIC) && !config['cleanup.policy'].includes('compact')) {
    return { ...config, 'cleanup.policy': ['compact'] }
  }
  return config
}
