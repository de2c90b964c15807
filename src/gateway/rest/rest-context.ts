/**
 * What the REST resource files share: the broker's services and the gateway's own REST state
 * (produce stickiness, the partition reader, the consumer instances). One per gateway, built by
 * the module factory (rest-proxy.ts); nothing REST keeps is module-global.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import type { Logger } from '../../common/logger.js'
import type { PartitionPositions } from '../records/partition-positions.js'
import type { PartitionReader } from '../records/partition-reader.js'
import type { ProduceRecords } from '../records/produce-records.js'
import type { ConsumerInstances } from './consumer-instances.js'
import type { RestAuthorization } from './authorization.js'

export interface RestContext {
  readonly broker: BrokerContext
  readonly logger: Logger
  readonly produce: ProduceRecords
  readonly reader: PartitionReader
  /** Partition start, end and offset-by-time, wherever the partition is led. */
  readonly positions: PartitionPositions
  readonly consumers: ConsumerInstances
  /** http.request.max.bytes: the largest body a route reads. */
  readonly maxBodyBytes: number
  /** ACL checks of each request's principal. */
  readonly authorization: RestAuthorization
}
