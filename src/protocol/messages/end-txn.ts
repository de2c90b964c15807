/**
 * EndTxn (API key 26): a transactional producer commits or aborts its transaction.
 *
 * Versions 0-4; flexible from 3. The fields are the same in every version described (v5, which
 * bumps the epoch on every transaction under KIP-890, is not).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * EndTxn Request (v0-4)
 *   => transactional_id producer_id producer_epoch committed
 */
export const endTxnRequest = defineMessage({
  name: 'EndTxnRequest',
  apiKey: 26,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: {
    transactionalId: field.string(),
    producerId: field.int64(),
    producerEpoch: field.int16(),
    committed: field.bool(),
  },
})

export type EndTxnRequest = MessageType<typeof endTxnRequest>
export type EndTxnRequestInput = MessageInput<typeof endTxnRequest>

/*
 * EndTxn Response (v0-4)
 *   => throttle_time_ms error_code
 */
export const endTxnResponse = defineMessage({
  name: 'EndTxnResponse',
  apiKey: 26,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
  },
})

export type EndTxnResponse = MessageType<typeof endTxnResponse>
export type EndTxnResponseInput = MessageInput<typeof endTxnResponse>
