/**
 * The REST Proxy v2 module of the gateway: the Confluent REST Proxy API (the subset Redpanda's
 * HTTP Proxy also serves, plus its partition records read), one file per resource, all calling
 * the broker's own services: appendRecords for produce (records/produce-records.ts),
 * fetchRecords through the partition reader for reads, the group coordinator for consumer
 * instances, the metadata store for topics, partitions and brokers. Partitions and groups another
 * broker of the cluster serves are reached through it, over the Kafka protocol (records/).
 */
import { workerPool } from '../../workers/pool.js'
import type { GatewayModuleFactory } from '../gateway.js'
import { GroupCoordinators } from '../records/group-coordinator-service.js'
import { PartitionPositions } from '../records/partition-positions.js'
import { PartitionReader } from '../records/partition-reader.js'
import { ProduceRecords } from '../records/produce-records.js'
import { brokerRoutes } from './brokers.js'
import { ConsumerInstances } from './consumer-instances.js'
import { consumerRoutes } from './consumers.js'
import { partitionRoutes } from './partitions.js'
import { produceRoutes } from './produce.js'
import type { RestContext } from './rest-context.js'
import { topicRoutes } from './topics.js'
import { RestAuthorization } from './authorization.js'

export const restProxyModule: GatewayModuleFactory = (server, services) => {
  const broker = services.broker
  const pool = workerPool()
  const reader = new PartitionReader({ replicas: broker.replicas, pool, fetchMaxBytes: broker.config.get('fetch.max.bytes'), remote: { nodeId: broker.nodeId, metadata: broker.metadata, peers: services.peers } })
  const positions = new PartitionPositions(broker, services.peers)
  const context: RestContext = {
    broker,
    logger: services.logger,
    produce: new ProduceRecords(broker, pool, services.peers),
    reader,
    positions,
    consumers: new ConsumerInstances(broker, reader, positions, new GroupCoordinators(broker, services.peers), services.logger),
    maxBodyBytes: broker.config.get('http.request.max.bytes'),
    authorization: new RestAuthorization(broker),
  }
  topicRoutes(server, context)
  partitionRoutes(server, context)
  brokerRoutes(server, context)
  produceRoutes(server, context)
  consumerRoutes(server, context)
  return { close: () => context.consumers.close() }
}
