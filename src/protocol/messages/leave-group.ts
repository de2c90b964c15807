/**
 * LeaveGroup (API key 13): members leave a group, triggering a rebalance.
 *
 * Versions 0-5; flexible from 4. Up to v2 one member (member_id); from v3 a batch of members,
 * identified by member id or static group_instance_id, each answered separately.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * LeaveGroup Request (v0-5)
 *   => group_id member_id(v0-2) [members](v3+)
 *   members => member_id group_instance_id(nullable) reason(v5+, nullable)
 */
export const leaveGroupRequest = defineMessage({
  name: 'LeaveGroupRequest',
  apiKey: 13,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: {
    groupId: field.string(),
    memberId: field.string({ versions: '0-2', default: '' }),
    members: field.array(
      {
        memberId: field.string(),
        groupInstanceId: field.string({ nullableVersions: '3+', default: null }),
        reason: field.string({ versions: '5+', nullableVersions: '5+', default: null }),
      },
      { versions: '3+', default: [] },
    ),
  },
})

export type LeaveGroupRequest = MessageType<typeof leaveGroupRequest>
export type LeaveGroupRequestInput = MessageInput<typeof leaveGroupRequest>

/*
 * LeaveGroup Response (v0-5)
 *   => throttle_time_ms(v1+) error_code [members](v3+)
 *   members => member_id group_instance_id(nullable) error_code
 */
export const leaveGroupResponse = defineMessage({
  name: 'LeaveGroupResponse',
  apiKey: 13,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: field.int32({ versions: '1+', default: 0 }),
    errorCode: field.int16(),
    members: field.array(
      {
        memberId: field.string(),
        groupInstanceId: field.string({ nullableVersions: '3+' }),
        errorCode: field.int16(),
      },
      { versions: '3+', default: [] },
    ),
  },
})

export type LeaveGroupResponse = MessageType<typeof leaveGroupResponse>
export type LeaveGroupResponseInput = MessageInput<typeof leaveGroupResponse>
