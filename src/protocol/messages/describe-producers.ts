/**
 * DescribeProducers (API key 61): the active producers of partitions, as their leader knows
 * them (kafka-transactions.sh describe-producers, Admin.describeProducers): epoch, last
 * sequence and timestamp, coordinator epoch of the last marker, and where an open transaction
 * began.
 *
 * Version 0; flexible.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * DescribeProducers Request (v0)
 *   => [topics]
 *   topics => name [partition_indexes]
 */
export const describeProducersRequest = defineMessage({
  name: 'DescribeProducersRequest',
  apiKey: 61,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    topics: field.array({
      name: field.string(),
      partitionIndexes: field.array(field.int32()),
    }),
  },
})

export type DescribeProducersRequest = MessageType<typeof describeProducersRequest>
export type DescribeProducersRequestInput = MessageInput<typeof describeProducersRequest>

/*
 * DescribeProducers Response (v0)
 *   => throttle_time_ms [topics]
 *   topics => name [partitions]
 *   partitions => partition_index error_code error_message(nullable) [active_producers]
 *   active_producers => producer_id producer_epoch last_sequence last_timestamp
 *                       coordinator_epoch current_txn_start_offset
 */
export const describeProducersResponse = defineMessage({
  name: 'DescribeProducersResponse',
  apiKey: 61,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    topics: field.array({
      name: field.string(),
      partitions: field.array({
        partitionIndex: field.int32(),
        errorCode: field.int16(),
        errorMessage: field.string({ nullableVersions: '0+', default: null }),
        activeProducers: field.array({
          producerId: field.int64(),
          producerEpoch: field.int32(),
          lastSequence: field.int32({ default: -1 }),
          lastTimestamp: field.int64({ default: -1n }),
          coordinatorEpoch: field.int32(),
          currentTxnStartOffset: field.int64({ default: -1n }),
        }),
      }),
    }),
  },
})

export type DescribeProducersResponse = MessageType<typeof describeProducersResponse>
export type DescribeProducersResponseInput = MessageInput<typeof describeProducersResponse>
