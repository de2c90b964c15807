/**
 * ListConfigResources (API key 74): the config resources that exist, by type. Kafka 3.7 added it
 * as ListClientMetricsResources (v0: client metrics resources only); Kafka 4.1 renamed it and v1
 * asks for resource types (KIP-1142), which kafka-configs 4.1 sends to find groups that have
 * configs before it describes or alters them.
 *
 * Versions 0-1; flexible from 0.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * ListConfigResources Request (v0-1)
 *   => [resource_types](v1+)
 */
export const listConfigResourcesRequest = defineMessage({
  name: 'ListConfigResourcesRequest',
  apiKey: 74,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    resourceTypes: field.array(field.int8(), { versions: '1+', default: [] }),
  },
})

export type ListConfigResourcesRequest = MessageType<typeof listConfigResourcesRequest>
export type ListConfigResourcesRequestInput = MessageInput<typeof listConfigResourcesRequest>

/*
 * ListConfigResources Response (v0-1)
 *   => throttle_time_ms error_code [config_resources]
 *   config_resources => resource_name resource_type(v1+, 16 CLIENT_METRICS before)
 */
export const listConfigResourcesResponse = defineMessage({
  name: 'ListConfigResourcesResponse',
  apiKey: 74,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
    configResources: field.array({
      resourceName: field.string(),
      resourceType: field.int8({ versions: '1+', default: 16 }),
    }),
  },
})

export type ListConfigResourcesResponse = MessageType<typeof listConfigResourcesResponse>
export type ListConfigResourcesResponseInput = MessageInput<typeof listConfigResourcesResponse>
