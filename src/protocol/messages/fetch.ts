/**
 * Fetch (API key 1): read record batches from partitions, for consumers and follower replicas.
 *
 * Versions 0-16; flexible from 12. Topics are named up to v12 and identified by topic id from
 * v13. Followers identify themselves by replica_id up to v14 and by the tagged replica_state from
 * v15. The records of each partition are written by reference (an external chunk such as a
 * storage ReadPlan), so the encoded response carries only metadata and the record bytes go from
 * the segment files to the socket without passing through JavaScript.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'
import { ZERO_UUID } from '../uuid.js'

/*
 * Fetch Request (v0-16)
 *   => <cluster_id: tag 0, v12+, nullable> replica_id(v0-14) <replica_state: tag 1, v15+>
 *      max_wait_ms min_bytes max_bytes(v3+) isolation_level(v4+) session_id(v7+)
 *      session_epoch(v7+) [topics] [forgotten_topics_data](v7+) rack_id(v11+)
 *   replica_state => replica_id replica_epoch
 *   topics => topic(v0-12) topic_id(v13+) [partitions]
 *   partitions => partition current_leader_epoch(v9+) fetch_offset last_fetched_epoch(v12+)
 *                 log_start_offset(v5+) partition_max_bytes
 *   forgotten_topics_data => topic(v7-12) topic_id(v13+) [partitions]
 */
export const fetchRequest = defineMessage({
  name: 'FetchRequest',
  apiKey: 1,
  validVersions: '0-16',
  flexibleVersions: '12+',
  fields: {
    clusterId: field.string({
      versions: '12+',
      nullableVersions: '12+',
      taggedVersions: '12+',
      tag: 0,
      default: null,
    }),
    replicaId: field.int32({ versions: '0-14', default: -1 }),
    replicaState: field.struct(
      {
        replicaId: field.int32({ default: -1 }),
        replicaEpoch: field.int64({ default: -1n }),
      },
      { versions: '15+', taggedVersions: '15+', tag: 1 },
    ),
    maxWaitMs: field.int32(),
    minBytes: field.int32(),
    maxBytes: field.int32({ versions: '3+', default: 0x7fffffff }),
    isolationLevel: field.int8({ versions: '4+', default: 0 }),
    sessionId: field.int32({ versions: '7+', default: 0 }),
    sessionEpoch: field.int32({ versions: '7+', default: -1 }),
    topics: field.array({
      topic: field.string({ versions: '0-12', default: '' }),
      topicId: field.uuid({ versions: '13+', default: ZERO_UUID }),
      partitions: field.array({
        partition: field.int32(),
        currentLeaderEpoch: field.int32({ versions: '9+', default: -1 }),
        fetchOffset: field.int64(),
        lastFetchedEpoch: field.int32({ versions: '12+', default: -1 }),
        logStartOffset: field.int64({ versions: '5+', default: -1n }),
        partitionMaxBytes: field.int32(),
      }),
    }),
    forgottenTopicsData: field.array(
      {
        topic: field.string({ versions: '7-12', default: '' }),
        topicId: field.uuid({ versions: '13+', default: ZERO_UUID }),
        partitions: field.array(field.int32()),
      },
      { versions: '7+', default: [] },
    ),
    rackId: field.string({ versions: '11+', default: '' }),
  },
})

export type FetchRequest = MessageType<typeof fetchRequest>
export type FetchRequestInput = MessageInput<typeof fetchRequest>

/*
 * Fetch Response (v0-16)
 *   => throttle_time_ms(v1+) error_code(v7+) session_id(v7+) [responses]
 *      <node_endpoints: tag 0, v16+>
 *   responses => topic(v0-12) topic_id(v13+) [partitions]
 *   partitions => partition_index error_code high_watermark last_stable_offset(v4+)
 *                 log_start_offset(v5+) <diverging_epoch: tag 0> <current_leader: tag 1>
 *                 <snapshot_id: tag 2> (tags: v12+) [aborted_transactions](v4+, nullable)
 *                 preferred_read_replica(v11+) records(nullable)
 *   diverging_epoch => epoch end_offset
 *   current_leader => leader_id leader_epoch
 *   snapshot_id => end_offset epoch
 *   aborted_transactions => producer_id first_offset
 *   node_endpoints => node_id host port rack(nullable)
 */
export const fetchResponse = defineMessage({
  name: 'FetchResponse',
  apiKey: 1,
  validVersions: '0-16',
  flexibleVersions: '12+',
  fields: {
    throttleTimeMs: field.int32({ versions: '1+', default: 0 }),
    errorCode: field.int16({ versions: '7+', default: 0 }),
    sessionId: field.int32({ versions: '7+', default: 0 }),
    responses: field.array({
      topic: field.string({ versions: '0-12', default: '' }),
      topicId: field.uuid({ versions: '13+', default: ZERO_UUID }),
      partitions: field.array({
        partitionIndex: field.int32(),
        errorCode: field.int16(),
        highWatermark: field.int64(),
        lastStableOffset: field.int64({ versions: '4+', default: -1n }),
        logStartOffset: field.int64({ versions: '5+', default: -1n }),
        divergingEpoch: field.struct(
          {
            epoch: field.int32({ default: -1 }),
            endOffset: field.int64({ default: -1n }),
          },
          { versions: '12+', taggedVersions: '12+', tag: 0 },
        ),
        currentLeader: field.struct(
          {
            leaderId: field.int32({ default: -1 }),
            leaderEpoch: field.int32({ default: -1 }),
          },
          { versions: '12+', taggedVersions: '12+', tag: 1 },
        ),
        snapshotId: field.struct(
          {
            endOffset: field.int64({ default: -1n }),
            epoch: field.int32({ default: -1 }),
          },
          { versions: '12+', taggedVersions: '12+', tag: 2 },
        ),
        abortedTransactions: field.array(
          {
            producerId: field.int64(),
            firstOffset: field.int64(),
          },
          { versions: '4+', nullableVersions: '4+', default: [] },
        ),
        preferredReadReplica: field.int32({ versions: '11+', default: -1 }),
        records: field.records({ nullableVersions: '0+' }),
      }),
    }),
    nodeEndpoints: field.array(
      {
        nodeId: field.int32(),
        host: field.string(),
        port: field.int32(),
        rack: field.string({ nullableVersions: '16+', default: null }),
      },
      { versions: '16+', taggedVersions: '16+', tag: 0 },
    ),
  },
})

export type FetchResponse = MessageType<typeof fetchResponse>
export type FetchResponseInput = MessageInput<typeof fetchResponse>
