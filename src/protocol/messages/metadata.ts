/**
 * Metadata (API key 3): brokers, topics, partitions, leaders and replicas.
 *
 * Versions 0-12; flexible from 9. Topic ids appear from v10; from v10 a requested topic may be
 * named by id (name null) and from v12 a response topic may carry a null name. A null topic list
 * (v1+) asks for every topic; in v0 the empty list means the same.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'
import { ZERO_UUID } from '../uuid.js'

/** Sentinel for "authorized operations not requested" (INT32 min). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648

/*
 * Metadata Request (v0-12)
 *   => [topics](nullable v1+) allow_auto_topic_creation(v4+)
 *      include_cluster_authorized_operations(v8-10) include_topic_authorized_operations(v8+)
 *   topics => topic_id(v10+) name(nullable v10+)
 */
export const metadataRequest = defineMessage({
  name: 'MetadataRequest',
  apiKey: 3,
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: {
    topics: field.array(
      {
        topicId: field.uuid({ versions: '10+', default: ZERO_UUID }),
        name: field.string({ nullableVersions: '10+' }),
      },
      { nullableVersions: '1+' },
    ),
    allowAutoTopicCreation: field.bool({ versions: '4+', default: true, strict: true }),
    includeClusterAuthorizedOperations: field.bool({ versions: '8-10', default: false }),
    includeTopicAuthorizedOperations: field.bool({ versions: '8+', default: false }),
  },
})

export type MetadataRequest = MessageType<typeof metadataRequest>
export type MetadataRequestInput = MessageInput<typeof metadataRequest>

/*
 * Metadata Response (v0-12)
 *   => throttle_time_ms(v3+) [brokers] cluster_id(v2+, nullable) controller_id(v1+) [topics]
 *      cluster_authorized_operations(v8-10)
 *   brokers => node_id host port rack(v1+, nullable)
 *   topics => error_code name(nullable v12+) topic_id(v10+) is_internal(v1+) [partitions]
 *             topic_authorized_operations(v8+)
 *   partitions => error_code partition_index leader_id leader_epoch(v7+) [replica_nodes]
 *                 [isr_nodes] [offline_replicas](v5+)
 */
export const metadataResponse = defineMessage({
  name: 'MetadataResponse',
  apiKey: 3,
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: {
    throttleTimeMs: field.int32({ versions: '3+', default: 0 }),
    brokers: field.array({
      nodeId: field.int32(),
      host: field.string(),
      port: field.int32(),
      rack: field.string({ versions: '1+', nullableVersions: '1+', default: null }),
    }),
    clusterId: field.string({ versions: '2+', nullableVersions: '2+', default: null }),
    controllerId: field.int32({ versions: '1+', default: -1 }),
    topics: field.array({
      errorCode: field.int16(),
      name: field.string({ nullableVersions: '12+' }),
      topicId: field.uuid({ versions: '10+', default: ZERO_UUID }),
      isInternal: field.bool({ versions: '1+', default: false }),
      partitions: field.array({
        errorCode: field.int16(),
        partitionIndex: field.int32(),
        leaderId: field.int32(),
        leaderEpoch: field.int32({ versions: '7+', default: -1 }),
        replicaNodes: field.array(field.int32()),
        isrNodes: field.array(field.int32()),
        offlineReplicas: field.array(field.int32(), { versions: '5+', default: [] }),
      }),
      topicAuthorizedOperations: field.int32({ versions: '8+', default: AUTHORIZED_OPERATIONS_OMITTED }),
    }),
    clusterAuthorizedOperations: field.int32({ versions: '8-10', default: AUTHORIZED_OPERATIONS_OMITTED }),
  },
})

export type MetadataResponse = MessageType<typeof metadataResponse>
export type MetadataResponseInput = MessageInput<typeof metadataResponse>
