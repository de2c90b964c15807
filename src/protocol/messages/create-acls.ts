/**
 * CreateAcls (API key 30): add ACL bindings (kafka-acls --add).
 *
 * Versions 0-3; flexible from 2. v0 has no pattern type (every binding is LITERAL).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * CreateAcls Request (v0-3)
 *   => [creations]
 *   creations => resource_type resource_name resource_pattern_type(v1+) principal host operation permission_type
 */
export const createAclsRequest = defineMessage({
  name: 'CreateAclsRequest',
  apiKey: 30,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    creations: field.array({
      resourceType: field.int8(),
      resourceName: field.string(),
      resourcePatternType: field.int8({ versions: '1+', default: 3 }),
      principal: field.string(),
      host: field.string(),
      operation: field.int8(),
      permissionType: field.int8(),
    }),
  },
})

export type CreateAclsRequest = MessageType<typeof createAclsRequest>
export type CreateAclsRequestInput = MessageInput<typeof createAclsRequest>

/*
 * CreateAcls Response (v0-3)
 *   => throttle_time_ms [results]
 *   results => error_code error_message(nullable)
 */
export const createAclsResponse = defineMessage({
  name: 'CreateAclsResponse',
  apiKey: 30,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    results: field.array({
      errorCode: field.int16(),
      errorMessage: field.string({ nullableVersions: '0+', default: null }),
    }),
  },
})

export type CreateAclsResponse = MessageType<typeof createAclsResponse>
export type CreateAclsResponseInput = MessageInput<typeof createAclsResponse>
