/**
 * AddPartitionsToTxn (API key 24): a transactional producer names the partitions it is about to
 * write in its current transaction, before the first write to each.
 *
 * Versions 0-3 (the client form); flexible from 3. Versions 4-5 (KIP-890's batched form that
 * brokers send to verify a transaction) are not described: Samsa advertises 0-3, which every
 * client uses.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * AddPartitionsToTxn Request (v0-3)
 *   => transactional_id producer_id producer_epoch [topics]
 *   topics => name [partitions]
 */
export const addPartitionsToTxnRequest = defineMessage({
  name: 'AddPartitionsToTxnRequest',
  apiKey: 24,
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: {
    transactionalId: field.string(),
    producerId: field.int64(),
    producerEpoch: field.int16(),
    topics: field.array({
      name: field.string(),
      partitions: field.array(field.int32()),
    }),
  },
})

export type AddPartitionsToTxnRequest = MessageType<typeof addPartitionsToTxnRequest>
export type AddPartitionsToTxnRequestInput = MessageInput<typeof addPartitionsToTxnRequest>

/*
 * AddPartitionsToTxn Response (v0-3)
 *   => throttle_time_ms [results]
 *   results => name [partition_results]
 *   partition_results => partition_index partition_error_code
 */
export const addPartitionsToTxnResponse = defineMessage({
  name: 'AddPartitionsToTxnResponse',
  apiKey: 24,
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    results: field.array({
      name: field.string(),
      partitionResults: field.array({
        partitionIndex: field.int32(),
        partitionErrorCode: field.int16(),
      }),
    }),
  },
})

export type AddPartitionsToTxnResponse = MessageType<typeof addPartitionsToTxnResponse>
export type AddPartitionsToTxnResponseInput = MessageInput<typeof addPartitionsToTxnResponse>
