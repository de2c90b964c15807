/**
 * AlterConfigs (API key 33): replace the whole set of dynamic configs of resources (the legacy,
 * non-incremental form; see IncrementalAlterConfigs).
 *
 * Versions 0-2; flexible from 2.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * AlterConfigs Request (v0-2)
 *   => [resources] validate_only
 *   resources => resource_type resource_name [configs]
 *   configs => name value(nullable)
 */
export const alterConfigsRequest = defineMessage({
  name: 'AlterConfigsRequest',
  apiKey: 33,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    resources: field.array({
      resourceType: field.int8(),
      resourceName: field.string(),
      configs: field.array({
        name: field.string(),
        value: field.string({ nullableVersions: '0+' }),
      }),
    }),
    validateOnly: field.bool({ default: false }),
  },
})

export type AlterConfigsRequest = MessageType<typeof alterConfigsRequest>
export type AlterConfigsRequestInput = MessageInput<typeof alterConfigsRequest>

/*
 * AlterConfigs Response (v0-2)
 *   => throttle_time_ms [responses]
 *   responses => error_code error_message(nullable) resource_type resource_name
 */
export const alterConfigsResponse = defineMessage({
  name: 'AlterConfigsResponse',
  apiKey: 33,
  validVersions: '0-2',
  flexibleVersions: '2+',
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

export type AlterConfigsResponse = MessageType<typeof alterConfigsResponse>
export type AlterConfigsResponseInput = MessageInput<typeof alterConfigsResponse>
