/**
 * DescribeAcls (API key 29): the ACL bindings that match one filter (kafka-acls --list),
 * grouped by resource pattern.
 *
 * Versions 0-3; flexible from 2. v0 has no pattern type (the filter is LITERAL).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * DescribeAcls Request (v0-3)
 *   => resource_type_filter resource_name_filter(nullable) pattern_type_filter(v1+)
 *      principal_filter(nullable) host_filter(nullable) operation permission_type
 */
export const describeAclsRequest = defineMessage({
  name: 'DescribeAclsRequest',
  apiKey: 29,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    resourceTypeFilter: field.int8(),
    resourceNameFilter: field.string({ nullableVersions: '0+' }),
    patternTypeFilter: field.int8({ versions: '1+', default: 3 }),
    principalFilter: field.string({ nullableVersions: '0+' }),
    hostFilter: field.string({ nullableVersions: '0+' }),
    operation: field.int8(),
    permissionType: field.int8(),
  },
})

export type DescribeAclsRequest = MessageType<typeof describeAclsRequest>
export type DescribeAclsRequestInput = MessageInput<typeof describeAclsRequest>

/*
 * DescribeAcls Response (v0-3)
 *   => throttle_time_ms error_code error_message(nullable) [resources]
 *   resources => resource_type resource_name pattern_type(v1+) [acls]
 *   acls => principal host operation permission_type
 */
export const describeAclsResponse = defineMessage({
  name: 'DescribeAclsResponse',
  apiKey: 29,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16(),
    errorMessage: field.string({ nullableVersions: '0+', default: null }),
    resources: field.array({
      resourceType: field.int8(),
      resourceName: field.string(),
      patternType: field.int8({ versions: '1+', default: 3 }),
      acls: field.array({
        principal: field.string(),
        host: field.string(),
        operation: field.int8(),
        permissionType: field.int8(),
      }),
    }),
  },
})

export type DescribeAclsResponse = MessageType<typeof describeAclsResponse>
export type DescribeAclsResponseInput = MessageInput<typeof describeAclsResponse>
