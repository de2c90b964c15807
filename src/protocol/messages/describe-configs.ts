/**
 * DescribeConfigs (API key 32): the configs of topics (resource type 2) and brokers (4, 8 for
 * broker loggers), with their sources and, from v1, their synonyms.
 *
 * Versions 0-4; flexible from 4. v0 says whether a value is the default (is_default); v1+ says
 * where it comes from (config_source) instead.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * DescribeConfigs Request (v0-4)
 *   => [resources] include_synonyms(v1+) include_documentation(v3+)
 *   resources => resource_type resource_name [configuration_keys](nullable)
 */
export const describeConfigsRequest = defineMessage({
  name: 'DescribeConfigsRequest',
  apiKey: 32,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    resources: field.array({
      resourceType: field.int8(),
      resourceName: field.string(),
      configurationKeys: field.array(field.string(), { nullableVersions: '0+', default: null }),
    }),
    includeSynonyms: field.bool({ versions: '1+', default: false }),
    includeDocumentation: field.bool({ versions: '3+', default: false }),
  },
})

export type DescribeConfigsRequest = MessageType<typeof describeConfigsRequest>
export type DescribeConfigsRequestInput = MessageInput<typeof describeConfigsRequest>

/*
 * DescribeConfigs Response (v0-4)
 *   => throttle_time_ms [results]
 *   results => error_code error_message(nullable) resource_type resource_name [configs]
 *   configs => name value(nullable) read_only is_default(v0) config_source(v1+) is_sensitive
 *              [synonyms](v1+) config_type(v3+) documentation(v3+, nullable)
 *   synonyms => name value(nullable) source
 */
export const describeConfigsResponse = defineMessage({
  name: 'DescribeConfigsResponse',
  apiKey: 32,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    results: field.array({
      errorCode: field.int16(),
      errorMessage: field.string({ nullableVersions: '0+', default: null }),
      resourceType: field.int8(),
      resourceName: field.string(),
      configs: field.array({
        name: field.string(),
        value: field.string({ nullableVersions: '0+' }),
        readOnly: field.bool(),
        isDefault: field.bool({ versions: '0', default: false }),
        configSource: field.int8({ versions: '1+', default: -1 }),
        isSensitive: field.bool(),
        synonyms: field.array(
          {
            name: field.string(),
            value: field.string({ nullableVersions: '0+' }),
            source: field.int8(),
          },
          { versions: '1+', default: [] },
        ),
        configType: field.int8({ versions: '3+', default: 0 }),
        documentation: field.string({ versions: '3+', nullableVersions: '0+', default: null }),
      }),
    }),
  },
})

export type DescribeConfigsResponse = MessageType<typeof describeConfigsResponse>
export type DescribeConfigsResponseInput = MessageInput<typeof describeConfigsResponse>
