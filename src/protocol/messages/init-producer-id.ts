/**
 * InitProducerId (API key 22): a producer id and epoch for an idempotent or transactional
 * producer. Java producers send it by default (idempotence is on since 3.0).
 *
 * Versions 0-5; flexible from 2. From v3 a producer may send its current id and epoch to have
 * the epoch bumped instead of getting a new id.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * InitProducerId Request (v0-5)
 *   => transactional_id(nullable) transaction_timeout_ms producer_id(v3+) producer_epoch(v3+)
 */
export const initProducerIdRequest = defineMessage({
  name: 'InitProducerIdRequest',
  apiKey: 22,
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: {
    transactionalId: field.string({ nullableVersions: '0+', default: null }),
    transactionTimeoutMs: field.int32(),
    producerId: field.int64({ versions: '3+', default: -1n, strict: true }),
    producerEpoch: field.int16({ versions: '3+', default: -1, strict: true }),
  },
})

export type InitProducerIdRequest = MessageType<typeof initProducerIdRequest>
export type InitProducerIdRequestInput = MessageInput<typeof initProducerIdRequest>

/*
 * InitProducerId Response (v0-5)
 *   => throttle_time_ms error_code producer_id producer_epoch
 */
export const initProducerIdResponse = defineMessage({
  name: 'InitProducerIdResponse',
  apiKey: 22,
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
    producerId: field.int64({ default: -1n }),
    producerEpoch: field.int16(),
  },
})

export type InitProducerIdResponse = MessageType<typeof initProducerIdResponse>
export type InitProducerIdResponseInput = MessageInput<typeof initProducerIdResponse>
