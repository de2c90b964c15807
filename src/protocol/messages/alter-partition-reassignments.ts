/**
 * AlterPartitionReassignments (API key 45, KIP-455): move partitions to new replica lists, or
 * (null replicas) cancel a move in progress. kafka-reassign-partitions --execute / --cancel and
 * the admin clients' alterPartitionReassignments send it to the controller; the answer comes
 * once the move has started, not when it completes (ListPartitionReassignments follows it).
 *
 * Version 0 only, flexible.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * AlterPartitionReassignments Request (v0)
 *   => timeout_ms [topics]
 *   topics => name [partitions]
 *   partitions => partition_index [replicas](nullable: cancel)
 */
export const alterPartitionReassignmentsRequest = defineMessage({
  name: 'AlterPartitionReassignmentsRequest',
  apiKey: 45,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    timeoutMs: field.int32({ default: 60_000 }),
    topics: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
        replicas: field.array(field.int32(), { nullableVersions: '0+', default: null }),
      }),
    }),
  },
})

export type AlterPartitionReassignmentsRequest = MessageType<typeof alterPartitionReassignmentsRequest>
export type AlterPartitionReassignmentsRequestInput = MessageInput<typeof alterPartitionReassignmentsRequest>

/*
 * AlterPartitionReassignments Response (v0)
 *   => throttle_time_ms error_code error_message(nullable) [responses]
 *   responses => name [partitions]
 *   partitions => partition_index error_code error_message(nullable)
 */
export const alterPartitionReassignmentsResponse = defineMessage({
  name: 'AlterPartitionReassignmentsResponse',
  apiKey: 45,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16({ default: 0 }),
    errorMessage: field.string({ nullableVersions: '0+', default: null }),
    responses: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
        errorCode: field.int16(),
        errorMessage: field.string({ nullableVersions: '0+', default: null }),
      }),
    }),
  },
})

export type AlterPartitionReassignmentsResponse = MessageType<typeof alterPartitionReassignmentsResponse>
export type AlterPartitionReassignmentsResponseInput = MessageInput<typeof alterPartitionReassignmentsResponse>
