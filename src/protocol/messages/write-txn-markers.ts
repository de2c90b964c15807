/**
 * WriteTxnMarkers (API key 27): broker to broker. The transaction coordinator asks the leaders
 * of a transaction's partitions to append a COMMIT or ABORT control batch for a producer, which
 * ends the transaction in each of them.
 *
 * Versions 0-1; flexible from 1.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * WriteTxnMarkers Request (v0-1)
 *   => [markers]
 *   markers => producer_id producer_epoch transaction_result [topics] coordinator_epoch
 *   topics => name [partition_indexes]
 * transaction_result: false = ABORT, true = COMMIT.
 */
export const writeTxnMarkersRequest = defineMessage({
  name: 'WriteTxnMarkersRequest',
  apiKey: 27,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    markers: field.array({
      producerId: field.int64(),
      producerEpoch: field.int16(),
      transactionResult: field.bool(),
      topics: field.array({
        name: field.string(),
        partitionIndexes: field.array(field.int32()),
      }),
      coordinatorEpoch: field.int32(),
    }),
  },
})

export type WriteTxnMarkersRequest = MessageType<typeof writeTxnMarkersRequest>
export type WriteTxnMarkersRequestInput = MessageInput<typeof writeTxnMarkersRequest>

/*
 * WriteTxnMarkers Response (v0-1)
 *   => [markers]
 *   markers => producer_id [topics]
 *   topics => name [partitions]
 *   partitions => partition_index error_code
 */
export const writeTxnMarkersResponse = defineMessage({
  name: 'WriteTxnMarkersResponse',
  apiKey: 27,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    markers: field.array({
      producerId: field.int64(),
      topics: field.array({
        name: field.string(),
        partitions: field.array({
          partitionIndex: field.int32(),
          errorCode: field.int16(),
        }),
      }),
    }),
  },
})

export type WriteTxnMarkersResponse = MessageType<typeof writeTxnMarkersResponse>
export type WriteTxnMarkersResponseInput = MessageInput<typeof writeTxnMarkersResponse>
