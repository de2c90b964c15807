/**
 * AddOffsetsToTxn (API key 25): a transactional producer will commit a group's offsets in its
 * transaction (sendOffsetsToTransaction); the group's __consumer_offsets partition joins it.
 *
 * Versions 0-4; flexible from 3. The fields are the same in every version.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * AddOffsetsToTxn Request (v0-4)
 *   => transactional_id producer_id producer_epoch group_id
 */
export const addOffsetsToTxnRequest = defineMessage({
  name: 'AddOffsetsToTxnRequest',
  apiKey: 25,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: {
    transactionalId: field.string(),
    producerId: field.int64(),
    producerEpoch: field.int16(),
    groupId: field.string(),
  },
})

export type AddOffsetsToTxnRequest = MessageType<typeof addOffsetsToTxnRequest>
export type AddOffsetsToTxnRequestInput = MessageInput<typeof addOffsetsToTxnRequest>

/*
 * AddOffsetsToTxn Response (v0-4)
 *   => throttle_time_ms error_code
 */
export const addOffsetsToTxnResponse = defineMessage({
  name: 'AddOffsetsToTxnResponse',
  apiKey: 25,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
  },
})

export type AddOffsetsToTxnResponse = MessageType<typeof addOffsetsToTxnResponse>
export type AddOffsetsToTxnResponseInput = MessageInput<typeof addOffsetsToTxnResponse>
