/**
 * ListPartitionReassignments (API key 46, KIP-455): the reassignments in progress, for the given
 * partitions or (null topics) all of them, each with its current replica set and the replicas
 * being added and removed. kafka-reassign-partitions --verify and --list send it to the
 * controller; a partition not being reassigned (or unknown) is simply not listed.
 *
 * Version 0 only, flexible.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * ListPartitionReassignments Request (v0)
 *   => timeout_ms [topics](nullable: every partition)
 *   topics => name [partition_indexes]
 */
export const listPartitionReassignmentsRequest = defineMessage({
  name: 'ListPartitionReassignmentsRequest',
  apiKey: 46,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    timeoutMs: field.int32({ default: 60_000 }),
    topics: field.array(
      {
        name: field.string(),
        partitionIndexes: field.array(field.int32()),
      },
      { nullableVersions: '0+', default: null },
    ),
  },
})

export type ListPartitionReassignmentsRequest = MessageType<typeof listPartitionReassignmentsRequest>
export type ListPartitionReassignmentsRequestInput = MessageInput<typeof listPartitionReassignmentsRequest>

/*
 * ListPartitionReassignments Response (v0)
 *   => throttle_time_ms error_code error_message(nullable) [topics]
 *   topics => name [partitions]
 *   partitions => partition_index [replicas] [adding_replicas] [removing_replicas]
 */
export const listPartitionReassignmentsResponse = defineMessage({
  name: 'ListPartitionReassignmentsResponse',
  apiKey: 46,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16({ default: 0 }),
    errorMessage: field.string({ nullableVersions: '0+', default: null }),
    topics: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
        replicas: field.array(field.int32()),
        addingReplicas: field.array(field.int32()),
        removingReplicas: field.array(field.int32()),
      }),
    }),
  },
})

export type ListPartitionReassignmentsResponse = MessageType<typeof listPartitionReassignmentsResponse>
export type ListPartitionReassignmentsResponseInput = MessageInput<typeof listPartitionReassignmentsResponse>
