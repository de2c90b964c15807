/**
 * JoinGroup (API key 11): a consumer joins (or rejoins) a classic group and offers the
 * assignment protocols it supports; the coordinator answers when the rebalance completes, telling
 * the leader all members' metadata.
 *
 * Versions 0-9; flexible from 6. From v4 a member without id is first answered with
 * MEMBER_ID_REQUIRED and a new member id; from v5 static members send group_instance_id.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * JoinGroup Request (v0-9)
 *   => group_id session_timeout_ms rebalance_timeout_ms(v1+) member_id
 *      group_instance_id(v5+, nullable) protocol_type [protocols] reason(v8+, nullable)
 *   protocols => name metadata
 */
export const joinGroupRequest = defineMessage({
  name: 'JoinGroupRequest',
  apiKey: 11,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: {
    groupId: field.string(),
    sessionTimeoutMs: field.int32(),
    rebalanceTimeoutMs: field.int32({ versions: '1+', default: -1 }),
    memberId: field.string(),
    groupInstanceId: field.string({ versions: '5+', nullableVersions: '5+', default: null, strict: true }),
    protocolType: field.string(),
    protocols: field.array({
      name: field.string(),
      metadata: field.bytes(),
    }),
    reason: field.string({ versions: '8+', nullableVersions: '8+', default: null }),
  },
})

export type JoinGroupRequest = MessageType<typeof joinGroupRequest>
export type JoinGroupRequestInput = MessageInput<typeof joinGroupRequest>

/*
 * JoinGroup Response (v0-9)
 *   => throttle_time_ms(v2+) error_code generation_id protocol_type(v7+, nullable)
 *      protocol_name(nullable v7+) leader skip_assignment(v9+) member_id [members]
 *   members => member_id group_instance_id(v5+, nullable) metadata
 */
export const joinGroupResponse = defineMessage({
  name: 'JoinGroupResponse',
  apiKey: 11,
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: {
    throttleTimeMs: field.int32({ versions: '2+', default: 0 }),
    errorCode: field.int16(),
    generationId: field.int32({ default: -1 }),
    protocolType: field.string({ versions: '7+', nullableVersions: '7+', default: null }),
    protocolName: field.string({ nullableVersions: '7+' }),
    leader: field.string(),
    skipAssignment: field.bool({ versions: '9+', default: false }),
    memberId: field.string(),
    members: field.array({
      memberId: field.string(),
      groupInstanceId: field.string({ versions: '5+', nullableVersions: '5+', default: null }),
      metadata: field.bytes(),
    }),
  },
})

export type JoinGroupResponse = MessageType<typeof joinGroupResponse>
export type JoinGroupResponseInput = MessageInput<typeof joinGroupResponse>
