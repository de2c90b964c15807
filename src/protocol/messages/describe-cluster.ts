/**
 * DescribeCluster (API key 60): cluster id, controller and brokers, for admin clients.
 *
 * Versions 0-1; flexible from 0. endpoint_type (v1+) asks for broker (1) or controller (2)
 * endpoints.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'
import { AUTHORIZED_OPERATIONS_OMITTED } from './metadata.js'

/*
 * DescribeCluster Request (v0-1)
 *   => include_cluster_authorized_operations endpoint_type(v1+)
 */
export const describeClusterRequest = defineMessage({
  name: 'DescribeClusterRequest',
  apiKey: 60,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    includeClusterAuthorizedOperations: field.bool({ default: false }),
    endpointType: field.int8({ versions: '1+', default: 1 }),
  },
})

export type DescribeClusterRequest = MessageType<typeof describeClusterRequest>
export type DescribeClusterRequestInput = MessageInput<typeof describeClusterRequest>

/*
 * DescribeCluster Response (v0-1)
 *   => throttle_time_ms error_code error_message(nullable) endpoint_type(v1+) cluster_id
 *      controller_id [brokers] cluster_authorized_operations
 *   brokers => broker_id host port rack(nullable)
 */
export const describeClusterResponse = defineMessage({
  name: 'DescribeClusterResponse',
  apiKey: 60,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16({ default: 0 }),
    errorMessage: field.string({ nullableVersions: '0+', default: null }),
    endpointType: field.int8({ versions: '1+', default: 1 }),
    clusterId: field.string(),
    controllerId: field.int32({ default: -1 }),
    brokers: field.array({
      brokerId: field.int32(),
      host: field.string(),
      port: field.int32(),
      rack: field.string({ nullableVersions: '0+', default: null }),
    }),
    clusterAuthorizedOperations: field.int32({ default: AUTHORIZED_OPERATIONS_OMITTED }),
  },
})

export type DescribeClusterResponse = MessageType<typeof describeClusterResponse>
export type DescribeClusterResponseInput = MessageInput<typeof describeClusterResponse>
