/**
 * WriteTxnMarkers: decode, write the markers through the replication layer's writeTxnMarkers,
 * encode. Sent broker to broker by the transaction coordinator, to whichever broker leads each
 * partition; any broker answers it for the partitions it leads.
 *
 * The wait for the in-sync replicas is bounded by Kafka's broker request.timeout.ms default
 * (30 s): the request carries no timeout of its own, and the coordinator retries what timed out.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponseInput } from '../../protocol/messages/write-txn-markers.js'
import { writeTxnMarkers } from '../../replication/txn-markers.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'

export const WRITE_TXN_MARKERS_TIMEOUT_MS = 30_000

export function writeTxnMarkersHandler(broker: BrokerContext) {
  const errorResponse = (request: WriteTxnMarkersRequest, errorCode: number): WriteTxnMarkersResponseInput => ({
    markers: request.markers.map((marker) => ({
      producerId: marker.producerId,
      topics: marker.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })),
      })),
    })),
  })

  return defineHandler({
    apiKey: ApiKeys.WriteTxnMarkers,
    advertised: { min: 0, max: 1 },
    async handle(request, context) {
      // Sent by transaction coordinators (other brokers): CLUSTER_ACTION, as Kafka asks.
      if (!broker.authorizer.authorize(context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) return errorResponse(request, KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED)
      const results = await writeTxnMarkers(
        broker.replicas,
        request.markers.map((marker) => ({
          producerId: marker.producerId,
          producerEpoch: marker.producerEpoch,
          coordinatorEpoch: marker.coordinatorEpoch,
          committed: marker.transactionResult,
          topics: marker.topics.map((topic) => ({ name: topic.name, partitions: topic.partitionIndexes })),
        })),
        WRITE_TXN_MARKERS_TIMEOUT_MS,
      )
      for (const result of results) {
        for (const topic of result.topics) {
          for (const p of topic.partitions) {
            if (p.errorMessage !== null) broker.logger.debug('transaction marker not written', { producerId: result.producerId, topic: topic.name, partition: p.partition, errorCode: p.errorCode, reason: p.errorMessage })
          }
        }
      }
      return {
        markers: results.map((result) => ({
          producerId: BigInt(result.producerId),
          topics: result.topics.map((topic) => ({
            name: topic.name,
            partitions: topic.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.errorCode })),
          })),
        })),
      }
    },
    errorResponse,
  })
}
