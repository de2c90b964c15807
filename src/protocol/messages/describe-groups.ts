/**
 * DescribeGroups (API key 15): state, protocol and members (with their metadata and
 * assignments) of groups.
 *
 * Versions 0-6; flexible from 5. v6 (KIP-1043) answers GROUP_ID_NOT_FOUND, with a message, for a
 * group that does not exist or is not a classic group, where older versions say Dead.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'
import { AUTHORIZED_OPERATIONS_OMITTED } from './metadata.js'

/*
 * DescribeGroups Request (v0-6)
 *   => [groups] include_authorized_operations(v3+)
 */
export const describeGroupsRequest = defineMessage({
  name: 'DescribeGroupsRequest',
  apiKey: 15,
  validVersions: '0-6',
  flexibleVersions: '5+',
  fields: {
    groups: field.array(field.string()),
    includeAuthorizedOperations: field.bool({ versions: '3+', default: false }),
  },
})

export type DescribeGroupsRequest = MessageType<typeof describeGroupsRequest>
export type DescribeGroupsRequestInput = MessageInput<typeof describeGroupsRequest>

/*
 * DescribeGroups Response (v0-6)
 *   => throttle_time_ms(v1+) [groups]
 *   groups => error_code error_message(v6+, nullable) group_id group_state protocol_type protocol_data [members]
 *             authorized_operations(v3+)
 *   members => member_id group_instance_id(v4+, nullable) client_id client_host
 *              member_metadata member_assignment
 */
export const describeGroupsResponse = defineMessage({
  name: 'DescribeGroupsResponse',
  apiKey: 15,
  validVersions: '0-6',
  flexibleVersions: '5+',
  fields: {
    throttleTimeMs: field.int32({ versions: '1+', default: 0 }),
    groups: field.array({
      errorCode: field.int16(),
      errorMessage: field.string({ versions: '6+', nullableVersions: '6+', default: null }),
      groupId: field.string(),
      groupState: field.string(),
      protocolType: field.string(),
      protocolData: field.string(),
      members: field.array({
        memberId: field.string(),
        groupInstanceId: field.string({ versions: '4+', nullableVersions: '4+', default: null }),
        clientId: field.string(),
        clientHost: field.string(),
        memberMetadata: field.bytes(),
        memberAssignment: field.bytes(),
      }),
      authorizedOperations: field.int32({ versions: '3+', default: AUTHORIZED_OPERATIONS_OMITTED }),
    }),
  },
})

export type DescribeGroupsResponse = MessageType<typeof describeGroupsResponse>
export type DescribeGroupsResponseInput = MessageInput<typeof describeGroupsResponse>
