/**
 * FindCoordinator (API key 10): which broker coordinates a consumer group (key_type 0) or a
 * transactional id (key_type 1).
 *
 * Versions 0-6; flexible from 3. Up to v3 one key per request and one coordinator in the
 * response body; from v4 a batch of keys and a list of coordinators.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * FindCoordinator Request (v0-6)
 *   => key(v0-3) key_type(v1+) [coordinator_keys](v4+)
 */
export const findCoordinatorRequest = defineMessage({
  name: 'FindCoordinatorRequest',
  apiKey: 10,
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: {
    key: field.string({ versions: '0-3', default: '' }),
    keyType: field.int8({ versions: '1+', default: 0, strict: true }),
    coordinatorKeys: field.array(field.string(), { versions: '4+', default: [] }),
  },
})

export type FindCoordinatorRequest = MessageType<typeof findCoordinatorRequest>
export type FindCoordinatorRequestInput = MessageInput<typeof findCoordinatorRequest>

/*
 * FindCoordinator Response (v0-6)
 *   => throttle_time_ms(v1+) error_code(v0-3) error_message(v1-3, nullable) node_id(v0-3)
 *      host(v0-3) port(v0-3) [coordinators](v4+)
 *   coordinators => key node_id host port error_code error_message(nullable)
 */
export const findCoordinatorResponse = defineMessage({
  name: 'FindCoordinatorResponse',
  apiKey: 10,
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: {
    throttleTimeMs: field.int32({ versions: '1+', default: 0 }),
    errorCode: field.int16({ versions: '0-3', default: 0 }),
    errorMessage: field.string({ versions: '1-3', nullableVersions: '1-3', default: null }),
    nodeId: field.int32({ versions: '0-3', default: 0 }),
    host: field.string({ versions: '0-3', default: '' }),
    port: field.int32({ versions: '0-3', default: 0 }),
    coordinators: field.array(
      {
        key: field.string(),
        nodeId: field.int32(),
        host: field.string(),
        port: field.int32(),
        errorCode: field.int16(),
        errorMessage: field.string({ nullableVersions: '4+', default: null }),
      },
      { versions: '4+', default: [] },
    ),
  },
})

export type FindCoordinatorResponse = MessageType<typeof findCoordinatorResponse>
export type FindCoordinatorResponseInput = MessageInput<typeof findCoordinatorResponse>
