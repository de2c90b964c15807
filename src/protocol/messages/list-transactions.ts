/**
 * ListTransactions (API key 66): the transactional ids a broker coordinates, filtered by state,
 * producer id and (v1) how long the transaction has run (kafka-transactions.sh list).
 *
 * Versions 0-1; flexible.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * ListTransactions Request (v0-1)
 *   => [state_filters] [producer_id_filters] duration_filter(v1+)
 */
export const listTransactionsRequest = defineMessage({
  name: 'ListTransactionsRequest',
  apiKey: 66,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    stateFilters: field.array(field.string()),
    producerIdFilters: field.array(field.int64()),
    durationFilter: field.int64({ versions: '1+', default: -1n }),
  },
})

export type ListTransactionsRequest = MessageType<typeof listTransactionsRequest>
export type ListTransactionsRequestInput = MessageInput<typeof listTransactionsRequest>

/*
 * ListTransactions Response (v0-1)
 *   => throttle_time_ms error_code [unknown_state_filters] [transaction_states]
 *   transaction_states => transactional_id producer_id transaction_state
 */
export const listTransactionsResponse = defineMessage({
  name: 'ListTransactionsResponse',
  apiKey: 66,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
    unknownStateFilters: field.array(field.string()),
    transactionStates: field.array({
      transactionalId: field.string(),
      producerId: field.int64(),
      transactionState: field.string(),
    }),
  },
})

export type ListTransactionsResponse = MessageType<typeof listTransactionsResponse>
export type ListTransactionsResponseInput = MessageInput<typeof listTransactionsResponse>
