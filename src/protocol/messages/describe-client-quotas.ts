/**
 * DescribeClientQuotas (API key 48): the quotas of the entities that match a set of components
 * (kafka-configs --describe --entity-type users/clients).
 *
 * Versions 0-1; flexible from 1.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * DescribeClientQuotas Request (v0-1)
 *   => [components] strict
 *   components => entity_type match_type match(nullable)
 * match_type: 0 = exactly `match`, 1 = the default entity, 2 = any entity of the type.
 */
export const describeClientQuotasRequest = defineMessage({
  name: 'DescribeClientQuotasRequest',
  apiKey: 48,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    components: field.array({
      entityType: field.string(),
      matchType: field.int8(),
      match: field.string({ nullableVersions: '0+' }),
    }),
    strict: field.bool(),
  },
})

export type DescribeClientQuotasRequest = MessageType<typeof describeClientQuotasRequest>
export type DescribeClientQuotasRequestInput = MessageInput<typeof describeClientQuotasRequest>

/*
 * DescribeClientQuotas Response (v0-1)
 *   => throttle_time_ms error_code error_message(nullable) [entries](nullable)
 *   entries => [entity] [values]
 *   entity => entity_type entity_name(nullable: the default entity)
 *   values => key value(float64)
 */
export const describeClientQuotasResponse = defineMessage({
  name: 'DescribeClientQuotasResponse',
  apiKey: 48,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
    errorMessage: field.string({ nullableVersions: '0+', default: null }),
    entries: field.array({
      entity: field.array({
        entityType: field.string(),
        entityName: field.string({ nullableVersions: '0+' }),
      }),
      values: field.array({
        key: field.string(),
        value: field.float64(),
      }),
    }, { nullableVersions: '0+' }),
  },
})

export type DescribeClientQuotasResponse = MessageType<typeof describeClientQuotasResponse>
export type DescribeClientQuotasResponseInput = MessageInput<typeof describeClientQuotasResponse>
