/**
 * DescribeCluster: the cluster id, the controller and the brokers, for admin clients (the Java
 * admin's describeCluster; it falls back to Metadata only where this API is missing).
 *
 * A single broker is its own controller; in a cluster the brokers are the live ones registered in
 * etcd. v1 asks for broker endpoints (endpoint_type 1) or
 * controller endpoints (2); a broker answers the latter MISMATCHED_ENDPOINT_TYPE, as Kafka's
 * brokers do (controllers are described through bootstrap.controllers, which Samsa does not have),
 * and any other type UNSUPPORTED_ENDPOINT_TYPE. Without an authorizer every cluster operation is
 * allowed, so that is what include_cluster_authorized_operations reports.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { AUTHORIZED_OPERATIONS_OMITTED } from '../../protocol/messages/metadata.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { ALL_CLUSTER_OPERATIONS } from './metadata.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'

const BROKER_ENDPOINTS = 1
const CONTROLLER_ENDPOINTS = 2

export function describeClusterHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.DescribeCluster,
    advertised: { min: 0, max: 1 },
    handle(request, context) {
      const endpointType = context.apiVersion >= 1 ? request.endpointType : BROKER_ENDPOINTS
      const base = { throttleTimeMs: 0, endpointType, clusterId: broker.metadata.clusterId }
      if (!broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
        return { ...base, errorCode: KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'DescribeCluster needs DESCRIBE on the cluster.', brokers: [] }
      }
      if (endpointType !== BROKER_ENDPOINTS) {
        return {
          ...base,
          errorCode: endpointType === CONTROLLER_ENDPOINTS ? KafkaErrorCodes.MISMATCHED_ENDPOINT_TYPE : KafkaErrorCodes.UNSUPPORTED_ENDPOINT_TYPE,
          errorMessage: endpointType === CONTROLLER_ENDPOINTS
            ? 'This is a broker endpoint; Samsa has no separate controller endpoints to describe.'
            : `Unknown endpoint type ${endpointType}; expected 1 (brokers).`,
          controllerId: -1,
          brokers: [],
        }
      }
      return {
        ...base,
        errorCode: KafkaErrorCodes.NONE,
        errorMessage: null,
        controllerId: broker.cluster.controllerId(),
        brokers: broker.cluster.brokers(context.connection.listenerName).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
        clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
      }
    },
    errorResponse(_request, errorCode) {
      return { throttleTimeMs: 0, errorCode, errorMessage: null, clusterId: '', brokers: [] }
    },
  })
}
