/**
 * ElectLeaders (API key 43): elect the preferred replica (election type 0) or, for a partition
 * without an in-sync leader, any live replica (type 1, unclean) as leader of the given partitions,
 * or of every partition (null list). kafka-leader-election and the admin clients' electLeaders
 * send it to the controller.
 *
 * Versions 0-2; election_type from 1; flexible from 2.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * ElectLeaders Request (v0-2)
 *   => election_type(v1+) [topic_partitions](nullable) timeout_ms
 *   topic_partitions => topic [partitions]
 */
export const electLeadersRequest = defineMessage({
  name: 'ElectLeadersRequest',
  apiKey: 43,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    electionType: field.int8({ versions: '1+', default: 0 }),
    topicPartitions: field.array(
      {
        topic: field.string(),
        partitions: field.array(field.int32()),
      },
      { nullableVersions: '0+' },
    ),
    timeoutMs: field.int32({ default: 60_000 }),
  },
})

export type ElectLeadersRequest = MessageType<typeof electLeadersRequest>
export type ElectLeadersRequestInput = MessageInput<typeof electLeadersRequest>

/*
 * ElectLeaders Response (v0-2)
 *   => throttle_time_ms error_code(v1+) [replica_election_results]
 *   replica_election_results => topic [partition_result]
 *   partition_result => partition_id error_code error_message(nullable)
 */
export const electLeadersResponse = defineMessage({
  name: 'ElectLeadersResponse',
  apiKey: 43,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16({ versions: '1+', default: 0 }),
    replicaElectionResults: field.array({
      topic: field.string(),
      partitionResult: field.array({
        partitionId: field.int32(),
        errorCode: field.int16(),
        errorMessage: field.string({ nullableVersions: '0+', default: null }),
      }),
    }),
  },
})

export type ElectLeadersResponse = MessageType<typeof electLeadersResponse>
export type ElectLeadersResponseInput = MessageInput<typeof electLeadersResponse>
