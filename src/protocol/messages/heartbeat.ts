/**
 * Heartbeat (API key 12): a group member says it is alive; the answer tells it when a rebalance
 * has started (REBALANCE_IN_PROGRESS).
 *
 * Versions 0-4; flexible from 4.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * Heartbeat Request (v0-4)
 *   => group_id generation_id member_id group_instance_id(v3+, nullable)
 */
export const heartbeatRequest = defineMessage({
  name: 'HeartbeatRequest',
  apiKey: 12,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    groupId: field.string(),
    generationId: field.int32(),
    memberId: field.string(),
    groupInstanceId: field.string({ versions: '3+', nullableVersions: '3+', default: null, strict: true }),
  },
})

export type HeartbeatRequest = MessageType<typeof heartbeatRequest>
export type HeartbeatRequestInput = MessageInput<typeof heartbeatRequest>

/*
 * Heartbeat Response (v0-4)
 *   => throttle_time_ms(v1+) error_code
 */
export const heartbeatResponse = defineMessage({
  name: 'HeartbeatResponse',
  apiKey: 12,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: field.int32({ versions: '1+', default: 0 }),
    errorCode: field.int16(),
  },
})

export type HeartbeatResponse = MessageType<typeof heartbeatResponse>
export type HeartbeatResponseInput = MessageInput<typeof heartbeatResponse>
