/**
 * DescribeTransactions (API key 65): the state of transactional ids on their coordinator
 * (kafka-transactions.sh describe).
 *
 * Version 0; flexible.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * DescribeTransactions Request (v0)
 *   => [transactional_ids]
 */
export const describeTransactionsRequest = defineMessage({
  name: 'DescribeTransactionsRequest',
  apiKey: 65,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    transactionalIds: field.array(field.string()),
  },
})

export type DescribeTransactionsRequest = MessageType<typeof describeTransactionsRequest>
export type DescribeTransactionsRequestInput = MessageInput<typeof describeTransactionsRequest>

/*
 * DescribeTransactions Response (v0)
 *   => throttle_time_ms [transaction_states]
 *   transaction_states => error_code transactional_id transaction_state transaction_timeout_ms
 *                         transaction_start_time_ms producer_id producer_epoch [topics]
 *   topics => topic [partitions]
 */
export const describeTransactionsResponse = defineMessage({
  name: 'DescribeTransactionsResponse',
  apiKey: 65,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    transactionStates: field.array({
      errorCode: field.int16(),
      transactionalId: field.string(),
      transactionState: field.string(),
      transactionTimeoutMs: field.int32(),
      transactionStartTimeMs: field.int64(),
      producerId: field.int64(),
      producerEpoch: field.int16(),
      topics: field.array({
        topic: field.string(),
        partitions: field.array(field.int32()),
      }),
    }),
  },
})

export type DescribeTransactionsResponse = MessageType<typeof describeTransactionsResponse>
export type DescribeTransactionsResponseInput = MessageInput<typeof describeTransactionsResponse>
