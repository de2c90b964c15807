/**
 * The composition root of one broker: configuration → storage → metadata → partitions →
 * request handlers → listeners, and the reverse on shutdown.
 *
 * Shutdown (SIGTERM/SIGINT) is clean in Kafka's sense: stop accepting, answer parked fetches,
 * snapshot producer state, flush every log, write the checkpoints and the clean-shutdown marker,
 * so the next start needs no recovery scan.
 */
import { mkdir } from 'node:fs/promises'
import type { BrokerConfig, Listener } from '../common/config/broker-config.js'
import type { Logger } from '../common/logger.js'
import { MetadataStore } from '../metadata/metadata-store.js'
import { KafkaListener } from '../network/listener.js'
import { setExternalTransfer } from '../network/response-writer.js'
import { ReplicaManager } from '../replication/replica-manager.js'
import { LogManager, transferTo } from '../storage/index.js'
import type { BrokerContext } from './broker-context.js'
import { DelayedFetchPurgatory } from './delayed-fetch.js'
import type { ApiHandler } from './handler.js'
import { apiVersionsHandler } from './handlers/api-versions.js'
import { fetchHandler } from './handlers/fetch.js'
import { initProducerIdHandler } from './handlers/init-producer-id.js'
import { metadataHandler } from './handlers/metadata.js'
import { produceHandler } from './handlers/produce.js'
import { saslHandshakeHandler } from './handlers/sasl-handshake.js'
import { ProducerIdManager } from './producer-id-manager.js'
import { BrokerRequestProcessor } from './request-processor.js'
import { TopicManager } from './topic-manager.js'

export class Broker {
  readonly config: BrokerConfig
  readonly context: BrokerContext
  readonly #logs: LogManager
  readonly #listeners: KafkaListener[]
  readonly #bound: Listener[]
  readonly #logger: Logger
  #stopping: Promise<void> | null = null

  private constructor(config: BrokerConfig, context: BrokerContext, logs: LogManager, listeners: KafkaListener[], bound: Listener[], logger: Logger) {
    this.config = config
    this.context = context
    this.#logs = logs
    this.#listeners = listeners
    this.#bound = bound
    this.#logger = logger
  }

  /** Opens storage and metadata, loads every partition, and starts listening. */
  static async start(config: BrokerConfig, logger: Logger): Promise<Broker> {
    for (const warning of config.warnings) logger.warn(warning)
    const dataDir = config.dataDir
    await mkdir(dataDir, { recursive: true })
    const metadata = await MetadataStore.open(dataDir, config.nodeId)
    const logs = await LogManager.open(dataDir, {
      retentionCheckIntervalMs: config.get('log.retention.check.interval.ms'),
      recoveryPointCheckpointIntervalMs: config.get('log.flush.offset.checkpoint.interval.ms'),
      flushSchedulerIntervalMs: config.get('log.flush.scheduler.interval.ms'),
      logger: logger.child('log'),
    })
    const replicas = new ReplicaManager(logs, logger.child('replicas'))
    const topics = new TopicManager(config, metadata, replicas, logs, logger.child('topics'))
    await topics.load()
    const fetches = new DelayedFetchPurgatory()
    replicas.setAppendListener(fetches.onAppend)

    const bound: Listener[] = []
    const context: BrokerContext = {
      config,
      nodeId: config.nodeId,
      metadata,
      topics,
      replicas,
      fetches,
      producerIds: new ProducerIdManager(metadata),
      logger,
      advertisedListeners: () => config.advertisedListeners(bound),
    }
    // ApiVersions advertises whatever the processor serves, so it reads the table lazily.
    const handlers: ApiHandler[] = [
      produceHandler(context),
      fetchHandler(context),
      metadataHandler(context),
      saslHandshakeHandler,
      apiVersionsHandler(() => processor.handlers()),
      initProducerIdHandler(context),
    ]
    const processor = new BrokerRequestProcessor(handlers, logger.child('requests'))
    setExternalTransfer(transferTo)

    const listeners: KafkaListener[] = []
    for (const listener of config.listeners()) {
      const server = new KafkaListener(processor, {
        host: listener.host,
        port: listener.port,
        maxFrameBytes: config.get('socket.request.max.bytes'),
        idleTimeoutMs: config.get('connections.max.idle.ms'),
        logger: logger.child('network'),
      })
      const address = await server.listen()
      listeners.push(server)
      bound.push({ name: listener.name, host: listener.host, port: address.port })
    }
    logs.startBackgroundTasks()
    return new Broker(config, context, logs, listeners, bound, logger)
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
      this.context.fetches.completeAll()
      await this.context.replicas.snapshotProducerState()
      await this.#logs.close()
      this.#logger.info('shut down cleanly')
    })()
    return this.#stopping
  }
}
