/**
 * IncrementalAlterConfigs (API key 44): set, delete, append to or subtract from individual
 * configs of resources (config_operation 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT).
 *
 * Versions 0-1; flexible from 1.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * IncrementalAlterConfigs Request (v0-1)
 *   => [resources] validate_only
 *   resources => resource_type resource_name [configs]
 *   configs => name config_operation value(nullable)
 */
export const incrementalAlterConfigsRequest = defineMessage({
  name: 'IncrementalAlterConfigsRequest',
  apiKey: 44,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    resources: field.array({
      resourceType: field.int8(),
      resourceName: field.string(),
      configs: field.array({
        name: field.string(),
        configOperation: field.int8(),
        value: field.string({ nullableVersions: '0+' }),
      }),
    }),
    validateOnly: field.bool({ default: false }),
  },
})

export type IncrementalAlterConfigsRequest = MessageType<typeof incrementalAlterConfigsRequest>
export type IncrementalAlterConfigsRequestInput = MessageInput<typeof incrementalAlterConfigsRequest>

/*
 * IncrementalAlterConfigs Response (v0-1)
 *   => throttle_time_ms [responses]
 *   responses => error_code error_message(nullable) resource_type resource_name
 */
export const incrementalAlterConfigsResponse = defineMessage({
  name: 'IncrementalAlterConfigsResponse',
  apiKey: 44,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    responses: field.array({
      errorCode: field.int16(),
      errorMessage: field.string({ nullableVersions: '0+', default: null }),
      resourceType: field.int8(),
      resourceName: field.string(),
    }),
  },
})

export type IncrementalAlterConfigsResponse = MessageType<typeof incrementalAlterConfigsResponse>
export type IncrementalAlterConfigsResponseInput = MessageInput<typeof incrementalAlterConfigsResponse>
