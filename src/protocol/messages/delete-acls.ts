/**
 * DeleteAcls (API key 31): remove the ACL bindings matching each filter (kafka-acls --remove),
 * answering with what each filter removed.
 *
 * Versions 0-3; flexible from 2. v0 has no pattern type (filters are LITERAL).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * DeleteAcls Request (v0-3)
 *   => [filters]
 *   filters => resource_type_filter resource_name_filter(nullable) pattern_type_filter(v1+)
 *              principal_filter(nullable) host_filter(nullable) operation permission_type
 */
export const deleteAclsRequest = defineMessage({
  name: 'DeleteAclsRequest',
  apiKey: 31,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    filters: field.array({
      resourceTypeFilter: field.int8(),
      resourceNameFilter: field.string({ nullableVersions: '0+' }),
      patternTypeFilter: field.int8({ versions: '1+', default: 3 }),
      principalFilter: field.string({ nullableVersions: '0+' }),
      hostFilter: field.string({ nullableVersions: '0+' }),
      operation: field.int8(),
      permissionType: field.int8(),
    }),
  },
})

export type DeleteAclsRequest = MessageType<typeof deleteAclsRequest>
export type DeleteAclsRequestInput = MessageInput<typeof deleteAclsRequest>

/*
 * DeleteAcls Response (v0-3)
 *   => throttle_time_ms [filter_results]
 *   filter_results => error_code error_message(nullable) [matching_acls]
 *   matching_acls => error_code error_message(nullable) resource_type resource_name
 *                    pattern_type(v1+) principal host operation permission_type
 */
export const deleteAclsResponse = defineMessage({
  name: 'DeleteAclsResponse',
  apiKey: 31,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    filterResults: field.array({
      errorCode: field.int16(),
      errorMessage: field.string({ nullableVersions: '0+', default: null }),
      matchingAcls: field.array({
        errorCode: field.int16(),
        errorMessage: field.string({ nullableVersions: '0+', default: null }),
        resourceType: field.int8(),
        resourceName: field.string(),
        patternType: field.int8({ versions: '1+', default: 3 }),
        principal: field.string(),
        host: field.string(),
        operation: field.int8(),
        permissionType: field.int8(),
      }),
    }),
  },
})

export type DeleteAclsResponse = MessageType<typeof deleteAclsResponse>
export type DeleteAclsResponseInput = MessageInput<typeof deleteAclsResponse>
