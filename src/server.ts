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
import type { BrokerContext } from './broker/broker-context.js'
import { soleBrokerView } from './broker/cluster-view.js'
import type { ApiHandler } from './broker/handler.js'
import { kafkaApiHandlers } from './broker/handlers/index.js'
import { ProducerIdManager } from './broker/producer-id-manager.js'
import { BrokerRequestProcessor } from './broker/request-processor.js'
import { TopicManager } from './broker/topic-manager.js'
import type { BrokerConfig, Listener } from './common/config/broker-config.js'
import type { TopicConfig } from './common/config/topic-config.js'
import { ErrorCodes, SamsaError } from './common/errors.js'
import type { Logger } from './common/logger.js'
import { GroupCoordinator, groupCoordinatorConfig } from './group/group-coordinator.js'
import { OFFSETS_TOPIC, offsetsTopicConfigs } from './group/offsets-topic.js'
import { FileMetadataStore } from './metadata/file-metadata-store.js'
import type { MetadataStore } from './metadata/metadata-store.js'
import { KafkaListener } from './network/listener.js'
import type { FileTransfer } from './network/response-writer.js'
import { toLogConfig } from './replication/log-config.js'
import { ReplicaManager } from './replication/replica-manager.js'
import { DataDirLock, LogManager, type ReadPlan, transferResumable } from './storage/index.js'
import { closeWorkerPool } from './workers/pool.js'

/** The only external chunks the protocol writer ever receives are storage read plans. */
const sendfileTransfer: FileTransfer = (socket, chunks, onWritable) => transferResumable(socket, chunks as ReadonlyArray<Buffer | ReadPlan>, onWritable)

export class BrokerServer {
  readonly config: BrokerConfig
  readonly context: BrokerContext
  readonly #logs: LogManager
  readonly #listeners: KafkaListener[]
  readonly #logger: Logger
  #stopping: Promise<void> | null = null

  private constructor(config: BrokerConfig, context: BrokerContext, logs: LogManager, listeners: KafkaListener[], logger: Logger) {
    this.config = config
    this.context = context
    this.#logs = logs
    this.#listeners = listeners
    this.#logger = logger
  }

  /** Opens storage and metadata, loads every partition, and starts listening. */
  static async start(config: BrokerConfig, logger: Logger): Promise<BrokerServer> {
    for (const warning of config.warnings) logger.warn(warning)
    const dataDir = config.dataDir
    // Taken before anything in the directory is read: a second broker on it must stop here.
    const lock = lockDataDir(dataDir)
    let logs: LogManager | undefined
    try {
      const metadata = await FileMetadataStore.open(dataDir, config.nodeId)
      const topicConfig = (topic: string): TopicConfig | undefined =>
        metadata.topic(topic) === undefined ? undefined : { ...config.topicDefaults(), ...metadata.overrides(topic) }
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
      return await BrokerServer.#serve(config, logger, metadata, logs)
    } catch (error) {
      // Nothing was served: close what was opened (which releases the lock) and report.
      if (logs === undefined) lock.release()
      else await logs.close().catch(() => undefined)
      throw error
    }
  }

  static async #serve(config: BrokerConfig, logger: Logger, metadata: MetadataStore, logs: LogManager): Promise<BrokerServer> {
    const replicas = new ReplicaManager(config.nodeId, metadata, logs, logger.child('replicas'))
    replicas.scheduleProducerExpiration(config.get('producer.id.expiration.ms'))
    const topics = new TopicManager(config, metadata, replicas, logs, logger.child('topics'))
    await topics.load()
    // __consumer_offsets exists before the first client connects, so FindCoordinator never waits.
    const groups = await GroupCoordinator.start({
      config: groupCoordinatorConfig(config),
      logger: logger.child('groups'),
      offsetsTopicPartitions: async () => {
        if (metadata.topic(OFFSETS_TOPIC) === undefined) {
          await topics.createTopic(OFFSETS_TOPIC, {
            partitions: config.get('offsets.topic.num.partitions'),
            replicationFactor: config.get('offsets.topic.replication.factor'),
            configs: offsetsTopicConfigs(config),
          })
        }
        return replicas.partitions(OFFSETS_TOPIC)
      },
      replicas,
    })

    const bound: Listener[] = []
    const context: BrokerContext = {
      config,
      nodeId: config.nodeId,
      metadata,
      topics,
      replicas,
      producerIds: new ProducerIdManager(metadata),
      groups,
      logger,
      advertisedListeners: () => config.advertisedListeners(bound),
      cluster: soleBrokerView(config.nodeId, config.getOptional('broker.rack'), () => config.advertisedListeners(bound)),
    }
    const handlers: ApiHandler[] = kafkaApiHandlers(context, () => processor.handlers())
    const processor = new BrokerRequestProcessor(handlers, logger.child('requests'))

    const listeners: KafkaListener[] = []
    for (const listener of config.listeners()) {
      const server = new KafkaListener(processor, {
        host: listener.host,
        port: listener.port,
        maxFrameBytes: config.get('socket.request.max.bytes'),
        idleTimeoutMs: config.get('connections.max.idle.ms'),
        fileTransfer: sendfileTransfer,
        logger: logger.child('network'),
      })
      let address
      try {
        address = await server.listen()
      } catch (error) {
        // Undo what #serve started; start() then closes the logs.
        await Promise.all(listeners.map((l) => l.close()))
        replicas.stopProducerExpiration()
        await groups.shutdown()
        throw error
      }
      listeners.push(server)
      bound.push({ name: listener.name, host: listener.host, port: address.port })
    }
    return new BrokerServer(config, context, logs, listeners, logger)
  }

  /** The addresses clients should use, with the ports actually bound. */
  get advertisedListeners(): readonly Listener[] {
    return this.context.advertisedListeners()
  }

  /** Clean shutdown; safe to call more than once. */
  shutdown(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#logger.info('shutting down')
      await Promise.all(this.#listeners.map((l) => l.close()))
      this.context.replicas.purgatories.completeAll()
      this.context.replicas.stopProducerExpiration()
      await this.context.groups.shutdown()
      await this.context.replicas.snapshotProducerState()
      await this.#logs.close()
      // Recompression may have started the process-wide pool; its threads must not outlive us.
      await closeWorkerPool()
      this.#logger.info('shut down cleanly')
    })()
    return this.#stopping
  }
}

/** The data directory's lock, or a configuration error that says which directory is in use. */
function lockDataDir(dataDir: string): DataDirLock {
  try {
    return DataDirLock.acquire(dataDir)
  } catch (error) {
    if ((error as { code?: string }).code !== 'SEGLOG_DIR_LOCKED') throw error
    throw new SamsaError(
      ErrorCodes.CONFIG,
      `The data directory ${dataDir} is in use by another process (is another broker running on it?). Stop that process or pass another --data-dir.`,
      { cause: error },
    )
  }
}
