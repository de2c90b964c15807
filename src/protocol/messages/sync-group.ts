/**
 * SyncGroup (API key 14): after a rebalance the leader sends every member's assignment; every
 * member receives its own.
 *
 * Versions 0-5; flexible from 4. The assignment bytes are opaque here (for consumers they hold a
 * ConsumerProtocolAssignment, see consumer-protocol.ts).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * SyncGroup Request (v0-5)
 *   => group_id generation_id member_id group_instance_id(v3+, nullable)
 *      protocol_type(v5+, nullable) protocol_name(v5+, nullable) [assignments]
 *   assignments => member_id assignment
 */
export const syncGroupRequest = defineMessage({
  name: 'SyncGroupRequest',
  apiKey: 14,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: {
    groupId: field.string(),
    generationId: field.int32(),
    memberId: field.string(),
    groupInstanceId: field.string({ versions: '3+', nullableVersions: '3+', default: null, strict: true }),
    protocolType: field.string({ versions: '5+', nullableVersions: '5+', default: null }),
    protocolName: field.string({ versions: '5+', nullableVersions: '5+', default: null }),
    assignments: field.array({
      memberId: field.string(),
      assignment: field.bytes(),
    }),
  },
})

export type SyncGroupRequest = MessageType<typeof syncGroupRequest>
export type SyncGroupRequestInput = MessageInput<typeof syncGroupRequest>

/*
 * SyncGroup Response (v0-5)
 *   => throttle_time_ms(v1+) error_code protocol_type(v5+, nullable)
 *      protocol_name(v5+, nullable) assignment
 */
export const syncGroupResponse = defineMessage({
  name: 'SyncGroupResponse',
  apiKey: 14,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: field.int32({ versions: '1+', default: 0 }),
    errorCode: field.int16(),
    protocolType: field.string({ versions: '5+', nullableVersions: '5+', default: null }),
    protocolName: field.string({ versions: '5+', nullableVersions: '5+', default: null }),
    assignment: field.bytes(),
  },
})

export type SyncGroupResponse = MessageType<typeof syncGroupResponse>
export type SyncGroupResponseInput = MessageInput<typeof syncGroupResponse>
