/**
 * AlterClientQuotas (API key 49): set or remove quotas of user / client-id entities
 * (kafka-configs --alter --add-config producer_byte_rate=... --entity-type users/clients).
 *
 * Versions 0-1; flexible from 1.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * AlterClientQuotas Request (v0-1)
 *   => [entries] validate_only
 *   entries => [entity] [ops]
 *   entity => entity_type entity_name(nullable: the default entity)
 *   ops => key value(float64) remove
 */
export const alterClientQuotasRequest = defineMessage({
  name: 'AlterClientQuotasRequest',
  apiKey: 49,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    entries: field.array({
      entity: field.array({
        entityType: field.string(),
        entityName: field.string({ nullableVersions: '0+' }),
      }),
      ops: field.array({
        key: field.string(),
        value: field.float64(),
        remove: field.bool(),
      }),
    }),
    validateOnly: field.bool(),
  },
})

export type AlterClientQuotasRequest = MessageType<typeof alterClientQuotasRequest>
export type AlterClientQuotasRequestInput = MessageInput<typeof alterClientQuotasRequest>

/*
 * AlterClientQuotas Response (v0-1)
 *   => throttle_time_ms [entries]
 *   entries => error_code error_message(nullable) [entity]
 *   entity => entity_type entity_name(nullable)
 */
export const alterClientQuotasResponse = defineMessage({
  name: 'AlterClientQuotasResponse',
  apiKey: 49,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    entries: field.array({
      errorCode: field.int16(),
      errorMessage: field.string({ nullableVersions: '0+', default: null }),
      entity: field.array({
        entityType: field.string(),
        entityName: field.string({ nullableVersions: '0+' }),
      }),
    }),
  },
})

export type AlterClientQuotasResponse = MessageType<typeof alterClientQuotasResponse>
export type AlterClientQuotasResponseInput = MessageInput<typeof alterClientQuotasResponse>
